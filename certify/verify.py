"""Check a certified electronic copy: is it signed, unaltered, by whom, when.

Anyone holding the PDF may ask (the public verification page), so the file is
hostile input: its size is bounded before parsing, every parser or validator error
is an answer (``valid=False`` with a stable ``reason``), never an exception, and no
certificate, CRL or OCSP address named in the file is ever fetched (a PDF must not
make the server call out). The answer is plain data the API can show as it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.decode_limits import DecodeLimits
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from certify.signing_keys import display_name

MAX_PDF_BYTES = 128 * 1024 * 1024
"""Largest file verified: a certified copy of 100 colour pages scanned at 300 dpi is
about 60–100 MB (pages are JPEG); anything larger is not one of ours, and parsing it
would only cost the server."""

OK = "ok"
EMPTY = "empty_file"
TOO_LARGE = "too_large"
NOT_PDF = "not_pdf"
UNREADABLE = "unreadable_pdf"
NO_SIGNATURE = "no_signature"
SEVERAL_SIGNATURES = "several_signatures"
BROKEN_SIGNATURE = "signature_invalid"
MODIFIED = "modified_after_signing"
UNTRUSTED = "untrusted_signer"
"""The reasons: stable codes for the API and the tests; ``OK`` when valid."""


@dataclass(frozen=True)
class Verification:
    """What a PDF says about its signature, checked.

    ``valid`` only when the one signature is cryptographically intact, covers the
    whole file (nothing was added or changed after signing) and chains to one of the
    trusted roots. ``signed_sha256`` is the SHA-256 of the bytes the signature covers
    (the digest inside the signature); ``file_sha256`` is that of the whole file, which
    the register records and compares."""

    valid: bool
    reason: str
    file_sha256: str
    intact: bool = False
    whole_file: bool = False
    trusted: bool = False
    signer: str | None = None
    signed_at: datetime | None = None
    signed_sha256: str | None = None
    detail: str = ""


def _certificate_name(der: bytes) -> str:
    return display_name(x509.load_der_x509_certificate(der))


def _roots(trusted_roots: Sequence[bytes | x509.Certificate]) -> list[asn1_x509.Certificate]:
    """The roots as pyHanko takes them, from PEM or DER bytes or ``cryptography`` objects."""
    loaded = []
    for root in trusted_roots:
        data = root.public_bytes(Encoding.DER) if isinstance(root, x509.Certificate) else root
        if b"-----BEGIN" in data:
            data = x509.load_pem_x509_certificate(data).public_bytes(Encoding.DER)
        loaded.append(asn1_x509.Certificate.load(data))
    return loaded


async def verify_pdf_async(
    data: bytes,
    trusted_roots: Sequence[bytes | x509.Certificate],
    *,
    at: datetime | None = None,
) -> Verification:
    """Verify ``data`` against ``trusted_roots`` (PEM or DER bytes, or certificates).

    ``at`` is the moment the certificate must have been valid: the time the register
    recorded for the signing (a PAdES-B-B signature carries no trusted time of its
    own, and the certificate may have expired since); now when not given."""
    file_sha256 = hashlib.sha256(data).hexdigest()
    if not data:
        return Verification(False, EMPTY, file_sha256)
    if len(data) > MAX_PDF_BYTES:
        return Verification(False, TOO_LARGE, file_sha256)
    if not data[:1024].lstrip().startswith(b"%PDF-"):
        return Verification(False, NOT_PDF, file_sha256)
    try:
        reader = PdfFileReader(
            io.BytesIO(data), strict=False, decode_limits=DecodeLimits.for_untrusted_input()
        )
        signatures = reader.embedded_signatures
    except Exception as error:  # hostile input: any parser failure is an answer
        return Verification(False, UNREADABLE, file_sha256, detail=type(error).__name__)
    if not signatures:
        return Verification(False, NO_SIGNATURE, file_sha256)
    if len(signatures) > 1:
        return Verification(False, SEVERAL_SIGNATURES, file_sha256, detail=str(len(signatures)))
    (signature,) = signatures
    try:
        start, first, second, rest = (int(n) for n in signature.sig_object["/ByteRange"])
        covered = data[start : start + first] + data[second : second + rest]
        signed_sha256 = hashlib.sha256(covered).hexdigest()
        context = ValidationContext(
            trust_roots=_roots(trusted_roots),
            allow_fetching=False,  # never call out to addresses the file names
            revocation_mode="soft-fail",
            moment=at,
        )
        status = await async_validate_pdf_signature(signature, context)
    except Exception as error:  # a malformed signature dictionary or CMS blob
        return Verification(False, BROKEN_SIGNATURE, file_sha256, detail=type(error).__name__)
    intact = bool(status.intact and status.valid)
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    trusted = bool(status.trusted)
    if not intact:
        reason = BROKEN_SIGNATURE
    elif not whole_file:
        reason = MODIFIED
    elif not trusted:
        reason = UNTRUSTED
    else:
        reason = OK
    return Verification(
        valid=reason == OK,
        reason=reason,
        file_sha256=file_sha256,
        intact=intact,
        whole_file=whole_file,
        trusted=trusted,
        signer=_certificate_name(status.signing_cert.dump()),
        signed_at=status.signer_reported_dt,
        signed_sha256=signed_sha256,
        detail=str(status.md_algorithm),
    )


def verify_pdf(
    data: bytes,
    trusted_roots: Sequence[bytes | x509.Certificate],
    *,
    at: datetime | None = None,
) -> Verification:
    """``verify_pdf_async`` in its own event loop (from async code, await that one)."""
    return asyncio.run(verify_pdf_async(data, trusted_roots, at=at))
