"""Message search: the one-box query language and finding a user's messages with it.

Owns what a search means. `parse_query` reads the box (Upwork Message Center syntax):

- free words: every one must occur (case-insensitive); the last word typed, when it has four
  letters or more, also matches as a prefix ("contr" finds "contract"), so results follow
  the typing;
- `"exact words"`: the words in this order;
- `from:bob`, `from:"Bob Jones"`: the author's display name contains these words, or their
  address is it (`from:bob@example.org`) or starts with it (`from:bob` = bob@...);
  `from:me` is the searcher. Several `from:` mean any of them;
- `in:design`, `in:"Room for Project A"`: the room title contains it; several mean any;
- `before:20150501` (or 2015-05-01): sent before that day, the day itself excluded;
  `after:20150601`: sent on that day or later. So `after:X before:Y` is the days X..Y-1, the
  way mail search boxes count, and consecutive ranges never overlap. Days are the searcher's
  own days (their time zone);
- anything else (`foo:bar`, stray punctuation) is plain words.

`search_messages` looks only in rooms the user is an active member of, never shows deleted
messages, and returns the newest first. What the user typed never reaches the full-text
engine as syntax: on SQLite every term goes to FTS5 MATCH as a double-quoted string of letters
and digits; on PostgreSQL the text goes through plainto_tsquery/phraseto_tsquery, and the
prefix form is built only from letters and digits. Matching is done by the database's own
index (migration 0003): SQLite folds accents ("cafe" finds "café"); PostgreSQL's 'simple'
configuration folds case only, so there "cafe" does not find "café".

The snippet is made here from body_source and escaped here: no HTML made by the database is
ever shown. Must not import Flask or any adapter library.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import reduce
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, column, func, literal_column, or_, select, table
from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput
from gateway.core.preferences import user_zone
from gateway.core.room_titles import room_titles_for
from gateway.store.models import Membership, Message, Room, User

MAX_QUERY_LENGTH = 500
MAX_LIMIT = 100
SNIPPET_CHARS = 200
SNIPPET_LEAD = 60  # characters shown before the first match
ME = "me"
# A shorter last word matches whole words only: "the*" would merge the index entries of
# every word starting with "the", which costs more than the search is worth.
MIN_PREFIX_LENGTH = 4

# One item of the box: `op:"value"` / `op:value`, a "phrase" (unbalanced: to the end), a word.
_ITEM = re.compile(
    r'(?P<op>[^\W_]+):(?P<value>"[^"]*"?|[^\s"]*)|"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)'
)
# A term as both engines see it: a run of letters and digits (no underscore, no punctuation).
_TERM = re.compile(r"[^\W_]+")
_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
_LIKE_ESCAPE = "\\"
# SQLite: the FTS5 table of migration 0003 (not a model: the database keeps it).
_FTS = table("messages_fts", column("rowid"), column("messages_fts"))
_SEARCH_VECTOR = literal_column("messages.search_vector")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A parsed search box. Words and phrases are kept as typed (each has a term in it)."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    before: date | None = None
    after: date | None = None
    # The box ended in a free word: it matches as a prefix too.
    prefix_last_word: bool = False

    @property
    def has_text(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def is_empty(self) -> bool:
        return not (self.has_text or self.authors or self.rooms or self.before or self.after)


@dataclass(frozen=True, slots=True)
class Fragment:
    """A piece of a snippet; `marked` pieces are what the search matched."""

    text: str
    marked: bool = False


@dataclass(frozen=True, slots=True)
class SearchHit:
    message_id: int
    room_id: int
    room_title: str
    author_name: str | None  # None: a system message
    created_at: datetime
    snippet: tuple[Fragment, ...]

    @property
    def snippet_html(self) -> str:
        """The snippet as HTML: escaped text, `<mark>` around the matches."""
        return "".join(
            f"<mark>{html.escape(part.text)}</mark>" if part.marked else html.escape(part.text)
            for part in self.snippet
        )


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: SearchQuery
    hits: list[SearchHit] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    has_more: bool = False


# --- parsing ----------------------------------------------------------------------------------


def parse_query(text: str) -> SearchQuery:
    """Read the search box; InvalidInput says what to fix (a bad date, an empty operator)."""
    if len(text) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"a search is at most {MAX_QUERY_LENGTH} characters")
    # Control characters (NUL: PostgreSQL refuses it in any text) separate words like spaces.
    text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    text = unicodedata.normalize("NFC", text)
    found: dict[str, list[str]] = {"words": [], "phrases": [], "from": [], "in": []}
    dates: dict[str, list[date]] = {"before": [], "after": []}
    last_was_word = False
    for item in _ITEM.finditer(text):
        last_was_word = False
        op = (item.group("op") or "").casefold()
        if op in dates:
            dates[op].append(_parse_date(op, _unquote(item.group("value"))))
        elif op in ("from", "in"):
            found[op].append(_operator_value(op, item.group("value")))
        elif item.group("phrase") is not None:
            _keep_text(found["phrases"], item.group("phrase"))
        else:  # a free word, or an unknown operator read as words
            last_was_word = _keep_text(found["words"], item.group(0))
    return SearchQuery(
        words=tuple(found["words"]),
        phrases=tuple(found["phrases"]),
        authors=tuple(found["from"]),
        rooms=tuple(found["in"]),
        # Several limits: the narrowest range satisfies them all.
        before=min(dates["before"], default=None),
        after=max(dates["after"], default=None),
        prefix_last_word=last_was_word
        and text[-1:].strip() != ""
        and len(_TERM.findall(found["words"][-1])[-1]) >= MIN_PREFIX_LENGTH,
    )


def _keep_text(into: list[str], text: str) -> bool:
    """Keep a word or phrase only if it has something to search for (not just punctuation)."""
    if not _TERM.search(text):
        return False
    into.append(" ".join(text.split()))
    return True


def _unquote(value: str) -> str:
    return " ".join(value.strip('"').split())


def _operator_value(op: str, raw: str) -> str:
    value = _unquote(raw)
    if not value:
        example = 'from:bob or from:"Bob Jones"' if op == "from" else 'in:"Project A"'
        raise InvalidInput(f"{op}: needs something after it, like {example}")
    return value


def _parse_date(op: str, value: str) -> date:
    found = _DATE.fullmatch(value)
    try:
        if found is None:
            raise ValueError(value)
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        raise InvalidInput(f"{op}: needs a date like 20150501 (or 2015-05-01)") from None


# --- searching --------------------------------------------------------------------------------


def search_messages(
    session: Session,
    user_id: int,
    query: SearchQuery | str,
    *,
    limit: int = 20,
    offset: int = 0,
    now: datetime,
) -> SearchResults:
    """One page of the user's messages matching `query`, newest first.

    `now` is taken like in every core call; the query's dates are whole days, so today's
    results do not depend on it.
    """
    del now
    if isinstance(query, str):
        query = parse_query(query)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    if query.is_empty:
        return SearchResults(query, offset=offset, limit=limit)
    room_ids = _searchable_room_ids(session, user_id, query.rooms)
    author_ids = _author_ids(session, user_id, query.authors) if query.authors else None
    if not room_ids or author_ids == []:
        return SearchResults(query, offset=offset, limit=limit)
    statement = _search_statement(session, user_id, query, room_ids, author_ids)
    rows = session.execute(statement.limit(limit + 1).offset(offset)).all()
    terms, prefix = _highlight_terms(query)
    # Each room as this searcher sees it (a direct room: the other person's name).
    titles = room_titles_for(session, {(r.room_id, r.kind, r.title) for r in rows}, user_id)
    hits = [
        SearchHit(
            message_id=row.id,
            room_id=row.room_id,
            room_title=titles[row.room_id],
            author_name=row.display_name,
            created_at=row.created_at,
            snippet=make_snippet(row.body_source, terms, prefix),
        )
        for row in rows[:limit]
    ]
    return SearchResults(query, hits, offset=offset, limit=limit, has_more=len(rows) > limit)


def _searchable_room_ids(session: Session, user_id: int, titles: Sequence[str]) -> list[int]:
    """The rooms the user is an active member of (whose title contains one of `titles`).

    Read first, so the message query gets plain ids: both planners then see how many rooms
    there are, and a single room is walked newest first on its (room_id, id) index.
    """
    statement = (
        select(Membership.room_id)
        .join(Room, Room.id == Membership.room_id)
        .where(Membership.user_id == user_id, Membership.left_at.is_(None))
    )
    if titles:
        statement = statement.where(or_(*(_contains(Room.title, title) for title in titles)))
    return list(session.scalars(statement.order_by(Membership.room_id)))


def _author_ids(session: Session, user_id: int, values: Sequence[str]) -> list[int]:
    """Users whose name has these words, or whose address is (or starts with) `value@`."""
    name, email = func.lower(User.display_name), func.lower(User.email)
    matches: list[ColumnElement[bool]] = []
    for value in values:
        wanted = value.casefold()
        if wanted == ME:
            matches.append(User.id == user_id)
            continue
        word = _escape_like(wanted)
        matches += [
            name == wanted,
            name.like(f"{word} %", escape=_LIKE_ESCAPE),
            name.like(f"% {word}", escape=_LIKE_ESCAPE),
            name.like(f"% {word} %", escape=_LIKE_ESCAPE),
            email == wanted,
            email.like(f"{word}@%", escape=_LIKE_ESCAPE),
        ]
    return list(session.scalars(select(User.id).where(or_(*matches)).order_by(User.id)))


def _search_statement(
    session: Session,
    user_id: int,
    query: SearchQuery,
    room_ids: list[int],
    author_ids: list[int] | None,
) -> Select[tuple]:
    sqlite = session.get_bind().dialect.name == "sqlite"
    room: ColumnElement[Any] = Message.room_id
    if sqlite and not query.has_text and len(room_ids) > 1:
        # Through the room index SQLite would read every message of these rooms and sort
        # them all; walking the table newest first stops at the page. `+ 0` hides the index.
        room = Message.room_id + 0
    statement = (
        select(
            Message.id,
            Message.room_id,
            Room.title,
            Room.kind,
            User.display_name,
            Message.created_at,
            Message.body_source,
        )
        .join(Room, Room.id == Message.room_id)
        .outerjoin(User, User.id == Message.author_id)
        .where(_one_of(room, room_ids), Message.deleted_at.is_(None))
    )
    if author_ids is not None:
        statement = statement.where(_one_of(Message.author_id, author_ids))
    statement = _date_clauses(session, user_id, query, statement)
    if not query.has_text:
        if query.before is not None or query.after is not None:
            # Newest first within the dates: walk the (room_id, created_at) or (created_at)
            # index back from the end of the range, instead of every newer message by id
            # (before:) or sorting the whole range (after:).
            return statement.order_by(Message.created_at.desc(), Message.id.desc())
        return statement.order_by(Message.id.desc())
    # Newest first is id order (ids grow in posting order): the full-text index hands its
    # matches out in that order, so a page stops early instead of sorting every match.
    if sqlite:
        return (
            statement.join(_FTS, _FTS.c.rowid == Message.id)
            .where(_FTS.c.messages_fts.op("MATCH")(fts5_match_expression(query)))
            .order_by(_FTS.c.rowid.desc())
        )
    statement = statement.where(_SEARCH_VECTOR.bool_op("@@")(_tsquery(query)))
    if query.before is not None:
        # PostgreSQL would walk every newer message by id, filtering; in date order it walks
        # back from the day named (or, for a rare word, sorts the few matches).
        return statement.order_by(Message.created_at.desc(), Message.id.desc())
    return statement.order_by(Message.id.desc())


def _one_of(column_: ColumnElement[Any], ids: list[int]) -> ColumnElement[bool]:
    """`=` for one id (an index on it then also gives the order), IN for several."""
    return column_ == ids[0] if len(ids) == 1 else column_.in_(ids)


def _contains(expression: ColumnElement[str], value: str) -> ColumnElement[bool]:
    return func.lower(expression).like(f"%{_escape_like(value.casefold())}%", escape=_LIKE_ESCAPE)


def _escape_like(value: str) -> str:
    return value.replace(_LIKE_ESCAPE, _LIKE_ESCAPE * 2).replace("%", "\\%").replace("_", "\\_")


def _date_clauses(
    session: Session, user_id: int, query: SearchQuery, statement: Select[tuple]
) -> Select[tuple]:
    if query.before is None and query.after is None:
        return statement
    zone = user_zone(session.get_one(User, user_id))
    if query.before is not None:
        statement = statement.where(Message.created_at < _start_of_day(query.before, zone))
    if query.after is not None:
        statement = statement.where(Message.created_at >= _start_of_day(query.after, zone))
    return statement


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def fts5_match_expression(query: SearchQuery) -> str:
    """The FTS5 MATCH string: every word and phrase a double-quoted string (implicit AND).

    Only letters and digits go inside the quotes, so nothing typed can be FTS5 syntax (OR,
    NEAR, column filters, `*`, `^`, quotes). A word with punctuation inside ("e-mail") becomes
    the phrase of its parts, which is how the tokenizer splits it in the text too.
    """
    parts = [_fts5_phrase(text) for text in (*query.words, *query.phrases)]
    if query.prefix_last_word and query.words:
        parts[len(query.words) - 1] += " *"
    return " ".join(parts)


def _fts5_phrase(text: str) -> str:
    return '"' + " ".join(_TERM.findall(text)).replace('"', '""') + '"'


def _tsquery(query: SearchQuery) -> ColumnElement[object]:
    """The PostgreSQL tsquery: plainto/phraseto parse the text as data, never as syntax."""
    parts = [func.plainto_tsquery("simple", word) for word in query.words]
    if query.prefix_last_word and query.words:
        last_terms = _TERM.findall(query.words[-1])
        if len(last_terms) == 1:
            # Letters and digits only, so ':*' is the only operator in this tsquery text.
            parts[-1] = func.to_tsquery("simple", f"{last_terms[0]}:*")
    parts += [func.phraseto_tsquery("simple", phrase) for phrase in query.phrases]
    return reduce(lambda left, right: left.op("&&")(right), parts)


# --- snippets ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Case and accents folded, as the SQLite index compares words."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def _highlight_terms(query: SearchQuery) -> tuple[frozenset[str], str | None]:
    """The folded terms to mark, and the prefix the last word may match."""
    terms = {_fold(term) for text in (*query.words, *query.phrases) for term in _TERM.findall(text)}
    prefix = None
    if query.prefix_last_word and query.words:
        prefix = _fold(_TERM.findall(query.words[-1])[-1])
    return frozenset(terms), prefix


def make_snippet(
    body: str, terms: frozenset[str], prefix: str | None = None
) -> tuple[Fragment, ...]:
    """A short excerpt of `body` around the first match, the matching words marked."""
    text = " ".join(unicodedata.normalize("NFC", body).split())
    spans = [
        (found.start(), found.end())
        for found in _TERM.finditer(text)
        if _is_match(_fold(found.group()), terms, prefix)
    ]
    start, end = _window(text, spans[0][0] if spans else 0)
    fragments: list[Fragment] = [Fragment("…")] if start > 0 else []
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        fragments += [
            Fragment(text[position:span_start]),
            Fragment(text[span_start:span_end], True),
        ]
        position = span_end
    fragments.append(Fragment(text[position:end] + ("…" if end < len(text) else "")))
    return tuple(fragment for fragment in fragments if fragment.text)


def _is_match(word: str, terms: frozenset[str], prefix: str | None) -> bool:
    return word in terms or (prefix is not None and word.startswith(prefix))


def _window(text: str, first_match: int) -> tuple[int, int]:
    """About SNIPPET_CHARS of text, starting a little before the first match, on word breaks."""
    start = max(0, first_match - SNIPPET_LEAD)
    if start > 0:
        space = text.find(" ", start, first_match)
        start = space + 1 if space != -1 else first_match
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", max(start, first_match) + 1, end)
        end = space if space != -1 else end
    return start, end
