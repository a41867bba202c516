"""Who is emailed, when, and why not: preferences, the grace window, reading and writing on
the web, a room open in front of the user, muted rooms, ticket rooms, and the email copies
of Account Alerts and Updates (EMAIL-RULES sections 3 and 5), through real dispatch."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from gateway.core.alerts import create_alert, open_alert
from gateway.core.bounces import record_bounce
from gateway.core.notifications import Reason
from gateway.core.preferences import set_preference
from gateway.core.reading import mark_read
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.room_views import VIEW_LEASE, open_room_view
from gateway.core.rooms import create_room
from gateway.core.unsubscribe import CategoryEmails, verify_unsubscribe_token
from gateway.core.web_sessions import find_web_session, start_web_session
from gateway.outbound.dispatch import ALERT_KIND, dispatch_notifications
from gateway.settings import Settings
from gateway.store.database import Database
from gateway.store.models import (
    Notification,
    NotificationState,
    NotifyCategory,
    NotifyChannel,
    NotifyFrequency,
    RoomKind,
)

from support import World

GRACE = timedelta(minutes=10)


def _states(database: Database, user_id: int) -> list[tuple[NotificationState, str | None]]:
    with database.read_session() as session:
        rows = session.execute(
            select(Notification.state, Notification.reason)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
        return [(state, reason) for state, reason in rows]


@pytest.fixture
def dispatch_with_grace(database: Database, settings: Settings, keys: ReplyKeys):
    """dispatch_with_grace(at) -> emails queued, with the default ten-minute grace window."""
    graced = dataclasses.replace(settings, notify_grace_seconds=int(GRACE.total_seconds()))

    def run(at: datetime) -> int:
        with database.transaction() as session:
            return dispatch_notifications(session, graced, keys, now=at)

    return run


def _prefer(database: Database, user_id: int, category: NotifyCategory, **choice) -> None:
    with database.transaction() as session:
        set_preference(
            session,
            user_id,
            category,
            channel=choice.get("channel", NotifyChannel.BOTH),
            frequency=choice.get("frequency", NotifyFrequency.IMMEDIATE),
            email_even_if_read=choice.get("even_if_read", False),
        )


# --- the grace window ---------------------------------------------------------------------


def test_an_immediate_email_waits_out_the_grace_window(
    database, world: World, now, post, dispatch_with_grace, emails_to
) -> None:
    post("Can we ship on Friday?")
    assert dispatch_with_grace(now + GRACE - timedelta(seconds=1)) == 0
    assert _states(database, world.bob.id) == [(NotificationState.PENDING, None)]
    assert dispatch_with_grace(now + GRACE) == 1
    assert _states(database, world.bob.id) == [(NotificationState.QUEUED, None)]
    assert len(emails_to(world.bob)) == 1


def test_a_message_read_on_the_web_in_the_grace_window_is_not_emailed(
    database, world: World, now, post, dispatch_with_grace, emails_to
) -> None:
    message_id = post("Can we ship on Friday?")
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, message_id)
    assert dispatch_with_grace(now + GRACE) == 0
    assert emails_to(world.bob) == []
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.READ)]


def test_email_me_even_if_i_have_read_it_sends_it_anyway(
    database, world: World, now, post, dispatch_with_grace, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, even_if_read=True)
    message_id = post("Can we ship on Friday?")
    with database.transaction() as session:
        mark_read(session, world.room.id, world.bob.id, message_id)
    assert dispatch_with_grace(now + GRACE) == 1
    assert len(emails_to(world.bob)) == 1


def test_answering_in_the_room_meanwhile_counts_as_having_seen_it(
    database, world: World, now, post, dispatch_with_grace, emails_to
) -> None:
    post("Can we ship on Friday?")
    post("Yes, Friday.", author=world.bob)
    assert dispatch_with_grace(now + GRACE) == 1
    assert emails_to(world.bob) == []
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.ACTIVE)]
    (to_alice,) = emails_to(world.alice)
    assert "Yes, Friday." in to_alice.get_body(("plain",)).get_content()


def test_with_no_grace_window_the_email_goes_at_the_first_dispatch(
    world: World, post, dispatch, emails_to
) -> None:
    post("Can we ship on Friday?")
    assert dispatch() == 1
    assert len(emails_to(world.bob)) == 1


# --- presence -------------------------------------------------------------------------------


def _open_room_page(database: Database, user, room_id: int, at: datetime) -> None:
    """What a live room page's stream does when it opens: the room is in front of the user."""
    with database.transaction() as session:
        token = start_web_session(session, session.merge(user), now=at)
        signed_in = find_web_session(session, token, now=at)
        assert signed_in is not None
        open_room_view(
            session,
            web_session_id=signed_in.session_id,
            user_id=user.id,
            room_id=room_id,
            page_key="page-one-key",
            now=at,
        )


