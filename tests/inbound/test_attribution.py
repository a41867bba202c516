"""Attribution lines ("On <date>, <name> wrote:") in every form mail clients write them.

Each case is a whole reply body run through ``extract_reply_text``: the person's reply must
come out exactly, and the attribution with its quote must be elided. The headers are the
ones Gmail, Apple Mail, Thunderbird, Outlook and Android apps write in 30 languages; each
language's Gmail header is also checked wrapped by the client at every width from 60 to 78
columns (with a long list name, so it spans two or three lines), sharing its line with the
reply, with direction marks, with no-break spaces and with a full-width colon.
"""

from __future__ import annotations

import textwrap
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.reply_text import extract_reply_text

REPLY = "Sounds good."
QUOTE = "> Can we ship on Friday?\n>\n> Alice"
SHORT = "Alice <a@b.c>"
LONG_NAME = "Alice Archer via Quarterly planning for the Northern region"
LONG_ADDRESS = "r+abc@example.com"

# language -> the header each client writes (Gmail first), with SHORT as the sender.
HEADERS: dict[str, list[str]] = {
    "en": [
        "On Mon, 7 Dec 2026 at 10:04, Alice <a@b.c> wrote:",
        "On Mon, Dec 7, 2026 at 10:04\u202fAM Alice <a@b.c> wrote:",
        "On 7 Dec 2026, at 10:04, Alice <a@b.c> wrote:",
        "On 07/12/2026 10:04, Alice wrote:",
        "On Monday, December 7, 2026, 10:04:00 AM GMT+1, Alice <a@b.c> wrote:",
        "At 10:04 07/12/2026, Alice wrote:",
    ],
    "de": [
        "Am Mo., 7. Dez. 2026 um 10:04 Uhr schrieb Alice <a@b.c>:",
        "Am 07.12.2026 um 10:04 schrieb Alice <a@b.c>:",
        "Am 07.12.26 um 10:04 schrieb Alice:",
        "Alice <a@b.c> schrieb am 7. Dezember 2026 10:04:19 MEZ:",
    ],
    "fr": [
        "Le lun. 7 déc. 2026 à 10:04, Alice <a@b.c> a écrit :",
        "Le 7 déc. 2026 à 10:04, Alice <a@b.c> a écrit :",
        "Le 07/12/2026 à 10:04, Alice a écrit :",
    ],
    "es": [
        "El lun, 7 dic 2026 a las 10:04, Alice (<a@b.c>) escribió:",
        "El 7 dic 2026, a las 10:04, Alice <a@b.c> escribió:",
        "El 7/12/26 a las 10:04, Alice escribió:",
    ],
    "it": [
        "Il giorno lun 7 dic 2026 alle ore 10:04 Alice <a@b.c> ha scritto:",
        "Il giorno 7 dic 2026, alle ore 10:04, Alice <a@b.c> ha scritto:",
        "Il 07/12/2026 10:04, Alice ha scritto:",
    ],
    "pt": [
        "Em seg., 7 de dez. de 2026 às 10:04, Alice <a@b.c> escreveu:",
        "Alice <a@b.c> escreveu no dia segunda, 7/12/2026 à(s) 10:04:",
        "No dia 7 de dez. de 2026, às 10:04, Alice <a@b.c> escreveu:",
    ],
    "nl": [
        "Op ma 7 dec 2026 om 10:04 schreef Alice <a@b.c>:",
        "Op 7 dec. 2026 om 10:04 heeft Alice <a@b.c> het volgende geschreven:",
        "Op 07-12-2026 om 10:04 schreef Alice:",
    ],
    "sv": [
        "Den mån 7 dec. 2026 kl 10:04 skrev Alice <a@b.c>:",
        "7 dec. 2026 kl. 10:04 skrev Alice <a@b.c>:",
        "Den 2026-12-07 kl. 10:04, skrev Alice:",
    ],
    "da": [
        "Den man. 7. dec. 2026 kl. 10.04 skrev Alice <a@b.c>:",
        "Den 7. dec. 2026 kl. 10.04 skrev Alice <a@b.c>:",
    ],
    "nb": [
        "man. 7. des. 2026 kl. 10:04 skrev Alice <a@b.c>:",
        "7. des. 2026 kl. 10:04 skrev Alice <a@b.c>:",
        "Den 07.12.2026 10:04, skrev Alice:",
    ],
    "fi": [
        "ma 7.12.2026 klo 10.04 Alice <a@b.c> kirjoitti:",
        "7.12.2026 kello 10.04 Alice <a@b.c> kirjoitti:",
        "Alice kirjoitti 7.12.2026 klo 10.04:",
    ],
    "pl": [
        "pon., 7 gru 2026 o 10:04 Alice <a@b.c> napisał(a):",
        "W dniu 7.12.2026 o 10:04, Alice pisze:",
    ],
    "cs": [
        "po 7. 12. 2026 v 10:04 odesílatel Alice <a@b.c> napsal:",
        "Dne 07. 12. 26 v 10:04 Alice napsal(a):",
    ],
    "sk": [
        "Po 7. 12. 2026 o 10:04 Alice <a@b.c> napísal(a):",
        "Dňa 7. 12. 2026 o 10:04 Alice napísal(a):",
    ],
    "hu": [
        "Alice <a@b.c> ezt írta (időpont: 2026. dec. 7., H, 10:04):",
        "2026. 12. 07. 10:04 keltezéssel, Alice írta:",
    ],
    "ro": [
        "Pe lun., 7 dec. 2026 la 10:04, Alice <a@b.c> a scris:",
        "Pe 07.12.2026 10:04, Alice a scris:",
    ],
    "ru": [
        "пн, 7 дек. 2026 г. в 10:04, Alice <a@b.c>:",
        "7 дек. 2026 г., в 10:04, Alice <a@b.c> написал(а):",
        "07.12.2026 10:04, Alice пишет:",
        '07.12.2026, 10:04, "Alice" <a@b.c>:',
    ],
    "uk": [
        "пн, 7 груд. 2026 р. о 10:04 Alice <a@b.c> пише:",
        "07.12.2026 10:04, Alice пише:",
    ],
    "bg": ["На пн, 7.12.2026 г. в 10:04 Alice <a@b.c> написа:"],
    "el": ["Στις Δευ 7 Δεκ 2026 στις 10:04, ο/η Alice <a@b.c> έγραψε:"],
    "tr": [
        "Alice <a@b.c>, 7 Ara 2026 Pzt, 10:04 tarihinde şunu yazdı:",
        "7.12.2026 10:04 tarihinde Alice yazdı:",
    ],
    "he": ["בתאריך יום ב׳, 7 בדצמ׳ 2026 ב-10:04 מאת Alice <a@b.c>:"],
    "ar": ["في الاثنين، 7 ديسمبر 2026 في 10:04 ص، كتب Alice <a@b.c>:"],
    "fa": ["در تاریخ دوشنبه ۷ دسامبر ۲۰۲۶ ساعت ۱۰:۰۴ Alice <a@b.c> نوشت:"],
    "zh": [
        "Alice <a@b.c> 于2026年12月7日周一 10:04写道：",
        "Alice <a@b.c> 於 2026年12月7日 週一 上午10:04寫道：",
        "2026年12月7日 10:04，Alice <a@b.c> 写道：",
        "在 2026年12月7日，上午10:04，Alice <a@b.c> 写道：",
    ],
    "ja": [
        "2026年12月7日(月) 10:04 Alice <a@b.c>:",
        "2026/12/07 10:04、Alice <a@b.c>のメール:",
        "On 2026/12/07 10:04, Alice wrote:",
    ],
    "ko": [
        "2026년 12월 7일 (월) 오전 10:04, Alice <a@b.c>님이 작성:",
        "2026. 12. 7. 오전 10:04, Alice <a@b.c> 작성:",
    ],
    "vi": ["Vào Th 2, 7 thg 12, 2026 vào lúc 10:04 Alice <a@b.c> đã viết:"],
    "id": [
        "Pada tanggal Sen, 7 Des 2026 pukul 10.04 Alice <a@b.c> menulis:",
        "Pada Sen, 7 Des 2026 pukul 10.04, Alice <a@b.c> menulis:",
    ],
    "th": ["เมื่อ จ. 7 ธ.ค. 2026 เวลา 10:04 Alice <a@b.c> เขียนว่า:"],
}
GMAIL = {language: headers[0] for language, headers in HEADERS.items()}
ALL_HEADERS = [
    pytest.param(header, id=f"{language}-{index}")
    for language, headers in HEADERS.items()
    for index, header in enumerate(headers)
]
GMAIL_HEADERS = [pytest.param(header, id=language) for language, header in GMAIL.items()]


