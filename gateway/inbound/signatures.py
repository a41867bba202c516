"""Signatures and mobile taglines at the end of a reply.

Owns "Sent from my iPhone" and its translations, the RFC 3676 "-- " delimiter and the
looser ones ("--", an em dash, an underscore line) with the test that what follows them is
a signature (a short block of short lines, never prose), and the trailing lines a reply
sheds (blank lines, quotes, separators, taglines).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.inbound.line_kinds import DELIMS, EMPTY, FIELD, QUOTE, RFC_DELIM, SEPARATORS, TEXT

# A block after "--", an em dash or an underscore line counts as a signature when it is
# short and made of short lines (names, titles, phone numbers, links), not prose.
_SIG_MAX_LINES = 10
_SIG_MAX_LINE = 200
_SIG_MAX_AVERAGE = 70
_MOBILE_SIG_MAX = 120

# "Sent from my iPhone" and friends; matched on a short, trailing line only.
_MOBILE_SIG = re.compile(
    r"^[\s(<\[*_]*(?:"
    r"(?:sent|envoy[ée]|enviad[oa]|inviato|verzonden|verstuurd|gesendet|skickat|sendt"
    r"|wysłane|wysłano|odesláno|lähetetty|отправлено|надіслано|gönderildi)\s+"
    r"(?:from|via|with|by|using|on|depuis|de|desde|do|da|dal|van|vanaf|met|von|mit|från"
    r"|fra|med|z|ze|с|з|kautta)\b"
    # ...but "Sent with love, Ann" is a closing the person wrote.
    r"(?!\s+(?:love|thanks|best|kind|warm|regards|hugs|cheers)\b)"
    r"|(?:\w+\s+){0,2}from\s+(?:my\s+)?(?:mobile|phone|iphone|ipad|android|cell|galaxy"
    r"|blackberry|tablet|smartphone)\b"
    r"|(?:von|vom)\s+meinem\s+.{1,40}?\s+gesendet"
    r"|diese\s+nachricht\s+wurde\s+von\s+meinem\s+.{1,60}?\s+gesendet"
    r"|envoy[ée]\s+(?:de|depuis)\s+mon\b|enviado\s+(?:desde|de)\s+mi\b"
    r"|get\s+\[?outlook\s+for\b|obtenir\s+outlook\s+pour\b|obtener\s+outlook\s+para\b"
    r"|outlook\s+für\s+\w+\s+beziehen|baixe\s+o\s+outlook\b"
    r"|從我的.{1,30}傳送|从我的.{1,30}发送|.{1,20}から送信|.{1,20}에서\s*보냄"
    r")",
    re.IGNORECASE,
)
_MAX_SIG_WORDS = 12


def is_mobile_signature(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > _MOBILE_SIG_MAX or len(stripped.split()) > _MAX_SIG_WORDS:
        return False
    return _MOBILE_SIG.match(stripped) is not None


def strip_tail(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Drop trailing blank lines, quotes, separators and "Sent from my ..." lines."""
    end = len(kept)
    while end:
        i = kept[end - 1]
        kind = kinds[i]
        removable = kind in (EMPTY, QUOTE, *SEPARATORS) or (
            kind == TEXT and is_mobile_signature(texts[i])
        )
        if not removable:
            break
        end -= 1
    return kept[:end]


def cut_signature(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Cut at the first signature delimiter that follows the person's text.

    "-- " (RFC 3676 section 4.3) always starts a signature. "--", an em dash or an
    underscore line do only when a short block of short lines follows (never prose).
    With no text above the delimiter nothing is cut: an empty reply would lose whatever
    the person put below it, and a stray signature is the lesser harm.
    """
    seen_text = False
    for pos, i in enumerate(kept):
        kind = kinds[i]
        if kind in DELIMS and seen_text:
            if kind == RFC_DELIM or _looks_like_signature(texts, kept, pos + 1):
                return kept[:pos]
        elif kind in (TEXT, FIELD):
            seen_text = True
    return kept


def _looks_like_signature(texts: Sequence[str], kept: Sequence[int], start: int) -> bool:
    """Is ``kept[start:]`` a short block of short lines? Stops early, so a mail full of
    delimiters stays linear."""
    count = total = 0
    for pos in range(start, len(kept)):
        length = len(texts[kept[pos]].strip())
        if not length:
            continue
        count += 1
        total += length
        if count > _SIG_MAX_LINES or length > _SIG_MAX_LINE:
            return False
    return total <= _SIG_MAX_AVERAGE * count
