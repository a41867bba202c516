"""Reports are handled: a moderator resolves or dismisses them, and who and when is kept.

`reports.state` is `open` (every report made before this revision too), `resolved` or
`dismissed`: a VARCHAR with a named CHECK constraint (models._enum). `handled_by_id` names the
moderator (kept NULL if their user is deleted) and `handled_at` the time. Membership changes
(removal, ownership transfer, invitations) need no schema: they use the existing rows, and
their system notes are messages of origin `system`. On SQLite the table is rebuilt (batch
mode).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE_CHECK = "ck_reports_report_state"
HANDLER_KEY = "fk_reports_handled_by_id_users"
STATES = ("open", "resolved", "dismissed")


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(
            sa.Column("state", sa.String(length=16), nullable=False, server_default="open")
        )
        batch.add_column(sa.Column("handled_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch.create_check_constraint(
            op.f(STATE_CHECK), f"state IN ({', '.join(repr(s) for s in STATES)})"
        )
        batch.create_foreign_key(
            op.f(HANDLER_KEY), "users", ["handled_by_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_constraint(op.f(HANDLER_KEY), type_="foreignkey")
        batch.drop_constraint(op.f(STATE_CHECK), type_="check")
        batch.drop_column("handled_at")
        batch.drop_column("handled_by_id")
        batch.drop_column("state")
