"""The counter's day in a real browser: checklist, receipt, attention queue, cover-sheet
batches and the citizen search, as a clerk at 1366×768 uses them.

One live deployment (``sohoa serve`` and a real ``sohoa worker`` on the embedded default,
a clerk's key made with the CLI) serves every test here; each test works on dossiers of
its own (``000.A0.01.H26-261205-05NN``):

1. the dossier's checklist (procedure ``2.000815``) says ``thiếu 1``; a page uploaded
   through the file chooser is read by the worker and the checklist follows it, in the
   same page, without a reload;
2. "In phiếu tiếp nhận" gives the receipt PDF, read back with ``pdftotext`` and
   ``pdftoppm``: the title, the dossier code, the paper received;
3. a PNG that passes the upload check but that no decoder can read fails in the worker;
   the dossier page offers no retry, the attention queue ("Cần xem") lists it with its
   Vietnamese reason and "Xử lý lại cũng không được", and "Đã kiểm tra" takes it out;
4. the cover sheet printed from the dossier page ("In tờ bìa") is "scanned" back with
   ``pdftoppm`` and stacked with a second dossier's cover and text pages into one feeder
   PDF, sent to ``POST /api/v1/batches`` with the page's session and CSRF token; each
   dossier's page shows its document land, with its pages;
5. the search box finds a dossier by its applicant's whole name typed without capitals
   ("Công dân khớp", field "Người nộp hồ sơ"), and neither a namesake nor a page that
   merely holds those words.

Screenshots go to ``test-artifacts/browser/`` (``2x-…``). No page may log a script error
or get an HTTP error it did not expect.
"""

from __future__ import annotations

import struct
import subprocess
import unicodedata
import urllib.parse
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Page

from testkit import pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings, quote, wait_done
from testkit.batch_scans import SCAN_DPI, Cover, Text, sheet_image
from testkit.browser import Watched, sign_in
from testkit.pipeline_harness import Worker

UNIT = "000.00.00.H26"
CHECKLIST_DOSSIER = "000.A0.01.H26-261205-0501"
FAILED_DOSSIER = "000.A0.01.H26-261205-0502"
BATCH_A = "000.A0.01.H26-261205-0503"
BATCH_B = "000.A0.01.H26-261205-0504"  # made by the batch itself, from its cover sheet
APPLICANT_DOSSIER = "000.A0.01.H26-261205-0505"
NAMESAKE_DOSSIER = "000.A0.01.H26-261205-0506"
PROCEDURE = "2.000815"  # certified copies: the original ("ban-chinh") is required

DONE_TIMEOUT = 180  # seconds per document: real OCR on two shared cores
RECEIPT_TITLE = "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"
APPLICANT = "Nguyễn Văn Đặng"
NAMESAKE = "Nguyễn Thái"
# A page holding every word of the applicant's name, and "Thái Nguyên", but naming no one
# by that name: the citizen search must not take it for him.
DECOY_LINES = (
    pagegen.NATIONAL_HEADER,
    "Độc lập - Tự do - Hạnh phúc",
    "GIẤY MỜI HỌP",
    "Kính mời ông Nguyễn Thái, thôn Văn Đặng,",
    "tỉnh Thái Nguyên, đến dự họp tại nhà văn hóa thôn",
    "vào lúc 8 giờ ngày 12 tháng 12 năm 2026.",
)


@dataclass
class Deployment:
    server: ApiServer
    worker: Worker
    clerk: str
    files: dict[str, Path]
    decoy: str  # id of the document holding the decoy page

    @property
    def url(self) -> str:
        return self.server.base_url

    def api(self) -> httpx.Client:
        return self.server.client(self.clerk)


# ------------------------------------------------------------------ files


def corrupt_png(path: Path) -> Path:
    """A PNG that passes the upload check and fails in the worker.

    The upload check inflates the image data and counts its bytes (it does not unfilter
    the rows); here every row starts with filter type 7, which does not exist, so the
    data inflates to exactly the size the rows need, but no decoder can read a row.
    """
    image = pagegen.render_page(71, n_lines=6, dpi=150).image.convert("L")
    width, height = image.size
    raw = image.tobytes()
    rows = b"".join(b"\x07" + raw[y * width : (y + 1) * width] for y in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ppm = round(150 / 0.0254)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"pHYs", struct.pack(">IIB", ppm, ppm, 1))
        + chunk(b"IDAT", zlib.compress(rows, 6))
        + chunk(b"IEND", b"")
    )
    return path


