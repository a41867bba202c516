"""Header blocks: the "From: / Sent: / To: / Subject:" fields clients put over quoted mail.

Owns the field names in each language and the test of whether a run of field lines is an
email's header block (and not a person's own "Date: Friday" line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from gateway.inbound.html_quotes import FROM_FIELD_NAMES
from gateway.inbound.line_kinds import EMPTY, FIELD, TEXT

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


def field_name(stripped: str) -> str | None:
    """The known field name a line starts with ("from", "betreff"...), or None."""
    match = _FIELD_LINE.match(stripped)
    if match is None:
        return None
    name = match.group(1).lower()
    return name if name in _ALL_FIELDS else None


def field_block_end(texts: Sequence[str], kinds: list[str], i: int) -> int | None:
    """Index of the last line of the header block starting at ``i``, or None if the field
    lines there are not an email's header block (marks them as text then)."""
    names = [field_name(texts[i].strip())]
    last = i
    j = i + 1
    while j < len(kinds):
        if kinds[j] == FIELD:
            names.append(field_name(texts[j].strip()))
            last = j
            j += 1
        elif j + 1 < len(kinds) and kinds[j + 1] == FIELD and kinds[j] in (EMPTY, TEXT):
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
        if kinds[k] == FIELD:
            kinds[k] = TEXT  # checked once; later passes treat these lines as text
    return None
