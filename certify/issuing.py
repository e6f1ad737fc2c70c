"""Certify a document, and check a certified copy someone presents: register, sign, store.

An officer certifies a digitised copy (after comparing it with its original, or
having looked at the paper original at the counter). ``certify`` checks what
can be refused before anything is numbered (the document is digitised and not
certified already, the comparison is of this copy and found it the same or was
cleared, its original is digitised, the unit's key can sign now), then in **one
transaction**: takes the book's next number, writes the attestation page, signs
the copy, stores it and records the entry. A failure anywhere gives the number
back (the transaction rolls back; a stored file without an entry is unreachable),
so the register has no gaps; two requests for one document at once end with one
entry (the unique document index) and the other answers ``already_certified``.

``verify_copy`` is the public check: the file someone holds against the register
(its hash) and against the trusted roots (the signature), revealing only what
the verification page may show: validity, unit, number, book, date and the
paper's type, no citizen's data.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certify import copy as certified
from certify import verify
from certify.signing_keys import KeyConfig, KeyRefused, key_config, open_signer
from certify.test_ca import development_key
from classifiers.doctypes import label
from core.settings import Settings
from pipeline.runtime import Runtime
from storage import keys
from storage.models import Certification, Comparison, Document, Dossier, Unit
from storage.repository.certifications import (
    ELECTRONIC_COPIES,
    entry_time,
    record_certification,
    take_number,
)

TEST_CA_FOLDER = "test-ca"
"""Under the data folder: the local test CA ``SOHOA_SIGNING_TEST_CA`` signs with."""
DEFAULT_TITLE = "Công chức Tư pháp - Hộ tịch"
"""The officer's title printed when none is given: commune certifications are the
justice and civil-status officer's work (Decree 23/2015 art. 5)."""
CLEARED_VERDICTS = ("identical", "manual_check")
"""Comparison verdicts a copy may be certified on; ``differences`` only once the officer
cleared the comparison from the attention queue (they looked and found it the same)."""


class NotCertifiable(Exception):
    """Certifying is refused; ``code`` is stable, ``status`` the HTTP answer it maps to."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class CertifyOrder:
    """What the officer asks: which copy, on which comparison, for whom, at what fee."""

    document_id: str
    officer: str  # the key that certifies (``key:<id>``)
    officer_name: str
    officer_title: str = DEFAULT_TITLE
    comparison_id: str | None = None
    requester: str | None = None
    copies: int = 1
    fee: int | None = None  # VND
    note: str | None = None


@dataclass(frozen=True)
class PublicCheck:
    """What the verification page may say of a copy: nothing about the citizen."""

    valid: bool
    reason: str  # ``verify`` reason codes, or ``not_in_register`` / ``register_mismatch``
    found: bool  # the register has this certification
    unit_code: str | None = None
    unit_name: str | None = None
    number: int | None = None
    book: str | None = None
    certified_at: datetime | None = None
    document_type: str | None = None  # its Vietnamese label


NOT_IN_REGISTER = "not_in_register"
REGISTER_MISMATCH = "register_mismatch"


# ------------------------------------------------------------------ keys


def configured_key(settings: Settings) -> KeyConfig | None:
    """The unit's key from settings; the local test CA when asked for and no real key is set."""
    if settings.signing_pkcs12 or settings.signing_pkcs11_module:
        return key_config(
            pkcs12_path=settings.signing_pkcs12,
            pkcs12_passphrase=settings.signing_pkcs12_passphrase,
            pkcs11_module=settings.signing_pkcs11_module or None,
            pkcs11_token_label=settings.signing_pkcs11_token,
            pkcs11_key_label=settings.signing_pkcs11_key,
            pkcs11_pin=settings.signing_pkcs11_pin,
        )
    if settings.signing_test_ca:
        files = development_key(settings.data_dir / TEST_CA_FOLDER)
        return key_config(pkcs12_path=files.p12, pkcs12_passphrase=files.passphrase)
    return None


def trusted_roots(settings: Settings) -> list[x509.Certificate]:
    """The roots a copy's signature must chain to (``SOHOA_SIGNING_ROOTS`` or the test CA's)."""
    if settings.signing_roots:
        return _pem_bundle(settings.signing_roots.absolute())
    if settings.signing_test_ca:
        return _pem_bundle(development_key(settings.data_dir / TEST_CA_FOLDER).root_pem)
    return []


@cache
def _pem_bundle(path: Path) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(path.read_bytes())


# ------------------------------------------------------------------ certify


def _certifiable(rt: Runtime, order: CertifyOrder) -> tuple[Document, str, str]:
    """The document, its unit's name and the paper's label, or the reason it cannot be."""
    with rt.session() as s:
        document = s.get(Document, order.document_id)
        if document is None:
            raise NotCertifiable("document_not_found", f"no document {order.document_id}", 404)
        if document.status != "done" or not document.pdf_key or not document.pdf_sha256:
            raise NotCertifiable(
                "document_not_ready", f"document {document.id} is {document.status}"
            )
        existing = s.scalar(
            select(Certification.id).where(Certification.document_id == document.id)
        )
        if existing is not None:
            raise NotCertifiable(
                "already_certified", f"document {document.id} is certification {existing}"
            )
        if order.comparison_id is not None:
            _check_comparison(s.get(Comparison, order.comparison_id), order, s)
        unit = s.get(Unit, document.unit_code)
        unit_name = (unit.name if unit else None) or document.unit_code
        paper = label(document.document_type) if document.document_type else "Giấy tờ"
        s.expunge(document)
        return document, unit_name, paper