def reply_body(header: str, *, reply: str = REPLY, between: str = "\n\n") -> str:
    return f"{reply}{between}{header}\n\n{QUOTE}\n"


def assert_cut(body: str, header: str, reply: str = REPLY) -> None:
    result = extract_reply_text(body)
    assert result.text == reply
    assert result.elided == f"{header}\n\n{QUOTE}"


def wraps(header: str) -> list[list[str]]:
    """The distinct ways a client wrapping at 60 to 78 columns splits ``header``."""
    seen: dict[tuple[str, ...], None] = {}
    for width in range(60, 79):
        lines = textwrap.wrap(header, width, break_long_words=False, break_on_hyphens=False)
        if len(lines) > 1:
            seen.setdefault(tuple(lines))
    return [list(lines) for lines in seen]


def with_long_name(header: str) -> str:
    return header.replace("a@b.c", LONG_ADDRESS).replace("Alice", LONG_NAME, 1)


def test_every_language_has_a_gmail_header() -> None:
    assert len(HEADERS) == 30


# --- every client's header, plain ----------------------------------------------------------


@pytest.mark.parametrize("header", ALL_HEADERS)
def test_attribution_and_its_quote_are_elided_below_the_reply(header: str) -> None:
    assert_cut(reply_body(header), header)


@pytest.mark.parametrize("header", ALL_HEADERS)
def test_attribution_with_a_long_list_name_is_elided(header: str) -> None:
    long = with_long_name(header)
    assert_cut(reply_body(long), long)


