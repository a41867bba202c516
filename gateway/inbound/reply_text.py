"""Reply-text extraction: what the person wrote in a reply email, and what was removed.

Owns: splitting the body of a reply into the text the person wrote and the elided rest
(quoted lines, quote headers such as "On ... wrote:" in many languages, Outlook
"From:/Sent:/To:/Subject:" blocks, forwarded mail, signatures, "Sent from my iPhone").
HTML-only mail goes through ``extract_reply_from_html``, which first cuts the mail client's
quote container, then converts to text (see ``gateway.inbound.html_text``).

Principles: over-trimming (losing real text) is worse than under-trimming, so every rule
that removes text after the person's own text needs a strong signal; whatever is removed
is returned in ``elided`` so the UI can show it collapsed. Every pattern runs in bounded
time on any input: regexes only look at short lines, are anchored and free of nested
unbounded quantifiers, and the work per message is linear in its number of lines.

Judgement calls (each has a test in tests/inbound/test_reply_text.py):
- A body with nothing the person wrote (only quotes, a header and its quote, a bare
  "Sent from my iPhone") gives text "" and elides everything. The peer corpus keeps a
  bare quote (its case quote_only); we report the reply as empty instead.
- A quote the person answers point by point stays, as the context of the answers. After
  the person's text, a header's quote followed by one or two lines up to the end is cut
  with them: those lines are nearly always a signature or a list footer.
- A signature delimiter with no text above it cuts nothing: an empty reply would lose
  whatever the person put below it.

Must not import flask, aiosmtpd, sqlalchemy or anything from gateway.store / gateway.core:
stdlib only, pure functions, safe to call in the SMTP intake hot path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from gateway.inbound.html_text import (
    DEFAULT_BUDGET,
    FROM_FIELD_NAMES,
    HtmlBudget,
    html_to_text,
    split_quoted_html,
)

__all__ = ["ReplyText", "extract_reply_from_html", "extract_reply_text", "html_to_text"]


@dataclass(frozen=True, slots=True)
class ReplyText:
    """The person's own text and what was removed from around it (both outer-stripped)."""

    text: str
    elided: str
    # For HTML mail over its work budget: why it was read as tag-stripped text ("" if not).
    html_fallback: str = ""


# Line kinds. One character each so a message's shape reads like "tteqqq" when debugging.
_EMPTY = "e"
_TEXT = "t"
_QUOTE = "q"
_MARK = "b"  # a quote/forward header: "On ... wrote:", "-----Original Message-----"
_FIELD = "h"  # a header field line such as "From: Ann <a@b.c>" (counts only in a block)
_RULE = "r"  # a line of repeated punctuation: "*****", "=====", "-------"
_SIG_DELIM = "s"  # "--", an em dash or "_____": a signature follows if what follows is short
_RFC_DELIM = "S"  # exactly "-- ": the RFC 3676 section 4.3 signature separator

_DELIMS = frozenset((_SIG_DELIM, _RFC_DELIM))
_SEPARATORS = frozenset((_RULE, _SIG_DELIM, _RFC_DELIM))

# Lines analysed one by one; a body longer than this keeps the rest as one block of text.
_MAX_LINES = 10_000
_UNQUOTED_LINE = re.compile(r"^[ \t]*[^>\s]", re.MULTILINE)
# Only lines up to this length are candidates for header/field/signature patterns; longer
# lines are always text (or quote). This bounds the cost of every regex below.
_MAX_CANDIDATE = 300
# A quote header wrapped over several lines: how many lines back we look, how long the
# joined header may be, and how many join attempts one message may spend in total.
_MAX_WRAP_BACK = 5
_MAX_JOINED = 500
_JOIN_BUDGET = 400

# After "On ... wrote:" and a quote block, text that runs to the end is kept only when it
# is this substantial; a line or two there is almost always a signature or a footer.
_KEEP_AFTER_QUOTE_LINES = 4
_KEEP_AFTER_QUOTE_CHARS = 250

