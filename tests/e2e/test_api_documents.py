"""The document API over real HTTP: a live ``sohoa serve``, a real ``sohoa worker``.

Most tests share one embedded deployment (SQLite, local object folder, SQLite
broker) and one worker; the presigned-redirect test runs on PostgreSQL, Redis
and a SeaweedFS S3 server; the size-limit test on a server of its own with a
1 MB limit. Keys are made with ``sohoa keys create``.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.parse
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pikepdf
import pytest
from PIL import Image
from sqlalchemy import select

from api.downloads import encoded_to_png
from classifiers.doctypes import DOCUMENT_TYPES
from core.vietnamese import fold_accents
from ocr.pdf import encode_page_image, flate_encoded
from pipeline.runtime import Runtime
from storage.models import AuditEvent, Document, DocumentCorrection
from testkit import pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings, runtime_for, wait_done
from testkit.hostile import png_bomb
from testkit.pipeline_harness import Worker, fresh_postgres, fresh_redis, s3_settings
from testkit.s3server import SeaweedS3
from testkit.textmetrics import cer

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261122-0001"
NAME = "Giấy khai sinh Nguyễn Văn Đặng.pdf"
DONE_TIMEOUT = 240


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return embedded_settings(tmp_path_factory.mktemp("api-docs"))


@pytest.fixture(scope="module")
def server(settings: dict[str, str]) -> Iterator[ApiServer]:
    api = ApiServer(settings, Path(settings["SOHOA_DATA_DIR"]) / "serve.log").start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def worker(settings: dict[str, str], server: ApiServer) -> Iterator[Worker]:
    w = Worker(clean_env(settings), Path(settings["SOHOA_DATA_DIR"]) / "worker.log").start()
    yield w
    w.stop()


@pytest.fixture(scope="module")
def keys(server: ApiServer) -> dict[str, str]:
    grants = {
        "clerk": ("clerk", UNIT),
        "officer": ("officer", UNIT),
        "system": ("system", UNIT),
        "other": ("clerk", OTHER_UNIT),
        "admin": ("admin",),
    }
    with ThreadPoolExecutor(len(grants)) as pool:  # each CLI start takes a second or two
        made = {name: pool.submit(server.create_key, *grant) for name, grant in grants.items()}
        return {name: future.result() for name, future in made.items()}


@pytest.fixture(scope="module")
def rt(settings: dict[str, str], server: ApiServer) -> Runtime:
    return runtime_for(settings)


@pytest.fixture(scope="module")
def two_pages() -> list[pagegen.RenderedPage]:
    return [pagegen.render_page(seed, n_lines=9) for seed in (401, 402)]


@pytest.fixture(scope="module")
def scan_pdf(two_pages, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("scans") / "scan.pdf"
    return pagegen.save_pdf([p.image for p in two_pages], path, 300).read_bytes()


@pytest.fixture(scope="module")
def one_page_pdf(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("scans") / "one.pdf"
    page = pagegen.render_page(403, n_lines=5)
    return pagegen.save_pdf([page.image], path, 300).read_bytes()


def put_dossier(
    client: httpx.Client, code: str, unit: str | None = UNIT, **fields
) -> httpx.Response:
    body = {"unit": unit, **fields} if unit is not None else fields
    return client.put(f"/api/v1/dossiers/{urllib.parse.quote(code, safe='')}", json=body)


def upload(
    client: httpx.Client,
    code: str,
    files: list[tuple[str, bytes]],
    headers: dict[str, str] | None = None,
    unit: str | None = None,
) -> httpx.Response:
    parts = [("files", (name, data, "application/octet-stream")) for name, data in files]
    params = {"unit": unit} if unit else None
    return client.post(
        f"/api/v1/dossiers/{urllib.parse.quote(code, safe='')}/documents",
        files=parts,
        headers=headers,
        params=params,
    )


def error_code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def stored_state(rt: Runtime) -> tuple[int, list[str]]:
    """How many documents the database holds and every key in the object store."""
    with rt.session() as s:
        count = len(list(s.scalars(select(Document.id))))
    return count, rt.store.list("")


def audit_actions(rt: Runtime, document_id: str) -> list[tuple[str, str]]:
    with rt.session() as s:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "document", AuditEvent.object_id == document_id)
            .order_by(AuditEvent.id)
        )
        return [(e.action, e.actor) for e in rows]


def audit_rows(rt: Runtime, document_id: str) -> list[AuditEvent]:
    with rt.session() as s:
        rows = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == "document", AuditEvent.object_id == document_id)
            .order_by(AuditEvent.id)
        )
        return list(rows)


def key_actor(key: str) -> str:
    return f"key:{key.split('_')[1]}"


# ------------------------------------------------------------------ dossiers


def test_dossiers_create_update_read_and_list(server, keys):
    clerk, other, system = (server.client(keys[r]) for r in ("clerk", "other", "system"))
    code = "000.A0.01.H26-261122-0100"
    created = put_dossier(
        clerk, code, procedure_code="2.000815", received_date="2026-11-20",
        callback_url="https://motcua.example.vn/hook",
    )  # fmt: skip
    assert created.status_code == 201, created.text
    assert created.json()["unit"] == UNIT and created.json()["procedure_code"] == "2.000815"
    updated = put_dossier(clerk, code, unit=None, procedure_code="2.000884")
    assert updated.status_code == 200
    body = clerk.get(f"/api/v1/dossiers/{code}").json()
    assert body["procedure_code"] == "2.000884"
    assert body["received_date"] == "2026-11-20" and body["callback_url"].endswith("/hook")

    listed = clerk.get("/api/v1/dossiers", params={"q": "261122-0100"}).json()
    assert [d["code"] for d in listed["items"]] == [code] and listed["total"] == 1
    by_date = clerk.get("/api/v1/dossiers", params={"from": "2026-11-21"}).json()
    assert code not in [d["code"] for d in by_date["items"]]

    # Other units: a new dossier code needs its unit; a unit the key lacks does not exist.
    assert error_code(put_dossier(clerk, "NEW-1", unit=None)) == "unit_required"
    refused = put_dossier(clerk, "NEW-2", unit=OTHER_UNIT)
    assert refused.status_code == 404 and error_code(refused) == "dossier_not_found"
    hidden = other.get(f"/api/v1/dossiers/{code}")
    assert hidden.status_code == 404 and error_code(hidden) == "dossier_not_found"
    assert code not in [d["code"] for d in other.get("/api/v1/dossiers").json()["items"]]
    assert other.get("/api/v1/dossiers", params={"unit": UNIT}).status_code == 404
    assert put_dossier(system, "NEW-3").status_code == 403
    assert server.client().get(f"/api/v1/dossiers/{code}").status_code == 401
    bad_url = put_dossier(clerk, code, callback_url="ftp://x")
    assert bad_url.status_code == 422


def test_same_dossier_code_in_two_units_needs_the_unit(server, keys):
    admin = server.client(keys["admin"])
    code = "SHARED-0001"
    assert put_dossier(admin, code, unit=UNIT).status_code == 201
    assert put_dossier(admin, code, unit=OTHER_UNIT).status_code == 201
    ambiguous = admin.get(f"/api/v1/dossiers/{code}")
    assert ambiguous.status_code == 409 and error_code(ambiguous) == "ambiguous_dossier"
    assert admin.get(f"/api/v1/dossiers/{code}", params={"unit": OTHER_UNIT}).json()["unit"] == (
        OTHER_UNIT
    )
    # A clerk sees one of the two: no ambiguity for it.
    assert server.client(keys["clerk"]).get(f"/api/v1/dossiers/{code}").json()["unit"] == UNIT


# ------------------------------------------------------------------ the whole life of a document


def test_document_lifecycle(server, worker, keys, rt, two_pages, scan_pdf):
    clerk, officer = server.client(keys["clerk"]), server.client(keys["officer"])
    other, system = server.client(keys["other"]), server.client(keys["system"])
    assert put_dossier(clerk, DOSSIER).status_code == 201

    first = upload(clerk, DOSSIER, [(NAME, scan_pdf)], headers={"Idempotency-Key": "req-0001"})
    assert first.status_code == 202, first.text
    (entry,) = first.json()["files"]
    document_id = entry["document"]["id"]
    assert entry["document"]["created"] is True and entry["filename"] == NAME
    assert entry["document"]["status_url"] == f"/api/v1/documents/{document_id}"

    listed = clerk.get(f"/api/v1/dossiers/{DOSSIER}").json()
    assert [(d["id"], d["filename"]) for d in listed["documents"]] == [(document_id, NAME)]

    # Not done yet: no PDF, no text (OCR of two pages takes seconds).
    early = clerk.get(f"/api/v1/documents/{document_id}/pdf")
    assert early.status_code == 409 and error_code(early) == "not_ready"

    # A retried request, or the same bytes again, gives the same document.
    again = upload(clerk, DOSSIER, [(NAME, scan_pdf)], headers={"Idempotency-Key": "req-0001"})
    assert again.status_code == 202
    assert again.json()["files"][0]["document"]["id"] == document_id
    assert again.json()["files"][0]["document"]["created"] is False
    duplicate = upload(clerk, DOSSIER, [("copy.pdf", scan_pdf)])
    assert duplicate.json()["files"][0]["document"]["id"] == document_id
    reused = upload(
        clerk, DOSSIER, [(NAME, scan_pdf + b"\n")], headers={"Idempotency-Key": "req-0001"}
    )
    assert reused.status_code == 409 and error_code(reused) == "idempotency_key_reused"

    doc = wait_done(clerk, document_id)
    assert doc["progress"] == {"pages_done": 2, "page_count": 2}
    assert [p["number"] for p in doc["pages"]] == [1, 2]
    for page in doc["pages"]:
        assert page["status"] == "done" and page["failure_reason"] is None
        assert page["rotation"] is not None and page["confidence"] > 50
        assert page["warnings"] == []
        assert page["skew"] is not None
    # Classified by the worker: a type code, its label and confidence, and how it decided.
    assert doc["document_type"] in DOCUMENT_TYPES and doc["filename"] == NAME
    assert doc["type_label"] == DOCUMENT_TYPES[doc["document_type"]]
    assert 0 <= doc["type_confidence"] <= 1
    assert doc["classification"]["model_version"] and doc["classification"]["candidates"]
    classified = doc["document_type"]
    assert doc["checksums"]["original"] == hashlib.sha256(scan_pdf).hexdigest()
    assert doc["links"]["pdf"] == f"/api/v1/documents/{document_id}/pdf"

    # Searchable PDF: streamed, checksum as announced, ETag and 304, Vietnamese name.
    pdf = clerk.get(doc["links"]["pdf"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == doc["checksums"]["pdf"]
    assert pdf.headers["etag"] == f'"{doc["checksums"]["pdf"]}"'
    with pikepdf.open(io.BytesIO(pdf.content)) as parsed:
        assert len(parsed.pages) == 2
    disposition = pdf.headers["content-disposition"]
    assert 'filename="Giay khai sinh Nguyen Van Dang.pdf"' in disposition
    assert "filename*=UTF-8''" + urllib.parse.quote(NAME, safe="") in disposition
    cached = clerk.get(doc["links"]["pdf"], headers={"If-None-Match": pdf.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    stale = clerk.get(doc["links"]["pdf"], headers={"If-None-Match": '"0000"'})
    assert stale.status_code == 200
    local = clerk.get(doc["links"]["pdf"], params={"redirect": "true"})
    assert local.status_code == 200 and local.content == pdf.content  # no S3: served here

    original = clerk.get(doc["links"]["original"])
    assert original.content == scan_pdf and original.headers["content-type"] == "application/pdf"
    assert urllib.parse.quote(NAME, safe="") in original.headers["content-disposition"]

    text = clerk.get(doc["links"]["text"])
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    pages_text = text.content.decode("utf-8").split("\f")
    for truth, got in zip(two_pages, pages_text, strict=True):
        assert cer(truth.text, got) < 0.05

    thumb = clerk.get(doc["pages"][0]["links"]["thumbnail"])
    assert thumb.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(thumb.content)).format == "PNG"
    full = clerk.get(f"/api/v1/documents/{document_id}/pages/2/image", params={"size": "full"})
    assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(full.content))
    assert image.format == "JPEG" and image.height > image.width > 1000
    assert full.headers["content-disposition"].endswith(
        urllib.parse.quote("Giấy khai sinh Nguyễn Văn Đặng-2.jpg", safe="")
    )
    refetch = clerk.get(
        f"/api/v1/documents/{document_id}/pages/2/image",
        headers={"If-None-Match": full.headers["etag"]},
    )
    assert refetch.status_code == 304
    assert clerk.get(f"/api/v1/documents/{document_id}/pages/3/image").status_code == 404

    # Search without accents finds it, in the key's units only.
    word = max(
        (w for w in two_pages[0].text.split() if w.isalpha() and fold_accents(w) != w), key=len
    )
    query = fold_accents(word).lower()
    found = clerk.get("/api/v1/search", params={"q": query}).json()
    hit = next(h for h in found["hits"] if h["document_id"] == document_id)
    assert "<mark>" in hit["snippet"] and 1 in hit["pages"] and hit["dossier"] == DOSSIER
    assert other.get("/api/v1/search", params={"q": query}).json()["total"] == 0
    assert other.get("/api/v1/search", params={"q": query, "unit": UNIT}).status_code == 404

    # Another unit's key cannot tell the document exists.
    for path in ("", "/pdf", "/original", "/text", "/pages/1/image"):
        hidden = other.get(f"/api/v1/documents/{document_id}{path}")
        assert hidden.status_code == 404 and error_code(hidden) == "document_not_found", path
    assert (
        other.patch(
            f"/api/v1/documents/{document_id}", json={"document_type": "decision"}
        ).status_code
        == 404
    )

    # Corrections: officers and clerks may, systems may not; kept for retraining.
    assert (
        system.patch(
            f"/api/v1/documents/{document_id}", json={"document_type": "decision"}
        ).status_code
        == 403
    )
    unknown = officer.patch(f"/api/v1/documents/{document_id}", json={"document_type": "x"})
    assert unknown.status_code == 422  # only the stable type codes
    corrected = officer.patch(
        f"/api/v1/documents/{document_id}",
        json={
            "document_type": "birth_certificate",
            "fields": {"full_name": "Nguyễn Văn Đặng", "register_number": "1"},
        },
    )
    assert corrected.status_code == 200, corrected.text
    merged = clerk.patch(
        f"/api/v1/documents/{document_id}",
        json={"fields": {"register_number": None, "register_book": {"value": "01"}}},
    )
    # a correction has no page or box: where a person read it is not on the scan
    unplaced = {"page": None, "box": None}
    person = {"value": "Nguyễn Văn Đặng", "confidence": 1.0, "corrected": True} | unplaced
    book = {"value": "01", "confidence": 1.0, "corrected": True} | unplaced
    fields = merged.json()["fields"]
    assert fields["full_name"] == person and fields["register_book"] == book
    assert "register_number" not in fields
    shown = clerk.get(f"/api/v1/documents/{document_id}").json()
    assert shown["document_type"] == "birth_certificate"
    assert shown["type_label"] == "Giấy khai sinh"
    assert shown["fields"] == fields
    with rt.session() as s:
        corrections = list(
            s.scalars(
                select(DocumentCorrection)
                .where(DocumentCorrection.document_id == document_id)
                .order_by(DocumentCorrection.id)
            )
        )
        kept = [(c.actor, c.before, c.after) for c in corrections]
    assert [k[0] for k in kept] == [key_actor(keys["officer"]), key_actor(keys["clerk"])]
    assert kept[0][1]["document_type"] == classified
    assert kept[0][2]["document_type"] == "birth_certificate"
    # kept as stored: the API's FieldOut also names what a field lacks (page: null …)
    as_stored = {
        name: {k: v for k, v in field.items() if v is not None and (k != "corrected" or v)}
        for name, field in fields.items()
    }
    assert kept[1][2]["fields"] == as_stored
    typed = clerk.get("/api/v1/search", params={"q": query, "type": "birth_certificate"}).json()
    assert [h["document_id"] for h in typed["hits"]] == [document_id]

    # Every read and change is in the audit trail, under the key that made it.
    actions = audit_actions(rt, document_id)
    clerk_actor = key_actor(keys["clerk"])
    assert ("document.create", clerk_actor) in actions
    assert ("document.read", clerk_actor) in actions
    assert ("document.download", clerk_actor) in actions
    assert ("document.correct", key_actor(keys["officer"])) in actions
    assert ("access.denied", key_actor(keys["other"])) in actions  # the other unit's tries

    # Reprocess: queued again, done again; the correction survives.
    assert system.post(f"/api/v1/documents/{document_id}/reprocess").status_code == 403
    queued = clerk.post(f"/api/v1/documents/{document_id}/reprocess")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    busy = clerk.post(f"/api/v1/documents/{document_id}/reprocess")
    assert busy.status_code == 409 and error_code(busy) == "document_busy"
    again_done = wait_done(clerk, document_id)
    assert again_done["document_type"] == "birth_certificate"  # the person outranks the model
    assert again_done["fields"] == fields
    assert ("document.reprocess", clerk_actor) in audit_actions(rt, document_id)

    # A stored file damaged behind our back is never served as if it were right.
    _corrupt_and_fetch(rt, clerk, document_id)


def _corrupt_and_fetch(rt: Runtime, client: httpx.Client, document_id: str) -> None:
    with rt.session() as s:
        document = s.get(Document, document_id)
        text_key, pdf_key = document.text_key, document.pdf_key
    for key in (text_key, pdf_key):
        path = rt.store.root.joinpath(*key.split("/"))  # type: ignore[attr-defined]
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    text = client.get(f"/api/v1/documents/{document_id}/text")
    assert text.status_code == 500 and error_code(text) == "object_corrupt"
    # The PDF is streamed: the answer is cut short of its Content-Length.
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"/api/v1/documents/{document_id}/pdf")


# ------------------------------------------------------------------ bad uploads


def test_refused_uploads_store_nothing(server, keys, rt, tmp_path):
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0200"
    assert put_dossier(clerk, code).status_code == 201
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hoso.txt", "không phải bản quét")
    truncated = pikepdf.new()
    truncated.add_blank_page()
    whole = io.BytesIO()
    truncated.save(whole)
    bomb = png_bomb(tmp_path / "bomb.png", 40_000, 40_000).read_bytes()
    cases = [
        ("empty.pdf", b"", 422, "empty_file"),
        ("hong.pdf", whole.getvalue()[:200], 422, "corrupt_file"),
        ("archive.pdf", zipped.getvalue(), 415, "unsupported_type"),
        ("bomb.png", bomb, 413, "too_large"),
    ]
    before = stored_state(rt)
    for name, data, status, code_expected in cases:
        refused = upload(clerk, code, [(name, data)])
        assert refused.status_code == status, (name, refused.text)
        assert error_code(refused) == code_expected
        assert refused.json()["files"][0]["error"]["message"].startswith(name)
    # Several files, all refused: the first one's answer, every file listed.
    both = upload(clerk, code, [("a.pdf", b""), ("b.pdf", zipped.getvalue())])
    assert both.status_code == 422 and error_code(both) == "empty_file"
    assert [f["error"]["code"] for f in both.json()["files"]] == ["empty_file", "unsupported_type"]
    # Not multipart, or no file in it.
    raw = clerk.post(f"/api/v1/dossiers/{code}/documents", content=b"%PDF-1.7")
    assert raw.status_code == 415 and error_code(raw) == "multipart_required"
    empty_form = clerk.post(f"/api/v1/dossiers/{code}/documents", files={"other": ("x", b"1")})
    assert empty_form.status_code == 400 and error_code(empty_form) == "no_files"
    many = upload(clerk, code, [(f"{n}.pdf", b"") for n in range(51)])
    assert many.status_code == 413 and error_code(many) == "too_many_files"
    cut = clerk.post(
        f"/api/v1/dossiers/{code}/documents",
        content=b'--xyz\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
        b"\r\n%PDF-1.7 and then the body stops",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert cut.status_code == 400 and error_code(cut) == "malformed_multipart"
    # A file name far past any real one says so (it answered "Maximum header size exceeded").
    endless = upload(clerk, code, [("Giấy tờ " * 5000 + ".pdf", b"%PDF-1.7")])
    assert endless.status_code == 400 and error_code(endless) == "part_header_too_large"
    assert "file name" in endless.json()["error"]["message"]
    assert stored_state(rt) == before
    uploads = Path(rt.settings.work_dir) / "uploads"
    assert not any(uploads.iterdir())  # no temporary file left behind

    # Writing needs a write key and a dossier the key sees.
    assert upload(server.client(keys["system"]), code, [("a.pdf", b"")]).status_code == 403
    assert upload(server.client(keys["officer"]), code, [("a.pdf", b"")]).status_code == 403
    assert upload(server.client(keys["other"]), code, [("a.pdf", b"")]).status_code == 404
    assert upload(clerk, "NO-SUCH-DOSSIER", [("a.pdf", b"")]).status_code == 404


def test_mixed_upload_and_path_traversal_name(server, worker, keys, rt, one_page_pdf):
    """One good file with a hostile name and one refused file: 207, the name kept as data."""
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0300"
    assert put_dossier(clerk, code).status_code == 201
    hostile = "../../etc/passwd.pdf"
    answer = upload(
        clerk, code, [(hostile, one_page_pdf), ("archive.pdf", b"PK\x03\x04junk")],
        headers={"Idempotency-Key": "batch-7"},
    )  # fmt: skip
    assert answer.status_code == 207, answer.text
    taken, refused = answer.json()["files"]
    assert taken["status_code"] == 202 and taken["filename"] == hostile
    assert refused["status_code"] in (415, 422) and refused["document"] is None
    document_id = taken["document"]["id"]
    with rt.session() as s:
        document = s.get(Document, document_id)
        assert document.filename == hostile
        assert document.idempotency_key == "batch-7:1"  # file 1 of the request
        assert document.original_key == f"{UNIT}/{code}/{document_id}/original.pdf"
    assert not Path("/etc/passwd.pdf").exists()
    # A long name (5,000 letters, 15 KB of UTF-8) is taken, cut to 255 characters.
    long_name = ("Bản sao giấy khai sinh Nguyễn Thị Ánh " * 200)[:5000] + ".pdf"
    taken_long = upload(clerk, code, [(long_name, one_page_pdf)])
    assert taken_long.status_code == 202, taken_long.text
    kept_name = taken_long.json()["files"][0]["filename"]
    assert len(kept_name) == 255 and long_name.startswith(kept_name)
    objects = rt.store.root  # type: ignore[attr-defined]
    assert all(p.resolve().is_relative_to(objects.resolve()) for p in objects.rglob("*"))
    # The same request again: the same document, found by its derived key.
    retry = upload(
        clerk, code, [(hostile, one_page_pdf), ("archive.pdf", b"PK\x03\x04junk")],
        headers={"Idempotency-Key": "batch-7"},
    )  # fmt: skip
    assert retry.json()["files"][0]["document"]["id"] == document_id
    assert retry.json()["files"][0]["document"]["created"] is False

    original = clerk.get(f"/api/v1/documents/{document_id}/original")
    disposition = original.headers["content-disposition"]
    assert "/" not in disposition and 'filename=".._.._etc_passwd.pdf"' in disposition
    assert original.content == one_page_pdf
    wait_done(clerk, document_id)


def _jpeg(page: pagegen.RenderedPage, turn: int = 1) -> bytes:
    """A phone's JPEG of a page, its pixels stored turned with EXIF tag ``turn`` (1 or 6)."""
    out = io.BytesIO()
    image = page.image.convert("RGB").resize((1240, 1754))  # 150 dpi over A4
    exif = Image.Exif()
    if turn == 6:
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    image.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def test_pictures_of_one_paper_become_one_document(server, worker, keys, rt, two_pages):
    """A paper photographed page by page, uploaded with ``one_document=true``: one
    document of two pages in the order sent, each picture kept as sent beside it."""
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0410"
    assert put_dossier(clerk, code).status_code == 201
    pictures = [("trang 1.jpg", _jpeg(two_pages[0])), ("trang 2.jpg", _jpeg(two_pages[1], 6))]
    path = f"/api/v1/dossiers/{code}/documents"

    def send(files: list[tuple[str, bytes]], key: str) -> httpx.Response:
        parts = [("files", (n, d, "image/jpeg")) for n, d in files]
        return clerk.post(
            path, files=parts, params={"one_document": "true"}, headers={"Idempotency-Key": key}
        )

    answer = send(pictures, "photos-1")
    assert answer.status_code == 202, answer.text
    first, second = answer.json()["files"]
    assert (first["position"], first["filename"]) == (1, "trang 1.jpg")
    assert (second["position"], second["filename"]) == (2, "trang 2.jpg")
    document_id = first["document"]["id"]
    assert second["document"]["id"] == document_id and first["document"]["created"] is True

    again = send(pictures, "photos-1")
    assert again.status_code == 202 and again.json()["files"][0]["document"]["id"] == document_id
    assert again.json()["files"][0]["document"]["created"] is False
    swapped = send(pictures[::-1], "photos-1")
    assert swapped.status_code == 409 and error_code(swapped) == "idempotency_key_reused"

    doc = wait_done(clerk, document_id)
    assert doc["filename"] == "trang 1 (2 ảnh).pdf" and doc["kind"] == "pdf"
    assert doc["progress"] == {"pages_done": 2, "page_count": 2}
    text = clerk.get(f"/api/v1/documents/{document_id}/text").text
    pages = text.split("\f")
    assert len(pages) == 2
    for page, truth in zip(pages, two_pages, strict=True):
        assert cer(truth.text, page) < 0.05, "each picture is its page, upright, in order"
    kept = sorted(k for k in rt.store.list(f"{UNIT}/{code}/{document_id}/pictures/"))
    assert [k.rsplit("/", 1)[1] for k in kept] == ["1.jpg", "2.jpg"]
    sent = [hashlib.sha256(data).hexdigest() for _, data in pictures]
    assert [rt.store.get_bytes(k, h) for k, h in zip(kept, sent, strict=True)] == [
        data for _, data in pictures
    ]
    [created] = [e for e in audit_rows(rt, document_id) if e.action == "document.create"]
    assert [p["filename"] for p in created.detail["pictures"]] == ["trang 1.jpg", "trang 2.jpg"]

    before = stored_state(rt)
    refused = send([pictures[0], ("hỏng.jpg", pictures[1][1][:3000])], "photos-2")
    assert refused.status_code == 422 and error_code(refused) == "corrupt_file"
    assert all(f["document"] is None for f in refused.json()["files"])
    assert refused.json()["error"]["message"].startswith("hỏng.jpg:")
    assert stored_state(rt) == before, "a refused bundle stores nothing"


