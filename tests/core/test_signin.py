"""Sign-in rules on a real database: one refusal for unknown address and wrong password,
throttling per (client, address), per client and per device cookie in a sliding window,
one-time sign-in links, and passwords. Throttling as people see it over HTTP (device cookies,
untrusted browsers, the owner kept in) is tested in tests/web/test_signin_devices.py."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from gateway.core.errors import InvalidInput, NotFound
from gateway.core.reply_addresses import ReplyKeys
from gateway.core.sign_in_devices import DeviceCookie
from gateway.core.signin import (
    LINK_EXPIRED,
    LINK_INVALID,
    LINK_USED,
    ON_THIS_BROWSER,
    SIGN_IN_REFUSED,
    SignInLinkGone,
    SignInRefused,
    Throttled,
    check_sign_in_token,
    issue_sign_in_token,
    prune_sign_in_attempts,
    prune_sign_in_tokens,
    redeem_sign_in_token,
    set_password,
    sign_in_with_password,
)
from gateway.store.database import Database
from gateway.store.models import SignInAttempt, SignInToken, User

from support import World

PASSWORD = "correct horse battery"
CLIENT = "203.0.113.5"
OTHER_CLIENT = "198.51.100.9"


@pytest.fixture
def alice(database: Database, world: World) -> User:
    """Alice, with a password."""
    with database.transaction() as session:
        set_password(session, world.alice.id, PASSWORD)
    return world.alice


def attempt(
    database: Database,
    email: str,
    password: str,
    *,
    now: datetime,
    remote_addr: str = CLIENT,
) -> str | SignInRefused | Throttled:
    """One sign-in in its own committed transaction: the user's address, or the refusal."""
    with database.transaction() as session:
        try:
            user = sign_in_with_password(session, email, password, remote_addr=remote_addr, now=now)
        except (SignInRefused, Throttled) as refusal:
            return refusal
        return user.email


def fail_times(
    database: Database,
    count: int,
    *,
    now: datetime,
    email: str = "alice@example.com",
    remote_addr: str = CLIENT,
) -> None:
    """`count` failed sign-ins at `now`; `{index}` in `email` makes each address different."""
    for index in range(count):
        address = email.format(index=index)
        refusal = attempt(database, address, "wrong password!", now=now, remote_addr=remote_addr)
        assert isinstance(refusal, SignInRefused)


def attempt_count(database: Database) -> int:
    with database.read_session() as session:
        return session.scalar(select(func.count()).select_from(SignInAttempt)) or 0


# --- password sign-in ----------------------------------------------------------------------


def test_right_password_signs_in_whatever_the_address_case(
    database: Database, alice: User, now: datetime
) -> None:
    assert attempt(database, "  Alice@Example.COM ", PASSWORD, now=now) == "alice@example.com"
    assert attempt_count(database) == 0


def test_wrong_password_and_unknown_address_get_one_message_and_are_both_recorded(
    database: Database, alice: User, now: datetime
) -> None:
    wrong_password = attempt(database, "alice@example.com", "not the password", now=now)
    unknown_address = attempt(database, "nobody@example.com", PASSWORD, now=now)

    assert isinstance(wrong_password, SignInRefused)
    assert isinstance(unknown_address, SignInRefused)
    assert str(wrong_password) == str(unknown_address) == SIGN_IN_REFUSED
    assert str(wrong_password) == "That email and password do not match."
    assert attempt_count(database) == 2


def test_user_without_a_password_is_refused_like_a_wrong_password(
    database: Database, world: World, now: datetime
) -> None:
    refusal = attempt(database, "bob@example.org", "", now=now)

    assert isinstance(refusal, SignInRefused)
    assert str(refusal) == SIGN_IN_REFUSED


def test_failed_attempt_is_recorded_with_lowercased_address_and_client(
    database: Database, alice: User, now: datetime
) -> None:
    attempt(database, "ALICE@example.com", "nope", now=now, remote_addr=OTHER_CLIENT)

    with database.read_session() as session:
        row = session.scalars(select(SignInAttempt)).one()
    assert (row.email, row.remote_addr, row.attempted_at) == (
        "alice@example.com",
        OTHER_CLIENT,
        now,
    )


def test_five_failures_for_an_address_from_one_client_refuse_even_the_right_password(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 5, now=now)

    refusal = attempt(database, "alice@example.com", PASSWORD, now=now)

    assert isinstance(refusal, Throttled)
    assert refusal.retry_after == timedelta(minutes=15)
    assert str(refusal) == (
        "Too many failed sign-ins from this network. Try again in 15 minutes, "
        "or sign in with an email link: it works even now."
    )


def test_four_failures_still_let_the_right_password_in(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 4, now=now)

    assert attempt(database, "alice@example.com", PASSWORD, now=now) == "alice@example.com"


def test_throttled_attempts_are_not_recorded_so_waiting_is_enough(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 5, now=now)
    for minute in range(1, 15):
        later = now + timedelta(minutes=minute)
        assert isinstance(attempt(database, "alice@example.com", "guess", now=later), Throttled)

    assert attempt_count(database) == 5
    after_window = now + timedelta(minutes=15, seconds=1)
    assert attempt(database, "alice@example.com", PASSWORD, now=after_window) == (
        "alice@example.com"
    )


