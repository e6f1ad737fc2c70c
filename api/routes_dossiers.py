"""Dossier routes: create or update, read one (with its documents), list the key's own.

A dossier code is unique within its unit only; how a code alone finds its
dossier is ``api.scope.resolve_dossier``'s rule.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api import downloads
from api.access_audit import audit_read
from api.cursors import make_cursor, read_cursor
from api.downloads import Blob
from api.error_responses import ApiError
from api.principal import Principal
from api.receipts import Receipt, receipt_pdf
from api.runtime_dependency import RuntimeDep
from api.schemas import (
    MAX_KEYSET_OFFSET,
    ApplicantIn,
    ChecklistMarkIn,
    DossierIn,
    DossierList,
    DossierOut,
    WebhookSecretOut,
    dossier_out,
)
from api.scope import Reader, Submitter, Writer
from api.services import dossier_service
from api.services.dossier_service import DossierChanges
from api.services.views import receipt_of
from pipeline import egress
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Document, Dossier
from storage.repository.dossiers import COUNT_UP_TO

router = APIRouter(tags=["dossiers"])

MAX_LIST = 200


@router.put(
    "/dossiers/{code}",
    response_model=DossierOut,
    responses={201: {"model": DossierOut, "description": "created"}},
)
def put_dossier(
    rt: RuntimeDep, code: str, body: DossierIn, principal: Submitter, response: Response
) -> DossierOut:
    """Create a dossier, or update the fields given of an existing one.

    ``unit`` is required to create; for an existing dossier it picks which one
    when the code is in several of the key's units. 201 when created, 200 otherwise.
    """
    if body.callback_url is not None:
        _check_callback_url(
            rt, principal, code, body.unit, body.callback_url, rt.settings.webhook_allow
        )
    changes = DossierChanges(
        procedure_code=body.procedure_code,
        received_date=body.received_date,
        callback_url=body.callback_url,
        applicant=_applicant(body.applicant),
    )
    out, created, secret = dossier_service.save_dossier(
        rt, principal, code, body.unit, changes, dossier_out
    )
    response.status_code = 201 if created else 200
    return out.model_copy(update={"webhook_secret": secret}) if secret else out


@router.post("/dossiers/{code}/webhook-secret", response_model=WebhookSecretOut)
def rotate_webhook_secret(
    rt: RuntimeDep, code: str, principal: Submitter, unit: Annotated[str | None, Query()] = None
) -> WebhookSecretOut:
    """A new secret for the dossier's webhook signatures (``X-Sohoa-Signature``), shown once;
    the old one stops at once. 409 ``no_callback_url`` for a dossier without a callback."""
    secret = dossier_service.rotate_webhook_secret(rt, principal, code, unit)
    return WebhookSecretOut(webhook_secret=secret)


def _applicant(given: ApplicantIn | None) -> repo.Applicant | None:
    if given is None:
        return None
    return repo.Applicant(name=given.name, id_number=given.id_number, phone=given.phone)


def _check_callback_url(
    rt: Runtime, principal: Principal, code: str, unit: str | None, url: str, allow: str
) -> None:
    """Refuse, before anything is stored, a callback URL the worker must never contact.

    The worker checks again at each delivery (a name may resolve elsewhere by
    then); checking here tells the clerk now. A name that does not resolve yet
    is accepted: it reaches nothing, and it is judged again when it does. A
    refusal is audited: it is what probing the internal network looks like.
    """
    try:
        egress.check_url(url, egress.AllowList.parse(allow))
    except egress.EgressRefused as exc:
        audit_read(
            rt,
            principal,
            action="dossier.callback_refused",
            object_type="dossier",
            object_id=code,
            unit_code=unit,
            detail={"callback_url": url, "reason": exc.reason},
        )
        raise ApiError(422, exc.code, f"callback_url: {exc.reason}") from None
    except egress.HostUnresolvable:
        pass


@router.get("/dossiers/{code}", response_model=DossierOut)
def get_dossier(
    rt: RuntimeDep, code: str, principal: Reader, unit: Annotated[str | None, Query()] = None
) -> DossierOut:
    """A dossier by code; ``unit`` is needed only when the code is in several of the key's units."""
    return dossier_service.read_dossier(rt, principal, code, unit, _full(rt))


