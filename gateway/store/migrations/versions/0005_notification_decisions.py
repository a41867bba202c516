"""Notifications decide: categories, alerts, digest states, and why an item was not emailed.

A notification is now about a room message OR an Account Alert / Update (`alert_id`), in a
notification category (room, alert, update, ticket: the preference that governs it). Outbound
records what it decided (`decided_at`, `reason` for a skip) and which email carried the item
(`outbox_id`: its own email, or the digest it went out in). New states `digest` (waiting for
the user's next digest) and `digested`.

The state column is a VARCHAR with a named CHECK constraint (models._enum): its allowed values
change by dropping and re-creating that constraint. On SQLite the table is rebuilt (batch
mode); no triggers or views hang on `notifications`, so nothing else needs re-creating.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATE_CHECK = "ck_notifications_notification_state"
OLD_STATES = ("pending", "queued", "skipped")
NEW_STATES = ("pending", "queued", "digest", "digested", "skipped")
CATEGORIES = ("room", "alert", "update", "ticket")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f(STATE_CHECK), type_="check")
        batch.create_check_constraint(op.f(STATE_CHECK), _in("state", NEW_STATES))
        batch.add_column(
            sa.Column("category", sa.String(length=16), nullable=False, server_default="room")
        )
        batch.create_check_constraint(
            op.f("ck_notifications_notify_category"), _in("category", CATEGORIES)
        )
        batch.add_column(sa.Column("alert_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("reason", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("outbox_id", sa.Integer(), nullable=True))
        batch.alter_column("room_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("message_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            op.f("fk_notifications_alert_id_alerts"),
            "alerts",
            ["alert_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_foreign_key(
            op.f("fk_notifications_outbox_id_outbox"),
            "outbox",
            ["outbox_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_unique_constraint("uq_notifications_user_alert", ["user_id", "alert_id"])
        batch.create_check_constraint(
            op.f("ck_notifications_subject"), "(message_id IS NULL) <> (alert_id IS NULL)"
        )
    # Every existing row is about a room message: the server default was only for them.
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("category", existing_type=sa.String(length=16), server_default=None)


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM notifications WHERE alert_id IS NOT NULL"))
    op.execute(
        sa.text("UPDATE notifications SET state = 'skipped' WHERE state IN ('digest', 'digested')")
    )
    with op.batch_alter_table("notifications") as batch:
        batch.drop_constraint(op.f("ck_notifications_subject"), type_="check")
        batch.drop_constraint("uq_notifications_user_alert", type_="unique")
        batch.drop_constraint(op.f("fk_notifications_outbox_id_outbox"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_notifications_alert_id_alerts"), type_="foreignkey")
        batch.alter_column("message_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("room_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("outbox_id")
        batch.drop_column("reason")
        batch.drop_column("decided_at")
        batch.drop_column("alert_id")
        batch.drop_constraint(op.f("ck_notifications_notify_category"), type_="check")
        batch.drop_column("category")
        batch.drop_constraint(op.f(STATE_CHECK), type_="check")
        batch.create_check_constraint(op.f(STATE_CHECK), _in("state", OLD_STATES))
