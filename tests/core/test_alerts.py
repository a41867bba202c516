"""Account Alerts and Updates: what an alert may contain, listing, opening, read state."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from gateway.core.alerts import (
    MAX_TITLE_LENGTH,
    create_alert,
    list_alerts,
    mark_all_alerts_read,
    open_alert,
)
from gateway.core.errors import InvalidInput, NotFound
from gateway.core.users import get_account
from gateway.store.database import Database
from gateway.store.models import AccountKind, AlertCategory, User

from support import World


def _create(database: Database, user_id: int, now: datetime, **fields: object) -> int:
    values: dict[str, object] = {"category": "alert", "title": "Payment received"}
    values.update(fields)
    with database.transaction() as session:
        return create_alert(session, user_id, now=now, **values).id  # type: ignore[arg-type]


def test_an_alert_body_is_markdown_rendered_and_sanitized(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        alert = create_alert(
            session,
            world.alice.id,
            category=AlertCategory.ALERT,
            title="  Invoice   #12 paid ",
            body="You got **$120**. <script>x()</script>",
            now=now,
        )

    assert alert.title == "Invoice #12 paid"
    assert "<strong>$120</strong>" in alert.body_html
    assert "<script>" not in alert.body_html
    assert alert.read_at is None and alert.created_at == now


@pytest.mark.parametrize(
    "link",
    ["https://example.com/pay?id=1", "http://example.com", "/rooms/all", "/alerts/3#top"],
)
def test_links_may_be_http_urls_or_paths_on_this_site(
    database: Database, world: World, now: datetime, link: str
) -> None:
    with database.transaction() as session:
        alert = create_alert(
            session, world.alice.id, category="alert", title="T", link=link, now=now
        )

    assert alert.link == link


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/x",
        "/\\evil.example",
        "ftp://example.com/file",
        "https://",
        "rooms/all",
        "https://exa mple.com",
    ],
)
def test_other_links_are_refused(
    database: Database, world: World, now: datetime, link: str
) -> None:
    with database.transaction() as session, pytest.raises(InvalidInput, match="link"):
        create_alert(session, world.alice.id, category="alert", title="T", link=link, now=now)


def test_titles_must_be_present_and_short(database: Database, world: World, now: datetime) -> None:
    with database.transaction() as session:
        with pytest.raises(InvalidInput, match="needs a title"):
            create_alert(session, world.alice.id, category="alert", title="   ", now=now)
        with pytest.raises(InvalidInput, match=str(MAX_TITLE_LENGTH)):
            create_alert(session, world.alice.id, category="alert", title="x" * 301, now=now)
        assert create_alert(session, world.alice.id, category="alert", title="x" * 300, now=now)


def test_only_account_alerts_can_be_financial(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session, pytest.raises(InvalidInput, match="financial"):
        create_alert(session, world.alice.id, category="update", title="T", financial=True, now=now)


def test_an_alert_for_an_account_must_name_one_of_the_users_accounts(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        alice = session.get(User, world.alice.id)
        bob = session.get(User, world.bob.id)
        assert alice is not None and bob is not None
        client = get_account(session, alice, AccountKind.CLIENT)
        alert = create_alert(
            session, alice.id, category="alert", title="T", account_id=client.id, now=now
        )
        assert alert.account_id == client.id
        with pytest.raises(InvalidInput, match="not one of this user's accounts"):
            create_alert(
                session,
                alice.id,
                category="alert",
                title="T",
                account_id=bob.accounts[0].id,
                now=now,
            )


def test_an_alert_for_an_unknown_user_is_not_found(database: Database, now: datetime) -> None:
    with database.transaction() as session, pytest.raises(NotFound):
        create_alert(session, 999, category="alert", title="T", now=now)


def test_list_alerts_is_newest_first_per_tab_and_leaves_out_expired_ones(
    database: Database, world: World, now: datetime
) -> None:
    first = _create(database, world.alice.id, now, title="First")
    second = _create(database, world.alice.id, now, title="Second")
    _create(database, world.alice.id, now, title="An update", category="update")
    _create(database, world.alice.id, now, title="Soon gone", expires_at=now + timedelta(hours=1))
    _create(database, world.bob.id, now, title="Bob's")

    with database.read_session() as session:
        before = list_alerts(session, world.alice.id, "alert", now=now, limit=10)
        after = list_alerts(
            session, world.alice.id, "alert", now=now + timedelta(hours=1), limit=10
        )
        paged = list_alerts(session, world.alice.id, "alert", now=now, limit=1, offset=1)

    assert [a.title for a in before] == ["Soon gone", "Second", "First"]
    assert [a.id for a in after] == [second, first]
    assert [a.title for a in paged] == ["Second"]


def test_opening_an_alert_marks_it_read_once(
    database: Database, world: World, now: datetime
) -> None:
    alert_id = _create(database, world.alice.id, now)

    with database.transaction() as session:
        assert open_alert(session, world.alice.id, alert_id, now=now).read_at == now
    with database.transaction() as session:
        later = open_alert(session, world.alice.id, alert_id, now=now + timedelta(days=1))
        assert later.read_at == now


def test_opening_someone_elses_or_an_expired_alert_is_not_found(
    database: Database, world: World, now: datetime
) -> None:
    bobs = _create(database, world.bob.id, now)
    expiring = _create(database, world.alice.id, now, expires_at=now + timedelta(minutes=5))

    with database.transaction() as session:
        with pytest.raises(NotFound):
            open_alert(session, world.alice.id, bobs, now=now)
        with pytest.raises(NotFound, match="expired"):
            open_alert(session, world.alice.id, expiring, now=now + timedelta(minutes=5))
        with pytest.raises(NotFound):
            open_alert(session, world.alice.id, 12345, now=now)


def test_mark_all_read_touches_only_the_users_unread_alerts_of_the_tab(
    database: Database, world: World, now: datetime
) -> None:
    _create(database, world.alice.id, now)
    _create(database, world.alice.id, now)
    update_id = _create(database, world.alice.id, now, category="update")
    bobs = _create(database, world.bob.id, now)

    with database.transaction() as session:
        changed = mark_all_alerts_read(session, world.alice.id, now=now, category="alert")
    assert changed == 2
    with database.transaction() as session:
        assert open_alert(session, world.alice.id, update_id, now=now).read_at == now
        assert open_alert(session, world.bob.id, bobs, now=now).read_at == now  # was unread
