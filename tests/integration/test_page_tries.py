"""A page no task can finish fails after a few tries, with that reason; a reprocess
gives it its tries back. Called through the page task's own function, on SQLite."""

from __future__ import annotations

from core.settings import Settings
from pipeline import page_runs, tasks
from pipeline.runtime import Runtime
from storage import repository as repo

UNIT = "000.00.00.H26"


def test_a_page_that_never_finishes_fails_after_its_tries(tmp_path):
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data"))
    with rt.session() as s:
        repo.ensure_unit(s, UNIT)
        dossier = repo.upsert_dossier(s, UNIT, "000.A0.01.H26-261203-0099")
        document, _ = repo.create_document(
            s,
            dossier,
            filename="scan.pdf",
            kind="pdf",
            content_type="application/pdf",
            size=1,
            sha256="b" * 64,
            original_key="nowhere",  # never read: the page gives up before opening it
            page_count=1,
        )
        repo.ensure_pages(s, document, 1)
        document_id = document.id
    for n in range(page_runs.MAX_PAGE_TRIES):  # tasks that took the page and died
        with rt.session() as s:
            assert repo.claim_page(s, document_id, 1, f"task-{n}", 0)
    assert tasks._ocr_page(rt, document_id, 1, owner="task-last")
    with rt.session() as s:
        page = repo.get_page(s, document_id, 1)
        document = repo.get_document(s, document_id)
        assert page.status == "failed" and "gave up after 5 tries" in page.failure_reason
        assert document.status == "failed" and "page 1" in document.failure_reason
        repo.reset_for_reprocess(s, document)
    with rt.session() as s:
        page = repo.get_page(s, document_id, 1)
        assert (page.status, page.tries, page.attempts) == ("queued", 0, 6)
