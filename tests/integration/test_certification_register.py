"""The certification register's numbers under concurrency, on SQLite and PostgreSQL:
consecutive per unit, book and year, never reused, never skipped; entries append-only."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from storage.models import Certification
from storage.repository.certifications import (
    entry_time,
    list_certifications,
    record_certification,
    take_number,
)
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


def certify(
    db: Db, unit: str, year: int, *, fail: bool = False, moment: datetime | None = None
) -> int:
    """One officer's certification: a number, a moment of signing, the entry; or a failure.
    ``moment``: the second the officer's request was stamped (before the book's lock)."""
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
                certified_at=entry_time(s, unit, year, "SCTĐT/BS", moment or datetime.now(UTC)),
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


def test_the_register_lists_a_book_in_the_order_of_its_numbers(db: Db) -> None:
    """Moments are stamped to the second before the book's lock: two officers in one
    second had equal times, and one who was stamped first but locked second an earlier
    time than the entry before theirs; the register still lists 1, 2, 3, 4."""
    unit = "000.00.00.H28"  # a book of its own: the other tests' entries stay (append-only)
    second = datetime(2026, 12, 7, 6, 30, 15, tzinfo=UTC)
    for moment in (second, second, second - timedelta(seconds=1), second + timedelta(seconds=1)):
        certify(db, unit, 2026, moment=moment)
    with db.session() as s:
        page = list_certifications(s, units=[unit])
        assert [e.number for e in page.items] == [1, 2, 3, 4]
        times = [e.certified_at for e in page.items]
        assert times[0] == second and times[-1] == second + timedelta(seconds=1)
        assert all(a < b for a, b in pairwise(times))
        one_by_one, after = [], None
        while True:  # the keyset pages follow the same order
            page = list_certifications(s, units=[unit], after=after, limit=1)
            one_by_one += [e.number for e in page.items]
            if page.next_after is None:
                break
            after = page.next_after
        assert one_by_one == [1, 2, 3, 4]
