"""Digests: when each user's digests go, and one row per digest slot (the claim).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("digest_hour", sa.SmallInteger(), nullable=False, server_default="8")
        )
        batch.add_column(
            sa.Column("digest_weekday", sa.SmallInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "immediate",
                "hourly",
                "daily",
                "weekly",
                "never",
                name="notify_frequency",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("slot_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_digests_outbox_id_outbox"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_digests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digests")),
        sa.UniqueConstraint("user_id", "frequency", "slot_at", name="uq_digests_user_slot"),
    )


def downgrade() -> None:
    op.drop_table("digests")
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch rebuild of `users` would have to drop
    # the table every other table references.
    op.drop_column("users", "digest_weekday")
    op.drop_column("users", "digest_hour")