def test_bad_correction_is_refused_and_the_document_stays_readable(
    server, worker, keys, rt, one_page_pdf
):
    """A lone surrogate in a corrected field once answered 500, was stored, and made
    every later read of the document a 500 (issue 17, item 7): now a 422, nothing kept."""
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0310"
    assert put_dossier(clerk, code).status_code == 201
    answer = upload(clerk, code, [("to-khai.pdf", one_page_pdf)])
    document_id = answer.json()["files"][0]["document"]["id"]
    before = wait_done(clerk, document_id)
    path = f"/api/v1/documents/{document_id}"
    json_headers = {"Content-Type": "application/json"}
    bad_bodies = {
        # Sent as raw JSON text: httpx cannot encode a lone surrogate itself.
        '{"fields": {"document_number": "\\ud800"}}': "invalid_field_value",
        '{"fields": {"document_number": {"value": "12\\udfff"}}}': "invalid_field_value",
        '{"fields": {"document_number": "s\\u0007"}}': "invalid_field_value",
        '{"fields": {"document_number": ["a", "b"]}}': "invalid_field_value",
        '{"fields": {"issue_date": "31/02/2025"}}': "invalid_field_value",
        '{"fields": {"ghi_chu": "x"}}': "unknown_field",
        '{"fields": {"\\ud800": "x"}}': "unknown_field",
    }
    for body, code_expected in bad_bodies.items():
        refused = clerk.patch(path, content=body.encode(), headers=json_headers)
        assert refused.status_code == 422, (body, refused.text)
        assert error_code(refused) == code_expected, body
    shown = clerk.get(path)
    assert shown.status_code == 200 and shown.json()["fields"] == before["fields"]
    page = clerk.get(f"/tai-lieu/{document_id}")
    assert page.status_code in (200, 303)  # the page renders (or asks an API client to sign in)
    with rt.session() as s:
        kept = s.scalars(
            select(DocumentCorrection).where(DocumentCorrection.document_id == document_id)
        ).all()
    assert kept == []

    # A good correction in the pages' own forms is stored in the extracted shape.
    good = clerk.patch(
        path,
        json={
            "document_type": "birth_certificate",
            "fields": {"date_of_birth": "05/09/2019", "sex": "Nữ", "full_name": " Lò  Thị A "},
        },
    )
    assert good.status_code == 200, good.text
    fields = good.json()["fields"]
    assert fields["date_of_birth"]["value"] == "2019-09-05"
    assert fields["sex"]["value"] == "female"
    assert fields["full_name"] == {
        "value": "Lò Thị A",
        "confidence": 1.0,
        "corrected": True,
        "page": None,
        "box": None,
    }


