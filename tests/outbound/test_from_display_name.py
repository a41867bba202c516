"""The From display name of room emails: short enough that a client's "On <date>, <name>
<address> wrote:" keeps the name on its first line; the Subject keeps the full title."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.rooms import create_room
from gateway.core.users import add_user
from gateway.outbound.sender_names import ELLIPSIS, MAX_FROM_NAME, from_display_name

# Gmail's longest English date lead, and how far its plain-text quote header wraps.
GMAIL_LEAD = "On Wed, Dec 16, 2026 at 10:04 PM "
WRAP = 76

LONG_TITLES = [
    "Quarterly planning for the marketing department and the sales team",
    "Ελληνικά έργα για την ομάδα σχεδιασμού ιστοσελίδων και εφαρμογών",
    "Планирование квартала для отдела маркетинга и продаж компании",
    "网站重新设计项目的季度规划与市场部门协调会议记录以及下一阶段的工作安排和预算审批",
    "تخطيط الربع القادم لقسم التسويق والمبيعات في الشركة",
    "Supercalifragilisticexpialidociousandthensomemorewithoutanyspaces",
]


def test_a_short_name_and_title_are_left_whole() -> None:
    assert from_display_name("Alice Archer", "Website redesign") == (
        "Alice Archer via Website redesign"
    )


def test_a_long_title_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    name = from_display_name("Alice Archer", LONG_TITLES[0])
    assert name == f"Alice Archer via Quarterly planning{ELLIPSIS}"
    assert len(name) <= MAX_FROM_NAME


def test_a_title_without_spaces_is_cut_inside_its_word() -> None:
    name = from_display_name("李小龙", LONG_TITLES[3])
    assert name.startswith("李小龙 via 网站重新设计项目") and name.endswith(ELLIPSIS)
    assert len(name) == MAX_FROM_NAME


def test_a_long_author_name_is_shortened_too_and_keeps_a_part_of_the_title() -> None:
    name = from_display_name(
        "Maximilian Alexander von Hohenberg-Schwarzenfels", "Quarterly planning"
    )
    assert name.startswith(f"Maximilian Alexander{ELLIPSIS} via Quarterly")
    assert len(name) <= MAX_FROM_NAME


@given(author=st.text(min_size=1, max_size=80), title=st.text(min_size=1, max_size=200))
def test_any_display_name_fits_and_starts_with_the_author(author: str, title: str) -> None:
    name = from_display_name(author, title)
    author_words = " ".join(author.split())
    full = f"{author_words} via {' '.join(title.split())}"
    if len(full) <= MAX_FROM_NAME:
        assert name == full
    else:
        assert len(name) <= MAX_FROM_NAME
        assert ELLIPSIS in name
        head = name.split(" via ")[0].removesuffix(ELLIPSIS)
        assert author_words.startswith(head)


@pytest.mark.parametrize("title", LONG_TITLES)
def test_room_email_from_is_short_and_encoded_while_the_subject_keeps_the_title(
    title, database, now, post, dispatch, outbox, emails_to
) -> None:
    with database.transaction() as session:
        author = add_user(session, "ann@example.net", name="Zoë Ünal", now=now)
        reader = add_user(session, "rob@example.net", name="Rob Reader", now=now)
        room = create_room(session, title, owner=author, members=[reader], now=now)
    post("Ça marche", author=author, room_id=room.id)
    dispatch()
    (row,) = outbox(reader.id)
    assert row.raw.isascii()  # RFC 2047 encoded words, whatever the script
    (email,) = emails_to(reader)
    (sender,) = email["From"].addresses
    # The stdlib reader puts a space between encoded words (RFC 2047 section 6.2 says to
    # drop it): compare without spaces.
    assert squeezed(sender.display_name) == squeezed(from_display_name("Zoë Ünal", title))
    assert sender.display_name.endswith(ELLIPSIS)
    assert email["Subject"].strip() == f"[Gateway] {title}"
    # Gmail's quote header keeps the whole name and the "<" on its first line.
    assert len(f"{GMAIL_LEAD}{from_display_name('Zoë Ünal', title)} <") <= WRAP


def squeezed(text: str) -> str:
    return "".join(text.split())