def _check_comparison(comparison: Comparison | None, order: CertifyOrder, s: Session) -> None:
    if comparison is None or comparison.copy_document_id != order.document_id:
        raise NotCertifiable(
            "comparison_not_of_document",
            f"comparison {order.comparison_id} is not of document {order.document_id} as the copy",
            422,
        )
    if comparison.verdict not in CLEARED_VERDICTS and comparison.attention_at is not None:
        raise NotCertifiable(
            "comparison_differences",
            "the comparison found differences the officer has not cleared",
        )
    original = s.get(Document, comparison.original_document_id)
    if original is None or original.status != "done":
        state = original.status if original is not None else "deleted"
        raise NotCertifiable("original_not_ready", f"the original is {state}")


def certify(
    rt: Runtime,
    order: CertifyOrder,
    *,
    verification_url: Callable[[str], str],
    at: datetime | None = None,
) -> str:
    """Certify the document: the new certification's id. Raises ``NotCertifiable``."""
    document, unit_name, paper = _certifiable(rt, order)
    moment = (at or datetime.now(UTC)).astimezone(certified.VIETNAM).replace(microsecond=0)
    searchable = rt.store.get_bytes(document.pdf_key or "", document.pdf_sha256 or "")
    try:
        signer = open_signer(configured_key(rt.settings), at=moment)
    except KeyRefused as refusal:
        raise NotCertifiable(refusal.code, str(refusal), 503) from None
    certification_id = str(uuid.uuid4())
    year = moment.year  # the book's year is Vietnam's calendar year
    try:
        with signer, rt.session() as s:
            number = take_number(s, document.unit_code, year)
            entry = Certification(
                id=certification_id,
                unit_code=document.unit_code,
                year=year,
                book=ELECTRONIC_COPIES,
                volume=1,  # one electronic book a year: its volume is 01
                number=number,
                certified_at=entry_time(
                    s, document.unit_code, year, ELECTRONIC_COPIES, moment.astimezone(UTC)
                ),
                dossier_code=_dossier_code(s, document),
                document_id=document.id,
                original_document_id=_original_of(s, order),
                comparison_id=order.comparison_id,
                requester=order.requester,
                paper=paper,
                copies=order.copies,
                fee=order.fee,
                officer=order.officer,
                officer_name=order.officer_name,
                officer_title=order.officer_title,
                note=order.note,
                document_type=document.document_type,
            )
            signed = certified.certified_copy(
                searchable,
                certified.Certification(
                    number=number,
                    book=entry.book_label,
                    certified_on=moment.date(),
                    officer_name=order.officer_name,
                    officer_title=order.officer_title,
                    unit_name=unit_name,
                    document_label=paper,
                    verification_url=verification_url(certification_id),
                ),
                signer,
                signing_time=moment,
            )
            stored = rt.store.put_bytes(
                keys.certified_copy(document.unit_code, year, certification_id),
                signed.pdf,
                "application/pdf",
            )
            entry.pdf_key, entry.pdf_sha256, entry.signer = stored.key, signed.sha256, signed.signer
            record_certification(s, entry)
    except IntegrityError:
        # Another request certified this document first: its entry stands, this one's
        # number went back with the rollback.
        raise NotCertifiable(
            "already_certified", f"document {document.id} was certified meanwhile"
        ) from None
    return certification_id


def _dossier_code(s: Session, document: Document) -> str:
    dossier = s.get(Dossier, document.dossier_id)
    return dossier.code if dossier is not None else ""


def _original_of(s: Session, order: CertifyOrder) -> str | None:
    if order.comparison_id is None:
        return None
    comparison = s.get(Comparison, order.comparison_id)
    return comparison.original_document_id if comparison is not None else None


# ------------------------------------------------------------------ verify


def verify_copy(rt: Runtime, data: bytes, certification_id: str | None = None) -> PublicCheck:
    """Check a copy someone holds: found in the register (by id, else by its hash),
    the same bytes the register recorded, and a signature that chains to the roots."""
    sha256 = hashlib.sha256(data).hexdigest()
    with rt.session() as s:
        if certification_id is not None:
            entry = s.get(Certification, certification_id) if len(certification_id) <= 36 else None
        else:
            entry = s.scalars(
                select(Certification).where(Certification.pdf_sha256 == sha256).limit(1)
            ).first()
        unit = s.get(Unit, entry.unit_code) if entry is not None else None
        if entry is not None:
            s.expunge(entry)
    if entry is None:
        return PublicCheck(False, NOT_IN_REGISTER, False)
    found = public_entry(entry, unit.name if unit else None)
    signature = verify.verify_pdf(data, trusted_roots(rt.settings), at=entry.certified_at)
    if not signature.valid:
        return replace(found, reason=signature.reason)
    if sha256 != entry.pdf_sha256:
        return replace(found, reason=REGISTER_MISMATCH)
    return replace(found, valid=True, reason=verify.OK)


def public_entry(entry: Certification, unit_name: str | None) -> PublicCheck:
    """What anyone may know of a register entry (no file checked yet: not valid)."""
    return PublicCheck(
        valid=False,
        reason="",
        found=True,
        unit_code=entry.unit_code,
        unit_name=unit_name,
        number=entry.number,
        book=entry.book_label,
        certified_at=entry.certified_at,
        document_type=entry.paper,
    )
