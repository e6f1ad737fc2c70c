"""The attention queue: what needs a person in the key's units, and marking an entry checked.

``GET /attention`` lists failed documents (with whether a retry can help),
documents with doubtful fields, papers of unknown type, red seals without the
certification words, pages read from pictures too small to trust, and — for
keys that verify — comparisons with differences or ``manual_check``. Acting on
an entry (a retry, a correction) takes it out when nothing doubtful is left;
``POST …/checked`` takes it out after a person looked and found nothing to do.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from api.principal import Principal
from api.routes_compare import Verifier
from api.routes_documents import corrector
from api.routes_dossiers import MAX_LIST
from api.runtime_dependency import RuntimeDep
from api.schemas import MAX_OFFSET, PREFIX, document_url, dossier_link
from api.scope import Reader
from api.services import attention_service
from api.services.attention_service import MAX_MERGED, Entry
from storage.attention import REASONS

router = APIRouter(prefix="/api/v1", tags=["attention"])


class AttentionEntryOut(BaseModel):
    kind: Literal["document", "comparison"]
    id: str
    since: datetime = Field(description="When it entered the queue.")
    reasons: list[str] = Field(
        description="Documents: " + ", ".join(REASONS) + ". Comparisons: the verdict "
        "(differences, manual_check)."
    )
    dossier: str | None
    unit: str
    filename: str | None
    document_type: str | None
    failure_reason: str | None
    retry_can_help: bool | None = Field(
        description="Failed documents: whether POST …/reprocess may succeed."
    )
    verdict: str | None
    doubtful_fields: list[str] = Field(
        description="Fields under the confidence floor or failing checks."
    )
    links: dict[str, str]


class AttentionList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AttentionEntryOut]


def entry_out(entry: Entry) -> AttentionEntryOut:
    if entry.kind == "document":
        links = {"self": document_url(entry.id), "checked": document_url(entry.id, "/checked")}
        if entry.dossier_code:
            links["dossier"] = dossier_link(entry.dossier_code, entry.unit_code)
        if entry.retry_can_help:
            links["reprocess"] = document_url(entry.id, "/reprocess")
    else:
        base = f"{PREFIX}/comparisons/{entry.id}"
        links = {"self": base, "checked": f"{base}/checked"}
    return AttentionEntryOut(
        kind=entry.kind,
        id=entry.id,
        since=entry.since,
        reasons=list(entry.reasons),
        dossier=entry.dossier_code,
        unit=entry.unit_code,
        filename=entry.filename,
        document_type=entry.document_type,
        failure_reason=entry.failure_reason,
        retry_can_help=entry.retry_can_help,
        verdict=entry.verdict,
        doubtful_fields=list(entry.doubtful_fields),
        links=links,
    )


@router.get("/attention", response_model=AttentionList)
def list_attention(
    rt: RuntimeDep,
    principal: Reader,
    unit: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    offset: Annotated[int, Query(ge=0, le=min(MAX_OFFSET, MAX_MERGED))] = 0,
) -> AttentionList:
    """What needs a person in the key's units, newest first (the listing is audited)."""
    total, entries = attention_service.list_attention(
        rt, principal, unit=unit, limit=limit, offset=offset
    )
    return AttentionList(
        total=total, limit=limit, offset=offset, items=[entry_out(e) for e in entries]
    )


@router.post("/documents/{document_id}/checked", status_code=204, response_class=Response)
def document_checked(
    rt: RuntimeDep, document_id: str, principal: Annotated[Principal, Depends(corrector)]
) -> Response:
    """A person looked at the document and found nothing more to do: out of the queue until
    its reasons change. 409 ``not_in_queue`` when it was not in it."""
    attention_service.clear_document(rt, principal, document_id)
    return Response(status_code=204)


@router.post("/comparisons/{comparison_id}/checked", status_code=204, response_class=Response)
def comparison_checked(rt: RuntimeDep, comparison_id: str, principal: Verifier) -> Response:
    """The officer settled the comparison's differences: out of the queue."""
    attention_service.clear_comparison(rt, principal, comparison_id)
    return Response(status_code=204)
