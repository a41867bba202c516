"""Inbound emails found by the message they became (an out-of-office reply answers it).

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


def downgrade() -> None:
    op.drop_index(op.f("ix_inbound_emails_message_id"), table_name="inbound_emails")
