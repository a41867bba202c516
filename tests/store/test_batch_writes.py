"""Batch writes: rows updated to their own values in one go, on both backends, and the loaded
objects kept in step without a flush."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from gateway.store.database import Database, update_by_id, update_loaded
from gateway.store.models import Membership, Role, User

from support import World


def test_update_by_id_gives_each_row_its_own_values(database: Database, world: World, now) -> None:
    later = now + timedelta(days=2)
    with database.transaction() as session:
        update_by_id(
            session,
            User,
            [
                {"id": world.alice.id, "display_name": "Alice A.", "created_at": later},
                {"id": world.bob.id, "display_name": "Bob B.", "created_at": now},
            ],
        )
    with database.read_session() as session:
        rows = session.execute(
            select(User.id, User.display_name, User.created_at).order_by(User.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        (world.alice.id, "Alice A.", later),
        (world.bob.id, "Bob B.", now),
    ]


def test_update_loaded_writes_enums_and_nulls_and_leaves_nothing_to_flush(
    database: Database, world: World, now
) -> None:
    with database.transaction() as session:
        memberships = list(session.scalars(select(Membership).order_by(Membership.user_id)))
        update_loaded(
            session,
            [(m, {"role": Role.ADMIN, "last_read_message_id": None}) for m in memberships],
        )
        assert all(m.role is Role.ADMIN for m in memberships)
        assert not session.dirty
    with database.read_session() as session:
        roles = set(session.scalars(select(Membership.role)))
    assert roles == {Role.ADMIN}