@pytest.mark.parametrize("header", ALL_HEADERS)
def test_bottom_posted_reply_below_the_attribution_is_kept(header: str) -> None:
    body = f"{header}\n{QUOTE}\n\n{REPLY}\n"

    result = extract_reply_text(body)

    assert result.text == REPLY
    assert result.elided == f"{header}\n{QUOTE}"


# --- wrapped by the client -------------------------------------------------------------------


def wrapped_cases() -> list[object]:
    cases = []
    for language, header in GMAIL.items():
        for index, lines in enumerate(wraps(with_long_name(header))):
            cases.append(pytest.param(lines, id=f"{language}-{index}-{len(lines)}lines"))
    return cases


WRAPPED = wrapped_cases()


def test_wrapped_cases_cover_two_and_three_lines_in_every_language() -> None:
    languages = {case.id.split("-")[0] for case in WRAPPED}  # type: ignore[attr-defined]
    line_counts = {len(case.values[0]) for case in WRAPPED}  # type: ignore[attr-defined]
    assert languages == set(HEADERS)
    assert line_counts == {2, 3}


@pytest.mark.parametrize("lines", WRAPPED)
def test_wrapped_attribution_is_elided_as_one_line(lines: list[str]) -> None:
    assert_cut(reply_body("\n".join(lines)), " ".join(lines))


@pytest.mark.parametrize("lines", WRAPPED)
def test_wrapped_attribution_sharing_its_first_line_with_the_reply_keeps_the_reply(
    lines: list[str],
) -> None:
    body = reply_body("\n".join(lines), between=" ")

    result = extract_reply_text(body)

    assert result.text == REPLY
    assert result.elided == f"{' '.join(lines)}\n\n{QUOTE}"


def test_name_split_in_the_middle_by_gmail_wrapping_is_joined() -> None:
    header = (
        "On Mon, 7 Dec 2026 at 10:04, Alice Archer via Quarterly planning for the\n"
        "Northern region <r+abc@example.com> wrote:"
    )
    assert_cut(reply_body(header), header.replace("\n", " "))


