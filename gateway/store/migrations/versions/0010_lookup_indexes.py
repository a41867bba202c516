"""Indexes for lookups that scanned: an inbound email by the message it became (an
out-of-office reply answers it), and a recipient's room emails in order (the first and last
few thread each new email; the first about a message threads its replies), which read a
room's whole email history per batch.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_inbound_emails_message_id"), "inbound_emails", ["message_id"], unique=False
    )
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_room_user")
        batch.create_index("ix_outbox_room_user", ["room_id", "user_id", "id"], unique=False)
        batch.create_index("ix_outbox_message_user", ["message_id", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_message_user")
        batch.drop_index("ix_outbox_room_user")
        batch.create_index("ix_outbox_room_user", ["room_id", "user_id"], unique=False)
    op.drop_index(op.f("ix_inbound_emails_message_id"), table_name="inbound_emails")