# A block after "--", an em dash or an underscore line counts as a signature when it is
# short and made of short lines (names, titles, phone numbers, links), not prose.
_SIG_MAX_LINES = 10
_SIG_MAX_LINE = 200
_SIG_MAX_AVERAGE = 70
_MOBILE_SIG_MAX = 120

_RULE_CHARS = frozenset("-_=*#~+ \tᐧ")
# Last characters of a line that may end a quote header ("wrote", "wrote ----", ":").
_HEADER_END_HINTS = frozenset(":：-*e")

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

# --- header field blocks (Outlook "From: / Sent: / To: / Subject:") -------------------------

# The name of a field at the start of a line, optionally in *bold* as Gmail renders it.
_FIELD_LINE = re.compile(
    r"^\*{0,2}([^\W\d_][^\W\d_'’]{0,15}(?:[ -][^\W\d_]{1,12}){0,2})\s?\*{0,2}\s?[:：]"
)
_FROM_FIELDS = FROM_FIELD_NAMES
_SUBJECT_FIELDS = frozenset(
    (
        "subject",
        "betreff",
        "objet",
        "asunto",
        "assunto",
        "oggetto",
        "onderwerp",
        "ämne",
        "emne",
        "temat",
        "тема",
        "主题",
        "主旨",
        "件名",
        "aihe",
        "tárgy",
        "předmět",
        "konu",
        "제목",
    )
)
_OTHER_FIELDS = frozenset(
    (
        "sent",
        "date",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "gesendet",
        "datum",
        "an",
        "kopie",
        "antwort an",
        "envoyé",
        "envoyé le",
        "à",
        "a",
        "répondre à",
        "enviado",
        "enviado el",
        "fecha",
        "para",
        "responder a",
        "inviato",
        "data",
        "risposta",
        "rispondi a",
        "verzonden",
        "aan",
        "skickat",
        "till",
        "kopia",
        "svara till",
        "sendt",
        "dato",
        "til",
        "wysłano",
        "do",
        "отправлено",
        "дата",
        "кому",
        "копия",
        "надіслано",
        "发送时间",
        "日期",
        "收件人",
        "抄送",
        "寄件日期",
        "收件者",
        "副本",
        "送信日時",
        "宛先",
        "日付",
        "lähetetty",
        "päivämäärä",
        "vastaanottaja",
        "küldve",
        "dátum",
        "címzett",
        "odesláno",
        "komu",
        "gönderildi",
        "tarih",
        "kime",
        "보낸 날짜",
        "받는 사람",
        "importance",
        "priority",
    )
)
_ALL_FIELDS = _FROM_FIELDS | _SUBJECT_FIELDS | _OTHER_FIELDS

# --- signatures --------------------------------------------------------------------------

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

# Supercite-style quoting ("Ann> text", "C>"), as some Usenet-era clients write it.
_SUPERCITE = re.compile(r"^[A-Z][A-Za-z]{0,11}>(?:\s|$)")


# --- public API ------------------------------------------------------------------------------