def test_attribution_wrapped_over_three_lines_is_joined() -> None:
    header = (
        "On Mon, 7 Dec 2026 at 10:04, Alice Archer via Quarterly planning for the\n"
        "Northern region <quarterly-planning-northern-region+abcdef@example.com>\n"
        "wrote:"
    )
    assert_cut(reply_body(header), header.replace("\n", " "))


def test_hungarian_date_wrapped_onto_the_next_line_is_joined() -> None:
    header = "Alice Archer <alice.archer@example.com> ezt írta (időpont: 2026. dec.\n7., H, 10:04):"
    assert_cut(reply_body(header), header.replace("\n", " "))


# --- sharing the line with the reply ----------------------------------------------------------


@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_attribution_sharing_the_line_with_the_reply_keeps_the_reply(header: str) -> None:
    body = reply_body(header, between=" ")

    result = extract_reply_text(body)

    assert result.text == REPLY
    assert result.elided == f"{header}\n\n{QUOTE}"


@pytest.mark.parametrize("reply", ["Ok.", "Yes! Thanks.", "Thanks, Bob. See you then."])
def test_short_replies_before_an_attribution_on_the_same_line_are_kept(reply: str) -> None:
    for header in ("On Mon, 7 Dec 2026 at 10:04, Alice <a@b.c> wrote:", "Alice <a@b.c> wrote:"):
        assert_cut(reply_body(header, reply=reply, between=" "), header, reply=reply)


@pytest.mark.parametrize(
    "reply",
    ["On Monday we ship v2.", "At 10:04 the build went green!", "Am Montag geht es los."],
)
def test_sentence_with_a_lead_word_and_a_digit_before_a_name_first_attribution_is_kept(
    reply: str,
) -> None:
    header = "Alice <a@b.c> wrote:"
    assert_cut(reply_body(header, reply=reply, between=" "), header, reply=reply)


def test_title_before_a_name_is_not_taken_for_the_end_of_a_sentence() -> None:
    header = "Dr. Alice Archer <a@b.c> wrote:"
    assert_cut(reply_body(header), header)


# --- invisible marks, odd spaces, full-width colons ---------------------------------------------


def with_direction_marks(header: str) -> str:
    marked = header.replace(SHORT, "\u2068Alice\u2069 \u200e<a@b.c>\u200e")
    return "\u200f" + marked[:-1] + "\u200f" + marked[-1]


@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_attribution_with_direction_marks_anywhere_is_elided(header: str) -> None:
    marked = with_direction_marks(header)
    assert marked != header
    assert_cut(reply_body(marked), marked)


@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_attribution_in_an_embedding_is_elided(header: str) -> None:
    embedded = "\u202b" + header + "\u202c"
    assert_cut(reply_body(embedded), embedded)


BIDI_MARKS = [
    "\u200e",
    "\u200f",
    *map(chr, range(0x202A, 0x202F)),
    *map(chr, range(0x2066, 0x206A)),
]


@pytest.mark.parametrize("mark", BIDI_MARKS, ids=lambda mark: f"U+{ord(mark):04X}")
@pytest.mark.parametrize("language", ["en", "he", "ar", "fa", "zh"])
def test_each_direction_mark_between_every_word_is_ignored(language: str, mark: str) -> None:
    marked = mark + GMAIL[language].replace(" ", f" {mark}") + mark
    assert_cut(reply_body(marked), marked)


@pytest.mark.parametrize("space", ["\u00a0", "\u202f"])
@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_attribution_with_no_break_spaces_is_elided(header: str, space: str) -> None:
    spaced = header.replace(" ", space)
    assert_cut(reply_body(spaced), spaced)


@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_attribution_with_a_full_width_colon_is_elided(header: str) -> None:
    full_width = header[:-1] + "："
    assert_cut(reply_body(full_width), full_width)


@pytest.mark.parametrize("header", GMAIL_HEADERS)
def test_wrapped_attribution_with_direction_marks_is_joined(header: str) -> None:
    lines = wraps(with_long_name(header))[0]
    marked = ["\u200f" + line + "\u200e" for line in lines]
    assert_cut(reply_body("\n".join(marked)), " ".join(marked))


