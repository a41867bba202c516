"""The field names of quoted header blocks, one table row per language.

Owns the vocabulary of the "From: / Sent: / To: / Subject:" blocks Outlook (and Gmail,
Apple Mail, Thunderbird and Android apps when forwarding) write over quoted mail, as each
client translates them. ``gateway.inbound.header_blocks`` owns the test of whether a run of
such lines is a header block. Adding a language is one row; names are lower case, without
the colon, in their ``match_text`` form (no direction marks, no zero-width joiners).

Stdlib only, data only.
"""

from __future__ import annotations

from dataclasses import dataclass

# The role a field plays in a header block.
FROM = "from"
SENT = "sent"  # the Outlook "Sent:" field: a header word nobody starts a line of prose with
DATE = "date"
TO = "to"
CC = "cc"
SUBJECT = "subject"
OTHER = "other"  # Reply-To, Importance: count as field lines, never as a signal


@dataclass(frozen=True, slots=True)
class FieldNames:
    """One language's names for each role."""

    sender: tuple[str, ...]
    sent: tuple[str, ...]
    date: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: tuple[str, ...]
    other: tuple[str, ...] = ()


F = FieldNames

LANGUAGES: dict[str, FieldNames] = {
    "en": F(
        ("from",),
        ("sent",),
        ("date",),
        ("to",),
        ("cc", "bcc"),
        ("subject",),
        ("reply-to", "importance", "priority"),
    ),
    "de": F(
        ("von",), ("gesendet",), ("datum",), ("an",), ("cc", "kopie"), ("betreff",), ("antwort an",)
    ),
    "fr": F(
        ("de",),
        ("envoyé", "envoyé le"),
        ("date",),
        ("à", "a"),
        ("cc", "cci"),
        ("objet", "sujet"),
        ("répondre à",),
    ),
    "es": F(
        ("de",),
        ("enviado", "enviado el"),
        ("fecha",),
        ("para",),
        ("cc", "cco"),
        ("asunto",),
        ("responder a",),
    ),
    "it": F(
        ("da",),
        ("inviato",),
        ("data",),
        ("a",),
        ("cc", "ccn"),
        ("oggetto",),
        ("risposta", "rispondi a"),
    ),
    "pt": F(
        ("de",),
        ("enviado", "enviada", "enviado em"),
        ("data",),
        ("para",),
        ("cc", "cco"),
        ("assunto",),
    ),
    "nl": F(("van",), ("verzonden",), ("datum",), ("aan",), ("cc",), ("onderwerp",)),
    "sv": F(
        ("från",), ("skickat",), ("datum",), ("till",), ("kopia", "cc"), ("ämne",), ("svara till",)
    ),
    "da": F(("fra",), ("sendt",), ("dato",), ("til",), ("cc",), ("emne",)),
    "nb": F(("fra",), ("sendt",), ("dato",), ("til",), ("kopi", "cc"), ("emne",)),
    "fi": F(
        ("lähettäjä",), ("lähetetty",), ("päivämäärä",), ("vastaanottaja",), ("kopio",), ("aihe",)
    ),
    "pl": F(("od",), ("wysłano", "wysłane"), ("data",), ("do",), ("dw", "kopia"), ("temat",)),
    "cs": F(("od", "odesílatel"), ("odesláno",), ("datum",), ("komu",), ("kopie",), ("předmět",)),
    "sk": F(("od",), ("odoslané",), ("dátum",), ("komu",), ("kópia",), ("predmet",)),
    "hu": F(
        ("feladó",),
        ("elküldve", "küldve"),
        ("dátum",),
        ("címzett",),
        ("másolatot kap", "másolat"),
        ("tárgy",),
    ),
    "ro": F(("de la",), ("trimis",), ("data",), ("către",), ("cc",), ("subiect",)),
    "ru": F(("от",), ("отправлено",), ("дата",), ("кому",), ("копия",), ("тема",)),
    "uk": F(("від",), ("надіслано",), ("дата",), ("кому",), ("копія",), ("тема",)),
    "bg": F(("от",), ("изпратено",), ("дата",), ("до",), ("копие",), ("относно", "тема")),
    "el": F(("από",), ("στάλθηκε",), ("ημερομηνία",), ("προς",), ("κοιν.", "κοιν"), ("θέμα",)),
    "tr": F(
        ("kimden",), ("gönderildi", "gönderilme"), ("tarih",), ("kime",), ("bilgi",), ("konu",)
    ),
    "he": F(("מאת",), ("נשלח",), ("תאריך",), ("אל",), ("עותק",), ("נושא",)),
    "ar": F(
        ("من",),
        ("تاريخ الإرسال", "أرسلت", "تم الإرسال"),
        ("التاريخ",),
        ("إلى",),
        ("نسخة",),
        ("الموضوع",),
    ),
    "fa": F(("از",), ("ارسال شده", "ارسالشده"), ("تاریخ",), ("به",), ("رونوشت",), ("موضوع",)),
    "zh": F(
        ("发件人", "寄件者", "寄件人"),
        ("发送时间", "寄件日期"),
        ("日期", "时间"),
        ("收件人", "收件者"),
        ("抄送", "副本"),
        ("主题", "主旨"),
    ),
    "ja": F(("差出人", "送信者"), ("送信日時",), ("日付",), ("宛先",), ("cc",), ("件名",)),
    "ko": F(("보낸 사람",), ("보낸 날짜",), ("날짜",), ("받는 사람",), ("참조",), ("제목",)),
    "vi": F(("từ",), ("đã gửi",), ("ngày",), ("đến",), ("cc",), ("chủ đề",)),
    "id": F(
        ("dari",),
        ("dikirim",),
        ("tanggal",),
        ("kepada", "ke"),
        ("cc", "tembusan"),
        ("perihal", "subjek"),
    ),
    "th": F(("จาก",), ("ส่ง", "วันที่ส่ง"), ("วันที่",), ("ถึง",), ("สำเนา",), ("เรื่อง",)),
}


def role_names(row: FieldNames) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each role with its names in this language."""
    return (
        (FROM, row.sender),
        (SENT, row.sent),
        (DATE, row.date),
        (TO, row.to),
        (CC, row.cc),
        (SUBJECT, row.subject),
        (OTHER, row.other),
    )


# Field name -> role, across all languages (no name has two roles; a test checks it).
FIELD_ROLES: dict[str, str] = {
    name: role for row in LANGUAGES.values() for role, names in role_names(row) for name in names
}
