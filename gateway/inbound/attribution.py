"""Attribution lines: "On <date>, <name> wrote:" and forwarded-message markers.

Owns the patterns that say whether a line (or a header joined from a few wrapped lines,
with its decoration removed) introduces quoted or forwarded mail, in the languages the
clients we know write them in. Every pattern is anchored and bounded; callers only pass
lines up to ``MAX_CANDIDATE`` (joined headers up to a few hundred characters).
"""

from __future__ import annotations

import re

# --- quote headers ("On <date>, <name> wrote:") --------------------------------------------

# Verbs that end a quote header. Latin ones need a word boundary; CJK ones cannot have one.
_WROTE = (
    r"(?:\b(?:wrote|schrieb|geschrieben|a\s+[ée]crit|escribi[óo]|ha\s+scritto|escreveu"
    r"|schreef|geschreven|skrev|napisa[łl]\(a\)|napisa[łl]a|napisa[łl]|napsal\(a\)|napsala"
    r"|napsal|pisze|написал\(а\)|написала|написал|написав|пише|писав|писала|kirjoitti|írta"
    r"|yazdı|έγραψε|a\s+scris)|写道|寫道|書きました|작성)"
)
# The verb, then (Dutch, German, Norwegian...) possibly the name and address, then a colon.
_WROTE_TAIL = _WROTE + r"(?:.{0,160}[:：])?\s*$"

# "On <date>, <name> wrote:" with a language's leading word; needs a digit (the date).
_LEAD_HEADER = re.compile(
    r"^(?:On|At|Am|Le|El|Il|Em|No\s+dia|Op|Den|På|W\s+dniu|Dnia|Dne|V|В|У|在)\s"
    r".{1,300}" + _WROTE_TAIL,
    re.IGNORECASE,
)
# Date first, or a weekday and a comma first (Polish, Russian, Ukrainian clients):
# "23 mar 2017 21:25 Ann <a@b.c> napisał(a):", "понедельник, 6 октября 2014 г. ... написал:".
_DATE_FIRST_HEADER = re.compile(
    r"^(?:\d|[^\W\d_]{2,15}\.?,\s).{1,300}" + _WROTE_TAIL, re.IGNORECASE
)
# Any lead, but with the address in brackets right before the verb ("Ann <a@b.c> wrote:",
# "Ann (a@b.c) kirjoitti:") or right before the final colon ("... skrev Ann <a@b.c>:").
_EMAIL = r"[^<>()\s@]+@[^<>()\s@]+"
_NAME_EMAIL_HEADER = re.compile(
    r"^[^<>\s][^<>]{0,200}?(?:<\s*(?:mailto:)?" + _EMAIL + r"\s*>|\(" + _EMAIL + r"\)"
    r"|\[mailto:[^\]\s]+\])\s*" + _WROTE_TAIL,
    re.IGNORECASE,
)
_WROTE_NAME_EMAIL_HEADER = re.compile(
    r"^[^<>\s].{0,200}" + _WROTE + r"\s[^<>]{0,100}<\s*" + _EMAIL + r"\s*>\s*[:：]$",
    re.IGNORECASE,
)
# Gmail in several languages: "2016-10-24 15:36 GMT+02:00 Ann <a@b.c>:", "пн, 5 нояб. ... <a@b.c>:".
_DATE_EMAIL_HEADER = re.compile(
    r"^(?:\d|[^\W\d_]{2,15}\.?,\s).{0,300}<\s*[^<>\s@]+@[^<>\s@]+>\s*[:：]$"
)
# Old Gmail without a colon: "2016-03-03 17:21 GMT+01:00 Ann", "2013/7/20 ann <a@b.c>".
_GMAIL_OLD_HEADER = re.compile(
    r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s.{0,200}"
    r"(?:\bGMT[+-]\d{1,2}:?\d{2}\b[^<>]{0,100}|<[^<>\s@]+@[^<>\s@]+>)$"
)
_DIGIT = re.compile(r"\d")
# Cheap test for the first line of a wrapped header: a leading word, a date, a weekday and
# a comma, or a name followed by an address.
_HEADER_START = re.compile(
    r"(?:\d|(?:On|At|Am|Le|El|Il|Em|No|Op|Den|På|W|Dnia|Dne|V|В|У|在)\s"
    r"|[^\W\d_]{2,15}\.?,\s|[^<>]{0,200}?[<(\[@])",
    re.IGNORECASE,
)

