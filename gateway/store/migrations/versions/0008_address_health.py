"""Bounce scores per email address, and how long each user keeps Account Alerts and Updates.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "address_health",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("last_bounce_at", sa.DateTime(), nullable=False),
        sa.Column("last_counted_at", sa.DateTime(), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_permanent", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_health")),
        sa.UniqueConstraint("address", name=op.f("uq_address_health_address")),
    )
    op.add_column(
        "users",
        sa.Column("alert_retention_days", sa.SmallInteger(), nullable=False, server_default="90"),
    )


def downgrade() -> None:
    # Plain DROP COLUMN: a batch rebuild of `users` would drop the table others reference.
    op.drop_column("users", "alert_retention_days")
    op.drop_table("address_health")
