"""The small database operations the pipeline, the CLI and the API are made of.

Each function takes an open ``Session`` and leaves committing to the caller, so
a task can group several of them in one transaction. Those the pipeline may
repeat (a task redelivered after a worker died) are idempotent: calling them
twice leaves the database as calling them once.

Concurrency: functions that change a document's pages first lock the document
row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite transactions are already
serialised by ``BEGIN IMMEDIATE``). Two page tasks of one document finishing
at the same moment then count each other's pages, so exactly one sees that no
page is left.
"""

from __future__ import annotations

from core.codes import MAX_CODE_LENGTH, validate_code
from storage.repository.audit import record_audit
from storage.repository.claims import (
    advance_step,
    claim_page,
    claim_step,
    renew_page,
    renew_step,
    set_step,
    stalled_documents,
    take_lease,
    void_claims_of_dead_processes,
    void_dead_leases,
)
from storage.repository.comparisons import list_comparisons
from storage.repository.documents import (
    DocumentFilter,
    Position,
    count_documents,
    create_document,
    documents_of_dossiers,
    dossier_documents,
    find_document,
    get_document,
    list_documents,
    position_of,
    reset_for_reprocess,
    set_document_status,
    set_outputs,
)
from storage.repository.dossiers import (
    Applicant,
    claim_completion,
    ensure_unit,
    ensure_webhook_secret,
    get_dossier,
    list_dossiers,
    set_checklist_mark,
    unit_codes,
    upsert_dossier,
)
from storage.repository.pages import (
    ensure_pages,
    failed_pages,
    get_page,
    mark_page_done,
    mark_page_failed,
    page_objects,
    pages_settled,
)
from storage.repository.rows import (
    MAX_REASON_LENGTH,
    StoredRef,
    lock_document,
)

__all__ = [
    "MAX_CODE_LENGTH",
    "MAX_REASON_LENGTH",
    "Applicant",
    "DocumentFilter",
    "Position",
    "StoredRef",
    "advance_step",
    "claim_completion",
    "claim_page",
    "claim_step",
    "count_documents",
    "create_document",
    "documents_of_dossiers",
    "dossier_documents",
    "ensure_pages",
    "ensure_unit",
    "ensure_webhook_secret",
    "failed_pages",
    "find_document",
    "get_document",
    "get_dossier",
    "get_page",
    "list_comparisons",
    "list_documents",
    "list_dossiers",
    "lock_document",
    "mark_page_done",
    "mark_page_failed",
    "page_objects",
    "pages_settled",
    "position_of",
    "record_audit",
    "renew_page",
    "renew_step",
    "reset_for_reprocess",
    "set_checklist_mark",
    "set_document_status",
    "set_outputs",
    "set_step",
    "stalled_documents",
    "take_lease",
    "unit_codes",
    "upsert_dossier",
    "validate_code",
    "void_claims_of_dead_processes",
    "void_dead_leases",
]
