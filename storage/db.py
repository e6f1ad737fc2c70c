"""Engines, sessions and schema upgrades for SQLite and PostgreSQL.

SQLite is the embedded default, shared by the CLI, the API and several worker
processes at once, so its connections are set up for that: WAL (readers never
block the writer), a long ``busy_timeout`` (a writer waits instead of failing),
foreign keys enforced, and every transaction opened with ``BEGIN IMMEDIATE``.
The last one matters: Python's sqlite3 driver otherwise delays ``BEGIN`` to the
first write, which breaks SAVEPOINT and transactional DDL, and a deferred
transaction that reads, then writes after another process wrote fails at once
with SQLITE_BUSY instead of waiting. Taking the write lock up front makes each
transaction serialisable, the simplest thing that is correct for a small site.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

MIGRATIONS = Path(__file__).with_name("migrations")

# pg_advisory_xact_lock key held while migrating ("sohoa" in ASCII): processes
# that start together upgrade one after the other; the later ones find nothing to do.
MIGRATION_LOCK = 0x736F686F61

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalize_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver (SQLAlchemy would pick psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, sqlite_foreign_keys: bool = True, **kwargs: Any) -> Engine:
    """An engine set up for this project's use of ``url``'s backend (see the module doc).

    ``sqlite_foreign_keys=False`` only for migrations (see ``migrate``).
    """
    url = normalize_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine, foreign_keys=sqlite_foreign_keys)
        return engine
    # psycopg prepares a statement run five times on a connection, and PostgreSQL may then
    # swap its plan for a generic one that ignores the values: 4–13× slower for a search
    # with a date filter (issue 18). Custom plans for every execution keep the plan the
    # values call for; preparing still saves the parsing.
    #
    # No parallel workers either: a search asks for the newest pages of a match, and for a
    # word outside the vector's most common lexemes PostgreSQL guesses 0.5 % of the pages
    # (8,800 at 1,000,000 documents for an ID number on 2); with the vector in its row
    # (~3.5 KB, migration 0027) sorting them looks dear, and launching two workers cost
    # 30 ms for a 1 ms search. Requests are many and short; a worker pool is their cores.
    connect_args = {
        "options": "-c plan_cache_mode=force_custom_plan -c max_parallel_workers_per_gather=0",
        **kwargs.pop("connect_args", {}),
    }
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _configure_sqlite(engine: Engine, *, foreign_keys: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Driver autocommit: SQLAlchemy's "begin" event below issues BEGIN itself.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _enter_wal(cursor)
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _enter_wal(cursor: Any) -> None:
    """Put the database in WAL mode, waiting out a connection doing the same.

    Converting a new database takes an exclusive lock from a shared one; two
    connections converting at the same moment (processes starting together on
    an empty data folder) would deadlock, so SQLite answers one of them
    "database is locked" at once, without its busy timeout. That one tries
    again: by then the database is in WAL mode and the pragma is a no-op.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(2 * pause, 0.5)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the API serialises them then)."""
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """Alembic configuration without an ini file: ``migrate`` and tests need none."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Upgrade the database at ``url`` to the latest schema; a no-op when it is current.

    Safe when several processes start at once: on PostgreSQL they queue on an
    advisory lock, on SQLite on the write lock taken by ``BEGIN IMMEDIATE``. The
    whole upgrade is one transaction on both, so a crash leaves the old schema.
    """
    # SQLite alters a table by copying it and dropping the old one; with foreign keys
    # on, that DROP deletes every row that refers to it (ON DELETE CASCADE): upgrading
    # an embedded deployment emptied its pages, search entries and people. So the
    # upgrade runs with them off (the pragma only works outside a transaction: it is
    # set as the connection opens); storage/migrations/env.py checks them before commit.
    engine = make_engine(url, poolclass=NullPool, sqlite_foreign_keys=False)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                lock = text("SELECT pg_advisory_xact_lock(:key)")
                connection.execute(lock, {"key": MIGRATION_LOCK})
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")  # env.py checks the references before commit
    finally:
        engine.dispose()