def extract_reply_text(body: str) -> ReplyText:
    """Split a text/plain reply body into what the person wrote and what was removed."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    overflow = ""
    if len(lines) > _MAX_LINES:
        # Bounded time on huge bodies: lines past the limit are one opaque block of text,
        # kept unless a cut above it elides it (under-trimming, never over-trimming).
        overflow = "\n".join(lines[_MAX_LINES:])
        lines = lines[:_MAX_LINES]
    fenced = _fenced_lines(lines) if "```" in body else set()
    texts, kinds = _build_units(lines, fenced)
    _mark_headers_before_quotes(texts, kinds)
    if overflow.strip():
        texts.append(overflow)
        kinds.append(_TEXT if _UNQUOTED_LINE.search(overflow) else _QUOTE)
    keep = _drop_embedded_mail(texts, kinds)
    kept = [i for i in range(len(kinds)) if keep[i]]
    kept = _strip_tail(texts, kinds, kept)
    kept = _cut_signature(texts, kinds, kept)
    kept = _strip_tail(texts, kinds, kept)
    if not any(kinds[i] in (_TEXT, _FIELD) for i in kept):
        kept = []  # nothing the person wrote: a bare quote, a bare "Sent from my iPhone"
    kept_set = set(kept)
    text = "\n".join(texts[i] for i in kept)
    elided = "\n".join(texts[i] for i in range(len(texts)) if i not in kept_set)
    return ReplyText(text=text.strip(), elided=elided.strip())


def extract_reply_from_html(html: str, budget: HtmlBudget = DEFAULT_BUDGET) -> ReplyText:
    """Extract the reply from an HTML-only mail: cut the client's quote container first,
    then apply the plain-text rules to the rest (for "On ... wrote:" lines the client left
    outside its container, signatures, "Sent from my iPhone").

    A mail over ``budget`` is read as tag-stripped text by the plain-text rules alone, and
    ``html_fallback`` says why (see ``gateway.inbound.html_text``)."""
    split = split_quoted_html(html, budget)
    reply = extract_reply_text(split.reply)
    if not split.quoted:  # always so for a mail read as stripped text
        return replace(reply, html_fallback=split.fallback)
    if not reply.text:
        # Nothing above the container (a forward without comment, or a reply the person
        # left empty): judge the whole mail as text, so a forwarded body is still kept
        # and an empty reply still comes out empty.
        return extract_reply_text(split.whole)
    elided = "\n\n".join(part for part in (reply.elided, split.quoted) if part)
    return ReplyText(text=reply.text, elided=elided)


# --- line classification -----------------------------------------------------------------


def _build_units(lines: list[str], fenced: set[int]) -> tuple[list[str], list[str]]:
    """Classify lines; a quote header wrapped over several lines becomes one unit."""
    texts: list[str] = []
    kinds: list[str] = []
    floor = 0  # a wrapped header may not reach back before this line
    budget = [_JOIN_BUDGET]
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            kind = _EMPTY
        elif i in fenced:
            kind = _TEXT
            floor = i + 1
        else:
            kind = _QUOTE if stripped[0] == ">" else _classify(stripped, line)
            if (
                kind in (_TEXT, _QUOTE)
                and (stripped[-1] in _HEADER_END_HINTS or stripped[0].isdigit())
                and _may_end_header(stripped)
            ):
                back = _wrapped_header(lines, i, floor, budget)
                if back is not None:
                    # Lines from ``floor`` on are one unit each, so the header's earlier
                    # lines are the last ``back`` units.
                    if back:
                        del texts[-back:]
                        del kinds[-back:]
                    first = i - back
                    texts.append(_join_lines(lines[first : i + 1]))
                    kinds.append(_QUOTE if lines[first].lstrip().startswith(">") else _MARK)
                    floor = i + 1
                    continue
        texts.append(line)
        kinds.append(kind)
    return texts, kinds


def _mark_headers_before_quotes(texts: Sequence[str], kinds: list[str]) -> None:
    """An "On <anything> wrote:" line right above a quote block is its header even with no
    date or address in it (a client set to a terse attribution: "On Mon, Ann wrote:")."""
    for i, kind in enumerate(kinds):
        if kind != _TEXT or not texts[i].rstrip().endswith((":", "：")):
            continue
        line = texts[i].strip()
        if len(line) <= _MAX_CANDIDATE and _LEAD_HEADER.match(line):
            following = _next_non_empty(kinds, i + 1)
            if following < len(kinds) and kinds[following] == _QUOTE:
                kinds[i] = _MARK


def _fenced_lines(lines: Sequence[str]) -> set[int]:
    """Indices of lines inside closed ``` code fences (fence lines included): plain text."""
    fenced: set[int] = set()
    opening: int | None = None
    for i, line in enumerate(lines):
        if not line.lstrip().startswith("```"):
            continue
        if opening is None:
            opening = i
        else:
            fenced.update(range(opening, i + 1))
            opening = None
    return fenced


