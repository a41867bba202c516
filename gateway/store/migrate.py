"""Schema migrations: bring a database to the newest schema with Alembic.

Owns the Alembic configuration (built in code, so an installed package needs no alembic.ini).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from gateway.store.database import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.render_as_string(hide_password=False))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Apply every migration up to `revision` in one transaction.

    SQLite alters a table by rebuilding it (copy, drop, rename). With foreign keys on, the
    drop would cascade into every referencing table, so they are switched off for the
    migration and checked afterwards, as SQLite's own procedure for schema changes says
    (https://sqlite.org/lang_altertable.html#otheralter). The pragma is a no-op inside a
    transaction, hence on the driver connection before BEGIN.
    """
    config = alembic_config(database)
    with database.engine.connect() as connection:
        if database.is_sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if database.is_sqlite:
                    _check_foreign_keys(connection)
        finally:
            if database.is_sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left {len(broken)} rows with broken foreign keys")


def is_up_to_date(database: Database) -> bool:
    """True when the database is at the newest revision."""
    heads = set(ScriptDirectory.from_config(alembic_config(database)).get_heads())
    with database.read_engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
