"""A process forked from one with a runtime (a Celery worker child) uses connections of its own."""

from __future__ import annotations

import os

from sqlalchemy import text

from core import settings as settings_module
from pipeline import runtime as runtime_module
from testkit.database import fresh_postgres_url


def test_a_forked_child_does_not_share_the_parents_connections(tmp_path, monkeypatch):
    with fresh_postgres_url() as url:
        monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("SOHOA_DATABASE_URL", url)
        settings_module.get_settings.cache_clear()
        runtime_module.runtime.cache_clear()
        try:
            parent = runtime_module.runtime()
            with parent.session() as s:  # a pooled connection, left open in the pool
                parent_pid = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
            pid = os.fork()
            if pid == 0:  # the child: exit 0 only if it talks on a connection of its own
                code = 1
                try:
                    child = runtime_module.runtime_after_fork()
                    with child.session() as s:
                        backend = s.execute(text("SELECT pg_backend_pid()")).scalar_one()
                    code = 0 if backend != parent_pid and child is not parent else 2
                finally:
                    os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
            with parent.session() as s:  # the parent's pooled connection still works
                assert s.execute(text("SELECT pg_backend_pid()")).scalar_one() == parent_pid
        finally:
            runtime_module.runtime().sessions.kw["bind"].dispose()
            settings_module.get_settings.cache_clear()
            runtime_module.runtime.cache_clear()
