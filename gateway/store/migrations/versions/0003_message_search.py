"""Message search: a full-text index over messages.body_source, kept by the database.

SQLite: an FTS5 external-content table (the text lives once, in `messages`) with the
documented trigger trio (https://sqlite.org/fts5.html#external_content_tables), so every
insert, edit of body_source and delete is indexed in the statement that makes it; no writer
has to remember the index. `unicode61 remove_diacritics 2` folds case and accents
("cafe" finds "café").

PostgreSQL: a stored generated tsvector column with a GIN index. The 'simple' configuration
(lower-casing, no stemming, no stop words) because rooms are multilingual; it does not fold
accents, so on PostgreSQL "cafe" does not find "café".

Neither object is in the models (they are the database's business, not the ORM's):
migrations/env.py tells `alembic check` to ignore them.

Careful: a later migration that rebuilds `messages` on SQLite (batch_alter_table copies the
table, drops the old one and renames the copy) drops these triggers with the old table.
Such a migration must create them again (the statements below) and rebuild the index.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_UPGRADE = (
    """
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        body_source,
        content='messages',
        content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER messages_fts_after_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, body_source) VALUES (new.id, new.body_source);
    END
    """,
    """
    CREATE TRIGGER messages_fts_after_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body_source)
        VALUES ('delete', old.id, old.body_source);
    END
    """,
    """
    CREATE TRIGGER messages_fts_after_update AFTER UPDATE OF body_source ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, body_source)
        VALUES ('delete', old.id, old.body_source);
        INSERT INTO messages_fts(rowid, body_source) VALUES (new.id, new.body_source);
    END
    """,
    # Index the messages that were there before this migration.
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
)
SQLITE_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS messages_fts_after_update",
    "DROP TRIGGER IF EXISTS messages_fts_after_delete",
    "DROP TRIGGER IF EXISTS messages_fts_after_insert",
    "DROP TABLE IF EXISTS messages_fts",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_UPGRADE:
            op.execute(statement)
        return
    op.add_column(
        "messages",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple'::regconfig, body_source)", persisted=True),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_messages_search_vector", "messages", ["search_vector"], postgresql_using="gin"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DOWNGRADE:
            op.execute(statement)
        return
    op.drop_index("ix_messages_search_vector", table_name="messages")
    op.drop_column("messages", "search_vector")