def _full(rt: Runtime) -> Callable[[Dossier, list[Document]], DossierOut]:
    """The shape of one dossier read: its documents and its checklist against them."""

    def shape(dossier: Dossier, documents: list[Document]) -> DossierOut:
        checklist = dossier_service.checklist_of(rt, dossier, documents)
        return dossier_out(dossier, len(documents), documents, checklist)

    return shape


@router.get(
    "/dossiers/{code}/receipt.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def dossier_receipt(
    rt: RuntimeDep, code: str, principal: Reader, unit: Annotated[str | None, Query()] = None
) -> Response:
    """The printable receipt (giấy tiếp nhận hồ sơ): the papers received per checklist item,
    the applicant, the date and the clerk, in Vietnamese. Reading it is audited like the
    dossier (``dossier.read``, detail ``part=receipt``)."""

    def shape(dossier: Dossier, documents: list[Document]) -> tuple[str, Receipt]:
        checklist = dossier_service.checklist_of(rt, dossier, documents)
        return dossier.code, receipt_of(dossier, documents, checklist, clerk=principal.name)

    dossier_code, receipt = dossier_service.read_dossier(
        rt, principal, code, unit, shape, part="receipt"
    )
    data = receipt_pdf(receipt)
    blob = Blob(
        f"receipts/{dossier_code}",
        hashlib.sha256(data).hexdigest(),
        "application/pdf",
        f"phieu-tiep-nhan-{dossier_code}.pdf",
    )
    return downloads.bytes_response(data, blob, downloads.etag(blob.sha256))


@router.put("/dossiers/{code}/checklist/{key}", response_model=DossierOut)
def tick_checklist_item(
    rt: RuntimeDep,
    code: str,
    key: str,
    body: ChecklistMarkIn,
    principal: Writer,
    unit: Annotated[str | None, Query()] = None,
) -> DossierOut:
    """Tick an item of the dossier's checklist by hand (a paper no classifier can tell, or
    one it typed wrong), naming the document that satisfies it when there is one."""
    return dossier_service.mark_checklist_item(
        rt, principal, code, unit, key, _full(rt), document_id=body.document_id
    )


@router.delete("/dossiers/{code}/checklist/{key}", response_model=DossierOut)
def untick_checklist_item(
    rt: RuntimeDep,
    code: str,
    key: str,
    principal: Writer,
    unit: Annotated[str | None, Query()] = None,
) -> DossierOut:
    """Take back a tick: the item is judged from the documents again."""
    return dossier_service.mark_checklist_item(
        rt, principal, code, unit, key, _full(rt), ticked=False
    )


@router.get("/dossiers", response_model=DossierList)
def list_dossiers(
    rt: RuntimeDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=64, description="Part of the code")] = None,
    unit: str | None = None,
    date_from: Annotated[date | None, Query(alias="from", description="received on/after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="received on/before")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    offset: Annotated[
        int, Query(ge=0, le=MAX_KEYSET_OFFSET, description="farther pages: next_cursor")
    ] = 0,
    cursor: Annotated[
        str | None, Query(max_length=200, description="next_cursor of the previous page")
    ] = None,
) -> DossierList:
    """The key's dossiers, newest first; ``from``/``to`` filter on the received date.

    Pages follow ``next_cursor`` (keyset on the creation time: a far page costs what a
    first one does, unlike ``offset``). ``total`` counts up to 10,000 (``total_exact``)."""
    after = None
    if cursor:
        moment, dossier_id = read_cursor(cursor)
        if not dossier_id.isdigit() or len(dossier_id) > 18:
            raise ApiError(400, "invalid_cursor", "cursor: pass next_cursor as it was given")
        after = (moment, int(dossier_id))
    total, items, next_after = dossier_service.list_dossiers(
        rt,
        principal,
        lambda dossier, count, checklist: dossier_out(dossier, count, checklist=checklist),
        unit=unit,
        code_part=q,
        received_from=date_from,
        received_to=date_to,
        limit=limit,
        offset=offset,
        after=after,
    )
    return DossierList(
        total=min(total, COUNT_UP_TO),
        total_exact=total <= COUNT_UP_TO,
        limit=limit,
        offset=offset,
        items=items,
        next_cursor=make_cursor((next_after[0], str(next_after[1]))) if next_after else None,
    )
