"""Support tickets: numbers, states, requesters, assignees, queues, threading Message-IDs.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "ticket_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_sequence")),
    )
    op.create_table(
        "tickets",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            _enum("ticket_state", "new", "open", "pending", "solved", "closed"),
            nullable=False,
        ),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("solved_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("previous_ticket_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_tickets_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_ticket_id"],
            ["tickets.room_id"],
            name=op.f("fk_tickets_previous_ticket_id_tickets"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"], ["users.id"], name=op.f("fk_tickets_requester_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"], ["rooms.id"], name=op.f("fk_tickets_room_id_rooms"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("number", name=op.f("uq_tickets_number")),
    )
    op.create_index(op.f("ix_tickets_requester_id"), "tickets", ["requester_id"])
    op.create_index("ix_tickets_state_solved", "tickets", ["state", "solved_at"])
    op.create_table(
        "ticket_message_ids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id_header", sa.String(length=255), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("origin", sa.String(length=8), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "origin IN ('ours', 'theirs')", name=op.f("ck_ticket_message_ids_origin")
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["tickets.room_id"],
            name=op.f("fk_ticket_message_ids_room_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_message_ids")),
        sa.UniqueConstraint(
            "message_id_header", name=op.f("uq_ticket_message_ids_message_id_header")
        ),
    )
    op.create_index(op.f("ix_ticket_message_ids_room_id"), "ticket_message_ids", ["room_id"])
    op.create_table(
        "ticket_mail",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("ticket_mail_kind", "ack", "refusal"), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("support_address", sa.String(length=320), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("answered_id", sa.String(length=998), nullable=True),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column(
            "state",
            _enum("ticket_mail_state", "note", "pending", "queued", "capped"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_id"],
            ["outbox.id"],
            name=op.f("fk_ticket_mail_outbox_id_outbox"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["tickets.room_id"],
            name=op.f("fk_ticket_mail_room_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_mail")),
    )
    op.create_index("ix_ticket_mail_address_created", "ticket_mail", ["address", "created_at"])
    op.create_index("ix_ticket_mail_state", "ticket_mail", ["state"])


def downgrade() -> None:
    op.drop_index("ix_ticket_mail_state", table_name="ticket_mail")
    op.drop_index("ix_ticket_mail_address_created", table_name="ticket_mail")
    op.drop_table("ticket_mail")
    op.drop_index(op.f("ix_ticket_message_ids_room_id"), table_name="ticket_message_ids")
    op.drop_table("ticket_message_ids")
    op.drop_index("ix_tickets_state_solved", table_name="tickets")
    op.drop_index(op.f("ix_tickets_requester_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_table("ticket_sequence")