# --- name first, "wrote on <date>", decorated and Android forms ---------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Alice <a@b.c> wrote on 7 Dec 2026 10:04:",
        "Alice <a@b.c> wrote on Mon, 7 Dec 2026 at 10:04:",
        "Alice Archer (a@b.c) wrote on 07/12/2026 10:04:",
        "Alice <a@b.c> wrote:",
        "Alice [mailto:a@b.c] wrote:",
    ],
)
def test_name_first_attribution_is_elided(header: str) -> None:
    assert_cut(reply_body(header), header)


@pytest.mark.parametrize(
    "header",
    [
        "Alice wrote on Mon, 7 Dec 2026 at 10:04:",
        "Alice Archer wrote on 7 Dec 2026 10:04:",
        "On Mon, Alice Archer wrote:",
        "Alice schrieb am 7. Dezember 2026 10:04:",
    ],
)
def test_attribution_without_an_address_is_elided_above_a_quote(header: str) -> None:
    assert_cut(reply_body(header), header)


@pytest.mark.parametrize(
    "header",
    [
        "---- Alice wrote ----",
        "---- Alice schrieb ----",
        "---- On Mon, 7 Dec 2026 10:04:00 +0100 Alice <a@b.c> wrote ----",
        "---- Le lun., 7 déc. 2026 10:04:00 +0100 Alice a écrit ----",
    ],
)
def test_android_and_zoho_decorated_attributions_are_elided(header: str) -> None:
    assert_cut(reply_body(header), header)


def test_android_original_message_block_cuts_the_quoted_mail() -> None:
    block = (
        "-------- Original message --------\n"
        "From: Alice <a@b.c>\n"
        "Date: 12/7/26 10:04 (GMT+01:00)\n"
        "To: Bob <bob@example.com>\n"
        "Subject: Re: Plan\n\n"
        "Can we ship on Friday?"
    )
    result = extract_reply_text(f"{REPLY}\n\n{block}\n")

    assert result.text == REPLY
    assert result.elided == block


def test_android_original_message_with_only_from_and_date_cuts_the_quoted_mail() -> None:
    block = (
        "-------- Original message --------\n"
        "From: Alice <a@b.c>\n"
        "Date: 12/7/26 10:04 (GMT+01:00)\n\n"
        "Can we ship on Friday?"
    )
    result = extract_reply_text(f"{REPLY}\n\n{block}\n")

    assert result.text == REPLY
    assert result.elided == block


@pytest.mark.parametrize(
    "marker",
    [
        "-------- Ursprüngliche Nachricht --------",
        "-------- Message d'origine --------",
        "-------- Mensaje original --------",
        "-------- Messaggio originale --------",
        "-------- Mensagem original --------",
        "-------- Oorspronkelijk bericht --------",
        "-------- Ursprungligt meddelande --------",
        "-------- Oprindelig meddelelse --------",
        "-------- Opprinnelig melding --------",
        "-------- Alkuperäinen viesti --------",
        "-------- Oryginalna wiadomość --------",
        "-------- Původní zpráva --------",
        "-------- Pôvodná správa --------",
        "-------- Eredeti üzenet --------",
        "-------- Mesaj original --------",
        "-------- Исходное сообщение --------",
        "-------- Оригінальне повідомлення --------",
        "-------- Оригинално съобщение --------",
        "-------- Αρχικό μήνυμα --------",
        "-------- Orijinal mesaj --------",
        "-------- הודעה מקורית --------",
        "-------- الرسالة الأصلية --------",
        "-------- پیام اصلی --------",
        "------------------ 原始邮件 ------------------",
        "-------- 元のメッセージ --------",
        "-------- 원본 메시지 --------",
        "-------- Thư gốc --------",
        "-------- Pesan asli --------",
        "-------- ข้อความต้นฉบับ --------",
        "---------- Forwarded message ---------",
    ],
)
def test_original_message_markers_in_many_languages_cut_the_rest(marker: str) -> None:
    rest = f"{marker}\nAlice <a@b.c>\n\nCan we ship on Friday?"
    result = extract_reply_text(f"{REPLY}\n\n{rest}\n")

    assert result.text == REPLY
    assert result.elided == rest


