"""`gateway alert send`: puts an Account Alert or an Update in a user's Message Center,
driven in-process through `gateway.cli.main` on the test database."""

from __future__ import annotations

from gateway.store.database import Database
from gateway.store.models import Alert, AlertCategory

from cli_support import Cli, Outcome
from support import World


def _alert(database: Database, alert_id: int) -> Alert:
    with database.read_session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        return alert


def _assert_refused(outcome: Outcome, fragment: str) -> None:
    assert outcome.code == 1 and outcome.out == ""
    assert outcome.err.startswith("error: ") and fragment in outcome.err
    assert len(outcome.err.strip().splitlines()) == 1


def test_alert_send_creates_an_account_alert_and_prints_its_id(
    gateway_cli: Cli, database: Database, world: World
) -> None:
    outcome = gateway_cli(
        "alert",
        "send",
        "Alice@Example.com",
        "--title",
        "Payment received",
        "--body",
        "You were paid **$50**.",
        "--link",
        "https://example.com/payments/7",
        "--financial",
    )

    assert outcome.code == 0 and outcome.err == ""
    alert = _alert(database, int(outcome.out))
    assert outcome.out == f"{alert.id}\n"
    assert alert.user_id == world.alice.id
    assert alert.category == AlertCategory.ALERT and alert.financial
    assert alert.title == "Payment received"
    assert "<strong>$50</strong>" in alert.body_html
    assert alert.link == "https://example.com/payments/7"


def test_alert_send_with_update_creates_an_update(
    gateway_cli: Cli, database: Database, world: World
) -> None:
    outcome = gateway_cli(
        "alert", "send", "bob@example.org", "--title", "New: dark mode", "--update"
    )

    assert outcome.code == 0
    alert = _alert(database, int(outcome.out))
    assert (alert.category, alert.user_id, alert.financial) == (
        AlertCategory.UPDATE,
        world.bob.id,
        False,
    )


def test_alert_send_refuses_a_bad_link_an_unknown_user_and_a_financial_update(
    gateway_cli: Cli, world: World
) -> None:
    _assert_refused(
        gateway_cli(
            "alert", "send", "alice@example.com", "--title", "T", "--link", "javascript:x()"
        ),
        "link",
    )
    _assert_refused(gateway_cli("alert", "send", "nobody@example.com", "--title", "T"), "nobody")
    _assert_refused(
        gateway_cli(
            "alert", "send", "alice@example.com", "--title", "T", "--update", "--financial"
        ),
        "financial",
    )
    _assert_refused(gateway_cli("alert", "send", "alice@example.com", "--title", " "), "title")
