"""Public verification of certified electronic copies: no key, rate limited, no personal data.

Anyone handed a certified copy (another agency, a bank, the citizen) checks it
here: the QR code on its attestation page opens ``/xac-minh/{id}`` (the page,
``api.web.pages_verification``), and the file itself can be sent to be checked
against the register and the trusted roots. The answers say only what the
register may tell a stranger: valid or not (and why), the unit, the number and
book, the date and the paper's type. Never the requester, the officer, the
dossier or the document.

Each address may ask ``VERIFICATIONS_PER_MINUTE`` times a minute (checking a
signature costs a fraction of a CPU second; past that it is answered 429 with
``Retry-After``), counted per API process like the wrong-key throttle.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.error_responses import ApiError
from api.runtime_dependency import RuntimeDep
from api.schemas import PREFIX
from api.security import client_address
from api.throttle import AttemptThrottle
from api.uploads import receive_files
from certify import issuing as certification
from pipeline.runtime import Runtime
from storage.models import Certification, Unit

router = APIRouter(prefix=PREFIX, tags=["verification"])

VERIFICATIONS_PER_MINUTE = 30
"""A person checking papers at a desk checks a few a minute; a script harvesting the
register or burning CPU on signatures is slowed to this."""
MAX_COPY_BYTES = 64 * 1024 * 1024
"""Largest file checked: a hundred-page certified copy at 200 dpi stays well under it."""


class PublicCheckOut(BaseModel):
    """What a stranger may learn of a certified copy (``certify.issuing.PublicCheck``)."""

    valid: bool = Field(description="Issued by this register and unaltered since signing.")
    reason: str = Field(
        description="ok, or why not: not_in_register, register_mismatch, signature_invalid, "
        "modified_after_signing, untrusted_signer, no_signature, not_pdf, …; empty when "
        "only the register entry was looked up (no file sent)."
    )
    found: bool
    unit_code: str | None = None
    unit_name: str | None = None
    number: int | None = None
    book: str | None = None
    certified_at: datetime | None = None
    document_type: str | None = Field(None, description="The paper's name, e.g. Giấy khai sinh.")


@cache
def _throttle() -> AttemptThrottle:
    return AttemptThrottle(VERIFICATIONS_PER_MINUTE, 60.0)


def limit_rate(request: Request) -> None:
    """429 ``too_many_requests`` past the address's rate; otherwise count this request."""
    subjects = [f"address:{client_address(request) or 'unknown'}"]
    wait = _throttle().retry_after(subjects)
    if wait is not None:
        raise ApiError(
            429,
            "too_many_requests",
            f"too many verifications: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    _throttle().failed(subjects)  # every request counts toward the rate


def public_entry(rt: Runtime, certification_id: str) -> certification.PublicCheck | None:
    with rt.session() as s:
        entry = s.get(Certification, certification_id) if len(certification_id) <= 36 else None
        if entry is None:
            return None
        unit = s.get(Unit, entry.unit_code)
        return certification.public_entry(entry, unit.name if unit else None)


async def check_sent_copy(
    rt: Runtime, request: Request, certification_id: str | None
) -> certification.PublicCheck:
    """The one PDF in the request's ``files`` field, checked (see ``verify_copy``)."""
    folder = Path(tempfile.mkdtemp(prefix="sohoa-verify-"))
    try:
        received = await receive_files(request, folder, MAX_COPY_BYTES)
        if len(received) != 1:
            raise ApiError(400, "one_file", "send the one certified copy to check")
        data = received[0].path.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return await run_in_threadpool(certification.verify_copy, rt, data, certification_id)


@router.get("/verification/{certification_id}", response_model=PublicCheckOut)
def public_certification(rt: RuntimeDep, certification_id: str, request: Request) -> PublicCheckOut:
    """What the register says of a certification, for anyone (no key; rate limited)."""
    limit_rate(request)
    found = public_entry(rt, certification_id)
    if found is None:
        raise ApiError(404, "certification_not_found", f"no certification {certification_id}")
    return PublicCheckOut(**found.__dict__)


@router.post(
    "/verification",
    response_model=PublicCheckOut,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["files"],
                        "properties": {"files": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    },
)
async def verify_certified_copy(
    rt: RuntimeDep,
    request: Request,
    certification_id: Annotated[
        str | None, Query(max_length=36, description="From the QR code; else found by hash.")
    ] = None,
) -> PublicCheckOut:
    """Check a certified copy's file: in the register, unaltered, signed by a trusted key.

    No key needed; rate limited per address (429 ``too_many_requests``)."""
    limit_rate(request)
    checked = await check_sent_copy(rt, request, certification_id)
    return PublicCheckOut(**checked.__dict__)