def test_a_member_with_the_room_open_in_front_of_them_is_not_emailed(
    database, world: World, now, post, dispatch, emails_to
) -> None:
    _open_room_page(database, world.bob, world.room.id, now)
    post("Can we ship on Friday?")
    assert dispatch() == 0
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.VIEWING)]


def test_a_room_view_its_stream_stopped_renewing_does_not_stop_the_email(
    database, world: World, now, post, dispatch, emails_to
) -> None:
    _open_room_page(database, world.bob, world.room.id, now - VIEW_LEASE)
    post("Can we ship on Friday?")
    assert dispatch() == 1


def test_another_room_open_does_not_stop_this_rooms_email(
    database, world: World, now, post, dispatch
) -> None:
    with database.transaction() as session:
        other = create_room(session, "Elsewhere", owner=session.merge(world.bob), now=now)
    _open_room_page(database, world.bob, other.id, now)
    post("Can we ship on Friday?")
    assert dispatch() == 1


# --- preferences ----------------------------------------------------------------------------


def test_a_muted_room_sends_nothing(database, world: World, post, dispatch, keys) -> None:
    from gateway.core.rooms import find_membership, mute_room_email

    with database.transaction() as session:
        mute_room_email(session, find_membership(session, world.room.id, world.bob.id).id)
    post("Can we ship on Friday?")
    assert dispatch() == 0
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.MUTED)]


def test_inbox_only_means_no_email(database, world: World, post, dispatch) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, channel=NotifyChannel.INBOX)
    post("Can we ship on Friday?")
    assert dispatch() == 0
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.CHANNEL)]


def test_a_daily_frequency_holds_the_item_for_the_digest(
    database, world: World, post, dispatch, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.ROOM, frequency=NotifyFrequency.DAILY)
    post("Can we ship on Friday?")
    assert dispatch() == 0
    assert emails_to(world.bob) == []
    assert _states(database, world.bob.id) == [(NotificationState.DIGEST, None)]


def test_ticket_rooms_follow_the_ticket_preference_not_the_room_one(
    database, world: World, now, post, dispatch, emails_to
) -> None:
    _prefer(database, world.bob.id, NotifyCategory.TICKET, channel=NotifyChannel.INBOX)
    with database.transaction() as session:
        ticket = create_room(
            session,
            "Refund for order 1042",
            owner=session.merge(world.alice),
            members=[session.merge(world.bob)],
            kind=RoomKind.TICKET,
            now=now,
        )
    post("Your refund is on its way.", room_id=ticket.id)
    post("Can we ship on Friday?")
    assert dispatch() == 1
    with database.read_session() as session:
        categories = list(
            session.scalars(
                select(Notification.category)
                .where(Notification.user_id == world.bob.id)
                .order_by(Notification.id)
            )
        )
    assert categories == [NotifyCategory.TICKET, NotifyCategory.ROOM]
    assert _states(database, world.bob.id) == [
        (NotificationState.SKIPPED, Reason.CHANNEL),
        (NotificationState.QUEUED, None),
    ]


# --- Account Alerts and Updates -------------------------------------------------------------


def _alert(database: Database, user_id: int, now: datetime, **fields) -> int:
    with database.transaction() as session:
        alert = create_alert(
            session,
            user_id,
            category=fields.pop("category", "alert"),
            title=fields.pop("title", "Your payment of $250.00 was sent"),
            body=fields.pop("body", "Milestone 2 of **Website redesign** was paid."),
            now=now,
            **fields,
        )
        return alert.id