def decoy_page(path: Path, dpi: int = SCAN_DPI) -> Path:
    """An A4 page printing ``DECOY_LINES`` in 14 pt Liberation Serif."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    regular = pagegen.load_font(pagegen.SERIF_REGULAR, round(14 * dpi / 72))
    bold = pagegen.load_font(pagegen.SERIF_BOLD, round(14 * dpi / 72))
    y = round(0.9 * dpi)
    for n, line in enumerate(DECOY_LINES):
        font = bold if n in (0, 2) else regular
        x = (width - font.getlength(line)) / 2 if n < 3 else round(1.2 * dpi)
        draw.text((x, y), line, font=font, fill=(0, 0, 0), anchor="ls")
        y += round(0.35 * dpi) if n != 2 else round(0.6 * dpi)
    return pagegen.save_png(image, path, dpi)


def render_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "page": pagegen.save_png(
            pagegen.render_page(31, n_lines=10, dpi=SCAN_DPI).image,
            folder / "Bản chính giấy xác nhận.png",
            SCAN_DPI,
        ),
        "corrupt": corrupt_png(folder / "Ảnh hỏng.png"),
        "decoy": decoy_page(folder / "Giấy mời họp thôn.png"),
    }


# ------------------------------------------------------------------ the deployment


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data = tmp_path_factory.mktemp("counter")
    settings = embedded_settings(data)
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        with ThreadPoolExecutor(2) as pool:
            clerk = pool.submit(server.create_key, "clerk", UNIT)
            files = pool.submit(render_files, data / "scans")
            clerk_key, found_files = clerk.result(), files.result()
        with server.client(clerk_key) as api:
            for code, procedure in (
                (CHECKLIST_DOSSIER, PROCEDURE),
                (FAILED_DOSSIER, None),
                (BATCH_A, PROCEDURE),
                (APPLICANT_DOSSIER, None),
                (NAMESAKE_DOSSIER, None),
            ):
                made = api.put(
                    f"/api/v1/dossiers/{quote(code)}",
                    json={"unit": UNIT, "procedure_code": procedure},
                )
                assert made.status_code == 201, made.text
            # The decoy page is read while the browser does the rest.
            decoy = found_files["decoy"]
            sent = api.post(
                f"/api/v1/dossiers/{quote(NAMESAKE_DOSSIER)}/documents",
                files=[("files", (decoy.name, decoy.read_bytes(), "image/png"))],
            )
            assert sent.status_code == 202, sent.text
            decoy_id = sent.json()["files"][0]["document"]["id"]
        yield Deployment(server, worker, clerk_key, found_files, decoy_id)
    finally:
        worker.stop()
        server.stop()


@pytest.fixture
def clerk_page(deployment: Deployment, chromium: Browser) -> Iterator[Watched]:
    watched = Watched(chromium, deployment.url)
    try:
        sign_in(watched, deployment.clerk)
        yield watched
    finally:
        watched.close()


def dossier_page(code: str) -> str:
    return f"/ho-so/{quote(code)}?{urllib.parse.urlencode({'unit': UNIT})}"


def choose_files(page: Page, *paths: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Chọn tệp…").click()
    chooser.value.set_files([str(p) for p in paths])


def wait_rows_settled(page: Page, expected: int) -> list[dict[str, str]]:
    """Wait until the page shows ``expected`` documents, none queued or processing."""
    page.wait_for_function(
        """n => {
            const rows = [...document.querySelectorAll('#ds-tai-lieu .doc')];
            const settled = r => ['done', 'failed'].includes(r.dataset.status);
            return rows.length === n && rows.every(r => r.dataset.id && settled(r));
        }""",
        arg=expected,
        timeout=DONE_TIMEOUT * 1000,
    )
    return page.eval_on_selector_all(
        "#ds-tai-lieu .doc",
        """rows => rows.map(r => ({
            id: r.dataset.id,
            status: r.dataset.status,
            name: r.querySelector('.doc-name').textContent.trim(),
            pages: r.querySelector('.doc-pages').textContent.trim(),
            error: r.querySelector('.doc-error').textContent.trim(),
        }))""",
    )


def run(*args: object) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout


# ------------------------------------------------------------------ 1. the checklist


def test_checklist_follows_the_documents_without_a_reload(
    deployment: Deployment, clerk_page: Watched
) -> None:
    page = clerk_page.page
    page.goto(dossier_page(CHECKLIST_DOSSIER))
    status = page.locator("#tinh-trang-thanh-phan")
    original = page.locator('li[data-key="ban-chinh"]')
    assert status.inner_text() == "thiếu 1"
    assert original.get_attribute("data-state") == "missing"
    assert page.locator('li[data-key="ban-sao"]').get_attribute("data-state") == "optional"
    clerk_page.shot("21-thanh-phan-thieu")

    page.evaluate("window.__samePage = true")
    choose_files(page, deployment.files["page"])
    page.wait_for_function(
        """() => {
            const s = document.querySelector('#tinh-trang-thanh-phan');
            const failed = document.querySelector('#ds-tai-lieu .doc[data-status="failed"]');
            const text = s ? s.textContent.trim() : '';
            return failed || (text && !text.startsWith('đang xử lý') && text !== 'thiếu 1');
        }""",
        timeout=DONE_TIMEOUT * 1000,
    )
    [row] = wait_rows_settled(page, expected=1)
    got = {
        "status": status.inner_text(),
        "class": status.get_attribute("class"),
        "ban-chinh": original.get_attribute("data-state"),
        "ban-chinh documents": original.locator("a.item-doc").all_inner_texts(),
        "row": row,
    }
    print("checklist after the upload:", got)
    clerk_page.shot("22-thanh-phan-du")
    # A plain page (type "other", no certification words, so an original) is what the
    # any-paper, original-only item "ban-chinh" takes; "ban-sao" is optional: complete.
    assert row["status"] == "done", row
    assert got["status"] == "đủ" and "complete" in (got["class"] or "")
    assert got["ban-chinh"] == "present"
    assert got["ban-chinh documents"] == [deployment.files["page"].name]
    assert original.locator("a.item-doc").get_attribute("href") == f"/tai-lieu/{row['id']}"
    assert page.evaluate("window.__samePage") is True  # never reloaded
    assert clerk_page.errors == []


# ------------------------------------------------------------------ 2. the receipt


def ensure_read(deployment: Deployment, code: str) -> None:
    """The dossier's papers read (uploaded through the API if the test above did not run)."""
    with deployment.api() as api:
        documents = api.get(f"/api/v1/dossiers/{quote(code)}").json()["documents"]
        if not documents:
            path = deployment.files["page"]
            sent = api.post(
                f"/api/v1/dossiers/{quote(code)}/documents",
                files=[("files", (path.name, path.read_bytes(), "image/png"))],
            )
            assert sent.status_code == 202, sent.text
            documents = [sent.json()["files"][0]["document"]]
        for document in documents:
            wait_done(api, document["id"], DONE_TIMEOUT)


