"""IMAP mailboxes read by the gateway: UIDVALIDITY, the last UID, and a lease.

One row per mailbox (`user@host:port/folder`, never the password): the UIDVALIDITY it was
last read under and the highest UID taken in, so a restart reads on from there; and who reads
it now (`holder`) until when (`lease_expires_at`), taken and renewed by a conditional UPDATE
so two gateway processes never read one mailbox at once.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox", sa.String(length=400), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("last_uid >= 0", name=op.f("ck_imap_mailboxes_last_uid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_mailboxes")),
        sa.UniqueConstraint("mailbox", name=op.f("uq_imap_mailboxes_mailbox")),
    )


def downgrade() -> None:
    op.drop_table("imap_mailboxes")
