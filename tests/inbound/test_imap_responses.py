"""Reading the IMAP server's answers: numbers bounded, bodies paired with their UIDs, never a
crash on lines a hostile or broken server sends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.inbound.imap_responses import (
    MAX_UID,
    messages_of_fetch,
    sizes_of_fetch,
    uid_set,
    uids_of_search,
    uidvalidity_of,
)

DONE = b"Fetch completed (0.002 + 0.000 + 0.001 secs)."


def test_fetch_pairs_each_body_with_its_uid_and_skips_flag_updates() -> None:
    lines = [
        b"1 FETCH (UID 7 BODY[] {5}",
        bytearray(b"hello"),
        b")",
        b"2 FETCH (FLAGS (\\Seen))",  # another session's change, sent meanwhile
        b"3 FETCH (BODY[] {3}",
        bytearray(b"bye"),
        b" UID 9)",  # the UID after the body: allowed too
        DONE,
    ]
    assert messages_of_fetch(lines) == [(7, b"hello"), (9, b"bye")]


def test_a_body_line_that_looks_like_a_fetch_is_just_a_body() -> None:
    lines = [b"1 FETCH (UID 4 BODY[] {20}", bytearray(b"2 FETCH (UID 5 BODY[]"), b")", DONE]
    assert messages_of_fetch(lines) == [(4, b"2 FETCH (UID 5 BODY[]")]


def test_sizes_are_read_per_uid() -> None:
    lines = [b"1 FETCH (UID 3 RFC822.SIZE 2048)", b"2 FETCH (RFC822.SIZE 10 UID 4)", DONE]
    assert sizes_of_fetch(lines) == {3: 2048, 4: 10}


def test_search_keeps_only_uids_above_the_last_one() -> None:
    # "5:*" names the highest UID even when it is below 5 (RFC 3501 section 6.4.8).
    assert uids_of_search([b"3", b"Search completed (0.001 secs)."], after=4) == []
    assert uids_of_search([b"9 5 6 99999999999", b"Search completed."], after=4) == [5, 6, 9]


def test_uidvalidity_is_read_from_the_select_answer() -> None:
    lines = [b"4 EXISTS", b"OK [UIDVALIDITY 1796693021] UIDs valid", b"[READ-WRITE] done"]
    assert uidvalidity_of(lines) == 1796693021
    assert uidvalidity_of([b"OK [UIDVALIDITY 0] zero is not valid"]) is None
    assert uidvalidity_of([b"OK [UIDVALIDITY 4294967296] too big"]) is None


def test_uid_sets_collapse_runs() -> None:
    assert uid_set([9, 3, 4, 5, 7, 4]) == "3:5,7,9"
    assert uid_set([1]) == "1"


_LINE = st.one_of(
    st.binary(max_size=60),
    st.builds(bytearray, st.binary(max_size=30)),
    st.sampled_from([b"1 FETCH (UID 3 BODY[] {4}", b"SEARCH 1 2", b" UID 0)", b"UID 4294967296"]),
)


@given(st.lists(_LINE, max_size=30), st.integers(min_value=0, max_value=MAX_UID))
def test_any_lines_give_bounded_numbers_and_never_raise(lines: list, after: int) -> None:
    for uid, body in messages_of_fetch(lines):
        assert 0 < uid <= MAX_UID and isinstance(body, bytes)
    assert all(after < uid <= MAX_UID for uid in uids_of_search(lines, after))
    assert all(0 < uid <= MAX_UID and size >= 0 for uid, size in sizes_of_fetch(lines).items())
    found = uidvalidity_of(lines)
    assert found is None or 0 < found <= MAX_UID


@given(st.sets(st.integers(min_value=1, max_value=MAX_UID), min_size=1, max_size=50))
def test_a_uid_set_names_exactly_its_uids(uids: set[int]) -> None:
    named: set[int] = set()
    for run in uid_set(sorted(uids)).split(","):
        first, _, last = run.partition(":")
        named.update(range(int(first), int(last or first) + 1))
    assert named == uids
