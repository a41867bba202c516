"""Message time indexes: search by date walks back from the day named.

`before:` (and `after:` with it) in a search without words lists messages newest first from a
date; with only the (room_id, id) index that meant reading every newer message of the rooms
(400 ms in a room of 100,000 messages). (room_id, created_at) serves one room,
(created_at) several rooms, and a word search with a date lets PostgreSQL combine the
full-text index with the date range instead of filtering every match.

Plain CREATE INDEX: `messages` is not rebuilt, so the search triggers of 0003 stay as they are.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_room_time", "messages", ["room_id", "created_at"])
    op.create_index("ix_messages_time", "messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_time", table_name="messages")
    op.drop_index("ix_messages_room_time", table_name="messages")
