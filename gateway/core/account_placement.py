"""Which of a member's accounts shows a room: placing a room in the freelancer, client or
agency inbox.

Owns the rule that a member may place a room only in an account of their own, and only
their own membership: Alice moving a room to her client inbox changes nothing for Bob.
The inbox lists (gateway.core.inbox) read `memberships.account_id`.

Must not import Flask or any other adapter library.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.core.errors import InvalidInput
from gateway.core.rooms import get_own_membership
from gateway.store.models import Account, Membership


def place_room_in_account(
    session: Session, room_id: int, user_id: int, account_id: int
) -> Membership:
    """Show the room in the member's account `account_id`; NotFound when they are not an
    active member (the room does not exist to them), InvalidInput when the account is not
    theirs."""
    membership = get_own_membership(session, room_id, user_id)
    account = session.get(Account, account_id)
    if account is None or account.user_id != user_id:
        raise InvalidInput(f"Account {account_id} is not one of this member's accounts.")
    membership.account_id = account.id
    session.flush()
    return membership