# Forward and original-message markers, matched on the line with its decoration removed.
_MARK_PHRASE = re.compile(
    r"^(?:original\s+message|forwarded\s+message|begin\s+forwarded\s+message"
    r"|ursprüngliche\s+nachricht|weitergeleitete\s+nachricht"
    r"|anfang\s+der\s+weitergeleiteten\s+nachricht|message\s+d'origine|message\s+transféré"
    r"|début\s+du\s+message\s+réexpédié|mensaje\s+original|mensaje\s+reenviado"
    r"|inicio\s+del\s+mensaje\s+reenviado|messaggio\s+originale|messaggio\s+inoltrato"
    r"|inizio\s+messaggio\s+inoltrato|mensagem\s+original|mensagem\s+encaminhada"
    r"|início\s+da\s+mensagem\s+reencaminhada|oorspronkelijk\s+bericht|doorgestuurd\s+bericht"
    r"|begin\s+doorgestuurd\s+bericht|ursprungligt\s+meddelande|vidarebefordrat\s+meddelande"
    r"|opprinnelig\s+melding|videresendt\s+melding|oprindelig\s+meddelelse"
    r"|videresendt\s+meddelelse|wiadomość\s+oryginalna|oryginalna\s+wiadomość"
    r"|przekazana\s+wiadomość|исходное\s+сообщение|пересылаемое\s+сообщение"
    r"|пересланное\s+сообщение|оригінальне\s+повідомлення|переслане\s+повідомлення"
    r"|原始邮件|转发的邮件|原始郵件|轉寄的郵件|元のメッセージ|転送されたメッセージ"
    r"|alkuperäinen\s+viesti|välitetty\s+viesti|eredeti\s+üzenet|původní\s+zpráva"
    r"|přeposlaná\s+zpráva|orijinal\s+mesaj|iletilen\s+mesaj)\s*[:：]?$",
    re.IGNORECASE,
)


def decoration_free(text: str) -> str:
    """The line without quote markers, and without dashes, stars and underscores around it."""
    return text.lstrip(" \t>").strip(" \t-*_=")


def is_mark(stripped: str) -> bool:
    """ "-----Original Message-----", "Begin forwarded message:" and their translations."""
    if stripped[0] not in "-*_=" and not stripped.endswith((":", "：")):
        return False
    core = decoration_free(stripped)
    return bool(core) and _MARK_PHRASE.match(core) is not None


def may_start_header(line: str) -> bool:
    """Cheap test: could this (decoration-free) line be the first line of a wrapped header?"""
    return _HEADER_START.match(line) is not None


def is_lead_header(line: str) -> bool:
    """ "On <anything> wrote:" in some language, with or without a date."""
    return _LEAD_HEADER.match(line) is not None


def is_quote_header(core: str) -> bool:
    """Is this decoration-free line (or joined wrapped lines) an attribution line?"""
    if not core:
        return False
    has_digit = _DIGIT.search(core) is not None
    if has_digit and (
        _LEAD_HEADER.match(core)
        or _DATE_FIRST_HEADER.match(core)
        or _DATE_EMAIL_HEADER.match(core)
        or _GMAIL_OLD_HEADER.match(core)
    ):
        return True
    return "@" in core and (
        _NAME_EMAIL_HEADER.match(core) is not None
        or _WROTE_NAME_EMAIL_HEADER.match(core) is not None
    )
