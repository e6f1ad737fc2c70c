"""Entering WAL mode survives a connection converting the same new database at once.

Two connections converting an empty database to WAL would deadlock, so SQLite
answers one "database is locked" at once, without its busy timeout: the full
suite's concurrent first migrations hit it once. The answer is given here by a
cursor standing in for that connection; the real race is
``tests/integration/test_db.py::test_concurrent_first_migrations``.
"""

from __future__ import annotations

import sqlite3

import pytest

from storage.db import _enter_wal


class Cursor:
    def __init__(self, answers: list[Exception | None]) -> None:
        self.answers = answers
        self.statements: list[str] = []

    def execute(self, sql: str) -> None:
        self.statements.append(sql)
        answer = self.answers.pop(0)
        if answer is not None:
            raise answer


def test_a_locked_answer_is_tried_again() -> None:
    locked = sqlite3.OperationalError("database is locked")
    cursor = Cursor([locked, locked, None])
    _enter_wal(cursor)
    assert cursor.statements == ["PRAGMA journal_mode=WAL"] * 3


def test_other_errors_are_not_hidden() -> None:
    cursor = Cursor([sqlite3.OperationalError("disk I/O error")])
    with pytest.raises(sqlite3.OperationalError, match="disk I/O"):
        _enter_wal(cursor)
    assert len(cursor.statements) == 1