def test_wait_is_until_the_fifth_latest_failure_leaves_the_window(
    database: Database, alice: User, now: datetime
) -> None:
    for minute in range(5):
        fail_times(database, 1, now=now + timedelta(minutes=minute))

    refusal = attempt(database, "alice@example.com", PASSWORD, now=now + timedelta(minutes=4))

    assert isinstance(refusal, Throttled)
    assert refusal.retry_after == timedelta(minutes=11)
    assert "Try again in 11 minutes," in str(refusal)


def test_a_wait_under_a_minute_reads_as_one_minute(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 5, now=now)

    refusal = attempt(database, "alice@example.com", PASSWORD, now=now + timedelta(minutes=14.5))

    assert isinstance(refusal, Throttled)
    assert "Try again in 1 minute," in str(refusal)


def test_success_does_not_erase_failures_the_window_just_slides(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 4, now=now)
    assert attempt(database, "alice@example.com", PASSWORD, now=now) == "alice@example.com"
    fail_times(database, 1, now=now + timedelta(minutes=1))

    refusal = attempt(database, "alice@example.com", PASSWORD, now=now + timedelta(minutes=2))
    assert isinstance(refusal, Throttled)
    # The four oldest leave the window at now + 15 minutes: one failure left, so allowed.
    later = now + timedelta(minutes=15, seconds=1)
    assert attempt(database, "alice@example.com", PASSWORD, now=later) == "alice@example.com"


def test_parallel_guesses_are_counted_one_after_another(
    database: Database, alice: User, now: datetime
) -> None:
    """Twelve wrong passwords at the same moment: five are checked and recorded, the rest are
    throttled, as if they had come one by one (no race between counting and recording)."""
    start = threading.Barrier(12)

    def guess(_index: int) -> str | SignInRefused | Throttled:
        start.wait()
        return attempt(database, "alice@example.com", "wrong password!", now=now)

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(guess, range(12)))

    assert sum(isinstance(outcome, SignInRefused) for outcome in outcomes) == 5
    assert sum(isinstance(outcome, Throttled) for outcome in outcomes) == 7
    assert attempt_count(database) == 5


def test_twenty_failures_from_one_client_throttle_every_address_from_it(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 20, now=now, email="guess{index}@example.net", remote_addr=CLIENT)

    from_same_client = attempt(database, "alice@example.com", PASSWORD, now=now)
    from_elsewhere = attempt(
        database, "alice@example.com", PASSWORD, now=now, remote_addr=OTHER_CLIENT
    )

    assert isinstance(from_same_client, Throttled)
    assert from_elsewhere == "alice@example.com"


def test_nineteen_failures_from_one_client_do_not_throttle_it(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 19, now=now, email="guess{index}@example.net", remote_addr=CLIENT)

    assert attempt(database, "alice@example.com", PASSWORD, now=now) == "alice@example.com"


def test_overlong_address_and_client_are_cut_to_fit_and_still_refused(
    database: Database, alice: User, now: datetime
) -> None:
    refusal = attempt(database, "x" * 5000 + "@example.com", "pw", now=now, remote_addr="9" * 200)

    assert isinstance(refusal, SignInRefused)
    assert attempt_count(database) == 1


def test_failures_with_a_device_cookie_are_recorded_with_its_nonce_and_counted_by_it(
    database: Database, alice: User, now: datetime
) -> None:
    keys = ReplyKeys.from_secrets("device test secret")
    device = DeviceCookie.from_value(DeviceCookie((), keys).renewed(alice.id, now), keys)
    nonce = device.nonce_for(alice.id, now)

    def with_device(password: str, client: str) -> str | SignInRefused | Throttled:
        with database.transaction() as session:
            try:
                return sign_in_with_password(
                    session,
                    "alice@example.com",
                    password,
                    remote_addr=client,
                    now=now,
                    device=device,
                ).email
            except (SignInRefused, Throttled) as refusal:
                return refusal

    outcomes = [with_device("wrong password!", f"192.0.2.{index}") for index in range(6)]

    assert [type(outcome) for outcome in outcomes] == [SignInRefused] * 5 + [Throttled]
    assert isinstance(outcomes[-1], Throttled) and outcomes[-1].scope == ON_THIS_BROWSER
    with database.read_session() as session:
        assert set(session.scalars(select(SignInAttempt.device_nonce))) == {nonce}
    # Untrusted browsers elsewhere are not held back by the device's failures.
    assert attempt(database, "alice@example.com", PASSWORD, now=now) == "alice@example.com"


def test_prune_deletes_attempts_older_than_a_day_only(
    database: Database, alice: User, now: datetime
) -> None:
    fail_times(database, 2, now=now - timedelta(days=1, minutes=1))
    fail_times(database, 1, now=now - timedelta(hours=23))

    with database.transaction() as session:
        deleted = prune_sign_in_attempts(session, now)

    assert deleted == 2
    assert attempt_count(database) == 1


