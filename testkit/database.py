"""Real databases for the storage tests: a SQLite file, and a fresh PostgreSQL database.

PostgreSQL is not optional: if it cannot be reached the tests fail with a
message saying how to start it, they are never skipped. Each test session
(each xdist worker, each module that asks) gets its own database, named
``sohoa_test_<random>``, dropped at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from storage.db import make_engine, migrate, session_factory

PG_ADMIN_URL = os.environ.get(
    "SOHOA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", "postgresql"]
TABLES = ("page_search", "audit_events", "pages", "documents", "dossiers", "units")


@dataclass
class Db:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One committed transaction, like ``pipeline.runtime.Runtime.session``."""
        with self.sessions.begin() as s:
            yield s


def open_db(url: str) -> Db:
    """Migrate ``url`` and connect to it."""
    migrate(url)
    engine = make_engine(url)
    return Db(url=url, engine=engine, sessions=session_factory(engine))


def sqlite_db(path: Path) -> Db:
    return open_db(f"sqlite:///{path}")


@contextmanager
def fresh_postgres_url() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards."""
    name = f"sohoa_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} is required and not reachable ({exc.orig}). Start it: "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
            pytrace=False,
        )
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def postgres_db() -> Iterator[Db]:
    """A fresh, migrated PostgreSQL database."""
    with fresh_postgres_url() as url:
        db = open_db(url)
        try:
            yield db
        finally:
            db.engine.dispose()


def empty(db: Db) -> None:
    """Remove every row (TRUNCATE does not fire the audit table's row triggers)."""
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@contextmanager
def backend_db(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Db]:
    """An empty database of ``backend``: a new SQLite file, or the module's PostgreSQL emptied.

    The PostgreSQL one comes from the ``pg`` fixture of the calling module, so
    it is created and migrated once per module rather than per test.
    """
    if backend == "sqlite":
        db = sqlite_db(tmp_path / "sohoa.db")
        try:
            yield db
        finally:
            db.engine.dispose()
        return
    db = request.getfixturevalue("pg")
    try:
        yield db
    finally:
        empty(db)
