"""Quoted header blocks ("From: / Sent: / To: / Subject:") in the 30 languages clients write.

Each case is a whole reply body run through ``extract_reply_text``: the person's reply must
come out exactly and the block with the mail under it must be elided. Outlook's full block
in each language is also checked cut down to two fields, with the date first, in *bold*,
with direction marks and no-break spaces, and at the top of a bottom-posted reply. The last
section holds the person's own field-like lines that must never be cut.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.inbound.header_field_names import LANGUAGES as FIELD_TABLE
from gateway.inbound.header_field_names import role_names
from gateway.inbound.reply_text import extract_reply_text

REPLY = "Sounds good."
ORIGINAL = "Can we ship on Friday?\n\nAlice"
SENT = "7.12.2026 10:04"

# language -> (From, Sent, To, Subject) as Outlook writes them.
NAMES: dict[str, tuple[str, str, str, str]] = {
    "en": ("From", "Sent", "To", "Subject"),
    "de": ("Von", "Gesendet", "An", "Betreff"),
    "fr": ("De ", "Envoyé ", "À ", "Objet "),
    "es": ("De", "Enviado", "Para", "Asunto"),
    "it": ("Da", "Inviato", "A", "Oggetto"),
    "pt": ("De", "Enviado", "Para", "Assunto"),
    "nl": ("Van", "Verzonden", "Aan", "Onderwerp"),
    "sv": ("Från", "Skickat", "Till", "Ämne"),
    "da": ("Fra", "Sendt", "Til", "Emne"),
    "nb": ("Fra", "Sendt", "Til", "Emne"),
    "fi": ("Lähettäjä", "Lähetetty", "Vastaanottaja", "Aihe"),
    "pl": ("Od", "Wysłano", "Do", "Temat"),
    "cs": ("Od", "Odesláno", "Komu", "Předmět"),
    "sk": ("Od", "Odoslané", "Komu", "Predmet"),
    "hu": ("Feladó", "Elküldve", "Címzett", "Tárgy"),
    "ro": ("De la", "Trimis", "Către", "Subiect"),
    "ru": ("От", "Отправлено", "Кому", "Тема"),
    "uk": ("Від", "Надіслано", "Кому", "Тема"),
    "bg": ("От", "Изпратено", "До", "Относно"),
    "el": ("Από", "Στάλθηκε", "Προς", "Θέμα"),
    "tr": ("Kimden", "Gönderildi", "Kime", "Konu"),
    "he": ("מאת", "נשלח", "אל", "נושא"),
    "ar": ("من", "تاريخ الإرسال", "إلى", "الموضوع"),
    "fa": ("از", "ارسال شده", "به", "موضوع"),
    "zh": ("发件人", "发送时间", "收件人", "主题"),
    "ja": ("差出人", "送信日時", "宛先", "件名"),
    "ko": ("보낸 사람", "보낸 날짜", "받는 사람", "제목"),
    "vi": ("Từ", "Đã gửi", "Đến", "Chủ đề"),
    "id": ("Dari", "Dikirim", "Kepada", "Perihal"),
    "th": ("จาก", "ส่ง", "ถึง", "เรื่อง"),
}
# language -> the Date field where it differs from the Sent one (forwards, Apple, Android).
DATE_NAMES: dict[str, str] = {
    "en": "Date",
    "de": "Datum",
    "fr": "Date ",
    "es": "Fecha",
    "it": "Data",
    "nl": "Datum",
    "ru": "Дата",
    "zh": "日期",
    "ja": "日付",
    "tr": "Tarih",
}
LANGUAGES = [pytest.param(language, id=language) for language in NAMES]


def block(language: str, *, sender: str = "Alice Archer <alice@example.com>") -> str:
    sender_name, sent, to, subject = NAMES[language]
    return (
        f"{sender_name}: {sender}\n{sent}: {SENT}\n{to}: Bob Baker <bob@example.com>\n"
        f"{subject}: Re: Release plan"
    )


def assert_cut(fields: str, *, separator: str = "") -> None:
    quoted = f"{separator}{fields}\n\n{ORIGINAL}"
    result = extract_reply_text(f"{REPLY}\n\n{quoted}\n")

    assert result.text == REPLY
    assert result.elided == quoted


def test_every_language_has_field_names() -> None:
    assert len(NAMES) == 30
    assert set(FIELD_TABLE) == set(NAMES)


def test_no_field_name_means_two_things_in_different_languages() -> None:
    roles: dict[str, set[str]] = {}
    for row in FIELD_TABLE.values():
        for role, names in role_names(row):
            for name in names:
                roles.setdefault(name, set()).add(role)

    assert {name: found for name, found in roles.items() if len(found) > 1} == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_outlook_block_cuts_the_quoted_mail(language: str) -> None:
    assert_cut(block(language))


@pytest.mark.parametrize("language", LANGUAGES)
def test_outlook_block_under_a_separator_line_cuts_the_quoted_mail(language: str) -> None:
    assert_cut(block(language), separator="________________________________\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_block_of_from_with_a_name_and_sent_with_a_time_cuts_the_quoted_mail(
    language: str,
) -> None:
    sender_name, sent, _, _ = NAMES[language]
    assert_cut(f"{sender_name}: Alice Archer\n{sent}: {SENT}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_block_of_from_with_an_address_and_subject_cuts_the_quoted_mail(language: str) -> None:
    sender_name, _, _, subject = NAMES[language]
    assert_cut(f"{sender_name}: Alice <alice@example.com>\n{subject}: Re: Release plan")


@pytest.mark.parametrize("language", list(DATE_NAMES))
def test_block_of_from_and_date_cuts_the_quoted_mail(language: str) -> None:
    assert_cut(f"{NAMES[language][0]}: Alice <alice@example.com>\n{DATE_NAMES[language]}: {SENT}")


@pytest.mark.parametrize("language", list(DATE_NAMES))
def test_date_first_block_cuts_the_quoted_mail(language: str) -> None:
    sender_name, _, to, _ = NAMES[language]
    assert_cut(
        f"{DATE_NAMES[language]}: {SENT}\n{sender_name}: Alice <alice@example.com>\n"
        f"{to}: Bob <bob@example.com>"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_bold_field_names_are_read(language: str) -> None:
    bold = "\n".join(
        f"*{line.split(':', 1)[0]}:*{line.split(':', 1)[1]}" for line in block(language).split("\n")
    )
    assert_cut(bold)


@pytest.mark.parametrize("language", LANGUAGES)
def test_two_bold_fields_are_read(language: str) -> None:
    sender_name, sent, _, _ = NAMES[language]
    assert_cut(f"*{sender_name}:* Alice Archer\n*{sent}:* {SENT}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_fields_with_direction_marks_are_read(language: str) -> None:
    marked = "\n".join(
        "\u200f" + line.replace(": ", ":\u200e ", 1) + "\u200f"
        for line in block(language).split("\n")
    )
    assert_cut(marked)


@pytest.mark.parametrize("language", LANGUAGES)
def test_fields_with_no_break_spaces_and_full_width_colons_are_read(language: str) -> None:
    spaced = block(language).replace(" ", "\u00a0").replace(":", "：")
    assert_cut(spaced)


@pytest.mark.parametrize("language", LANGUAGES)
def test_short_block_at_the_top_never_costs_the_reply_typed_below_it(language: str) -> None:
    sender_name, sent, _, _ = NAMES[language]
    body = f"{sender_name}: Alice Archer\n{sent}: {SENT}\n\n> Can we ship on Friday?\n\n{REPLY}\n"

    result = extract_reply_text(body)

    assert result.text.endswith(REPLY)
    assert REPLY not in result.elided


@pytest.mark.parametrize("language", LANGUAGES)
def test_short_block_under_an_original_message_line_at_the_top_is_elided(language: str) -> None:
    sender_name, sent, _, _ = NAMES[language]
    top = f"-----Original Message-----\n{sender_name}: Alice Archer\n{sent}: {SENT}"

    result = extract_reply_text(f"{top}\n\n{ORIGINAL}\n")

    assert "Alice Archer" not in result.text
    assert result.elided.startswith(top)


# --- the person's own lines ------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "To: the team\nSubject: budget\n\nWe are over by ten percent this quarter.\n",
        "From: Alice <alice@example.com>\nTo: the team\n\nPlease read the plan.\n",
        "From: Alice Archer\nSent: 7.12.2026 10:04\n\nThe parcel arrived this morning.\n",
        "Von: Berlin\nAn: Paris\n\nAbfahrt am Montag.\n",
    ],
)
def test_field_lines_the_person_typed_at_the_top_are_kept(body: str) -> None:
    result = extract_reply_text(body)

    assert result.text == body.strip()
    assert result.elided == ""


@pytest.mark.parametrize(
    "fields",
    [
        "From: Berlin\nTo: Paris\nDate: 23 Nov 2026",
        "From: Berlin\nTo: Paris\nDate: 23 Nov 2026 10:00",
        "From: Alice\nTo: Bob",
        "To: the team\nSubject: budget",
        "From: Alice <alice@example.com>\nTo: the team",
        "Date: Monday 10:00\nTo: everyone",
    ],
)
def test_field_lines_in_the_persons_text_are_kept(fields: str) -> None:
    body = f"My plan:\n\n{fields}\n\nSee you there.\n"

    result = extract_reply_text(body)

    assert result.text == body.strip()
    assert result.elided == ""


# --- properties --------------------------------------------------------------------------------

FIELD_NAMES = sorted({name for names in NAMES.values() for name in names})
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
field_lines = st.lists(
    st.tuples(
        st.sampled_from(["", "*", "\u200f", "> "]),
        st.sampled_from(FIELD_NAMES),
        st.sampled_from([":", "：", ":*", " :"]),
        st.sampled_from(["", " Alice", " <a@b.c>", " 7.12.2026 10:04", " x" * 40]),
    ).map("".join),
    max_size=12,
)


def visible(text: str) -> Counter[str]:
    return Counter(char for char in text if not char.isspace())


@SETTINGS
@given(st.text(max_size=40), field_lines, st.sampled_from(["", "> quoted", "text", "-----"]))
def test_any_field_lines_are_split_without_losing_a_character(
    before: str, lines: list[str], after: str
) -> None:
    body = "\n".join([before, *lines, "", after])

    result = extract_reply_text(body)

    assert visible(result.text) + visible(result.elided) == visible(body)
