"""Alembic environment: runs on the connection ``storage.db.migrate`` passes in.

``migrate`` opens the transaction and takes the lock, so this file only
configures the context. Without a passed connection (the ``alembic`` command
with ``sqlalchemy.url`` set), it connects by itself through ``make_engine``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.db import make_engine
from storage.models import Base


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite alters tables by copying them; PostgreSQL does it in place.
        render_as_batch=connection.dialect.name == "sqlite",
        # SQLite has transactional DDL once the driver stops committing behind
        # SQLAlchemy's back (see storage.db), so one transaction on both backends.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            # Run with foreign keys off (see storage.db.migrate): check them before commit.
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the upgrade broke references: {broken[:5]}")


def main() -> None:
    if context.is_offline_mode():
        raise SystemExit("offline (--sql) migrations are not supported")
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run(connection)
        return
    # Foreign keys off on SQLite: copying a table to alter it must not cascade deletes.
    engine = make_engine(
        context.config.get_main_option("sqlalchemy.url"), sqlite_foreign_keys=False
    )
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()


main()