def test_an_account_alert_is_emailed_with_its_link_and_a_category_unsubscribe(
    database, world: World, now, settings, keys, dispatch, outbox, emails_to
) -> None:
    alert_id = _alert(database, world.bob.id, now, link="/payments/1042")
    assert dispatch() == 1
    (row,) = outbox(world.bob.id)
    assert (row.kind, row.recipient) == (ALERT_KIND, "bob@example.org")
    (email,) = emails_to(world.bob)
    assert email["Subject"] == "[Gateway] Account alert: Your payment of $250.00 was sent"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Precedence"] == "bulk"
    assert email["X-Auto-Response-Suppress"] == "All"
    assert "Reply-To" not in email
    text = email.get_body(("plain",)).get_content()
    assert "Milestone 2 of **Website redesign** was paid." in text
    assert f"{settings.base_url}/payments/1042" in text
    assert f"{settings.base_url}/alerts/{alert_id}" in text
    html = email.get_body(("html",)).get_content()
    assert "<strong>Website redesign</strong>" in html
    unsubscribe = str(email["List-Unsubscribe"]).strip("<>")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe.rsplit("/u/", 1)[1]
    assert verify_unsubscribe_token(token, keys) == CategoryEmails(
        world.bob.id, NotifyCategory.ALERT
    )


def test_a_financial_alert_offers_no_unsubscribe(
    database, world: World, now, dispatch, emails_to
) -> None:
    _alert(database, world.bob.id, now, financial=True)
    assert dispatch() == 1
    (email,) = emails_to(world.bob)
    assert "List-Unsubscribe" not in email
    assert "always sends these" in email.get_body(("plain",)).get_content()


def test_an_alert_opened_in_the_grace_window_is_not_emailed(
    database, world: World, now, dispatch_with_grace, emails_to
) -> None:
    alert_id = _alert(database, world.bob.id, now)
    with database.transaction() as session:
        open_alert(session, world.bob.id, alert_id, now=now + timedelta(minutes=1))
    assert dispatch_with_grace(now + GRACE) == 0
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.READ)]


def test_an_alert_that_expired_before_its_email_went_is_not_emailed(
    database, world: World, now, dispatch_with_grace
) -> None:
    _alert(database, world.bob.id, now, expires_at=now + timedelta(minutes=5))
    assert dispatch_with_grace(now + GRACE) == 0
    assert _states(database, world.bob.id) == [(NotificationState.SKIPPED, Reason.EXPIRED)]


def test_updates_stay_in_the_inbox_by_default_and_wait_for_a_digest_when_emailed(
    database, world: World, now, dispatch
) -> None:
    _alert(database, world.bob.id, now, category="update", title="New: saved searches")
    assert dispatch() == 0
    _prefer(
        database,
        world.bob.id,
        NotifyCategory.UPDATE,
        channel=NotifyChannel.BOTH,
        frequency=NotifyFrequency.WEEKLY,
    )
    _alert(database, world.bob.id, now, category="update", title="New: dark mode")
    assert dispatch() == 0
    assert _states(database, world.bob.id) == [
        (NotificationState.SKIPPED, Reason.CHANNEL),
        (NotificationState.DIGEST, None),
    ]


# --- a bouncing address -----------------------------------------------------------------------


def _make_bob_bounce(database: Database, now: datetime) -> None:
    with database.transaction() as session:
        for day in range(3):
            record_bounce(
                session,
                "bob@example.org",
                permanent=True,
                status="5.2.2",
                now=now + timedelta(days=day),
            )


def test_a_bouncing_address_gets_no_room_email_but_still_gets_financial_alerts(
    database, world: World, now, post, dispatch, emails_to
) -> None:
    _make_bob_bounce(database, now - timedelta(days=3))
    post("Can we ship on Friday?")
    _alert(database, world.bob.id, now, title="Payment sent", financial=True)
    _alert(database, world.bob.id, now, title="Your profile was viewed")
    assert dispatch() == 1
    (email,) = emails_to(world.bob)
    assert email["Subject"] == "[Gateway] Account alert: Payment sent"
    assert _states(database, world.bob.id) == [
        (NotificationState.SKIPPED, Reason.BOUNCING),
        (NotificationState.QUEUED, None),
        (NotificationState.SKIPPED, Reason.BOUNCING),
    ]