def _classify(stripped: str, line: str) -> str:
    if not stripped:
        return _EMPTY
    first = stripped[0]
    if first == ">":
        return _QUOTE
    if len(stripped) > _MAX_CANDIDATE:
        return _TEXT
    if first.isupper() and ">" in stripped[:13] and _SUPERCITE.match(stripped):
        return _QUOTE
    if first in _RULE_CHARS or first in "—–":
        separator = _separator_kind(line, stripped)
        if separator is not None:
            return separator
    if _is_mark(stripped):
        return _MARK
    if (":" in stripped[:40] or "：" in stripped[:40]) and _field_name(stripped) is not None:
        return _FIELD
    return _TEXT


def _separator_kind(line: str, stripped: str) -> str | None:
    if line == "-- ":
        return _RFC_DELIM  # RFC 3676 section 4.3: "-- " alone on a line starts a signature
    if stripped in ("--", "—", "–") or (len(stripped) >= 5 and set(stripped) == {"_"}):
        return _SIG_DELIM
    if len(stripped) >= 3 and set(stripped) <= _RULE_CHARS:
        return _RULE
    if stripped == "ᐧ":  # the marker Gmail tracking extensions leave under a message
        return _RULE
    return None


def _decoration_free(text: str) -> str:
    """The line without quote markers, and without dashes, stars and underscores around it."""
    return text.lstrip(" \t>").strip(" \t-*_=")


def _is_mark(stripped: str) -> bool:
    """ "-----Original Message-----", "Begin forwarded message:" and their translations."""
    if stripped[0] not in "-*_=" and not stripped.endswith((":", "：")):
        return False
    core = _decoration_free(stripped)
    return bool(core) and _MARK_PHRASE.match(core) is not None


def _field_name(stripped: str) -> str | None:
    match = _FIELD_LINE.match(stripped)
    if match is None:
        return None
    name = match.group(1).lower()
    return name if name in _ALL_FIELDS else None


# --- quote headers wrapped over several lines ------------------------------------------------


def _may_end_header(stripped: str) -> bool:
    """Cheap pre-check: could this (stripped) line be the last line of a quote header?"""
    if not stripped or len(stripped) > _MAX_CANDIDATE:
        return False
    last = stripped[-1]
    if last in ":：":
        return True
    if last in "-*":  # Zoho: "---- On <date>, <name> wrote ----"
        return stripped.rstrip("-* \t").endswith("wrote")
    # Old Gmail headers have no colon but start with a date.
    return stripped.endswith("wrote") or stripped[0].isdigit()


def _wrapped_header(lines: Sequence[str], end: int, floor: int, budget: list[int]) -> int | None:
    """How many lines before ``end`` the quote header ending at ``end`` starts, or None.

    The nearest start that makes a complete header wins, so a header never swallows the
    text above it; a sentence end ("...interesting.") stops the search.
    """
    end_quoted = lines[end].lstrip().startswith(">")
    for back in range(_MAX_WRAP_BACK + 1):
        first = end - back
        if first < floor:
            return None
        start = lines[first]
        if len(start) > _MAX_CANDIDATE:
            return None
        if not start.strip():
            continue
        if back:
            if _ends_sentence(start):
                return None
            start_quoted = start.lstrip().startswith(">")
            if not _same_quoting(lines, first, end, start_quoted, end_quoted):
                return None
            if not _HEADER_START.match(_decoration_free(start)):
                continue
        joined = _join_lines(lines[first : end + 1])
        if len(joined) > _MAX_JOINED:
            return None
        budget[0] -= 1
        if budget[0] < 0:
            return None
        if _is_quote_header(_decoration_free(joined)):
            return back
    return None


def _same_quoting(
    lines: Sequence[str], first: int, end: int, start_quoted: bool, end_quoted: bool
) -> bool:
    """A header is either quoted on every line or on none (the last line may start with
    ">" when a client wrapped "<address>" so that ">" opens the next line)."""
    if start_quoted and not end_quoted:
        return False
    for i in range(first + 1, end):
        inner = lines[i]
        if inner.strip() and inner.lstrip().startswith(">") != start_quoted:
            return False
    return True


