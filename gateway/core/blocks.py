"""Blocks: one user blocking another, and the question "is either of these two blocked?".

Owns the blocking rules: nobody blocks themselves; nobody blocks someone they share an active
contract room with (the contract has to end first, so the work can still be discussed);
blocking is idempotent and keeps both people in the group rooms they share. What a block
stops (direct messages, invites, new direct conversations) is decided by the modules that
read `is_blocked_between`. Must not import any adapter library.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.orm import Session, aliased

from gateway.core.errors import InvalidInput, NotAllowed, NotFound
from gateway.store.models import Block, Membership, Room, RoomKind, User


def block_user(session: Session, blocker_id: int, blocked_id: int, *, now: datetime) -> Block:
    """`blocker` blocks `blocked`; blocking someone already blocked changes nothing."""
    if blocker_id == blocked_id:
        raise InvalidInput("You cannot block yourself.")
    if session.get(User, blocked_id) is None:
        raise NotFound(f"No user {blocked_id}.")
    if share_active_contract(session, blocker_id, blocked_id):
        raise NotAllowed(
            "You cannot block someone you have an active contract with. End the contract first."
        )
    block = find_block(session, blocker_id, blocked_id)
    if block is None:
        block = Block(blocker_id=blocker_id, blocked_id=blocked_id, created_at=now)
        session.add(block)
        session.flush()
    return block


def unblock_user(session: Session, blocker_id: int, blocked_id: int) -> None:
    """Lift `blocker`'s block on `blocked` (nothing happens if there was none)."""
    session.execute(
        delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
    )
    session.flush()


def find_block(session: Session, blocker_id: int, blocked_id: int) -> Block | None:
    return session.scalar(
        select(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
    )


def is_blocked_between(session: Session, a: int, b: int) -> bool:
    """Whether either of the two users blocked the other."""
    pair = or_(
        and_(Block.blocker_id == a, Block.blocked_id == b),
        and_(Block.blocker_id == b, Block.blocked_id == a),
    )
    return bool(session.scalar(select(exists().where(pair))))


def list_blocked(session: Session, user_id: int) -> list[User]:
    """The users `user_id` has blocked, by name."""
    return list(
        session.scalars(
            select(User)
            .join(Block, Block.blocked_id == User.id)
            .where(Block.blocker_id == user_id)
            .order_by(User.display_name, User.id)
        )
    )


def share_active_contract(session: Session, a: int, b: int) -> bool:
    """Whether a contract room has both users as active members."""
    first, second = aliased(Membership), aliased(Membership)
    query = (
        select(Room.id)
        .join(first, and_(first.room_id == Room.id, first.user_id == a))
        .join(second, and_(second.room_id == Room.id, second.user_id == b))
        .where(Room.kind == RoomKind.CONTRACT, first.left_at.is_(None), second.left_at.is_(None))
    )
    return bool(session.scalar(select(exists(query))))
