"""Batch scanning over real HTTP: a live ``sohoa serve`` (embedded deployment), keys made
with ``sohoa keys create``; the cover sheet printed by the API, read back with the real
``pdftotext`` and ``pdftoppm`` and the QR decoded with zxing-cpp; a feeder scan composed
of such sheets uploaded to ``POST /api/v1/batches``."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import zxingcpp
from PIL import Image

from ingest.cover_sheets import cover_payload
from testkit.api_harness import ApiServer, embedded_settings, quote
from testkit.batch_scans import Blank, Cover, Text, feeder_pdf

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    settings = embedded_settings(tmp_path_factory.mktemp("batch-api"))
    api = ApiServer(settings, Path(settings["SOHOA_DATA_DIR"]) / "serve.log").start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def keys(server: ApiServer) -> dict[str, str]:
    grants = {"clerk": ("clerk", UNIT), "other": ("clerk", OTHER_UNIT), "system": ("system", UNIT)}
    with ThreadPoolExecutor(len(grants)) as pool:
        made = {name: pool.submit(server.create_key, *grant) for name, grant in grants.items()}
        return {name: future.result() for name, future in made.items()}


def _open_dossier(client: httpx.Client, code: str, unit: str = UNIT) -> None:
    body = {"unit": unit, "procedure_code": "2.000815"}
    made = client.put(f"/api/v1/dossiers/{quote(code)}", json=body)
    assert made.status_code == 201, made.text


def _sheet_url(code: str, unit: str | None = None) -> str:
    query = f"?unit={quote(unit)}" if unit else ""
    return f"/api/v1/dossiers/{quote(code)}/cover-sheet.pdf{query}"


def test_the_cover_sheet_prints_the_code_and_its_qr_decodes(server, keys, tmp_path):
    code = "000.A0.01.H26-261205-0401"
    with server.client(keys["clerk"]) as clerk:
        _open_dossier(clerk, code)
        got = clerk.get(_sheet_url(code, UNIT))
        again = clerk.get(_sheet_url(code))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["content-disposition"].startswith("inline")
    assert again.content == got.content  # the same sheet every time
    sheet = tmp_path / "tờ bìa.pdf"
    sheet.write_bytes(got.content)

    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(sheet), "-"], capture_output=True, text=True, check=True
    ).stdout
    for printed in (code, "TỜ BÌA HỒ SƠ", UNIT, "2.000815", "trên cùng"):
        assert printed in text

    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", str(sheet), str(tmp_path / "p")],
        check=True,
    )
    with Image.open(tmp_path / "p.png") as page:
        found = [b.text for b in zxingcpp.read_barcodes(page)]
    assert found == [cover_payload(UNIT, code)]


def test_another_unit_s_key_gets_404_and_no_sheet(server, keys):
    code = "000.A0.01.H26-261205-0402"
    with server.client(keys["clerk"]) as clerk:
        _open_dossier(clerk, code)
    with server.client(keys["other"]) as other:
        for url in (_sheet_url(code), _sheet_url(code, UNIT)):
            refused = other.get(url)
            assert refused.status_code == 404, refused.text
            assert refused.json()["error"]["code"] == "dossier_not_found"
            assert not refused.content.startswith(b"%PDF")
    with server.client() as anonymous:
        assert anonymous.get(_sheet_url(code)).status_code == 401


def test_the_dossier_page_links_to_its_cover_sheet(server, keys):
    code = "000.A0.01.H26-261205-0403"
    with server.client(keys["clerk"]) as clerk:
        _open_dossier(clerk, code)
    with httpx.Client(base_url=server.base_url, timeout=60) as browser:
        form = browser.get("/dang-nhap")
        token = re.search(r'name="signin" value="([^"]+)"', form.text)
        assert token, form.text
        data = {"key": keys["clerk"], "signin": token.group(1), "next": ""}
        assert browser.post("/dang-nhap", data=data).status_code == 303
        page = browser.get(f"/ho-so/{quote(code)}", params={"unit": UNIT})
        assert page.status_code == 200
        link = re.search(r'<a id="in-to-bia" href="([^"]+)"[^>]*>In tờ bìa</a>', page.text)
        assert link, page.text
        printed = browser.get(link.group(1).replace("&amp;", "&"))
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")


# ------------------------------------------------------------------ a feeder scan


def _upload(client: httpx.Client, path: Path, **params: str) -> httpx.Response:
    with path.open("rb") as handle:
        files = {"files": (path.name, handle, "application/pdf")}
        return client.post("/api/v1/batches", files=files, params=params)


def test_a_feeder_scan_is_split_into_its_dossiers(server, keys, tmp_path):
    existing, new = "000.A0.01.H26-261205-0411", "000.A0.01.H26-261205-0412"
    foreign = "000.A0.01.H27-261205-0413"
    with server.client(keys["clerk"]) as clerk:
        _open_dossier(clerk, existing)
    batch = feeder_pdf(
        tmp_path / "lô quét.pdf",
        [
            Text(51),  # 1: before any cover sheet
            Cover(UNIT, existing),  # 2
            Text(52),  # 3
            Blank(),  # 4
            Text(53),  # 5
            Cover(OTHER_UNIT, foreign),  # 6
            Text(54),  # 7
            Cover(UNIT, new, degrees=2.0),  # 8
            Text(55),  # 9
            Text(56),  # 10
        ],
    )
    with server.client(keys["clerk"]) as clerk:
        answer = _upload(clerk, batch)
        assert answer.status_code == 207, answer.text
        body = answer.json()
        filed = [(d["dossier"], d["pages"], d["document"]["created"]) for d in body["documents"]]
        assert filed == [(existing, [3], True), (existing, [5], True), (new, [9, 10], True)]
        refused = [(r["error"]["code"], r["pages"], r["dossier"]) for r in body["refused"]]
        assert refused == [("no_cover_sheet", [1], None), ("unit_not_allowed", [7], foreign)]
        assert body["cover_pages"] == [2, 6, 8] and body["blank_pages"] == [4]
        assert body["page_count"] == 10

        listed = clerk.get(f"/api/v1/dossiers/{quote(new)}", params={"unit": UNIT}).json()
        assert listed["unit"] == UNIT
        names = sorted(d["filename"] for d in listed["documents"])
        assert names == ["lô quét (trang 9–10).pdf"]

        again = _upload(clerk, batch)
        assert again.status_code == 207
        assert [d["document"]["created"] for d in again.json()["documents"]] == [False] * 3
        ids = [d["document"]["id"] for d in again.json()["documents"]]
        assert ids == [d["document"]["id"] for d in body["documents"]]

    with server.client(keys["other"]) as other:
        # The other unit's clerk files its own dossier, and nothing of the first unit.
        theirs = _upload(other, batch)
        assert theirs.status_code == 207, theirs.text
        assert [d["dossier"] for d in theirs.json()["documents"]] == [foreign]
        codes = {r["error"]["code"] for r in theirs.json()["refused"]}
        assert codes == {"no_cover_sheet", "unit_not_allowed"}


def test_a_batch_without_cover_sheets_or_for_a_unit_not_the_key_s_is_refused(
    server, keys, tmp_path
):
    plain = feeder_pdf(tmp_path / "thường.pdf", [Text(57)])
    with server.client(keys["clerk"]) as clerk:
        answer = _upload(clerk, plain)
        assert answer.status_code == 422
        assert answer.json()["error"]["code"] == "no_cover_sheet"
        assert _upload(clerk, plain, unit=OTHER_UNIT).status_code == 404
        not_pdf = tmp_path / "ghi chú.pdf"
        not_pdf.write_text("không phải PDF")
        assert _upload(clerk, not_pdf).json()["error"]["code"] == "unsupported_type"
    with server.client(keys["system"]) as system:  # reads only
        assert _upload(system, plain).status_code == 403
