"""Closing lines: "Regards,", "Thanks, Bob", "Mit freundlichen Grüßen" and their kin.

Owns the closing phrases people end a message with, in the languages the extractor reads,
and the test of whether a short line is one. A closing is the person's own words: it stays
in the reply even where it sits under a quote or above a signature.
"""

from __future__ import annotations

import re

# Phrases per language, lower case, matched at the start of a short line. A phrase is
# followed by the end of the line, a comma, "!" or "." and optionally a name.
CLOSINGS: dict[str, tuple[str, ...]] = {
    "en": (
        "regards",
        "best regards",
        "kind regards",
        "warm regards",
        "best wishes",
        "best",
        "cheers",
        "thanks",
        "thank you",
        "many thanks",
        "thanks again",
        "sincerely",
        "yours sincerely",
        "yours truly",
        "yours",
        "all the best",
        "talk soon",
        "take care",
        "br",
        "rgds",
        "thx",
        "ty",
    ),
    "de": (
        "mit freundlichen grüßen",
        "mit freundlichen grüssen",
        "freundliche grüße",
        "viele grüße",
        "viele grüsse",
        "liebe grüße",
        "beste grüße",
        "grüße",
        "gruß",
        "lg",
        "vg",
        "mfg",
        "danke",
        "vielen dank",
    ),
    "fr": (
        "cordialement",
        "bien cordialement",
        "bien à vous",
        "merci",
        "merci beaucoup",
        "salutations",
        "bonne journée",
        "à bientôt",
        "amitiés",
        "bises",
    ),
    "es": ("saludos", "un saludo", "atentamente", "gracias", "muchas gracias", "abrazos"),
    "it": ("cordiali saluti", "saluti", "distinti saluti", "grazie", "grazie mille", "a presto"),
    "pt": ("atenciosamente", "cumprimentos", "abraços", "abraço", "obrigado", "obrigada"),
    "nl": ("met vriendelijke groet", "vriendelijke groet", "groeten", "groet", "bedankt"),
    "sv": ("med vänliga hälsningar", "vänliga hälsningar", "hälsningar", "mvh", "tack"),
    "da": ("med venlig hilsen", "venlig hilsen", "hilsen", "mvh", "tak"),
    "nb": ("med vennlig hilsen", "vennlig hilsen", "hilsen", "mvh", "takk"),
    "fi": ("ystävällisin terveisin", "terveisin", "kiitos", "t."),
    "pl": ("pozdrawiam", "z poważaniem", "pozdrowienia", "dziękuję", "dzięki"),
    "cs": ("s pozdravem", "s přáním hezkého dne", "díky", "děkuji"),
    "sk": ("s pozdravom", "ďakujem", "vďaka"),
    "hu": ("üdvözlettel", "tisztelettel", "köszönöm", "üdv"),
    "ro": ("cu stimă", "cu respect", "toate cele bune", "mulțumesc", "mulţumesc"),
    "ru": ("с уважением", "спасибо", "всего доброго", "всего хорошего", "с наилучшими пожеланиями"),
    "uk": ("з повагою", "дякую", "всього найкращого"),
    "bg": ("поздрави", "с уважение", "благодаря"),
    "el": ("με εκτίμηση", "ευχαριστώ", "φιλικά", "χαιρετισμούς"),
    "tr": ("saygılarımla", "iyi çalışmalar", "teşekkürler", "sevgiler", "selamlar"),
    "he": ("בברכה", "תודה", "תודה רבה"),
    "ar": ("مع التحية", "مع تحياتي", "شكرا", "شكراً", "تحياتي"),
    "fa": ("با احترام", "با سپاس", "ممنون", "سپاس"),
    "zh": ("谢谢", "此致", "祝好", "顺祝商祺"),
    "ja": ("よろしくお願いします", "よろしくお願いいたします", "ありがとうございます"),
    "ko": ("감사합니다", "감사드립니다"),
    "vi": ("trân trọng", "cảm ơn", "thân ái"),
    "id": ("salam", "terima kasih", "hormat saya"),
    "th": ("ขอบคุณครับ", "ขอบคุณค่ะ", "ขอบคุณ", "ด้วยความเคารพ"),
}

# Longest first, so "best regards" wins over "best".
_PHRASES = sorted({p for phrases in CLOSINGS.values() for p in phrases}, key=len, reverse=True)
_CLOSING = re.compile(
    r"(?:" + "|".join(re.escape(p) for p in _PHRASES) + r")"
    # End of line, or punctuation and at most a short name after it.
    r"(?:\s*[,!.،，、]?\s*$|\s*[,!.،，、]\s*[^\W\d_][\w.' -]{0,40}$)",
    re.IGNORECASE,
)
# A closing line is short; longer lines are prose that happens to start with "Thanks".
_MAX_CLOSING = 60


def is_closing(line: str) -> bool:
    """Is this line a closing ("Regards,", "Thanks, Bob", "Mit freundlichen Grüßen")?"""
    stripped = line.strip(" \t\u00a0\u200b\u200e\u200f")
    return 0 < len(stripped) <= _MAX_CLOSING and _CLOSING.match(stripped) is not None
