"""``certify.issuing`` without a server: what is refused before a number is taken, and that a
failure after it gives the number back (the register keeps no gap).

The document is a real searchable PDF/A stored in the local object store of an
embedded runtime; the key is a test CA made here (valid, expired) or none.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from certify import issuing
from certify.signing_keys import KeyRefused, Pkcs11Key
from certify.test_ca import make_test_authority
from core.settings import Settings
from ocr.pdf import assemble_searchable_pdf
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Certification, CertificationBook, Comparison, Document
from testkit.database import fresh_postgres_url
from tests.integration.test_certify_signing import scanned_page

UNIT = "000.00.00.H26"
PUBLIC = "https://sohoa.example.gov.vn"


def _runtime(tmp_path: Path, **settings: object) -> Runtime:
    return Runtime.from_settings(Settings(data_dir=tmp_path / "data", **settings))  # type: ignore[arg-type]


def _done_document(rt: Runtime, tmp_path: Path, code: str, *, status: str = "done") -> str:
    path = tmp_path / f"{code}.pdf"
    assemble_searchable_pdf(
        [scanned_page(["GIẤY KHAI SINH", "Họ, chữ đệm, tên: Nguyễn Văn Đặng"])],
        path,
        title="Giấy khai sinh",
        when=datetime(2026, 3, 1),
    )
    stored = rt.store.put_bytes(
        f"{UNIT}/{code}/searchable.pdf", path.read_bytes(), "application/pdf"
    )
    with rt.session() as s:
        repo.ensure_unit(s, UNIT)
        dossier = repo.upsert_dossier(s, UNIT, code)
        document, _ = repo.create_document(
            s,
            dossier,
            filename=f"{code}.png",
            kind="png",
            content_type="image/png",
            size=1,
            sha256=hashlib.sha256(code.encode()).hexdigest(),
            original_key=f"{UNIT}/{code}/original.png",
            page_count=1,
        )
        document.status = status
        document.document_type = "birth_certificate"
        document.pdf_key, document.pdf_sha256 = stored.key, stored.sha256
        return document.id


def _order(document_id: str, **extra: object) -> issuing.CertifyOrder:
    return issuing.CertifyOrder(
        document_id=document_id, officer="key:test", officer_name="Lê Văn Chứng", **extra
    )  # type: ignore[arg-type]


def _url(certification_id: str) -> str:
    return f"https://sohoa.test/xac-minh/{certification_id}"


def _entries(rt: Runtime) -> int:
    with rt.session() as s:
        return s.scalar(select(func.count()).select_from(Certification)) or 0


def _refusal(rt: Runtime, order: issuing.CertifyOrder) -> issuing.NotCertifiable:
    with pytest.raises(issuing.NotCertifiable) as refused:
        issuing.certify(rt, order, verification_url=_url)
    return refused.value


def test_without_a_key_certifying_is_refused_and_nothing_is_numbered(tmp_path: Path) -> None:
    rt = _runtime(tmp_path)
    document_id = _done_document(rt, tmp_path, "HS-NOKEY")
    refusal = _refusal(rt, _order(document_id))
    assert (refusal.code, refusal.status) == ("no_key_configured", 503)
    assert _entries(rt) == 0
    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(CertificationBook)) == 0


def test_an_expired_certificate_is_refused(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    authority = make_test_authority(
        not_before=now - timedelta(days=800), not_after=now - timedelta(days=1)
    )
    p12 = tmp_path / "unit.p12"
    p12.write_bytes(authority.p12)
    roots = tmp_path / "roots.pem"
    roots.write_bytes(authority.root_pem)
    rt = _runtime(
        tmp_path,
        signing_pkcs12=p12,
        signing_pkcs12_passphrase=authority.passphrase,
        signing_roots=roots,
        public_url=PUBLIC,
    )
    document_id = _done_document(rt, tmp_path, "HS-EXPIRED")
    assert _refusal(rt, _order(document_id)).code == "certificate_expired"
    assert _entries(rt) == 0


def test_a_key_without_roots_or_public_address_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="SOHOA_SIGNING_ROOTS"):
        Settings(signing_pkcs12=Path("/nonexistent.p12"), public_url=PUBLIC)
    # The QR code's address is signed into every copy: never a request's Host header.
    with pytest.raises(ValueError, match="SOHOA_PUBLIC_URL"):
        Settings(signing_pkcs12=Path("/nonexistent.p12"), signing_roots=Path("/roots.pem"))
    with pytest.raises(ValueError, match="SOHOA_PUBLIC_URL"):
        Settings(signing_pkcs11_module="/x.so", signing_roots=Path("/roots.pem"))
    assert Settings(signing_test_ca=True).public_url == ""  # the test CA may do without


def test_documents_and_originals_not_digitised_are_refused(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, signing_test_ca=True)
    queued = _done_document(rt, tmp_path, "HS-QUEUED", status="queued")
    assert _refusal(rt, _order(queued)).code == "document_not_ready"
    copy = _done_document(rt, tmp_path, "HS-COPY")
    original = _done_document(rt, tmp_path, "HS-ORIGINAL", status="failed")
    with rt.session() as s:
        s.add(
            Comparison(
                id="cmp-1",
                actor="key:test",
                unit_code=UNIT,
                original_unit_code=UNIT,
                original_document_id=original,
                original_pages=[1],
                copy_document_id=copy,
                copy_pages=[1],
                verdict="identical",
                difference_count=0,
                result={},
                overlays=[],
            )
        )
    assert _refusal(rt, _order(copy, comparison_id="cmp-1")).code == "original_not_ready"
    another = _done_document(rt, tmp_path, "HS-ANOTHER")
    assert _refusal(rt, _order(another, comparison_id="cmp-1")).code == (
        "comparison_not_of_document"
    )
    assert _entries(rt) == 0


def test_a_failure_after_numbering_gives_the_number_back(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, signing_test_ca=True)
    first = _done_document(rt, tmp_path, "HS-FIRST")
    second = _done_document(rt, tmp_path, "HS-SECOND")

    def unreachable(certification_id: str) -> str:
        raise OSError("the store went away while signing")

    with pytest.raises(OSError):
        issuing.certify(rt, _order(first), verification_url=unreachable)
    assert _entries(rt) == 0
    made = issuing.certify(rt, _order(second), verification_url=_url)
    again = issuing.certify(rt, _order(first), verification_url=_url)
    with rt.session() as s:
        numbers = {e.document_id: e.number for e in s.scalars(select(Certification))}
        assert s.get(Document, first) is not None
    assert numbers == {second: 1, first: 2}
    assert made != again
    # The copy verifies against the register and the test CA; a stranger's file does not.
    with rt.session() as s:
        entry = s.get(Certification, made)
        assert entry is not None
        data = rt.store.get_bytes(entry.pdf_key or "", entry.pdf_sha256 or "")
    assert issuing.verify_copy(rt, data).valid
    assert issuing.verify_copy(rt, data, again).reason == issuing.REGISTER_MISMATCH
    assert issuing.verify_copy(rt, b"%PDF-1.7 nothing").reason == issuing.NOT_IN_REGISTER


@pytest.fixture(params=["sqlite", "postgresql"])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, object]]:
    if request.param == "sqlite":
        yield {}
        return
    with fresh_postgres_url() as url:
        yield {"database_url": url}


def test_two_officers_certifying_one_document_at_once_make_one_entry(
    tmp_path: Path, any_backend: dict[str, object]
) -> None:
    rt = _runtime(tmp_path, signing_test_ca=True, **any_backend)
    document_id = _done_document(rt, tmp_path, "HS-TWICE")
    issuing.configured_key(rt.settings)  # the test CA made before the race, not in it
    start = threading.Barrier(2)

    def certify_now() -> str:
        start.wait()
        try:
            return issuing.certify(rt, _order(document_id), verification_url=_url)
        except issuing.NotCertifiable as refusal:
            return refusal.code

    with ThreadPoolExecutor(2) as pool:
        answers = sorted(pool.map(lambda _: certify_now(), range(2)))
    assert "already_certified" in answers and len(set(answers)) == 2
    with rt.session() as s:
        numbers = list(s.scalars(select(Certification.number)))
        book = s.scalars(select(CertificationBook)).one()
    assert numbers == [1] and book.last_number == 1  # the loser's number went back
    rt.sessions.kw["bind"].dispose()


def test_settings_name_a_pkcs11_token_or_a_pkcs12_file() -> None:
    token = issuing.configured_key(
        Settings(
            signing_pkcs11_module="/usr/lib/softhsm/libsofthsm2.so",
            signing_pkcs11_token="UBND xa",
            signing_pkcs11_key="unit",
            signing_pkcs11_pin="1234",
            signing_roots=Path("/roots.pem"),
            public_url=PUBLIC,
        )
    )
    assert isinstance(token, Pkcs11Key)
    assert (token.module, token.token_label, token.key_label, token.pin) == (
        "/usr/lib/softhsm/libsofthsm2.so",
        "UBND xa",
        "unit",
        "1234",
    )
    with pytest.raises(KeyRefused) as both:
        issuing.configured_key(
            Settings(
                signing_pkcs11_module="/x.so",
                signing_pkcs12=Path("/unit.p12"),
                signing_roots=Path("/roots.pem"),
                public_url=PUBLIC,
            )
        )
    assert both.value.code == "ambiguous_key"
    assert issuing.configured_key(Settings()) is None
