"""Certified electronic copies through a live server and a real worker: certify, verify, reuse.

A birth certificate printing its child's personal ID number is rendered, with a
faithful rescan and a copy with one digit changed; all three are digitised by
the worker. An officer compares and certifies; the signed copy is checked by
poppler's ``pdfsig`` and by the public verification (no key), the register is
listed and exported, and another agency's system key finds the citizen's paper
by ID number. The signing key is the local test CA (``SOHOA_SIGNING_TEST_CA``).
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from storage.models import AuditEvent
from testkit import docgen
from testkit.api_harness import (
    ApiServer,
    clean_env,
    embedded_settings,
    file_scans,
    run_cli,
    runtime_for,
)
from testkit.certify_scans import birth_certificate_scans
from testkit.pipeline_harness import Worker
from tests.integration.pdfa_rules import pdfa_2b_problems

UNIT = "000.00.00.H26"
OTHER = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261205-0700"
SEED = docgen.EVAL_SEED_START + 720
PUBLIC_URL = "https://sohoa.xa-thu-nghiem.gov.vn"
REQUESTER = "Trần Thị Đào"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | str]:
    return birth_certificate_scans(tmp_path_factory.mktemp("certify-scans"), SEED)


def system_key(server: ApiServer, *reuse: str) -> str:
    args = ["keys", "create", "--role", "system", "--unit", UNIT, "--name", "Cổng DVC tỉnh"]
    for entry in reuse:
        args += ["--reuse", entry]
    done = run_cli(server.env, *args)
    assert done.returncode == 0, done.stderr
    return re.search(r"\bsohoa_\S+", done.stdout).group(0)  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, scans) -> Iterator[dict]:
    data = tmp_path_factory.mktemp("certify-api")
    settings = embedded_settings(data, SOHOA_SIGNING_TEST_CA="true", SOHOA_PUBLIC_URL=PUBLIC_URL)
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        keys = {
            "officer": server.create_key("officer", UNIT),
            "clerk": server.create_key("clerk", UNIT),
            "stranger": server.create_key("officer", OTHER),
            "admin": server.create_key("admin"),
            "system": server.create_key("system", UNIT),
            "reuser": system_key(server, "province:H26"),
            "elsewhere": system_key(server, "province:H27"),
        }
        clerk = server.client(keys["clerk"])
        ids = file_scans(
            clerk,
            UNIT,
            DOSSIER,
            {name: scans[name] for name in ("original", "faithful", "second", "forged")},
        )
        yield {"server": server, "keys": keys, "ids": ids, "settings": settings, "data": data}
    finally:
        worker.stop()
        server.stop()


def client(live: dict, role: str | None) -> httpx.Client:
    return live["server"].client(live["keys"][role] if role else None)


def compare(officer: httpx.Client, original: str, copy: str) -> dict:
    answer = officer.post(
        "/api/v1/compare",
        json={"original": {"document_id": original}, "copy": {"document_id": copy}},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def certified(live: dict) -> dict:
    """The faithful copy, compared with its original and certified by the officer."""
    officer = client(live, "officer")
    comparison = compare(officer, live["ids"]["original"], live["ids"]["faithful"])
    if comparison["verdict"] == "differences":  # the officer looked and cleared it
        cleared = officer.post(f"/api/v1/comparisons/{comparison['id']}/checked")
        assert cleared.status_code == 200, cleared.text
    answer = officer.post(
        f"/api/v1/documents/{live['ids']['faithful']}/certify",
        json={"comparison_id": comparison["id"], "requester": REQUESTER, "fee": 2000},
    )
    assert answer.status_code == 201, answer.text
    entry = answer.json()
    pdf = officer.get(entry["links"]["pdf"])
    assert pdf.status_code == 200, pdf.text
    path = live["data"] / "certified.pdf"
    path.write_bytes(pdf.content)
    return {"entry": entry, "pdf": pdf.content, "path": path, "comparison": comparison}


def test_the_officer_certifies_and_the_register_numbers_it(live: dict, certified: dict) -> None:
    entry = certified["entry"]
    year = datetime.now(VIETNAM).year
    assert entry["number"] == 1
    assert entry["book"] == f"01/{year}-SCTĐT/BS"
    assert entry["document_id"] == live["ids"]["faithful"]
    assert entry["original_document_id"] == live["ids"]["original"]
    assert entry["comparison_id"] == certified["comparison"]["id"]
    assert entry["requester"] == REQUESTER and entry["fee"] == 2000
    assert entry["officer_name"] == "test-officer"
    assert "NOT FOR PRODUCTION" in entry["signer"]
    assert entry["links"]["verify"] == f"/xac-minh/{entry['id']}"
    # The next certification takes the next number of the same book.
    officer = client(live, "officer")
    second = officer.post(f"/api/v1/documents/{live['ids']['second']}/certify", json={})
    assert second.status_code == 201, second.text
    assert (second.json()["number"], second.json()["book"]) == (2, entry["book"])
    assert second.json()["comparison_id"] is None  # directly reviewed at the counter


def test_the_signed_copy_is_valid_for_pdfsig_and_names_its_number(certified: dict) -> None:
    report = subprocess.run(
        ["pdfsig", str(certified["path"])], capture_output=True, text=True
    ).stdout
    assert "Signature is Valid." in report and "Total document signed" in report, report
    text = subprocess.run(
        ["pdftotext", "-layout", str(certified["path"]), "-"], capture_output=True, text=True
    ).stdout
    assert "Chứng thực bản sao đúng với bản chính" in text
    assert f"Quyển số: {certified['entry']['book']}" in text
    assert pdfa_2b_problems(certified["path"]) == []  # still PDF/A-2b after signing
    # The address wraps at the page's edge: read it without the line breaks.
    assert f"{PUBLIC_URL}/xac-minh/{certified['entry']['id']}" in "".join(text.split())


def test_a_document_is_certified_once(live: dict, certified: dict) -> None:
    again = client(live, "officer").post(
        f"/api/v1/documents/{live['ids']['faithful']}/certify", json={}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_certified"


def test_refusals_have_their_codes(live: dict, certified: dict) -> None:
    officer = client(live, "officer")
    forged = compare(officer, live["ids"]["original"], live["ids"]["forged"])
    assert forged["verdict"] == "differences"
    refused = officer.post(
        f"/api/v1/documents/{live['ids']['forged']}/certify",
        json={"comparison_id": forged["id"]},
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "comparison_differences"
    wrong = officer.post(
        f"/api/v1/documents/{live['ids']['forged']}/certify",
        json={"comparison_id": certified["comparison"]["id"]},
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == (
        "comparison_not_of_document"
    )
    clerk = client(live, "clerk").post(
        f"/api/v1/documents/{live['ids']['forged']}/certify", json={}
    )
    assert clerk.status_code == 403
    stranger = client(live, "stranger").post(
        f"/api/v1/documents/{live['ids']['forged']}/certify", json={}
    )
    assert stranger.status_code == 404 and stranger.json()["error"]["code"] == "document_not_found"
    bad = officer.post(
        f"/api/v1/documents/{live['ids']['forged']}/certify", json={"requester": "A\x07B"}
    )
    assert bad.status_code == 422


def test_an_entry_and_its_copy_are_read_in_the_unit_only_and_audited(
    live: dict, certified: dict
) -> None:
    entry = certified["entry"]
    assert client(live, "system").get(f"/api/v1/certifications/{entry['id']}").status_code == 200
    assert client(live, "stranger").get(f"/api/v1/certifications/{entry['id']}").status_code == 404
    assert client(live, "stranger").get(entry["links"]["pdf"]).status_code == 404
    rt = runtime_for(live["settings"])
    with rt.session() as s:
        actions = set(
            s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == entry["id"]))
        )
    assert {"certification.read", "certification.download", "access.denied"} <= actions


def test_the_register_lists_and_exports_the_period(live: dict, certified: dict) -> None:
    officer = client(live, "officer")
    today = datetime.now(VIETNAM).date().isoformat()
    listed = officer.get("/api/v1/certifications", params={"from": today, "to": today, "limit": 1})
    assert listed.status_code == 200, listed.text
    first = listed.json()
    assert [e["number"] for e in first["items"]] == [1] and first["next_cursor"]
    rest = officer.get(
        "/api/v1/certifications", params={"from": today, "cursor": first["next_cursor"]}
    ).json()
    assert [e["number"] for e in rest["items"]] == [2] and rest["next_cursor"] is None
    assert client(live, "stranger").get("/api/v1/certifications").json()["items"] == []
    exported = officer.get(
        "/api/v1/certifications/register.csv", params={"from": today, "to": today}
    )
    assert exported.status_code == 200, exported.text
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and REQUESTER in rows[1]
    pdf = officer.get("/api/v1/certifications/register.pdf", params={"from": today, "to": today})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client(live, "clerk").get("/api/v1/certifications").status_code == 403
    longer = officer.get(
        "/api/v1/certifications/register.csv", params={"from": "2025-01-01", "to": today}
    )
    assert longer.status_code == 422 and longer.json()["error"]["code"] == "invalid_period"


def test_public_verification_says_valid_and_nothing_personal(live: dict, certified: dict) -> None:
    entry, public = certified["entry"], client(live, None)
    looked_up = public.get(f"/api/v1/verification/{entry['id']}")
    assert looked_up.status_code == 200, looked_up.text
    body = looked_up.json()
    assert body["found"] and body["number"] == 1 and body["unit_code"] == UNIT
    assert body["document_type"] == "Giấy khai sinh"
    assert set(body) == {
        "valid", "reason", "found", "unit_code", "unit_name", "number", "book",
        "certified_at", "document_type",
    }  # fmt: skip
    for private in (REQUESTER, "test-officer", DOSSIER, entry["document_id"]):
        assert private not in looked_up.text
    sent = public.post(
        "/api/v1/verification",
        params={"certification_id": entry["id"]},
        files=[("files", ("copy.pdf", certified["pdf"], "application/pdf"))],
    )
    assert sent.status_code == 200, sent.text
    assert (sent.json()["valid"], sent.json()["reason"]) == (True, "ok")
    by_hash = public.post(
        "/api/v1/verification", files=[("files", ("copy.pdf", certified["pdf"], "application/pdf"))]
    )
    assert by_hash.json()["valid"] and by_hash.json()["number"] == 1
    tampered = bytearray(certified["pdf"])
    at = len(tampered) // 2
    tampered[at] = tampered[at] ^ 0x01
    changed = public.post(
        "/api/v1/verification",
        params={"certification_id": entry["id"]},
        files=[("files", ("copy.pdf", bytes(tampered), "application/pdf"))],
    )
    assert changed.status_code == 200 and changed.json()["valid"] is False
    assert changed.json()["reason"] != "ok"
    unknown = public.get("/api/v1/verification/00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404


def test_another_system_reuses_the_citizens_paper_by_id_number(
    live: dict, scans: dict, certified: dict
) -> None:
    number = scans["number"]
    # A person confirms the ID number read on the copy (a correction is trusted).
    corrected = client(live, "clerk").patch(
        f"/api/v1/documents/{live['ids']['faithful']}",
        json={"fields": {"id_number": {"value": number}}},
    )
    assert corrected.status_code == 200, corrected.text
    path = f"/api/v1/citizens/{number}/documents"
    purpose = {"purpose": "Hồ sơ đăng ký kết hôn 000.00.00.H30-261205-0001"}
    assert client(live, "system").get(path, params=purpose).status_code == 403
    assert client(live, "reuser").get(path).status_code == 422  # no purpose
    found = client(live, "reuser").get(path, params={**purpose, "type": "birth_certificate"})
    assert found.status_code == 200, found.text
    items = {i["document_id"]: i for i in found.json()["items"]}
    paper = items[live["ids"]["faithful"]]
    assert paper["certification"]["number"] == 1
    fetched = client(live, "reuser").get(paper["links"]["pdf"], params=purpose)
    assert fetched.status_code == 200 and fetched.content == certified["pdf"]
    other_type = client(live, "reuser").get(
        path, params={**purpose, "type": "marriage_certificate"}
    )
    assert live["ids"]["faithful"] not in {i["document_id"] for i in other_type.json()["items"]}
    assert client(live, "elsewhere").get(path, params=purpose).json()["items"] == []
    rt = runtime_for(live["settings"])
    with rt.session() as s:
        lookups = list(s.scalars(select(AuditEvent).where(AuditEvent.object_id == number)))
    assert {e.action for e in lookups} >= {"citizen.lookup", "citizen.download"}
    assert all(e.detail["purpose"] == purpose["purpose"] for e in lookups)


def test_a_certified_document_cannot_be_deleted(live: dict, certified: dict) -> None:
    gone = client(live, "admin").delete(f"/api/v1/documents/{live['ids']['faithful']}")
    assert gone.status_code == 409 and gone.json()["error"]["code"] == "document_certified"


def test_public_verification_is_rate_limited(live: dict, certified: dict) -> None:
    public = client(live, None)
    answers = [
        public.get(f"/api/v1/verification/{certified['entry']['id']}").status_code
        for _ in range(40)
    ]
    assert 429 in answers and answers[0] in (200, 429)
    refused = public.get(f"/api/v1/verification/{certified['entry']['id']}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