def _ends_sentence(line: str) -> bool:
    stripped = line.rstrip()
    if stripped.endswith(("!", "?")):
        return True
    if not stripped.endswith("."):
        return False
    word = stripped[:-1].rsplit(None, 1)[-1] if stripped[:-1].strip() else ""
    # Long words end sentences; short ones are abbreviations in dates ("janv.", "Fr., 28.").
    return len(word) >= 6 and word.isalpha()


def _join_lines(lines: Sequence[str]) -> str:
    first, *rest = lines
    return first + "".join(" " + line.lstrip() for line in rest if line.strip())


def _is_quote_header(core: str) -> bool:
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


# --- quote headers, forwarded mail and header blocks ------------------------------------------


def _drop_embedded_mail(texts: list[str], kinds: list[str]) -> list[bool]:
    """Which units to keep once quote headers, forwards and Outlook blocks are handled.

    After the person's text, a header cuts the rest of the mail, unless it introduces a
    quote that the person answers below (an inline reply): then only the header goes.
    Before any text (bottom-posting, a forward without comment) a header is dropped, and
    so is the quote it introduces when the person's text follows it.
    """
    keep = [True] * len(kinds)
    seen_text = False
    i = 0
    while i < len(kinds):
        kind = kinds[i]
        if kind == _MARK:
            if seen_text:
                if not _answered_inline(texts, kinds, i):
                    _cut_from(kinds, keep, i)
                    return keep
                keep[i] = False
                i += 1
            else:
                stop = _top_header_extent(texts, kinds, i)
                keep[i:stop] = [False] * (stop - i)
                i = stop
            continue
        if kind == _FIELD:
            last = _field_block_end(texts, kinds, i)
            if last is None:
                seen_text = True
                i += 1
                continue
            if seen_text:
                _cut_from(kinds, keep, i)
                return keep
            keep[i : last + 1] = [False] * (last + 1 - i)
            _drop_separators_above(kinds, keep, i)
            i = last + 1
            continue
        if kind == _TEXT:
            seen_text = True
        i += 1
    return keep


def _next_non_empty(kinds: Sequence[str], i: int) -> int:
    while i < len(kinds) and kinds[i] == _EMPTY:
        i += 1
    return i


def _quote_block_end(kinds: Sequence[str], i: int) -> int:
    """First unit after the quote block starting at ``i`` (blank lines inside included)."""
    while i < len(kinds) and kinds[i] in (_QUOTE, _EMPTY):
        i += 1
    return i


@dataclass(slots=True)
class _AfterQuote:
    """What follows a quote block, up to the next header or signature delimiter."""

    first: str  # kind of the first non-empty unit, "" at the end of the mail
    text_lines: int
    text_chars: int
    interleaved: bool  # text followed by more quote: the person answers point by point


def _after_quote(texts: Sequence[str], kinds: Sequence[str], i: int) -> _AfterQuote:
    j = _next_non_empty(kinds, i)
    first = kinds[j] if j < len(kinds) else ""
    lines = chars = 0
    while j < len(kinds):
        kind = kinds[j]
        if kind == _MARK or kind in _DELIMS:
            break
        if kind in (_TEXT, _FIELD):
            lines += 1
            chars += len(texts[j].strip())
        elif kind == _QUOTE and lines:
            return _AfterQuote(first, lines, chars, interleaved=True)
        j += 1
    return _AfterQuote(first, lines, chars, interleaved=False)


def _answered_inline(texts: Sequence[str], kinds: Sequence[str], i: int) -> bool:
    """Header at ``i`` after the person's text: is its quote answered below it?"""
    quote = _next_non_empty(kinds, i + 1)
    if quote >= len(kinds) or kinds[quote] != _QUOTE:
        return False
    after = _after_quote(texts, kinds, _quote_block_end(kinds, quote))
    if after.first not in (_TEXT, _FIELD):
        return False
    if after.interleaved:
        return True
    return (
        after.text_lines >= _KEEP_AFTER_QUOTE_LINES or after.text_chars >= _KEEP_AFTER_QUOTE_CHARS
    )