# --- sign-in links -------------------------------------------------------------------------


def issue(database: Database, email: str, now: datetime) -> str | None:
    with database.transaction() as session:
        issued = issue_sign_in_token(session, email, now)
        return None if issued is None else issued[1]


def redeem(database: Database, token: str, now: datetime) -> str | InvalidInput:
    with database.transaction() as session:
        try:
            return redeem_sign_in_token(session, token, now).email
        except InvalidInput as error:
            return error


def test_issued_link_is_stored_only_as_its_sha256_and_lasts_fifteen_minutes(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        issued = issue_sign_in_token(session, "Bob@Example.org", now)
        assert issued is not None
        user, token = issued
        assert user.id == world.bob.id

    with database.read_session() as session:
        row = session.scalars(select(SignInToken)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash
    assert (row.user_id, row.created_at, row.used_at) == (world.bob.id, now, None)
    assert row.expires_at == now + timedelta(minutes=15)
    assert len(token) >= 40


def test_no_link_for_an_unknown_address(database: Database, world: World, now: datetime) -> None:
    assert issue(database, "nobody@example.org", now) is None
    assert issue(database, "not an address", now) is None


def test_at_most_three_links_per_address_in_fifteen_minutes(
    database: Database, world: World, now: datetime
) -> None:
    tokens = [issue(database, "bob@example.org", now + timedelta(minutes=m)) for m in range(4)]

    assert all(tokens[:3])
    assert tokens[3] is None
    # Another address is not affected; and once the first link is out of the window, one more.
    assert issue(database, "alice@example.com", now + timedelta(minutes=3)) is not None
    assert issue(database, "bob@example.org", now + timedelta(minutes=15, seconds=1)) is not None


def test_link_signs_in_once(database: Database, world: World, now: datetime) -> None:
    token = issue(database, "bob@example.org", now)
    assert token is not None

    first = redeem(database, token, now + timedelta(minutes=1))
    second = redeem(database, token, now + timedelta(minutes=2))

    assert first == "bob@example.org"
    assert isinstance(second, SignInLinkGone)
    assert str(second) == LINK_USED == "This sign-in link was already used."
    with database.read_session() as session:
        used_at = session.scalars(select(SignInToken.used_at)).one()
    assert used_at == now + timedelta(minutes=1)


def test_link_expires_after_fifteen_minutes(
    database: Database, world: World, now: datetime
) -> None:
    token = issue(database, "bob@example.org", now)
    assert token is not None

    refusal = redeem(database, token, now + timedelta(minutes=15))

    assert isinstance(refusal, SignInLinkGone)
    assert str(refusal) == LINK_EXPIRED == "This sign-in link has expired. Ask for a new one."
    with database.read_session() as session:
        assert session.scalars(select(SignInToken.used_at)).one() is None


def test_unknown_link_is_invalid_not_gone(database: Database, world: World, now: datetime) -> None:
    refusal = redeem(database, "made-up-token", now)

    assert isinstance(refusal, InvalidInput)
    assert not isinstance(refusal, SignInLinkGone)
    assert str(refusal) == LINK_INVALID


def test_checking_a_link_does_not_use_it_up(
    database: Database, world: World, now: datetime
) -> None:
    token = issue(database, "bob@example.org", now)
    assert token is not None

    for _ in range(3):
        with database.transaction() as session:
            assert check_sign_in_token(session, token, now).email == "bob@example.org"

    assert redeem(database, token, now) == "bob@example.org"
    with database.read_session() as session, pytest.raises(SignInLinkGone, match="already used"):
        check_sign_in_token(session, token, now)


def test_prune_deletes_links_expired_more_than_a_day_ago(
    database: Database, world: World, now: datetime
) -> None:
    issue(database, "bob@example.org", now - timedelta(days=2))
    issue(database, "bob@example.org", now - timedelta(hours=1))

    with database.transaction() as session:
        assert prune_sign_in_tokens(session, now) == 1
    with database.read_session() as session:
        assert session.scalar(select(func.count()).select_from(SignInToken)) == 1


# --- passwords -----------------------------------------------------------------------------


def test_set_password_refuses_fewer_than_ten_characters(database: Database, world: World) -> None:
    with database.transaction() as session, pytest.raises(InvalidInput) as refused:
        set_password(session, world.bob.id, "123456789")

    assert str(refused.value) == "Choose a password of at least 10 characters."


def test_set_password_lets_the_user_sign_in_with_it(
    database: Database, world: World, now: datetime
) -> None:
    with database.transaction() as session:
        set_password(session, world.bob.id, "0123456789")

    assert attempt(database, "bob@example.org", "0123456789", now=now) == "bob@example.org"
    with database.read_session() as session:
        stored = session.get(User, world.bob.id)
        assert stored is not None
        assert stored.password_hash is not None
        assert "0123456789" not in stored.password_hash


def test_set_password_for_a_missing_user_is_not_found(database: Database) -> None:
    with database.transaction() as session, pytest.raises(NotFound):
        set_password(session, 987_654, "long enough password")