def test_the_service_keeps_citizens_data_private(server, worker, keys, settings, one_page_pdf):
    """Database, broker, objects and scratch files are the service user's alone (issue 17)."""
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0320"
    assert put_dossier(clerk, code).status_code == 201
    answer = upload(clerk, code, [("cccd.pdf", one_page_pdf)])
    wait_done(clerk, answer.json()["files"][0]["document"]["id"])
    data_dir = Path(settings["SOHOA_DATA_DIR"])
    made = [data_dir, *data_dir.rglob("*")]
    assert len(made) > 10 and any(p.name == "original.pdf" for p in made)
    logs = {"serve.log", "worker.log"}  # the test's own redirections of stdout
    open_to_others = [
        f"{p.relative_to(data_dir)} {oct(p.stat().st_mode & 0o777)}"
        for p in made
        if p.name not in logs and not p.is_symlink() and p.stat().st_mode & 0o077
    ]
    assert open_to_others == []


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM in /proc status")


def test_big_upload_is_streamed_to_disk_not_memory(server, keys, rt, tmp_path):
    """200 MB through the API: the server's peak memory barely moves."""
    clerk = server.client(keys["clerk"])
    code = "000.A0.01.H26-261122-0400"
    assert put_dossier(clerk, code).status_code == 201
    big = tmp_path / "big.pdf"
    with big.open("wb") as out:
        out.write(b"not a scan, just many bytes\n")
        out.truncate(200 * 1024 * 1024)
    assert server.process is not None
    before = peak_rss_mb(server.process.pid)
    with big.open("rb") as handle:  # httpx streams a file object in chunks
        refused = clerk.post(
            f"/api/v1/dossiers/{code}/documents",
            files=[("files", ("big.pdf", handle, "application/pdf"))],
        )
    assert refused.status_code == 415 and error_code(refused) == "unsupported_type"
    grown = peak_rss_mb(server.process.pid) - before
    assert grown < 50, f"server peak memory grew by {grown:.0f} MB for a 200 MB upload"
    assert not any((Path(rt.settings.work_dir) / "uploads").iterdir())


