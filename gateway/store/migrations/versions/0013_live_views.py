"""Which rooms are open in front of their viewers now: one row per live room page.

Before, a web session remembered the last room its stream named (`viewing_room_id`) and any
later page request kept it fresh, so a room once opened stopped its emails for as long as the
person used the site. A view now belongs to one open page, is renewed by its stream under a
short lease, and ends when the page is left, hidden or dropped.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("web_session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("page_key", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["web_session_id"],
            ["web_sessions.id"],
            name=op.f("fk_room_views_web_session_id_web_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_views_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_room_views_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_views")),
    )
    with op.batch_alter_table("room_views") as batch:
        batch.create_index("ix_room_views_room_user", ["room_id", "user_id"], unique=False)
        batch.create_index(
            batch.f("ix_room_views_web_session_id"), ["web_session_id"], unique=False
        )
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_constraint("fk_web_sessions_viewing_room_id_rooms", type_="foreignkey")
        batch.drop_column("viewing_room_id")


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.add_column(sa.Column("viewing_room_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_web_sessions_viewing_room_id_rooms",
            "rooms",
            ["viewing_room_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.drop_table("room_views")
