"""Dossier routes: create or update, read one (with its documents), list the key's own.

A dossier code is unique within its unit only; how a code alone finds its
dossier is ``api.scope.resolve_dossier``'s rule.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.error_responses import ApiError
from api.runtime_dependency import RuntimeDep
from api.schemas import MAX_OFFSET, DossierIn, DossierList, DossierOut, dossier_out
from api.scope import (
    Reader,
    Writer,
    audit,
    check_filter_unit,
    resolve_dossier,
    scoped,
    visible_units,
)
from api.security import Principal, audit_read
from pipeline import egress
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Document, Dossier

router = APIRouter(tags=["dossiers"])

MAX_LIST = 200


@router.put(
    "/dossiers/{code}",
    response_model=DossierOut,
    responses={201: {"model": DossierOut, "description": "created"}},
)
def put_dossier(
    rt: RuntimeDep, code: str, body: DossierIn, principal: Writer, response: Response
) -> DossierOut:
    """Create a dossier, or update the fields given of an existing one.

    ``unit`` is required to create; for an existing dossier it picks which one
    when the code is in several of the key's units. 201 when created, 200 otherwise.
    """
    if body.callback_url is not None:
        _check_callback_url(
            rt, principal, code, body.unit, body.callback_url, rt.settings.webhook_allow
        )
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        try:
            dossier = resolve_dossier(s, principal, code, body.unit)
            created = False
        except ApiError as exc:
            if exc.code != "dossier_not_found":
                raise
            if body.unit is None:
                raise ApiError(
                    422, "unit_required", "unit is required to create a dossier"
                ) from None
            dossier, created = _create_dossier(s, body.unit, code), True
        repo.upsert_dossier(
            s,
            dossier.unit_code,
            dossier.code,
            procedure_code=body.procedure_code,
            received_date=body.received_date,
            callback_url=body.callback_url,
        )
        s.flush()
        out = dossier_out(dossier, _document_count(s, dossier))
    audit(rt, principal, "dossier.create" if created else "dossier.update", dossier)
    response.status_code = 201 if created else 200
    return out


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


def _create_dossier(s: Session, unit: str, code: str) -> Dossier:
    try:
        repo.ensure_unit(s, unit)
        return repo.upsert_dossier(s, unit, code)
    except ValueError as exc:
        raise ApiError(422, "invalid_code", str(exc)) from None


@router.get("/dossiers/{code}", response_model=DossierOut)
def get_dossier(
    rt: RuntimeDep, code: str, principal: Reader, unit: Annotated[str | None, Query()] = None
) -> DossierOut:
    """A dossier by code; ``unit`` is needed only when the code is in several of the key's units."""
    with scoped(rt, principal, "dossier", code), rt.session() as s:
        dossier = resolve_dossier(s, principal, code, unit)
        documents = repo.dossier_documents(s, dossier.id)
        out = dossier_out(dossier, len(documents), documents)
    audit(rt, principal, "dossier.read", dossier)
    return out


@router.get("/dossiers", response_model=DossierList)
def list_dossiers(
    rt: RuntimeDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=64, description="Part of the code")] = None,
    unit: str | None = None,
    date_from: Annotated[date | None, Query(alias="from", description="received on/after")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="received on/before")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DossierList:
    """The key's dossiers, newest first; ``from``/``to`` filter on the received date."""
    check_filter_unit(rt, principal, unit)
    with rt.session() as s:
        total, rows = repo.list_dossiers(
            s,
            units=visible_units(principal, unit),
            code_part=q,
            received_from=date_from,
            received_to=date_to,
            limit=limit,
            offset=offset,
        )
        items = [dossier_out(dossier, n) for dossier, n in rows]
    return DossierList(total=total, limit=limit, offset=offset, items=items)


def _document_count(s: Session, dossier: Dossier) -> int:
    return s.scalar(select(func.count(Document.id)).where(Document.dossier_id == dossier.id)) or 0
