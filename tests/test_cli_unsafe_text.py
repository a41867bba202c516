"""`gateway` refuses a title or name given with control characters, line breaks or an RFC
2047 encoded word hiding one (EMAIL-RULES section 3) as bad usage: exit 2, one line on
stderr naming the field, nothing written to the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from gateway.store.database import Database
from gateway.store.models import Account, Alert, Room, User

from cli_support import Cli
from support import World

ENCODED_BREAK = "=?utf-8?q?Plans=0D=0ABcc:_x@evil.example?="


def _counts(database: Database) -> tuple[int, ...]:
    with database.read_session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Room, User, Account, Alert)
        )


@pytest.mark.parametrize("value", [ENCODED_BREAK, "Plans\nBcc: x@evil.example", "Plans\x00"])
@pytest.mark.parametrize(
    ("field", "argv"),
    [
        ("room title", ("room", "create", "{}", "--owner", "alice@example.com")),
        ("name", ("user", "add", "carol@example.net", "--name", "{}")),
        ("alert title", ("alert", "send", "bob@example.org", "--title", "{}")),
    ],
)
def test_an_unsafe_title_or_name_exits_2_with_one_line_and_writes_nothing(
    gateway_cli: Cli,
    database: Database,
    world: World,
    field: str,
    argv: tuple[str, ...],
    value: str,
) -> None:
    before = _counts(database)
    outcome = gateway_cli(*(arg.format(value) if arg == "{}" else arg for arg in argv))
    assert outcome.code == 2
    assert outcome.out == ""
    assert outcome.err.startswith(f"error: {field} may not contain ")
    assert len(outcome.err.splitlines()) == 1
    assert _counts(database) == before


def test_other_refusals_still_exit_1(gateway_cli: Cli, world: World) -> None:
    outcome = gateway_cli("room", "create", "Plans", "--owner", "nobody@example.com")
    assert outcome.code == 1 and outcome.err.startswith("error: ")
