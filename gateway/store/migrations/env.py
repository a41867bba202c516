"""Alembic environment: runs migrations on the connection gateway.store.migrate hands over.

The full-text search objects of migration 0003 (SQLite: the FTS5 table `messages_fts` and its
shadow tables; PostgreSQL: the generated column `messages.search_vector` and its GIN index)
are kept by the database, not the models, so autogenerate and `alembic check` skip them.
"""

from __future__ import annotations

from typing import Any

from alembic import context

from gateway.store.models import Base

SEARCH_TABLE_PREFIX = "messages_fts"  # the FTS5 table and its shadow tables (_data, _idx, ...)
SEARCH_COLUMN = ("messages", "search_vector")
SEARCH_INDEX = "ix_messages_search_vector"


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Do not reflect the search objects at all (FTS5 virtual tables are not ordinary
    tables); the models never hold them, so nothing else needs filtering."""
    if type_ == "table" and name is not None:
        return not name.startswith(SEARCH_TABLE_PREFIX)
    if type_ == "column":
        return (parent_names.get("table_name"), name) != SEARCH_COLUMN
    if type_ == "index":
        return name != SEARCH_INDEX
    return True


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