def test_file_over_the_limit_is_refused_while_streaming(tmp_path, one_page_pdf):
    settings = embedded_settings(tmp_path / "small", SOHOA_MAX_FILE_MB="1")
    api = ApiServer(settings, tmp_path / "serve.log").start()
    try:
        clerk = api.client(api.create_key("clerk", UNIT))
        assert put_dossier(clerk, DOSSIER).status_code == 201
        big = one_page_pdf + os.urandom(2 * 1024 * 1024)
        refused = upload(clerk, DOSSIER, [("ok.pdf", one_page_pdf), ("big.pdf", big)])
        assert refused.status_code == 413, refused.text
        assert error_code(refused) == "file_too_large" and "big.pdf" in refused.text
        rt = runtime_for(settings)
        assert stored_state(rt) == (0, [])  # not even the good file before it
        assert not any((Path(rt.settings.work_dir) / "uploads").iterdir())
        taken = upload(clerk, DOSSIER, [("ok.pdf", one_page_pdf)])
        assert taken.status_code == 202  # the server is fine and small files still pass
    finally:
        api.stop()


# ------------------------------------------------------------------ S3: presigned redirects


def test_presigned_redirect_on_s3_postgres_redis(tmp_path, one_page_pdf):
    with (
        SeaweedS3(tmp_path / "s3") as s3,
        fresh_postgres() as database_url,
        fresh_redis(db=13) as broker_url,
    ):
        settings = {
            "SOHOA_DATA_DIR": str(tmp_path / "data"),
            "SOHOA_DATABASE_URL": database_url,
            "SOHOA_BROKER_URL": broker_url,
            **s3_settings(s3, "sohoa-api"),
        }
        api = ApiServer(settings, tmp_path / "serve.log").start()
        try:
            clerk = api.client(api.create_key("clerk", UNIT))
            assert put_dossier(clerk, DOSSIER).status_code == 201
            answer = upload(clerk, DOSSIER, [(NAME, one_page_pdf)])
            assert answer.status_code == 202, answer.text
            document_id = answer.json()["files"][0]["document"]["id"]
            url = f"/api/v1/documents/{document_id}/original"

            moved = clerk.get(url, params={"redirect": "true"})
            assert moved.status_code == 307 and moved.headers["cache-control"] == "no-store"
            location = moved.headers["location"]
            assert location.startswith(f"http://{s3.endpoint}/sohoa-api/")
            assert "X-Amz-Expires=300" in location
            direct = httpx.get(location)  # no API key: the signature is the permission
            assert direct.status_code == 200 and direct.content == one_page_pdf
            assert urllib.parse.quote(NAME, safe="") in direct.headers["content-disposition"]

            listed = clerk.get("/api/v1/dossiers", params={"q": DOSSIER[-8:].lower()}).json()
            assert [d["code"] for d in listed["items"]] == [DOSSIER]
            streamed = clerk.get(url)  # without redirect: relayed and verified by the API
            assert streamed.content == one_page_pdf
            assert streamed.headers["etag"] == f'"{hashlib.sha256(one_page_pdf).hexdigest()}"'
            not_ready = clerk.get(f"/api/v1/documents/{document_id}/pdf", params={"redirect": "1"})
            assert not_ready.status_code == 409  # no worker here: nothing digitised yet
        finally:
            api.stop()


# ------------------------------------------------------------------ page images not stored as JPEG


@pytest.mark.parametrize("mode", ["1", "L"])
def test_non_jpeg_page_images_are_served_as_png(mode):
    """Bi-level pages are stored as CCITT G4, which no browser shows; Flate likewise."""
    page = Image.new(mode, (320, 200), 255 if mode == "L" else 1)
    page.paste(0, (40, 50, 280, 90))  # a black bar
    encoded = encode_page_image(page) if mode == "1" else flate_encoded(page)
    assert encoded.filter != "DCTDecode"
    meta = {
        "width": encoded.width,
        "height": encoded.height,
        "colorspace": encoded.colorspace,
        "filter": encoded.filter,
        "decode_parms": encoded.decode_parms,
    }
    decoded = Image.open(io.BytesIO(encoded_to_png(encoded.data, meta)))
    assert decoded.format == "PNG" and decoded.size == (320, 200)
    grey = decoded.convert("L")
    assert grey.getpixel((160, 70)) < 50 and grey.getpixel((10, 10)) > 200