def test_receipt_prints_the_dossier_and_what_was_received(
    deployment: Deployment, clerk_page: Watched, tmp_path: Path
) -> None:
    ensure_read(deployment, CHECKLIST_DOSSIER)
    page = clerk_page.page
    page.goto(dossier_page(CHECKLIST_DOSSIER))
    link = page.get_by_role("link", name="In phiếu tiếp nhận")
    href = link.get_attribute("href") or ""
    assert urllib.parse.urlsplit(href).path == (
        f"/api/v1/dossiers/{quote(CHECKLIST_DOSSIER)}/receipt.pdf"
    ), href
    clerk_page.shot("23-in-phieu")
    got = page.request.get(urllib.parse.urljoin(page.url, href))  # the page's session
    assert got.status == 200, got.text()
    assert got.headers["content-type"] == "application/pdf"
    receipt = tmp_path / "phiếu tiếp nhận.pdf"
    receipt.write_bytes(got.body())
    assert receipt.read_bytes()[:5] == b"%PDF-"

    text = unicodedata.normalize("NFC", run("pdftotext", "-layout", "-enc", "UTF-8", receipt, "-"))
    print(text)
    flat = " ".join(text.split())
    assert RECEIPT_TITLE in flat
    assert f"Mã hồ sơ: {CHECKLIST_DOSSIER}" in flat
    received = [line for line in text.splitlines() if "Đã nhận" in line]
    assert len(received) == 1, received  # the original; the optional copy was not brought
    assert "Không bắt buộc" in flat

    run("pdftoppm", "-r", "72", "-gray", "-png", "-singlefile", receipt, tmp_path / "phieu")
    with Image.open(tmp_path / "phieu.png") as image:
        # A4 at 72 dpi: 595.3 × 841.9 points, which pdftoppm rounds either way
        assert abs(image.width - 595) <= 1 and abs(image.height - 842) <= 1, image.size
        dark = sum(image.convert("L").point(lambda v: v < 128 and 255).histogram()[255:])
        assert dark > 5_000, dark  # printed, not a blank page
    assert clerk_page.errors == []


