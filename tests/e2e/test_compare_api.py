"""``POST /api/v1/compare`` and the saved comparisons, through a live server and a real worker.

An original birth certificate and two copies are rendered: one faithful
(scanned again, shifted and noisier) and one with a single digit of the
child's personal ID number changed. They are uploaded, digitised by the
worker, and compared by an officer the way the counter page does it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from testkit import docgen, pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings, file_scans, runtime_for
from testkit.certify_scans import altered, as_png
from testkit.pipeline_harness import Worker

UNIT = "000.00.00.H26"
OTHER = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261201-0500"
SEED = docgen.EVAL_SEED_START + 700


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes | str]:
    folder = tmp_path_factory.mktemp("compare-scans")
    for seed in range(SEED, SEED + 50):  # a certificate that prints the child's ID number
        doc = docgen.compose("birth_certificate", seed)
        found = re.search(r"\b\d{12}\b", docgen.text(doc))
        if found:
            break
    assert found, "no birth certificate with a personal ID number in 50 seeds"
    number = found.group()
    changed = number[:7] + str((int(number[7]) + 3) % 10) + number[8:]
    original = docgen.render(doc, dpi=200)[0].image
    rescan = pagegen.salt_and_pepper(
        original.rotate(1.5, fillcolor="white", translate=(14, 9)), 0.01, 5
    )
    forged = docgen.render(altered(doc, number, changed), dpi=200)[0].image
    return {
        "original": as_png(original, folder / "original.png"),
        "faithful": as_png(rescan, folder / "faithful.png"),
        "forged": as_png(forged, folder / "forged.png"),
        "number": number,
        "changed": changed,
    }


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, scans) -> Iterator[dict]:
    data = tmp_path_factory.mktemp("compare-api")
    settings = embedded_settings(data)
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        keys = {
            "officer": server.create_key("officer", UNIT),
            "clerk": server.create_key("clerk", UNIT),
            "stranger": server.create_key("officer", OTHER),
        }
        clerk = server.client(keys["clerk"])
        ids = file_scans(
            clerk, UNIT, DOSSIER, {name: scans[name] for name in ("original", "faithful", "forged")}
        )
        yield {"server": server, "keys": keys, "ids": ids, "settings": settings}
    finally:
        worker.stop()
        server.stop()


def compare(client: httpx.Client, original: str, copy: str, page: int | None = 1):
    return client.post(
        "/api/v1/compare",
        json={
            "original": {"document_id": original, "page": page},
            "copy": {"document_id": copy, "page": page},
        },
    )


def test_one_changed_digit_is_a_critical_difference(live, scans) -> None:
    officer = live["server"].client(live["keys"]["officer"])
    answer = compare(officer, live["ids"]["original"], live["ids"]["forged"])
    assert answer.status_code == 201, answer.text
    result = answer.json()
    assert result["verdict"] == "differences", result["verdict_text"]
    assert result["difference_count"] >= 1
    critical = [
        op
        for page in result["pages"]
        for op in page["text_ops"]
        if op["status"] == "difference" and op["critical"]
    ]
    assert any(scans["changed"] in op["copy_text"] for op in critical), critical
    assert any(scans["number"] in op["original_text"] for op in critical), critical
    assert result["officer"].startswith("key:") and result["links"]["report_pdf"]

    again = officer.get(result["links"]["self"]).json()
    assert again["id"] == result["id"] and again["pages"] == result["pages"]
    overlay = officer.get(result["links"]["overlays"][0])
    assert overlay.status_code == 200 and overlay.headers["content-type"] == "image/png"
    assert overlay.content.startswith(b"\x89PNG")
    report = officer.get(result["links"]["report_pdf"])
    assert report.status_code == 200 and report.headers["content-type"] == "application/pdf"
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=report.content, capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "BIÊN BẢN ĐỐI CHIẾU BẢN SAO VỚI BẢN CHÍNH" in text
    assert scans["changed"] in text and "SỐ/NGÀY BỊ THAY ĐỔI" in text
    listed = officer.get("/api/v1/comparisons", params={"document": live["ids"]["forged"]})
    assert [c["id"] for c in listed.json()["items"]] == [result["id"]]


def test_a_faithful_copy_is_identical(live) -> None:
    officer = live["server"].client(live["keys"]["officer"])
    answer = compare(officer, live["ids"]["original"], live["ids"]["faithful"], page=None)
    assert answer.status_code == 201, answer.text
    result = answer.json()
    found = [
        (op["original_text"], op["copy_text"])
        for page in result["pages"]
        for op in page["text_ops"]
        if op["status"] == "difference"
    ]
    regions = [r for page in result["pages"] for r in page["regions"]]
    assert result["verdict"] == "identical", (result["verdict_text"], found, regions)
    assert result["difference_count"] == 0


def test_who_may_compare_and_the_audit(live) -> None:
    ids = live["ids"]
    clerk = live["server"].client(live["keys"]["clerk"])
    assert compare(clerk, ids["original"], ids["forged"]).status_code == 403
    stranger = live["server"].client(live["keys"]["stranger"])
    refused = compare(stranger, ids["original"], ids["forged"])
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "document_not_found"
    officer = live["server"].client(live["keys"]["officer"])
    missing_page = compare(officer, ids["original"], ids["forged"], page=9)
    assert missing_page.status_code == 422
    assert missing_page.json()["error"]["code"] == "page_not_found"
    listed = officer.get("/api/v1/comparisons").json()["items"]
    assert listed, "the comparisons made are listed"
    foreign = stranger.get(f"/api/v1/comparisons/{listed[0]['id']}")
    assert foreign.status_code == 404
    rt = runtime_for(live["settings"])
    from sqlalchemy import select

    from storage.models import AuditEvent

    with rt.session() as s:
        actions = {
            (e.object_id, e.action)
            for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "document.compare"))
        }
    assert (ids["original"], "document.compare") in actions
    assert (ids["forged"], "document.compare") in actions