def _top_header_extent(texts: Sequence[str], kinds: Sequence[str], i: int) -> int:
    """Header at ``i`` before any text: the index up to which (exclusive) to drop."""
    quote = _next_non_empty(kinds, i + 1)
    if quote >= len(kinds) or kinds[quote] != _QUOTE:
        return i + 1
    end = _quote_block_end(kinds, quote)
    if end >= len(kinds):
        return end  # the header and its quote are all there is
    if _after_quote(texts, kinds, end).interleaved:
        return i + 1  # point-by-point answers: keep the quotes as their context
    return end  # bottom-posted: the person's text follows the quote


def _field_block_end(texts: Sequence[str], kinds: list[str], i: int) -> int | None:
    """Index of the last line of the header block starting at ``i``, or None if the field
    lines there are not an email's header block (marks them as text then)."""
    names = [_field_name(texts[i].strip())]
    last = i
    j = i + 1
    while j < len(kinds):
        if kinds[j] == _FIELD:
            names.append(_field_name(texts[j].strip()))
            last = j
            j += 1
        elif j + 1 < len(kinds) and kinds[j + 1] == _FIELD and kinds[j] in (_EMPTY, _TEXT):
            j += 1  # a blank line between fields, or a wrapped "Subject:" line
        else:
            break
    is_block = (
        len(names) >= 3
        and any(name in _FROM_FIELDS for name in names)
        and any(name in _SUBJECT_FIELDS for name in names)
    )
    if is_block:
        return last
    for k in range(i, last + 1):
        if kinds[k] == _FIELD:
            kinds[k] = _TEXT  # checked once; later passes treat these lines as text
    return None


def _cut_from(kinds: Sequence[str], keep: list[bool], i: int) -> None:
    """Drop everything from ``i`` on, and the separator lines right above it."""
    start = i
    j = i - 1
    while j >= 0 and keep[j] and kinds[j] in (_EMPTY, *_SEPARATORS):
        if kinds[j] != _EMPTY:
            start = j
        j -= 1
    keep[start:] = [False] * (len(keep) - start)


def _drop_separators_above(kinds: Sequence[str], keep: list[bool], i: int) -> None:
    j = i - 1
    while j >= 0 and kinds[j] in (_EMPTY, *_SEPARATORS):
        if kinds[j] != _EMPTY:
            keep[j] = False
        j -= 1


# --- the tail: trailing quotes, mobile signatures, "--" signatures ----------------------------


def _is_mobile_signature(text: str) -> bool:
    stripped = text.strip()
    if len(stripped) > _MOBILE_SIG_MAX or len(stripped.split()) > _MAX_SIG_WORDS:
        return False
    return _MOBILE_SIG.match(stripped) is not None


def _strip_tail(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Drop trailing blank lines, quotes, separators and "Sent from my ..." lines."""
    end = len(kept)
    while end:
        i = kept[end - 1]
        kind = kinds[i]
        removable = kind in (_EMPTY, _QUOTE, *_SEPARATORS) or (
            kind == _TEXT and _is_mobile_signature(texts[i])
        )
        if not removable:
            break
        end -= 1
    return kept[:end]


def _cut_signature(texts: Sequence[str], kinds: Sequence[str], kept: list[int]) -> list[int]:
    """Cut at the first signature delimiter that follows the person's text.

    "-- " (RFC 3676 section 4.3) always starts a signature. "--", an em dash or an
    underscore line do only when a short block of short lines follows (never prose).
    With no text above the delimiter nothing is cut: an empty reply would lose whatever
    the person put below it, and a stray signature is the lesser harm.
    """
    seen_text = False
    for pos, i in enumerate(kept):
        kind = kinds[i]
        if kind in _DELIMS and seen_text:
            if kind == _RFC_DELIM or _looks_like_signature(texts, kept, pos + 1):
                return kept[:pos]
        elif kind in (_TEXT, _FIELD):
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
