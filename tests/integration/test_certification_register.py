"""The certification register's numbers under concurrency, on SQLite and PostgreSQL:
consecutive per unit, book and year, never reused, never skipped; entries append-only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from storage.models import Certification
from storage.repository.certifications import record_certification, take_number
from testkit.database import BACKENDS, Db, backend_db, postgres_db

UNIT, OTHER = "000.00.00.H26", "000.00.00.H27"
OFFICERS = 8


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    with postgres_db() as database:
        yield database


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    with backend_db(request.param, tmp_path, request) as database:
        yield database


def certify(db: Db, unit: str, year: int, *, fail: bool = False) -> int:
    """One officer's certification: a number, a moment of signing, the entry; or a failure."""
    with db.session() as s:
        number = take_number(s, unit, year)
        time.sleep(0.05)  # signing the copy happens here, under the book's lock
        if fail:
            raise RuntimeError("the signing token was unplugged")
        record_certification(
            s,
            Certification(
                unit_code=unit,
                year=year,
                book="SCTĐT/BS",
                number=number,
                dossier_code="HS-1",
                document_id=f"doc-{unit}-{year}-{number}",
                paper="Giấy khai sinh",
                officer="key:test",
                officer_name="Lê Văn Chứng",
                officer_title="Phó Chủ tịch UBND",
            ),
        )
        return number


def test_numbers_are_consecutive_under_concurrency_and_failures_give_them_back(db: Db) -> None:
    taken: list[int] = []
    errors: list[BaseException] = []

    def officer(n: int) -> None:
        try:
            taken.append(certify(db, UNIT, 2026, fail=n % 4 == 3))
        except RuntimeError:
            pass  # the failed ones: their numbers must come back
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(OFFICERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, OFFICERS - OFFICERS // 4 + 1))
    with db.session() as s:
        stored = s.scalars(select(Certification.number).order_by(Certification.number)).all()
    assert stored == sorted(taken)
    # books are per unit and per year
    assert certify(db, OTHER, 2026) == 1
    assert certify(db, UNIT, 2027) == 1
    assert certify(db, UNIT, 2026) == len(taken) + 1


def test_entries_are_append_only(db: Db) -> None:
    certify(db, UNIT, 2026)
    for change in (
        update(Certification).values(officer_name="Người khác"),
        Certification.__table__.delete(),
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session() as s:
            s.execute(change)