# ------------------------------------------------------------------ 3. the attention queue


def test_a_file_that_cannot_be_read_waits_in_the_attention_queue(
    deployment: Deployment, clerk_page: Watched
) -> None:
    page = clerk_page.page
    page.goto(dossier_page(FAILED_DOSSIER))
    choose_files(page, deployment.files["corrupt"])
    [row] = wait_rows_settled(page, expected=1)
    print("the corrupt file in the page:", row)
    assert row["status"] == "failed", row
    document_id = row["id"]
    assert row["error"].startswith("Lý do: ") and "corrupt_file" in row["error"], row
    shown = page.locator(f'.doc[data-id="{document_id}"]')
    assert shown.locator(".doc-no-retry").is_visible()
    assert "Xử lý lại cũng không được" in shown.locator(".doc-no-retry").inner_text()
    assert shown.get_by_role("button", name="Xử lý lại").is_hidden()
    clerk_page.shot("24-ho-so-tep-hong")
    page.reload()  # as the server renders it
    shown = page.locator(f'.doc[data-id="{document_id}"]')
    assert shown.get_attribute("data-status") == "failed"
    assert shown.locator(".doc-error").is_visible()
    assert shown.locator(".doc-no-retry").is_visible()
    assert shown.get_by_role("button", name="Xử lý lại").is_hidden()

    page.get_by_role("navigation").get_by_role("link", name="Cần xem").click()
    page.wait_for_url("**/can-xem")
    entry = page.locator(f'li.attention-entry[data-id="{document_id}"]')
    assert entry.count() == 1
    print("attention entry:", entry.inner_text())
    assert entry.get_attribute("data-reasons") == "failed"
    assert entry.locator(".attention-reasons li").all_inner_texts() == ["Xử lý không thành công"]
    assert entry.get_by_role("link", name=deployment.files["corrupt"].name).is_visible()
    assert entry.get_by_role("link", name=FAILED_DOSSIER).get_attribute("href") == dossier_page(
        FAILED_DOSSIER
    )
    assert "Lý do: " in entry.inner_text() and "corrupt_file" in entry.inner_text()
    assert "Xử lý lại cũng không được" in entry.inner_text()
    assert "Có thể xử lý lại" not in entry.inner_text()
    clerk_page.shot("25-can-xem")

    checked = entry.locator("form").filter(has=page.get_by_role("button", name="Đã kiểm tra"))
    assert checked.get_attribute("action") == f"/can-xem/tai-lieu/{document_id}"
    with page.expect_navigation():
        entry.get_by_role("button", name="Đã kiểm tra").click()
    assert urllib.parse.urlsplit(page.url).path == "/can-xem", page.url
    assert entry.count() == 0
    clerk_page.shot("26-can-xem-da-kiem-tra")
    with deployment.api() as api:
        listed = api.get("/api/v1/attention", params={"limit": 200}).json()["items"]
    assert document_id not in {item["id"] for item in listed}
    assert clerk_page.errors == []


# ------------------------------------------------------------------ 4. a feeder batch


