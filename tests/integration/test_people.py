"""The citizen search's index on both databases (storage.people): exact look-up by whole name,
ID number or date of birth, ranked, kept to the units asked; and the migration that fills it
from documents read before it existed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

from storage import repository as repo
from storage.db import alembic_config, make_engine, session_factory
from storage.models import Document, Page, PersonEntry
from storage.people import find_people, index_people, query_key, reusable_documents
from storage.search import search
from testkit.database import BACKENDS, Db, backend_db, fresh_postgres_url, postgres_db

WARD, COMMUNE = "000.00.00.H26", "000.00.00.H27"


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    """The module's PostgreSQL database, emptied for each test by ``backend_db``."""
    with postgres_db() as database:
        yield database


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    with backend_db(request.param, tmp_path, request) as database:
        yield database


def _document(s, unit: str, code: str, name: str, fields: dict, parts: list | None = None) -> str:
    repo.ensure_unit(s, unit)
    dossier = repo.upsert_dossier(s, unit, code)
    document, _ = repo.create_document(
        s,
        dossier,
        filename=name,
        kind="pdf",
        content_type="application/pdf",
        size=1,
        sha256=hashlib.sha256(f"{code}/{name}".encode()).hexdigest(),
        original_key=f"{unit}/{code}/{name}",
        page_count=1,
    )
    document.fields = {k: {"value": v, "confidence": 0.9} for k, v in fields.items()}
    document.classification = {"parts": parts or []}
    s.flush()
    index_people(s, document)
    return document.id


def test_query_kinds() -> None:
    assert query_key("Nguyễn  Văn ĐẶNG") == ("name", "nguyen van dang")
    assert query_key("001.078.012345") == ("id_number", "001078012345")
    assert query_key("25/10/1978") == ("date_of_birth", "1978-10-25")
    assert query_key("1978-10-25") == ("date_of_birth", "1978-10-25")
    assert query_key("31/02/1978")[0] == "name" or query_key("31/02/1978") == ("", "")
    assert query_key("Đặng") == ("", "")  # one word: a family name shared by millions


def test_exact_ranked_and_scoped(db: Db) -> None:
    with db.session() as s:
        repo.ensure_unit(s, WARD)
        applicant = repo.upsert_dossier(
            s, WARD, "HS-A", applicant=repo.Applicant("Nguyễn Văn Đặng", "001078012345")
        )
        subject = _document(
            s,
            WARD,
            "HS-B",
            "cccd.pdf",
            {"full_name": "NGUYỄN VĂN ĐẶNG", "id_number": "001078012345"},
        )
        father = _document(
            s,
            WARD,
            "HS-C",
            "ks.pdf",
            {"full_name": "Nguyễn Văn An"},
            parts=[
                {
                    "type": "birth_certificate",
                    "fields": {"father_name": {"value": "Nguyễn Văn Đặng"}},
                }
            ],
        )
        _document(s, WARD, "HS-D", "x.pdf", {"full_name": "Nguyễn Văn Đặng Khoa"})
        _document(s, COMMUNE, "HS-E", "y.pdf", {"full_name": "Nguyễn Văn Đặng"})
        del applicant
    with db.session() as s:
        page = find_people(s, "nguyen van dang", units=[WARD])
        assert page.total == 3
        assert [(h.dossier_code, h.field, h.document_id) for h in page.hits] == [
            ("HS-A", "applicant_name", None),
            ("HS-B", "full_name", subject),
            ("HS-C", "father_name", father),  # read in a part of the file
        ]
        assert find_people(s, "nguyen van dang", units=None).total == 4
        second = find_people(s, "nguyen van dang", units=[WARD], limit=1, offset=1)
        assert [h.dossier_code for h in second.hits] == ["HS-B"] and second.total == 3
        by_id = find_people(s, "001078012345", units=[WARD])
        assert [h.field for h in by_id.hits] == ["applicant_id_number", "id_number"]
        # the applicant changed: the old name is no longer found for that dossier
        repo.upsert_dossier(s, WARD, "HS-A", applicant=repo.Applicant("Trần Thị Bích"))
    with db.session() as s:
        assert [h.dossier_code for h in find_people(s, "nguyễn văn đặng", units=[WARD]).hits] == [
            "HS-B",
            "HS-C",
        ]
        assert find_people(s, "tran thi bich", units=[WARD]).hits[0].value == "Trần Thị Bích"


