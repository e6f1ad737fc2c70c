"""Administration: the audit trail, the API keys, deleting. Admin keys only.

``GET /audit`` is how a unit answers "who looked at this citizen's papers":
filter by actor, action, object or unit and by time, newest first.
``/keys`` manages keys as ``sohoa keys`` does; the secret of a new key is in
the answer to ``POST /keys`` and nowhere else, ever.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, func, select

from api.error_responses import ApiError
from api.principal import Principal, Role
from api.runtime_dependency import RuntimeDep
from api.schemas import MAX_OFFSET
from api.scope import resolve_dossier
from api.security import require
from pipeline import deletion
from storage import apikeys
from storage.models import ApiKey, AuditEvent

router = APIRouter(prefix="/api/v1", tags=["admin"])

Admin = Annotated[Principal, Depends(require("admin"))]

MAX_AUDIT_PAGE = 500


# ------------------------------------------------------------------ shapes


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    units: list[str] = Field(
        default_factory=list, max_length=1000, description="Unit codes; none for an admin key."
    )
    name: str | None = Field(None, max_length=apikeys.MAX_NAME_LENGTH, examples=["Một cửa xã A"])
    reuse_scope: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="System keys only: unit codes or province:<code> where it may look a "
        "citizen's papers up by ID number (GET /citizens/{id_number}/documents).",
    )


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    units: list[str]
    reuse_scope: list[str]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls(
            id=key.id,
            name=key.name,
            role=key.role,
            units=list(key.units),
            reuse_scope=list(key.reuse_scope or []),
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
        )


class NewKeyOut(KeyOut):
    key: str = Field(description="The secret. Shown in this answer only: store it now.")


class KeyList(BaseModel):
    items: list[KeyOut]


class AuditEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    unit: str | None
    detail: dict[str, Any] | None


class AuditPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditEventOut]


# ------------------------------------------------------------------ audit


@router.get("/audit", response_model=AuditPage)
def list_audit(
    rt: RuntimeDep,
    principal: Admin,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    unit: str | None = None,
    since: Annotated[
        str | None, Query(alias="from", description="ISO date or time, inclusive.")
    ] = None,
    until: Annotated[
        str | None,
        Query(alias="to", description="ISO date (the whole day) or time, inclusive."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AuditPage:
    """Audit events, newest first. Filters are exact matches; times are UTC unless given."""
    query = select(AuditEvent)
    for column, value in (
        (AuditEvent.actor, actor),
        (AuditEvent.action, action),
        (AuditEvent.object_type, object_type),
        (AuditEvent.object_id, object_id),
        (AuditEvent.unit_code, unit),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEvent.at >= _instant(since, "from"))
    if until is not None:
        query = _until(query, until)
    with rt.session() as s:
        total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = s.scalars(
            query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)
        )
        items = [
            AuditEventOut(
                id=e.id,
                at=e.at,
                actor=e.actor,
                action=e.action,
                object_type=e.object_type,
                object_id=e.object_id,
                unit=e.unit_code,
                detail=e.detail,
            )
            for e in rows
        ]
    return AuditPage(total=total, limit=limit, offset=offset, items=items)


def _instant(value: str, name: str) -> datetime:
    """An aware UTC datetime from an ISO date or date-time; naive means UTC. 422 otherwise.

    It is converted to UTC here, where an instant UTC cannot hold
    (``0001-01-01T00:00+14:00``) can still be refused: converted later, when
    the query is sent, it raised OverflowError (a 500).
    """
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), UTC)
        parsed = datetime.fromisoformat(value)
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except ValueError:
        raise ApiError(
            422, "invalid_request", f"{name}: not an ISO date or date-time: {value[:40]!r}"
        ) from None
    except OverflowError:
        raise ApiError(422, "invalid_request", f"{name}: out of range: {value[:40]!r}") from None


def _until(query: Select[Any], value: str) -> Select[Any]:
    """``to=2026-05-20`` includes that whole day; ``to=<date-time>`` includes that instant."""
    end = _instant(value, "to")
    if len(value) != 10:
        return query.where(AuditEvent.at <= end)
    if end.date() == date.max:
        return query  # the last day a date can hold: nothing is later, and no day follows it
    return query.where(AuditEvent.at < end + timedelta(days=1))


# ------------------------------------------------------------------ keys


@router.get("/keys", response_model=KeyList)
def list_keys(rt: RuntimeDep, principal: Admin) -> KeyList:
    """Every key with its role, units and use; never a secret or its hash."""
    with rt.session() as s:
        return KeyList(items=[KeyOut.of(k) for k in apikeys.list_keys(s)])


@router.post("/keys", response_model=NewKeyOut, status_code=201)
def create_key(rt: RuntimeDep, body: KeyIn, principal: Admin) -> NewKeyOut:
    """A new key. Clerk, officer and system keys need at least one unit; admin keys none."""
    try:
        with rt.session() as s:
            key, secret = apikeys.create_key(
                s,
                role=body.role,
                units=body.units,
                name=body.name,
                actor=principal.actor,
                reuse_scope=body.reuse_scope,
            )
            out = KeyOut.of(key)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from None
    return NewKeyOut(**out.model_dump(), key=secret)


@router.delete("/keys/{key_id}", response_model=KeyOut)
def revoke_key(rt: RuntimeDep, key_id: str, principal: Admin) -> KeyOut:
    """Revoke a key (at once, for good). The last active admin key cannot be revoked here."""
    with rt.session() as s:
        key = apikeys.get_key(s, key_id)
        if key is None:
            raise ApiError(404, "key_not_found", f"no key {key_id}")
        if key.revoked_at is None and apikeys.active_admins(s) == [key.id]:
            raise ApiError(
                409,
                "last_admin_key",
                "this is the last admin key; create another one first (or use sohoa keys)",
            )
        key, _ = apikeys.revoke_key(s, key_id, actor=principal.actor)
        return KeyOut.of(key)


# ------------------------------------------------------------------ deletion


class DeletedOut(BaseModel):
    documents: list[str] = Field(description="Ids of the documents deleted.")
    originals_kept_until: datetime | None = Field(
        description="The original scans stay in the store until then "
        "(SOHOA_RETAIN_ORIGINALS_DAYS); the derived files are removed at once."
    )


@router.delete("/documents/{document_id}", response_model=DeletedOut)
def delete_document(rt: RuntimeDep, document_id: str, principal: Admin) -> DeletedOut:
    """Delete a document (a paper filed by mistake): its rows at once, its files after, its
    original as retention says. 409 ``document_busy`` while it is being read."""
    try:
        deleted = deletion.delete_document(rt, document_id, actor=principal.actor)
    except deletion.DocumentBusy:
        raise ApiError(
            409, "document_busy", f"document {document_id} is being read; delete it when done"
        ) from None
    except deletion.DocumentCertified:
        raise ApiError(
            409, "document_certified", f"document {document_id} has a certified copy: it stays"
        ) from None
    if deleted is None:
        raise ApiError(404, "document_not_found", f"no document {document_id}")
    return DeletedOut(
        documents=[deleted.document_id], originals_kept_until=deleted.originals_kept_until
    )


@router.delete("/dossiers/{code}", response_model=DeletedOut)
def delete_dossier(
    rt: RuntimeDep, code: str, principal: Admin, unit: Annotated[str | None, Query()] = None
) -> DeletedOut:
    """Delete a dossier (opened twice, or by mistake) and every document in it, or nothing
    when one of them is being read (409 ``document_busy``)."""
    with rt.session() as s:
        dossier_id = resolve_dossier(s, principal, code, unit).id
    try:
        deleted = deletion.delete_dossier(rt, dossier_id, actor=principal.actor)
    except deletion.DocumentBusy as exc:
        raise ApiError(
            409, "document_busy", f"document {exc.document_id} of {code} is being read"
        ) from None
    except deletion.DocumentCertified as exc:
        raise ApiError(
            409, "document_certified", f"document {exc.document_id} of {code} has a certified copy"
        ) from None
    return DeletedOut(
        documents=[d.document_id for d in deleted],
        originals_kept_until=max((d.originals_kept_until for d in deleted), default=None),
    )