# --- what must stay the person's text ---------------------------------------------------------


def test_long_line_right_above_an_attribution_is_not_swallowed() -> None:
    prose = "I think we should go with the second option because it is cheaper and faster"
    header = "On Mon, 7 Dec 2026 at 10:04, Alice <a@b.c> wrote:"

    result = extract_reply_text(f"{prose}\n{header}\n\n{QUOTE}\n")

    assert result.text == prose


@pytest.mark.parametrize(
    "header",
    [
        "pon., 7 gru 2026 o 10:04 Alice <a@b.c> napisał(a):",
        "Alice <a@b.c> wrote:",
        "7.12.2026 10:04 tarihinde Alice yazdı:",
    ],
)
def test_long_line_right_above_a_date_or_name_first_attribution_is_not_swallowed(
    header: str,
) -> None:
    prose = "I think we should go with the second option because it is cheaper and faster"

    result = extract_reply_text(f"{prose}\n{header}\n\n{QUOTE}\n")

    assert result.text == prose
    assert result.elided == f"{header}\n\n{QUOTE}"


@pytest.mark.parametrize(
    "body",
    [
        "Ann wrote on 3 occasions:\n- once\n- twice\n",
        "In 2026 the team wrote:\nmore tests than ever.\n",
        "We met Ann <ann@example.com> and she wrote the plan.\n",
        "The deadline is 7 Dec 2026 at 10:04. Alice wrote it down.\n",
        "Schedule for Monday 7 Dec 2026:\n10:04 standup\n",
    ],
)
def test_prose_with_dates_names_and_verbs_is_kept(body: str) -> None:
    result = extract_reply_text(body)

    assert result.text == body.strip()
    assert result.elided == ""


def test_terse_attribution_without_a_quote_below_is_kept() -> None:
    body = "Alice wrote on Mon, 7 Dec 2026 at 10:04:\nthe plan is ready.\n"

    assert extract_reply_text(body).text == body.strip()


# --- properties ----------------------------------------------------------------------------------

PIECES = [
    "On",
    "Mon,",
    "7",
    "Dec",
    "2026",
    "at",
    "10:04,",
    "Alice",
    "<a@b.c>",
    "wrote:",
    "schrieb",
    "写道：",
    "작성:",
    ">",
    "> ",
    "\n",
    "\n\n",
    " ",
    "Sounds good.",
    "Ok!",
    "\u200f",
    "\u2068",
    "\u00a0",
    "：",
    "----",
    "From:",
    "Sent:",
    "Subject:",
    "-- ",
    "Sent from my iPhone",
]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
bodies = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(PIECES), max_size=80).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=80).map("".join),
)


def visible(text: str) -> Counter[str]:
    return Counter(char for char in text if not char.isspace())


@SETTINGS
@given(bodies)
def test_any_text_is_split_without_losing_or_adding_a_character(body: str) -> None:
    result = extract_reply_text(body)

    assert visible(result.text) + visible(result.elided) == visible(body)


@SETTINGS
@given(st.sampled_from(sorted(GMAIL.values())), st.text(max_size=60), st.integers(0, 3))
def test_reply_sharing_a_line_with_an_attribution_keeps_every_character(
    header: str, reply: str, blank_lines: int
) -> None:
    body = f"{reply} {with_long_name(header)}" + "\n" * blank_lines + f"\n{QUOTE}\n"

    result = extract_reply_text(body)

    assert visible(result.text) + visible(result.elided) == visible(body)
    assert "Can we ship on Friday?" not in result.text


def test_a_display_name_shortened_with_an_ellipsis_is_not_a_sentence_end() -> None:
    body = (
        "Thursday is fine.\n\nOn Mon, 23 Nov 2026 at 09:30, Alice Archer via Quarterly planning…\n"
        "<notifications@reply.example.com> wrote:\n\n> Can we move the count?\n"
    )

    reply = extract_reply_text(body)

    assert reply.text == "Thursday is fine."
    assert reply.elided.startswith("On Mon, 23 Nov 2026 at 09:30, Alice Archer via Quarterly")