def test_upgrade_indexes_the_people_of_documents_read_before(tmp_path: Path) -> None:
    """A database at 0016 holding read documents, upgraded: their people are found."""
    for url_context in (nullcontext(f"sqlite:///{tmp_path / 'old.db'}"), fresh_postgres_url()):
        with url_context as url:
            config = alembic_config(url)
            command.upgrade(config, "0016_page_status_index")
            engine = make_engine(url)
            db = Db(url=url, engine=engine, sessions=session_factory(engine))
            try:
                with db.engine.begin() as connection:
                    connection.exec_driver_sql("INSERT INTO units (code) VALUES ('000.00.00.H26')")
                    connection.exec_driver_sql(
                        "INSERT INTO dossiers (unit_code, code) VALUES ('000.00.00.H26', 'HS-OLD')"
                    )
                    connection.exec_driver_sql(
                        "INSERT INTO documents (id, dossier_id, filename, kind, content_type, "
                        "size, sha256, original_key, status, fields) "
                        "SELECT 'd-1', id, 'a.pdf', 'pdf', 'application/pdf', 1, 'x', 'k', "
                        """'done', '{"full_name": {"value": "Phạm Thế Sửu"}}' FROM dossiers"""
                    )
                    connection.exec_driver_sql(
                        "INSERT INTO pages (document_id, number, status, text) "
                        "VALUES ('d-1', 1, 'done', 'Phạm Thế Sửu')"
                    )
                    connection.exec_driver_sql(  # indexed for search as it was then
                        "INSERT INTO page_search (document_id, number, text, folded) "
                        "VALUES ('d-1', 1, 'Phạm Thế Sửu', 'Pham The Suu')"
                    )
                command.upgrade(config, "head")
                with db.session() as s:
                    hits = find_people(s, "pham the suu", units=None).hits
                    assert [(h.document_id, h.value) for h in hits] == [("d-1", "Phạm Thế Sửu")]
                    assert s.scalar(select(PersonEntry.key)) == "pham the suu"
                    # SQLite copies tables to alter them: the document's rows must survive it
                    assert s.scalar(select(Page.text)) == "Phạm Thế Sửu"
                    # 0024 put the page's unit in the index: a unit's search finds it.
                    for units in (None, ["000.00.00.H26"]):
                        found = search(s, "pham the", units=units).hits
                        assert [h.document_id for h in found] == ["d-1"], units
                    assert search(s, "pham the", units=["000.00.00.H27"]).hits == []
            finally:
                db.engine.dispose()


def test_reuse_answers_only_trusted_id_numbers_in_the_grant(db: Db) -> None:
    """Another agency's look-up: a read at the floor or a person's correction, done papers,
    the grant's units and provinces, the type asked; a misread is never handed over."""
    number = "001090012345"
    with db.session() as s:
        trusted = _document(s, WARD, "HS-R1", "cccd.pdf", {"id_number": number})
        doubtful = _document(s, WARD, "HS-R2", "mo.pdf", {"id_number": number})
        corrected = _document(s, WARD, "HS-R3", "sua.pdf", {"id_number": number})
        elsewhere = _document(s, COMMUNE, "HS-R4", "khac.pdf", {"id_number": number})
        queued = _document(s, WARD, "HS-R5", "cho.pdf", {"id_number": number})
        documents = {d.id: d for d in s.scalars(select(Document))}
        for document_id in (trusted, doubtful, corrected, elsewhere):
            documents[document_id].status = "done"
            documents[document_id].document_type = "citizen_id"
        documents[doubtful].fields = {"id_number": {"value": number, "confidence": 0.6}}
        documents[corrected].fields = {
            "id_number": {"value": number, "confidence": 0.3, "corrected": True}
        }
        documents[elsewhere].document_type = "birth_certificate"

    def found(**where: object) -> set[str]:
        with db.session() as s:
            return {r.document.id for r in reusable_documents(s, number, **where)}  # type: ignore[arg-type]

    assert found(unit_codes=None) == {trusted, corrected, elsewhere}
    assert found(unit_codes=[WARD]) == {trusted, corrected}
    assert found(unit_codes=[], provinces=["H27"]) == {elsewhere}
    assert found(unit_codes=[], provinces=["H2"]) == set()  # a province is a whole code part
    assert found(unit_codes=None, document_type="birth_certificate") == {elsewhere}
    assert queued not in found(unit_codes=None)
    assert found(unit_codes=None, limit=1) and len(found(unit_codes=None, limit=1)) == 1