def test_a_feeder_scan_with_printed_covers_lands_in_each_dossier(
    deployment: Deployment, clerk_page: Watched, tmp_path: Path
) -> None:
    page = clerk_page.page
    page.goto(dossier_page(BATCH_A))
    link = page.get_by_role("link", name="In tờ bìa")
    href = link.get_attribute("href") or ""
    assert urllib.parse.urlsplit(href).path == f"/api/v1/dossiers/{quote(BATCH_A)}/cover-sheet.pdf"
    with page.expect_popup() as opened:
        link.click()  # opens in a new tab, where the clerk prints it
    opened.value.close()
    sheet = page.request.get(urllib.parse.urljoin(page.url, href))
    assert sheet.status == 200, sheet.text()
    cover_pdf = tmp_path / "tờ bìa A.pdf"
    cover_pdf.write_bytes(sheet.body())
    assert BATCH_A in run("pdftotext", "-enc", "UTF-8", cover_pdf, "-")
    run("pdftoppm", "-r", "150", "-gray", "-png", "-singlefile", cover_pdf, tmp_path / "bia-a")
    with Image.open(tmp_path / "bia-a.png") as printed:
        # Printed at 150 dpi, fed with the other sheets at the scanner's 200 dpi.
        cover_a = printed.convert("RGB").resize(
            (round(printed.width * SCAN_DPI / 150), round(printed.height * SCAN_DPI / 150)),
            Image.Resampling.LANCZOS,
        )
    sheets = [
        cover_a,
        sheet_image(Text(81, lines=8)),
        sheet_image(Cover(UNIT, BATCH_B)),
        sheet_image(Text(82, lines=8)),
        sheet_image(Text(83, lines=8)),
    ]
    feeder = pagegen.save_pdf(sheets, tmp_path / "chồng hồ sơ.pdf", SCAN_DPI, quality=80)

    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert csrf
    sent = page.request.post(
        urllib.parse.urljoin(page.url, f"/api/v1/batches?unit={quote(UNIT)}"),
        headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
        multipart={
            "files": {
                "name": feeder.name,
                "mimeType": "application/pdf",
                "buffer": feeder.read_bytes(),
            }
        },
    )
    body = sent.json()
    print("batch:", {k: v for k, v in body.items() if k != "documents"})
    assert sent.status == 202, body
    assert body["cover_pages"] == [1, 3] and body["refused"] == []
    filed = {d["dossier"]: d["pages"] for d in body["documents"]}
    assert filed == {BATCH_A: [2], BATCH_B: [4, 5]}, body["documents"]

    for code, pages in ((BATCH_A, 1), (BATCH_B, 2)):
        page.goto(dossier_page(code))
        assert page.get_by_role("heading", name=f"Hồ sơ {code}").is_visible()
        rows = wait_rows_settled(page, expected=1)
        print(code, rows)
        assert [(r["status"], r["pages"]) for r in rows] == [("done", f"Trang: {pages}/{pages}")]
        assert page.locator("#so-tai-lieu").inner_text() == "1"
        clerk_page.shot(f"27-lo-quet-{pages}")
    assert clerk_page.errors == []


# ------------------------------------------------------------------ 5. the citizen search


def test_the_search_finds_the_applicant_by_the_whole_name_only(
    deployment: Deployment, clerk_page: Watched
) -> None:
    with deployment.api() as api:
        for code, name in ((APPLICANT_DOSSIER, APPLICANT), (NAMESAKE_DOSSIER, NAMESAKE)):
            saved = api.put(f"/api/v1/dossiers/{quote(code)}", json={"applicant": {"name": name}})
            assert saved.status_code == 200, saved.text
            assert saved.json()["applicant"]["name"] == name
        decoy = wait_done(api, deployment.decoy, DONE_TIMEOUT)
    print("decoy page read as:", decoy["document_type"], decoy.get("fields"))

    page = clerk_page.page
    page.goto("/ho-so")
    page.get_by_label("Tìm theo mã hồ sơ").fill("nguyễn văn đặng")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.wait_for_url("**/ho-so?q=*")
    clerk_page.shot("28-tim-cong-dan", full_page=True)
    people = page.locator('section[aria-labelledby="kq-cong-dan"]')
    assert people.get_by_role("heading").inner_text() == "Công dân khớp (1)"
    hits = people.locator("ol.people > li")
    print("people found:", hits.all_inner_texts())
    assert hits.count() == 1
    hit = hits.first
    assert hit.locator("strong").inner_text() == APPLICANT
    assert "Người nộp hồ sơ" in hit.inner_text()
    assert hit.get_by_role("link", name=APPLICANT_DOSSIER).get_attribute("href") == dossier_page(
        APPLICANT_DOSSIER
    )
    assert NAMESAKE_DOSSIER not in people.inner_text()
    # The decoy page holds every word of the name (and "Thái Nguyên"): the text search
    # lists it, the citizen search does not.
    texts = page.locator('section[aria-labelledby="kq-tai-lieu"]')
    print("text hits:", texts.inner_text())
    assert texts.locator(f'a.hit-title[href="/tai-lieu/{deployment.decoy}"]').count() == 1
    assert deployment.decoy not in (people.inner_html())
    assert clerk_page.errors == []
