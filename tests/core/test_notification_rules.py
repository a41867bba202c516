"""The notification rules (EMAIL-RULES section 5, gateway.core.notifications.decide), one
row each: what a user is emailed now, held for a digest, or not emailed, and why."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gateway.core.notifications import Action, Decision, Facts, Reason, decide
from gateway.core.preferences import DEFAULTS, Preference
from gateway.store.models import NotifyCategory, NotifyChannel, NotifyFrequency

ROOM = DEFAULTS[NotifyCategory.ROOM]  # both, immediate
EMAIL_NOW = Decision(Action.EMAIL)
DIGEST = Decision(Action.DIGEST)


def pref(
    channel: NotifyChannel = NotifyChannel.BOTH,
    frequency: NotifyFrequency = NotifyFrequency.IMMEDIATE,
    *,
    even_if_read: bool = False,
) -> Preference:
    return Preference(NotifyCategory.ROOM, channel, frequency, even_if_read)


RULES: list[tuple[str, Facts, Decision]] = [
    ("an unread message, default preferences", Facts(ROOM), EMAIL_NOW),
    ("the member left", Facts(ROOM, gone=Reason.LEFT), Decision(Action.SKIP, Reason.LEFT)),
    (
        "the message was deleted",
        Facts(ROOM, gone=Reason.DELETED),
        Decision(Action.SKIP, Reason.DELETED),
    ),
    (
        "the alert expired",
        Facts(ROOM, gone=Reason.EXPIRED),
        Decision(Action.SKIP, Reason.EXPIRED),
    ),
    ("the room is muted", Facts(ROOM, muted=True), Decision(Action.SKIP, Reason.MUTED)),
    (
        "channel inbox only",
        Facts(pref(NotifyChannel.INBOX)),
        Decision(Action.SKIP, Reason.CHANNEL),
    ),
    ("channel none", Facts(pref(NotifyChannel.NONE)), Decision(Action.SKIP, Reason.CHANNEL)),
    ("channel email only", Facts(pref(NotifyChannel.EMAIL)), EMAIL_NOW),
    (
        "frequency never",
        Facts(pref(frequency=NotifyFrequency.NEVER)),
        Decision(Action.SKIP, Reason.FREQUENCY),
    ),
    ("frequency hourly", Facts(pref(frequency=NotifyFrequency.HOURLY)), DIGEST),
    ("frequency daily", Facts(pref(frequency=NotifyFrequency.DAILY)), DIGEST),
    ("frequency weekly", Facts(pref(frequency=NotifyFrequency.WEEKLY)), DIGEST),
    (
        "read on the web in the grace window",
        Facts(ROOM, read=True),
        Decision(Action.SKIP, Reason.READ),
    ),
    (
        "wrote in the room since",
        Facts(ROOM, active_since=True),
        Decision(Action.SKIP, Reason.ACTIVE),
    ),
    (
        "read, but 'email me even if I have read it'",
        Facts(pref(even_if_read=True), read=True),
        EMAIL_NOW,
    ),
    (
        "wrote since, but 'email me even if I have read it'",
        Facts(pref(even_if_read=True), active_since=True),
        EMAIL_NOW,
    ),
    (
        "the room is open in front of them",
        Facts(ROOM, viewing=True),
        Decision(Action.SKIP, Reason.VIEWING),
    ),
    (
        "open in front of them, but 'email me even if I have read it'",
        Facts(pref(even_if_read=True), viewing=True),
        EMAIL_NOW,
    ),
    (
        "read before a daily digest",
        Facts(pref(frequency=NotifyFrequency.DAILY), read=True),
        Decision(Action.SKIP, Reason.READ),
    ),
    (
        "muted wins over 'even if read'",
        Facts(pref(even_if_read=True), muted=True),
        Decision(Action.SKIP, Reason.MUTED),
    ),
    (
        "the user's address bounces",
        Facts(ROOM, bouncing=True),
        Decision(Action.SKIP, Reason.BOUNCING),
    ),
    (
        "a bouncing address still gets critical mail (financial alerts)",
        Facts(ROOM, bouncing=True, critical=True),
        EMAIL_NOW,
    ),
    (
        "gone wins over everything",
        Facts(pref(even_if_read=True), gone=Reason.DELETED, muted=True, viewing=True),
        Decision(Action.SKIP, Reason.DELETED),
    ),
]


@pytest.mark.parametrize(("case", "facts", "expected"), RULES, ids=[row[0] for row in RULES])
def test_rule(case: str, facts: Facts, expected: Decision) -> None:
    assert decide(facts) == expected


def test_default_preferences_email_room_messages_alerts_and_tickets_at_once() -> None:
    for category in (NotifyCategory.ROOM, NotifyCategory.ALERT, NotifyCategory.TICKET):
        assert decide(Facts(DEFAULTS[category])) == EMAIL_NOW
    # Updates are not urgent: by default they stay in the inbox; emailed, in a daily digest.
    assert decide(Facts(DEFAULTS[NotifyCategory.UPDATE])) == Decision(Action.SKIP, Reason.CHANNEL)
    emailed = replace(DEFAULTS[NotifyCategory.UPDATE], channel=NotifyChannel.BOTH)
    assert decide(Facts(emailed)) == DIGEST
