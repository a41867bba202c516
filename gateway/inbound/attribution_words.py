"""The words of attribution lines and forward markers, one table row per language.

Owns the vocabulary: which word leads an attribution ("On", "Am", "Le", "בתאריך"...), which
word says "wrote" ("wrote", "schrieb", "a écrit", "写道"...), and the phrases of
"-----Original Message-----" style markers, as the mail clients write them (Gmail, Outlook,
Apple Mail, Thunderbird, Android mail apps). ``gateway.inbound.attribution`` owns the shapes
these words are matched in. Adding a language is one row: words in lower case, without the
final colon, verbs as their last word ("a écrit" -> "écrit").

Examples of the lines (Gmail unless said otherwise), for reading the rows:
  vi "Vào Th 2, 7 thg 12, 2026 vào lúc 10:04 Alice <a@b.c> đã viết:"
  zh "Alice <a@b.c> 于2026年12月7日周一 10:04写道："
  ja "2026年12月7日(月) 10:04 Alice <a@b.c>:", Apple "2026/12/07 10:04、Alice <a@b.c>のメール:"
  ko "2026년 12월 7일 (월) 오전 10:04, Alice <a@b.c>님이 작성:"
  he "בתאריך יום ב׳, 7 בדצמ׳ 2026 ב-10:04 מאת Alice <a@b.c>:"
  ar "في الاثنين، 7 ديسمبر 2026 في 10:04 ص تمت كتابة ما يلي بواسطة Alice <a@b.c>:"
  he (iPhone) "ב-7 בדצמ׳ 2026, בשעה 10:04, Alice <a@b.c> כתב/ה:"
  pl (Apple) "Wiadomość napisana przez Alice <a@b.c> w dniu 07.12.2026, o godz. 10:04:"
  fa "در تاریخ دوشنبه ۷ دسامبر ۲۰۲۶ ساعت ۱۰:۰۴ Alice <a@b.c> نوشت:"
  tr "Alice <a@b.c>, 7 Ara 2026 Pzt, 10:04 tarihinde şunu yazdı:"
  hu "Alice <a@b.c> ezt írta (időpont: 2026. dec. 7., H, 10:04):"
  cs "po 7. 12. 2026 v 10:04 odesílatel Alice <a@b.c> napsal:"
  th "เมื่อ จ. 7 ธ.ค. 2026 เวลา 10:04 Alice <a@b.c> เขียนว่า:"

Stdlib only, data only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AttributionWords:
    """One language: lead words, "wrote" words and forward-marker phrases (lower case)."""

    # One word, or two ("w dniu") where the first alone is too common a word.
    leads: tuple[str, ...] = ()
    # Verbs written as a word of their own (a whole whitespace-separated token).
    wrote: tuple[str, ...] = ()
    # Verbs written without spaces around them (Chinese, Japanese, Korean, Thai).
    wrote_joined: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()


W = AttributionWords

LANGUAGES: dict[str, AttributionWords] = {
    "en": W(
        ("on", "at"),
        ("wrote", "writes"),
        (),
        ("original message", "forwarded message", "begin forwarded message"),
    ),
    "de": W(
        ("am",),
        ("schrieb", "geschrieben"),
        (),
        (
            "ursprüngliche nachricht",
            "original-nachricht",
            "originalnachricht",
            "weitergeleitete nachricht",
            "anfang der weitergeleiteten nachricht",
        ),
    ),
    "fr": W(
        ("le",),
        ("écrit", "ecrit"),
        (),
        (
            "message d'origine",
            "message original",
            "message transféré",
            "début du message réexpédié",
        ),
    ),
    "es": W(
        ("el",),
        ("escribió", "escribio"),
        (),
        ("mensaje original", "mensaje reenviado", "inicio del mensaje reenviado"),
    ),
    "it": W(
        ("il",),
        ("scritto", "scrive"),
        (),
        ("messaggio originale", "messaggio inoltrato", "inizio messaggio inoltrato"),
    ),
    "pt": W(
        ("em", "no dia", "na data"),
        ("escreveu",),
        (),
        (
            "mensagem original",
            "mensagem encaminhada",
            "mensagem reencaminhada",
            "início da mensagem reencaminhada",
        ),
    ),
    "nl": W(
        ("op",),
        ("schreef", "geschreven"),
        (),
        (
            "oorspronkelijk bericht",
            "origineel bericht",
            "doorgestuurd bericht",
            "begin doorgestuurd bericht",
        ),
    ),
    "sv": W(
        ("den", "på"),
        ("skrev",),
        (),
        ("ursprungligt meddelande", "originalmeddelande", "vidarebefordrat meddelande"),
    ),
    "da": W(
        ("den", "d."),
        ("skrev",),
        (),
        (
            "oprindelig meddelelse",
            "original meddelelse",
            "videresendt meddelelse",
            "videresendt besked",
        ),
    ),
    "nb": W(
        ("den",),
        ("skrev",),
        (),
        ("opprinnelig melding", "original melding", "videresendt melding"),
    ),
    "fi": W(
        (),
        ("kirjoitti",),
        (),
        ("alkuperäinen viesti", "välitetty viesti", "edelleenlähetetty viesti"),
    ),
    "pl": W(
        ("w dniu", "dnia", "wiadomość napisana"),
        ("napisał(a)", "napisał", "napisała", "pisze", "nadesłał", "napisana"),
        (),
        ("wiadomość oryginalna", "oryginalna wiadomość", "przekazana wiadomość"),
    ),
    "cs": W(
        ("dne",),
        ("napsal(a)", "napsal", "napsala"),
        (),
        ("původní zpráva", "přeposlaná zpráva"),
    ),
    "sk": W(
        ("dňa",),
        ("napísal(a)", "napísal", "napísala"),
        (),
        ("pôvodná správa", "preposlaná správa"),
    ),
    "hu": W(
        (),
        ("írta",),
        (),
        ("eredeti üzenet", "továbbított üzenet"),
    ),
    "ro": W(
        ("pe", "în data"),
        ("scris",),
        (),
        ("mesaj original", "mesajul original", "mesaj redirecționat"),
    ),
    "ru": W(
        ("в",),
        ("написал(а)", "написал", "написала", "пишет"),
        (),
        ("исходное сообщение", "пересылаемое сообщение", "пересланное сообщение"),
    ),
    "uk": W(
        ("у", "в"),
        ("написав(ла)", "написав", "написала", "пише", "писав"),
        (),
        ("оригінальне повідомлення", "переслане повідомлення"),
    ),
    "bg": W(
        ("на",),
        ("написа",),
        (),
        ("оригинално съобщение", "оригинално писмо", "препратено съобщение"),
    ),
    "el": W(
        ("στις", "την"),
        ("έγραψε",),
        (),
        ("αρχικό μήνυμα", "προωθημένο μήνυμα"),
    ),
    "tr": W(
        (),
        ("yazdı",),
        (),
        ("orijinal mesaj", "özgün ileti", "iletilen mesaj", "iletilmiş mesaj"),
    ),
    "he": W(
        ("בתאריך", "ביום"),
        ("מאת", "כתב", "כתבה", "כתב/ה"),
        (),
        ("הודעה מקורית", "הודעה שהועברה", "הודעה מועברת"),
    ),
    "ar": W(
        ("في", "بتاريخ"),
        ("كتب", "كتبت", "بواسطة"),
        (),
        ("الرسالة الأصلية", "رسالة معاد توجيهها", "الرسالة المعاد توجيهها"),
    ),
    "fa": W(
        ("در",),
        ("نوشت",),
        (),
        ("پیام اصلی", "پیام بازارسال شده", "پیام بازارسالشده"),
    ),
    "zh": W(
        ("在",),
        (),
        ("写道", "寫道"),
        ("原始邮件", "原始郵件", "转发的邮件", "轉寄的郵件", "转发邮件"),
    ),
    "ja": W(
        (),
        (),
        ("のメール", "書きました"),
        ("元のメッセージ", "転送されたメッセージ", "転送メッセージ"),
    ),
    "ko": W(
        (),
        (),
        ("작성",),
        ("원본 메시지", "전달된 메시지"),
    ),
    "vi": W(
        ("vào",),
        ("viết",),
        (),
        ("thư gốc", "tin nhắn gốc", "thư đã chuyển tiếp", "thư được chuyển tiếp"),
    ),
    "id": W(
        ("pada",),
        ("menulis",),
        (),
        ("pesan asli", "pesan terusan", "pesan yang diteruskan"),
    ),
    "th": W(
        ("เมื่อ",),
        (),
        ("เขียนว่า", "เขียน"),
        ("ข้อความต้นฉบับ", "ข้อความที่ส่งต่อ"),
    ),
}

LEAD_WORDS = frozenset(word for row in LANGUAGES.values() for word in row.leads)
WROTE_WORDS = frozenset(word for row in LANGUAGES.values() for word in row.wrote)
WROTE_JOINED = tuple(word for row in LANGUAGES.values() for word in row.wrote_joined)
MARK_PHRASES = frozenset(phrase for row in LANGUAGES.values() for phrase in row.marks)
# Leads that may be written without a space after them ("在2026年12月7日...").
JOINED_LEADS = ("在", "ב-")
