"""Failed sign-ins remember the device cookie they came with.

`device_nonce` is the nonce of the browser's valid device cookie for the account, or NULL for
an untrusted browser: a browser that signed in to the account before is throttled by its own
failures only, the others share a limit per account. Rows are pruned after a day with the rest
of sign_in_attempts.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.add_column(sa.Column("device_nonce", sa.String(length=32), nullable=True))
        batch.create_index(
            "ix_sign_in_attempts_device_at", ["device_nonce", "attempted_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.drop_index("ix_sign_in_attempts_device_at")
        batch.drop_column("device_nonce")
