"""Inbound mail that could not be read, or was held, is kept with its outcome; and a reused
Message-ID with other content is told apart from a retry.

New outcomes `failed` (the same bytes will always fail: kept to be replayed after an upgrade,
never answered 451 forever) and `held` (a reply the trusted receiving MTA found failing DMARC:
kept until an operator releases it). `content_hash` is a sha256 of the message body: a
delivery whose Message-ID and recipient were seen before is a retry only when its body is the
same; otherwise it is a message of its own.

The outcome column is a VARCHAR with a named CHECK constraint (models._enum); on SQLite the
table is rebuilt (batch mode).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTCOME_CHECK = "ck_inbound_emails_inbound_outcome"
OLD_OUTCOMES = ("posted", "automated", "bounce", "rejected", "kept")
NEW_OUTCOMES = (*OLD_OUTCOMES, "failed", "held")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("inbound_emails") as batch:
        batch.drop_constraint(op.f(OUTCOME_CHECK), type_="check")
        batch.create_check_constraint(op.f(OUTCOME_CHECK), _in("outcome", NEW_OUTCOMES))
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_inbound_emails_outcome_received", ["outcome", "received_at"])


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE inbound_emails SET outcome = 'kept' WHERE outcome IN ('failed', 'held')")
    )
    with op.batch_alter_table("inbound_emails") as batch:
        batch.drop_index("ix_inbound_emails_outcome_received")
        batch.drop_column("content_hash")
        batch.drop_constraint(op.f(OUTCOME_CHECK), type_="check")
        batch.create_check_constraint(op.f(OUTCOME_CHECK), _in("outcome", OLD_OUTCOMES))
