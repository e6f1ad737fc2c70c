"""What a process needs to run the pipeline: database sessions and the object store.

Built once per process from the settings (a Celery worker child, the CLI, the
API) and shared by every task that process runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings, get_settings
from storage.db import make_engine, migrate, session_factory
from storage.objects import ObjectStore, object_store_from_settings
from storage.private import private_dir


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    store: ObjectStore

    @classmethod
    def from_settings(cls, settings: Settings) -> Runtime:
        url = settings.resolved_database_url
        private_dir(settings.data_dir)
        migrate(url)
        return cls(
            settings=settings,
            sessions=session_factory(make_engine(url)),
            store=object_store_from_settings(settings),
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on error."""
        with self.sessions.begin() as session:
            yield session


@cache
def runtime() -> Runtime:
    return Runtime.from_settings(get_settings())


def runtime_after_fork() -> Runtime:
    """The runtime of a process just forked from one that may have had one: built anew.

    A Celery worker child is forked from the worker's main process, which may
    have built its runtime already (the sweeper does). Database connections
    and the store's HTTP connections must not cross a fork: two processes
    writing on one socket corrupt both conversations. The inherited pool is
    dropped without closing the parent's connections (``dispose(close=False)``,
    SQLAlchemy's recipe for forks) and the child builds its own runtime.
    """
    if runtime.cache_info().currsize:
        runtime().sessions.kw["bind"].dispose(close=False)
        runtime.cache_clear()
    return runtime()
