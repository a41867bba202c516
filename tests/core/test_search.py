"""Message search: the one-box syntax, what it finds (and never finds), and the index kept
in step with posting, editing and deleting by the database itself."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, text, update

from gateway.core.errors import InvalidInput
from gateway.core.messages import Draft, post_message, post_messages
from gateway.core.rooms import add_member, create_room, get_room, remove_member
from gateway.core.search import (
    Fragment,
    SearchQuery,
    fts5_match_expression,
    make_snippet,
    parse_query,
    search_messages,
)
from gateway.core.users import add_user
from gateway.store.database import Database
from gateway.store.models import Message, Origin, User

from support import World

HOSTILE_QUERIES = [
    '"',
    '""',
    "*",
    "NEAR(",
    "a NEAR(b c)",
    "OR",
    "a OR b",
    "-",
    "-secret",
    ":",
    "body_source:x",
    "messages_fts:x",
    "^start",
    "'",
    "it's",
    "\\",
    'unbalanced "quote',
    'from:"unbalanced',
    "a AND NOT b",
    "(a",
    "a)",
    "foo* bar*",
    "{body_source}: x",
    "x & y | !z <-> w",
    "x:* & y",
    "%_",
    "from:%",
    "in:_",
    "\x00",
    "a\x00b",
    "from:x\x00y in:\x00",
    "\t\r\n",
    "😀 emoji",
]
# What any query becomes for FTS5: double-quoted runs of letters/digits, maybe a final " *".
FTS5_SAFE = re.compile(r'^("[^\W_]+( [^\W_]+)*"( \*)?)( "[^\W_]+( [^\W_]+)*"( \*)?)*$')


@dataclass
class People:
    alice: User
    bob: User
    carol: User
    dave: User
    website: int  # Website redesign: alice (owner), bob, carol
    project: int  # Room for Project A: alice, carol
    private: int  # Carol and Dave: alice is not in it


@pytest.fixture
def people(database: Database, world: World, now: datetime) -> People:
    with database.transaction() as session:
        carol = add_user(session, "carol.chen@example.net", name="Carol Chen", now=now)
        dave = add_user(session, "dave@example.com", name="Dave Jones", now=now)
        alice = session.merge(world.alice)
        add_member(session, get_room(session, world.room.id), carol, now=now)
        project = create_room(session, "Room for Project A", owner=alice, members=[carol], now=now)
        private = create_room(session, "Carol and Dave", owner=carol, members=[dave], now=now)
        return People(world.alice, world.bob, carol, dave, world.room.id, project.id, private.id)


def _post(database: Database, room_id: int, author: User, body: str, at: datetime) -> int:
    with database.transaction() as session:
        return post_message(session, room_id, author.id, body, origin=Origin.WEB, now=at).id


def _found(database: Database, user: User, query: str, now: datetime, **page: int) -> list[int]:
    with database.read_session() as session:
        results = search_messages(session, user.id, query, now=now, **page)
    return [hit.message_id for hit in results.hits]


# --- parsing ----------------------------------------------------------------------------------


def test_words_phrases_and_every_operator_are_read_from_one_box() -> None:
    query = parse_query(
        'budget from:bob in:"Room for Project A" before:20150501 after:2015-04-01 "exact words" q3'
    )

    assert query == SearchQuery(
        words=("budget", "q3"),
        phrases=("exact words",),
        authors=("bob",),
        rooms=("Room for Project A",),
        before=date(2015, 5, 1),
        after=date(2015, 4, 1),
        prefix_last_word=False,  # "q3" is too short to be a prefix
    )


def test_operator_names_are_case_insensitive_and_values_keep_their_spaces() -> None:
    query = parse_query('FROM:"Bob   Baker" In:Design')

    assert query.authors == ("Bob Baker",)
    assert query.rooms == ("Design",)
    assert not query.has_text


def test_several_dates_narrow_the_range() -> None:
    query = parse_query("before:20150601 before:20150501 after:20150101 after:20150201")

    assert (query.after, query.before) == (date(2015, 2, 1), date(2015, 5, 1))


@pytest.mark.parametrize(
    "box", ["before:2015", "before:20151301", "after:2015-02-30", "after:yesterday", "before:"]
)
def test_malformed_date_is_refused_with_an_example(box: str) -> None:
    operator = box.split(":")[0]
    with pytest.raises(InvalidInput, match=f"{operator}: needs a date like 20150501"):
        parse_query(box)


@pytest.mark.parametrize("box", ["from:", 'from:""', "in:", "budget in: x"])
def test_operator_without_a_value_is_refused(box: str) -> None:
    with pytest.raises(InvalidInput, match="needs something after it"):
        parse_query(box)


def test_unknown_operators_are_plain_words() -> None:
    query = parse_query("subject:invoice to:bobby")

    assert query.words == ("subject:invoice", "to:bobby")
    assert fts5_match_expression(query) == '"subject invoice" "to bobby" *'


def test_only_a_last_word_typed_last_and_of_four_letters_is_a_prefix() -> None:
    assert parse_query("budget revi").prefix_last_word
    assert not parse_query("budget revi ").prefix_last_word
    assert not parse_query('budget "revi"').prefix_last_word
    assert not parse_query("budget from:bob").prefix_last_word
    assert not parse_query("budget the").prefix_last_word


def test_punctuation_alone_is_an_empty_search() -> None:
    assert parse_query(" - * ^ : ' \\ \" ").is_empty
    assert parse_query("").is_empty


def test_overlong_search_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at most 500 characters"):
        parse_query("word " * 101)


@pytest.mark.parametrize("box", HOSTILE_QUERIES)
def test_nothing_typed_reaches_fts5_as_syntax(box: str) -> None:
    try:
        query = parse_query(box)
    except InvalidInput:
        return
    if query.has_text:
        assert FTS5_SAFE.match(fts5_match_expression(query)), fts5_match_expression(query)


# --- snippets ---------------------------------------------------------------------------------


def test_snippet_escapes_the_text_and_marks_the_matches() -> None:
    snippet = make_snippet("<b>Café</b> & cafe\nnoir", frozenset({"cafe"}))

    assert snippet == (
        Fragment("<b>"),
        Fragment("Café", marked=True),
        Fragment("</b> & "),
        Fragment("cafe", marked=True),
        Fragment(" noir"),
    )


def test_snippet_html_is_escaped_with_mark_around_matches(database, people, now) -> None:
    _post(database, people.website, people.bob, '<script>alert("x")</script> budget', now)

    with database.read_session() as session:
        [hit] = search_messages(session, people.alice.id, "budget", now=now).hits

    assert hit.snippet_html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>budget</mark>"
    )


def test_snippet_of_a_long_message_is_cut_around_the_first_match() -> None:
    body = "filler " * 100 + "the budget is here " + "tail " * 100

    snippet = make_snippet(body, frozenset({"budget"}))

    assert snippet[0] == Fragment("…") and snippet[-1].text.endswith("…")
    assert Fragment("budget", marked=True) in snippet
    assert sum(len(part.text) for part in snippet) <= 210


def test_snippet_marks_prefix_matches_of_the_last_word() -> None:
    snippet = make_snippet("The contract and contractor", frozenset({"contr"}), "contr")

    assert [part.text for part in snippet if part.marked] == ["contract", "contractor"]


# --- searching --------------------------------------------------------------------------------


def test_every_free_word_must_match_and_newest_comes_first(database, people, now) -> None:
    older = _post(database, people.website, people.bob, "The budget review is Monday", now)
    newer = _post(database, people.project, people.carol, "Monday: budget final", now)
    _post(database, people.website, people.bob, "The budget is fine", now)

    assert _found(database, people.alice, "monday BUDGET", now) == [newer, older]


def test_the_last_word_also_matches_as_a_prefix(database, people, now) -> None:
    contract = _post(database, people.website, people.bob, "Signed the contract", now)
    _post(database, people.website, people.bob, "Signed the form", now)

    assert _found(database, people.alice, "signed contr", now) == [contract]
    assert _found(database, people.alice, "contr signed", now) == []


def test_a_phrase_matches_only_those_words_in_that_order(database, people, now) -> None:
    in_order = _post(database, people.website, people.bob, "we need the final invoice now", now)
    _post(database, people.website, people.bob, "the invoice is not final", now)

    assert _found(database, people.alice, '"final invoice"', now) == [in_order]


def test_from_matches_name_words_and_email_without_case(database, people, now) -> None:
    by_bob = _post(database, people.website, people.bob, "status update", now)
    by_carol = _post(database, people.website, people.carol, "status update", now)

    for box in ("from:bob", "from:BAKER", 'from:"bob baker"', "from:bob@example.org"):
        assert _found(database, people.alice, f"{box} status", now) == [by_bob], box
    assert _found(database, people.alice, "from:carol.chen status", now) == [by_carol]
    assert _found(database, people.alice, "from:bo status", now) == []
    assert _found(database, people.alice, "from:nobody", now) == []
    assert _found(database, people.alice, 'from:"Baker Bob" status', now) == []
    assert _found(database, people.alice, "from:bob from:carol", now) == [by_carol, by_bob]


def test_from_me_is_the_searcher(database, people, now) -> None:
    mine = _post(database, people.website, people.alice, "my note", now)
    _post(database, people.website, people.bob, "his note", now)

    assert _found(database, people.alice, "from:me", now) == [mine]


def test_operators_alone_search_without_words(database, people, now) -> None:
    first = _post(database, people.website, people.bob, "one", now)
    _post(database, people.website, people.carol, "two", now)
    third = _post(database, people.project, people.alice, "three", now)

    assert _found(database, people.alice, "from:bob", now) == [first]
    assert _found(database, people.alice, 'in:"project a"', now) == [third]


def test_in_matches_part_of_the_room_title(database, people, now) -> None:
    _post(database, people.website, people.bob, "deadline friday", now)
    in_project = _post(database, people.project, people.carol, "deadline friday", now)

    assert _found(database, people.alice, "in:project deadline", now) == [in_project]
    assert _found(database, people.alice, 'in:"ROOM FOR PROJECT A" deadline', now) == [in_project]
    assert _found(database, people.alice, "in:100% deadline", now) == []


def test_before_excludes_its_day_and_after_includes_its_day(database, people, now) -> None:
    may_31 = _post(
        database, people.website, people.bob, "report", datetime(2015, 5, 31, 23, 59, tzinfo=UTC)
    )
    june_1 = _post(
        database, people.website, people.bob, "report", datetime(2015, 6, 1, 0, 0, tzinfo=UTC)
    )
    june_2 = _post(
        database, people.website, people.bob, "report", datetime(2015, 6, 2, 12, 0, tzinfo=UTC)
    )

    assert _found(database, people.alice, "report before:20150601", now) == [may_31]
    assert _found(database, people.alice, "report after:20150601", now) == [june_2, june_1]
    assert _found(database, people.alice, "after:20150601 before:20150602", now) == [june_1]


def test_dates_are_days_in_the_searchers_time_zone(database, people, now) -> None:
    with database.transaction() as session:
        kiwi = add_user(session, "kiwi@example.nz", time_zone="Pacific/Auckland", now=now)
        add_member(session, get_room(session, people.website), kiwi, now=now)
    # 1 June 12:30 UTC is already 2 June (00:30) in Auckland (UTC+12 in winter).
    message = _post(
        database, people.website, people.bob, "report", datetime(2015, 6, 1, 12, 30, tzinfo=UTC)
    )

    assert _found(database, kiwi, "report after:20150602", now) == [message]
    assert _found(database, people.alice, "report after:20150602", now) == []


def test_words_phrases_and_operators_combine(database, people, now) -> None:
    at = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    wanted = _post(database, people.project, people.carol, "Final budget for phase two", at)
    _post(database, people.project, people.alice, "Final budget for phase two", at)
    _post(database, people.website, people.carol, "Final budget for phase two", at)
    _post(
        database,
        people.project,
        people.carol,
        "Final budget for phase two",
        at - timedelta(days=30),
    )
    _post(database, people.project, people.carol, "budget final, phase one and two", at)

    box = 'budget "phase two" from:carol in:project after:20260301 before:20260401 final'
    assert _found(database, people.alice, box, now) == [wanted]


def test_rooms_of_other_people_never_leak(database, people, now) -> None:
    _post(database, people.private, people.dave, "secret salary numbers", now)

    assert _found(database, people.alice, "salary", now) == []
    assert _found(database, people.alice, "from:dave", now) == []
    assert _found(database, people.alice, "in:dave", now) == []
    assert len(_found(database, people.carol, "salary", now)) == 1


def test_rooms_the_user_left_are_not_searched(database, people, now) -> None:
    _post(database, people.website, people.alice, "launch checklist", now)
    with database.transaction() as session:
        remove_member(
            session, get_room(session, people.website), session.merge(people.bob), now=now
        )

    assert _found(database, people.bob, "checklist", now) == []
    assert len(_found(database, people.carol, "checklist", now)) == 1


def test_an_edit_is_indexed_by_the_database(database, people, now) -> None:
    message = _post(database, people.website, people.bob, "meet on tuesday", now)
    with database.transaction() as session:
        session.execute(
            update(Message)
            .where(Message.id == message)
            .values(body_source="meet on thursday", edited_at=now)
        )

    assert _found(database, people.alice, "thursday", now) == [message]
    assert _found(database, people.alice, "tuesday", now) == []


def test_deleted_messages_never_appear(database, people, now) -> None:
    kept = _post(database, people.website, people.bob, "draft contract", now)
    deleted = _post(database, people.website, people.bob, "draft contract v2", now)
    with database.transaction() as session:
        session.execute(update(Message).where(Message.id == deleted).values(deleted_at=now))

    assert _found(database, people.alice, "draft contract", now) == [kept]
    assert _found(database, people.alice, "from:bob", now) == [kept]


def test_a_removed_row_leaves_the_index(database, people, now) -> None:
    gone = _post(database, people.website, people.bob, "ephemeral words", now)
    with database.transaction() as session:
        session.execute(text("DELETE FROM messages WHERE id = :id"), {"id": gone})

    assert _found(database, people.alice, "ephemeral", now) == []
    _assert_index_consistent(database)


def test_index_agrees_with_the_messages_after_posts_edits_and_deletes(
    database, people, now
) -> None:
    ids = [
        _post(database, people.website, people.bob, f"message number {n}", now) for n in range(5)
    ]
    with database.transaction() as session:
        session.execute(update(Message).where(Message.id == ids[0]).values(body_source="changed"))
        session.execute(text("DELETE FROM messages WHERE id = :id"), {"id": ids[1]})

    _assert_index_consistent(database)
    assert _found(database, people.alice, "number", now) == ids[:1:-1]


@pytest.mark.parametrize("box", HOSTILE_QUERIES)
def test_hostile_queries_never_cause_a_database_error(database, people, now, box) -> None:
    _post(database, people.website, people.bob, "a b c near or secret it's x y z w start", now)

    # Refused with a message for the person is fine; a database error is not.
    with contextlib.suppress(InvalidInput):
        _found(database, people.alice, box, now)


def test_accents_fold_on_sqlite_and_not_on_postgresql(database, people, now) -> None:
    """SQLite's index folds accents (remove_diacritics 2). PostgreSQL's 'simple' configuration
    only lower-cases: there "cafe" and "café" are different words."""
    message = _post(database, people.website, people.bob, "Rendez-vous au Café de Flore", now)

    assert _found(database, people.alice, "café", now) == [message]
    assert _found(database, people.alice, "CAFÉ", now) == [message]
    expected = [message] if database.is_sqlite else []
    assert _found(database, people.alice, "cafe", now) == expected


def test_an_empty_search_finds_nothing(database, people, now) -> None:
    _post(database, people.website, people.bob, "anything", now)

    assert _found(database, people.alice, "", now) == []
    assert _found(database, people.alice, '  "" \' ', now) == []


def test_pages_go_back_in_time_and_say_when_there_is_more(database, people, now) -> None:
    ids = [_post(database, people.website, people.bob, f"weekly sync {n}", now) for n in range(5)]
    with database.read_session() as session:
        first = search_messages(session, people.alice.id, "sync", limit=2, now=now)
        last = search_messages(session, people.alice.id, "sync", limit=2, offset=4, now=now)

    assert [hit.message_id for hit in first.hits] == [ids[4], ids[3]] and first.has_more
    assert [hit.message_id for hit in last.hits] == [ids[0]] and not last.has_more


def test_a_hit_names_its_room_author_and_time(database, people, now) -> None:
    message = _post(database, people.project, people.carol, "kickoff agenda", now)

    with database.read_session() as session:
        [hit] = search_messages(session, people.alice.id, "kickoff", now=now).hits

    assert (hit.message_id, hit.room_id, hit.room_title) == (
        message,
        people.project,
        "Room for Project A",
    )
    assert (hit.author_name, hit.created_at) == ("Carol Chen", now)


def test_a_batch_is_still_one_insert_and_every_message_in_it_is_found(
    database, people, now
) -> None:
    drafts = [
        Draft(people.website, people.bob.id, f"batch reply {n}", Origin.EMAIL) for n in range(4)
    ]
    inserts: list[str] = []

    def record(_conn, _cursor, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO MESSAGES"):
            inserts.append(statement)

    event.listen(database.engine, "before_cursor_execute", record)
    try:
        with database.transaction() as session:
            posted = post_messages(session, drafts, now=now)
    finally:
        event.remove(database.engine, "before_cursor_execute", record)

    # The triggers run inside the INSERT: no statement is added. (On SQLite SQLAlchemy sends
    # one INSERT per row here already, index or not: it cannot order the RETURNING rows of a
    # multi-row INSERT without a sentinel column; the count is the same at revision 0002.)
    assert len(inserts) == (len(drafts) if database.is_sqlite else 1)
    assert _found(database, people.alice, "batch reply", now) == [p.id for p in reversed(posted)]


def _assert_index_consistent(database: Database) -> None:
    """SQLite: FTS5's own check of the index against the messages table (rank 1 = compare
    with the external content). PostgreSQL computes the column itself: nothing to drift."""
    if not database.is_sqlite:
        return
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"
        )
