"""The counter's pages in a real browser: Debian's Chromium, headless, driven by Playwright.

One live deployment (``sohoa serve`` and a ``sohoa worker`` on the embedded
default, keys made with the CLI) serves every test here, in order:

1. a clerk signs in, opens a dossier, uploads a birth certificate (PDF) and an
   ID card (PNG) through the file chooser on a line throttled to 1 Mbit/s, sees
   a progress bar per file, then watches both reach "done" in the page without
   a reload; a refused file and a failed document show why and can be retried;
   the clerk finds the birth certificate by its citizen's name typed without
   accents, opens it and corrects its type and a field;
2. the sign-in form and the upload control work from the keyboard alone;
3. an officer compares a birth certificate with a copy whose date of birth has
   one digit changed, and sees that change flagged as critical.

Documents come from ``testkit.docgen`` (the altered copy is the same document
rendered again with one digit changed). A screenshot of every page, at the
counter's 1366×768, goes to ``test-artifacts/browser/``. Chromium must be
installed (``make test`` installs Debian's ``chromium``): a missing browser
fails the tests, it never skips them.
"""

from __future__ import annotations

import dataclasses
import time
import unicodedata
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page

from core.settings import Settings
from core.vietnamese import fold_accents
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import Document
from testkit import docgen, pagegen
from testkit.api_harness import ApiServer, clean_env, embedded_settings
from testkit.browser import Watched, sign_in
from testkit.pipeline_harness import Worker, wait_for

ONE_MBIT = {  # bytes per second: a commune's shared line
    "offline": False,
    "latency": 80,
    "downloadThroughput": 125_000,
    "uploadThroughput": 125_000,
}
NO_LIMIT = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}

UNIT = "000.00.00.H26"
CLERK_DOSSIER = "000.A0.01.H26-261201-0101"
PAIR_DOSSIER = "000.A0.01.H26-261201-0102"
DONE_TIMEOUT = 240  # seconds: OCR of four pages on two shared cores, with room to spare

BIRTH = docgen.compose("birth_certificate", 7)  # Hoàng Bá Nguyên, printed in capitals
ID_CARD = docgen.compose("citizen_id", 5)
ORIGINAL = docgen.compose("birth_certificate", 21)  # born 13/04/2024
CHANGED_FROM, CHANGED_TO = "13/04/2024", "18/04/2024"


def with_text_changed(doc: docgen.TypedDocument, old: str, new: str) -> docgen.TypedDocument:
    """The same document with ``old`` printed as ``new``: a forged copy, pixel for pixel
    the original everywhere else (rendering is seeded by the document's seed)."""
    pages = []
    for page in doc.pages:
        lines = tuple(
            dataclasses.replace(
                line,
                text=line.text.replace(old, new),
                values=tuple(v.replace(old, new) for v in line.values),
            )
            if old in line.text
            else line
            for line in page.lines
        )
        pages.append(dataclasses.replace(page, lines=lines))
    changed = dataclasses.replace(doc, pages=tuple(pages))
    assert docgen.text(changed) != docgen.text(doc), f"{old!r} is not printed on the document"
    return changed


@dataclass
class Deployment:
    server: ApiServer
    worker: Worker
    clerk: str
    officer: str
    files: dict[str, Path]
    settings: dict[str, str]
    pair: dict[str, str] = field(default_factory=dict)  # "original"/"copy" -> document id

    def runtime(self) -> Runtime:
        """The deployment's database and store, seen from the test process."""
        fields = {k.removeprefix("SOHOA_").lower(): v for k, v in self.settings.items()}
        return Runtime.from_settings(Settings(_env_file=None, **fields))

    @property
    def url(self) -> str:
        return self.server.base_url

    def api(self, key: str) -> httpx.Client:
        return self.server.client(key)


def render_files(folder: Path) -> dict[str, Path]:
    """The scans handed in: a birth certificate PDF, an ID card PNG, an original and its forgery."""
    folder.mkdir(parents=True, exist_ok=True)
    birth = [p.image for p in docgen.render(BIRTH)]
    files = {
        "birth": pagegen.save_pdf(birth, folder / "Giấy khai sinh Hoàng Bá Nguyên.pdf", 200),
        "id_card": pagegen.save_png(
            docgen.render(ID_CARD)[0].image, folder / "Căn cước Đặng Mạnh Sửu.png", 200
        ),
        "original": pagegen.save_png(
            docgen.render(ORIGINAL)[0].image, folder / "Bản chính khai sinh.png", 200
        ),
        "copy": pagegen.save_png(
            docgen.render(with_text_changed(ORIGINAL, CHANGED_FROM, CHANGED_TO))[0].image,
            folder / "Bản sao khai sinh.png",
            200,
        ),
        "bad": folder / "ghi-chu.txt",
    }
    files["bad"].write_text("Không phải bản quét.\n", encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    data = tmp_path_factory.mktemp("browser")
    settings = embedded_settings(data)
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        with ThreadPoolExecutor(3) as pool:
            clerk = pool.submit(server.create_key, "clerk", UNIT)
            officer = pool.submit(server.create_key, "officer", UNIT)
            files = pool.submit(render_files, data / "scans")
            found = Deployment(
                server, worker, clerk.result(), officer.result(), files.result(), settings
            )
        # The pair to compare goes in first, through the API: it is digitised while the
        # browser does the clerk's work.
        with found.api(found.clerk) as api:
            made = api.put(f"/api/v1/dossiers/{PAIR_DOSSIER}", json={"unit": UNIT})
            assert made.status_code == 201, made.text
            for role in ("original", "copy"):
                path = found.files[role]
                sent = api.post(
                    f"/api/v1/dossiers/{PAIR_DOSSIER}/documents",
                    files=[("files", (path.name, path.read_bytes(), "image/png"))],
                )
                assert sent.status_code == 202, sent.text
                found.pair[role] = sent.json()["files"][0]["document"]["id"]
        yield found
    finally:
        worker.stop()
        server.stop()


def key_of(text: str) -> str:
    return fold_accents(unicodedata.normalize("NFC", text)).lower()


# ------------------------------------------------------------------ the clerk


def test_clerk_uploads_watches_searches_and_corrects(
    deployment: Deployment, chromium: Browser
) -> None:
    watched = Watched(chromium, deployment.url)
    page = watched.page
    try:
        sign_in(watched, deployment.clerk, shot="01-dang-nhap")
        assert page.url.endswith("/ho-so")
        assert page.evaluate("document.documentElement.lang") == "vi"
        assert page.evaluate("document.characterSet") == "UTF-8"

        # A new dossier from the form.
        page.get_by_label("Mã hồ sơ", exact=True).fill(CLERK_DOSSIER)
        page.get_by_label("Đơn vị", exact=True).select_option(UNIT)
        page.get_by_label("Mã thủ tục", exact=True).fill("2.000815")
        page.get_by_label("Ngày tiếp nhận").fill("2026-12-01")
        watched.shot("02-ho-so")
        page.get_by_role("button", name="Tạo hồ sơ").click()
        page.wait_for_url(f"**/ho-so/{urllib.parse.quote(CLERK_DOSSIER)}?unit=*")
        assert page.get_by_role("heading", name=f"Hồ sơ {CLERK_DOSSIER}").is_visible()

        # Two files through the file chooser, on a 1 Mbit/s line; the page is never reloaded.
        page.evaluate("window.__samePage = true")
        slow_line = watched.context.new_cdp_session(page)
        slow_line.send("Network.enable")
        slow_line.send("Network.emulateNetworkConditions", ONE_MBIT)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Chọn tệp…").click()
        chooser.value.set_files([str(deployment.files["birth"]), str(deployment.files["id_card"])])
        seen = watch_documents(watched, expected=2)
        assert page.evaluate("window.__samePage") is True
        assert any(s in ("queued", "processing") for s in seen), seen
        uploading = [s for s in seen if s.startswith("Đang tải lên: ")]
        percents = {int(s.removeprefix("Đang tải lên: ").removesuffix(" %")) for s in uploading}
        assert any(0 < p < 100 for p in percents), seen  # progress shown while sending

        with deployment.api(deployment.clerk) as api:
            dossier = api.get(f"/api/v1/dossiers/{CLERK_DOSSIER}").json()
            documents = {
                d["filename"]: api.get(d["links"]["self"]).json() for d in dossier["documents"]
            }
        assert set(documents) == {deployment.files["birth"].name, deployment.files["id_card"].name}
        for name, doc in documents.items():
            row = page.locator(f'.doc[data-id="{doc["id"]}"]')
            assert row.locator(".badge").first.inner_text() == "Hoàn tất"
            assert row.locator(".doc-type").inner_text() == doc["type_label"]
            assert (
                row.locator(".doc-pages").inner_text()
                == f"Trang: {doc['progress']['page_count']}/{doc['progress']['page_count']}"
            )
            thumb = row.locator(".thumb img")
            assert "size=thumb" in (thumb.get_attribute("src") or ""), name
            assert thumb.get_attribute("loading") == "lazy"
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
            )
        # Only thumbnails in the list: never a full page image.
        sources = page.eval_on_selector_all("img", "els => els.map(e => e.src)")
        assert sources and all("size=thumb" in s for s in sources), sources
        thumbs = page.evaluate(
            "performance.getEntriesByType('resource')"
            ".filter(e => e.name.includes('size=thumb')).map(e => e.encodedBodySize)"
        )
        assert len(thumbs) == 2 and max(thumbs) < 100_000, thumbs  # light on a slow line
        slow_line.send("Network.emulateNetworkConditions", NO_LIMIT)
        watched.shot("05-ho-so-xong")
        show_failures(deployment, watched, documents[deployment.files["id_card"].name]["id"])

        # Search without accents, open the hit.
        birth = documents[deployment.files["birth"].name]
        folded = key_of(BIRTH.truth_fields["full_name"])  # "hoang ba nguyen"
        page.get_by_role("navigation").get_by_role("link", name="Hồ sơ").click()
        page.get_by_label("Tìm theo mã hồ sơ").fill(folded)
        page.get_by_role("button", name="Tìm kiếm").click()
        page.wait_for_url("**/ho-so?q=*")
        hit = page.locator(f'a.hit-title[href="/tai-lieu/{birth["id"]}"]')
        assert hit.count() == 1
        marked = page.locator(".snippet mark").all_inner_texts()
        words = {w for m in marked for w in key_of(m).split()}
        assert marked and words <= set(folded.split()) and "nguyen" in words, marked
        watched.shot("06-tim-kiem")
        hit.click()
        page.wait_for_url(f"**/tai-lieu/{birth['id']}")

        # The document: page image beside its text, type and fields; correct the type.
        image = page.locator(".scan img").first
        assert "size=full" in (image.get_attribute("src") or "")
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )
        assert "GIẤY KHAI SINH" in page.locator(".ocr-text").first.inner_text()
        assert page.locator("#loai-hien-tai").inner_text().startswith(birth["type_label"])
        watched.shot("07-tai-lieu")
        page.get_by_label("Loại tài liệu", exact=True).select_option(label="Trích lục khai sinh")
        born = page.locator('input[data-field="date_of_birth"]')
        assert BIRTH.truth_fields["date_of_birth"] == "1978-10-25"
        assert born.input_value() == "25/10/1978"  # shown as the paper prints a date
        born.fill("26/10/1978")  # the clerk puts right what was read, in the same form
        page.get_by_role("button", name="Lưu hiệu chỉnh").click()
        page.get_by_text("Đã lưu hiệu chỉnh.").wait_for()
        assert page.locator("#loai-hien-tai").inner_text() == "Trích lục khai sinh"
        watched.shot("08-hieu-chinh")
        with deployment.api(deployment.clerk) as api:
            corrected = api.get(f"/api/v1/documents/{birth['id']}").json()
        assert corrected["document_type"] == "birth_extract"
        assert corrected["fields"]["date_of_birth"] == {  # stored as every date is: ISO
            "value": "1978-10-26", "confidence": 1.0, "corrected": True, "page": None, "box": None,
        }  # fmt: skip
        assert page.locator("#tin-cay-date_of_birth").inner_text() == "Đã hiệu chỉnh"

        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url("**/dang-nhap")
        page.goto("/ho-so")
        assert "/dang-nhap" in page.url
        assert watched.errors == []
    finally:
        watched.close()


def show_failures(deployment: Deployment, watched: Watched, document_id: str) -> None:
    """A refused file says why and can be sent again; a failed document says why and runs again."""
    page = watched.page
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Chọn tệp…").click()
    chooser.value.set_files([str(deployment.files["bad"])])
    refused = page.locator(".upload.failed")
    refused.wait_for()
    assert "Loại tệp không được nhận" in refused.locator(".up-state").inner_text()
    assert refused.get_by_role("button", name="Tải lại tệp này").is_visible()
    watched.errors = [e for e in watched.errors if "415" not in e]  # that refusal, expected

    # The pipeline's failure, as a worker that lost the page would leave it.
    reason = "page 1: the OCR engine stopped (test)"
    with deployment.runtime().session() as s:
        repo.mark_page_failed(s, document_id, 1, reason)
        failed = repo.get_document(s, document_id)
        assert failed is not None
        repo.set_document_status(s, failed, "failed", reason)
    page.reload()
    row = page.locator(f'.doc[data-id="{document_id}"]')
    assert row.locator(".badge").first.inner_text() == "Lỗi"
    assert row.locator(".doc-error").inner_text() == f"Lý do: {reason}"
    watched.shot("05b-ho-so-loi")
    row.get_by_role("button", name="Xử lý lại").click()
    page.wait_for_function(
        "id => document.querySelector(`.doc[data-id='${id}']`).dataset.status === 'done'",
        arg=document_id,
        timeout=DONE_TIMEOUT * 1000,
    )
    assert row.locator(".doc-error").is_hidden() and row.locator(".retry").is_hidden()


def watch_documents(watched: Watched, expected: int) -> set[str]:
    """Follow the dossier page until ``expected`` documents are done; every status seen.

    Reads the page only (no API call from the test): what the clerk sees. Takes
    the screenshot of uploads in progress on the way.
    """
    page, seen, shots = watched.page, set(), set()
    deadline = time.monotonic() + DONE_TIMEOUT
    while time.monotonic() < deadline:
        sending = page.locator(".upload .up-state").all_inner_texts()
        statuses = page.eval_on_selector_all(".doc", "rows => rows.map(r => r.dataset.status)")
        failed = page.locator('.doc[data-status="failed"] .doc-error').all_inner_texts()
        assert not failed, f"a document failed in the page: {failed}"
        upload_errors = page.locator(".upload.failed .up-state").all_inner_texts()
        assert not upload_errors, f"an upload failed: {upload_errors}"
        seen.update(statuses, sending)
        if "upload" not in shots and any("%" in s and "0 %" not in s for s in sending):
            watched.shot("03-ho-so-dang-tai-len")
            shots.add("upload")
        if "pipeline" not in shots and any(s in ("queued", "processing") for s in statuses):
            watched.shot("04-ho-so-dang-xu-ly")
            shots.add("pipeline")
        if len(statuses) == expected and all(s == "done" for s in statuses):
            return seen
        time.sleep(0.2)
    raise AssertionError(f"documents not done in the page after {DONE_TIMEOUT} s: {seen}")


# ------------------------------------------------------------------ the keyboard


def focus_by_tab(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element ``selector`` has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{selector} has no visible focus"
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def test_keyboard_signs_in_and_opens_the_file_chooser(
    deployment: Deployment, chromium: Browser
) -> None:
    watched = Watched(chromium, deployment.url)
    page = watched.page
    try:
        page.goto(f"/ho-so/{urllib.parse.quote(PAIR_DOSSIER)}?unit={UNIT}")
        assert "/dang-nhap" in page.url  # sent to sign in, and back here afterwards
        focus_by_tab(page, "#key")
        page.keyboard.type(deployment.clerk)
        focus_by_tab(page, 'form button[type="submit"]', limit=3)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/ho-so/{urllib.parse.quote(PAIR_DOSSIER)}?unit=*")

        focus_by_tab(page, "#nut-chon-tep")
        watched.shot("09-ban-phim-tai-len")
        for key in ("Space", "Enter"):
            with page.expect_file_chooser() as chooser:
                page.keyboard.press(key)
            assert chooser.value.is_multiple()
            chooser.value.set_files([])  # as Cancel would
        assert watched.errors == []
    finally:
        watched.close()


def test_pictures_of_one_paper_are_uploaded_as_one_document(
    deployment: Deployment, chromium: Browser, tmp_path: Path
) -> None:
    """A clerk ticks "the pictures are the pages of one paper" and picks two photos: one
    upload, one document of two pages in the order picked."""
    code = "000.A0.01.H26-261201-0103"
    with deployment.api(deployment.clerk) as api:
        put = api.put(f"/api/v1/dossiers/{urllib.parse.quote(code)}", json={"unit": UNIT})
        assert put.status_code == 201, put.text
    pictures = []
    for number, seed in enumerate((61, 62), start=1):
        path = tmp_path / f"trang {number}.jpg"
        pagegen.render_page(seed, n_lines=6).image.convert("RGB").save(path, quality=88)
        pictures.append(path)
    watched = Watched(chromium, deployment.url)
    page = watched.page
    try:
        sign_in(watched, deployment.clerk)
        page.goto(f"/ho-so/{urllib.parse.quote(code)}?unit={UNIT}")
        page.get_by_label("Các ảnh chọn cùng lúc là các trang của một giấy tờ").check()
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Chọn tệp…").click()
        chooser.value.set_files([str(p) for p in pictures])
        watch_documents(watched, expected=1)
        watched.shot("10-mot-giay-to-nhieu-anh")
        with deployment.api(deployment.clerk) as api:
            [listed] = api.get(f"/api/v1/dossiers/{urllib.parse.quote(code)}").json()["documents"]
            doc = api.get(listed["links"]["self"]).json()
        assert doc["filename"] == "trang 1 (2 ảnh).pdf"
        assert doc["progress"] == {"pages_done": 2, "page_count": 2}
        assert watched.errors == []
    finally:
        watched.close()


# ------------------------------------------------------------------ the officer


def test_officer_sees_a_changed_digit_flagged(deployment: Deployment, chromium: Browser) -> None:
    with deployment.api(deployment.officer) as api:
        for document_id in deployment.pair.values():
            wait_for(
                lambda d=document_id: api.get(f"/api/v1/documents/{d}").json()["status"] == "done",
                DONE_TIMEOUT,
                f"document {document_id} done",
            )
    watched = Watched(chromium, deployment.url)
    page = watched.page
    try:
        sign_in(watched, deployment.officer)
        assert page.url.endswith("/doi-chieu")
        page.get_by_label("Mã hồ sơ", exact=True).fill(PAIR_DOSSIER)
        page.get_by_role("button", name="Lấy danh sách tài liệu").click()
        page.wait_for_url("**/doi-chieu?ho_so=*")
        page.locator("#original-chon").select_option(deployment.pair["original"])
        page.locator("#copy-chon").select_option(deployment.pair["copy"])
        assert page.locator("#original-id").input_value() == deployment.pair["original"]
        assert page.locator("#copy-id").input_value() == deployment.pair["copy"]
        watched.shot("10-doi-chieu")
        page.get_by_role("button", name="Đối chiếu", exact=True).click()
        page.locator("#vung-ket-qua").wait_for(state="visible", timeout=120_000)

        verdict = page.locator("#ket-luan")
        assert "differences" in (verdict.get_attribute("class") or ""), verdict.inner_text()
        critical = page.locator("#thay-doi-quan-trong .critical")
        assert critical.count() >= 1
        text = critical.first.inner_text()
        assert "Số/ngày bị thay đổi" in text
        # It names the changed token: the date as the original prints it, and as the copy does.
        assert CHANGED_FROM in critical.first.locator("del").inner_text(), text
        assert CHANGED_TO in critical.first.locator("ins").inner_text(), text
        in_diff = page.locator(".word-diff .critical")
        assert in_diff.count() >= 1
        style = in_diff.first.evaluate(
            "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.fontWeight]; }"
        )
        assert style[0] == "rgb(180, 35, 24)" and int(style[1]) >= 700, style

        for selector in (".cp-original", ".cp-copy", ".cp-overlay"):
            image = page.locator(selector).first
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
            )
        report = page.locator("#bao-cao").get_attribute("href") or ""
        assert report.endswith("/report.pdf")
        with page.expect_download() as download:
            page.locator("#bao-cao").click()
        assert download.value.suggested_filename.endswith(".pdf")
        assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
        recent = page.locator("#ds-doi-chieu li a")
        recent.first.wait_for()
        watched.shot("11-ket-qua-doi-chieu")
        page.locator("#ket-qua").scroll_into_view_if_needed()
        watched.shot("12-ket-qua-chi-tiet", full_page=True)
        assert watched.errors == []
    finally:
        watched.close()


# ------------------------------------------------------------------ field review


def test_doubtful_fields_show_where_they_were_read_and_enter_accepts_them(
    deployment: Deployment, chromium: Browser
) -> None:
    """Beside each field, the piece of the scan it was read from; Enter in a doubtful field
    accepts it and moves to the next; saving keeps the accepted values as confirmed."""
    document_id = deployment.pair["original"]
    with deployment.api(deployment.clerk) as api:
        wait_for(
            lambda: api.get(f"/api/v1/documents/{document_id}").json()["status"] == "done",
            DONE_TIMEOUT,
            "the original to be read",
        )
    rt = deployment.runtime()
    with rt.session() as s:
        document = s.get(Document, document_id)
        boxed = [name for name, f in (document.fields or {}).items() if f.get("box")]
        assert len(boxed) >= 2, document.fields  # read values carry where they were read
        doubted = boxed[:2]
        document.fields = {  # these two doubtful, every other one sure
            name: field | {"confidence": 0.3 if name in doubted else 0.95}
            for name, field in document.fields.items()
        }
        values = {name: document.fields[name]["value"] for name in doubted}
    watched = Watched(chromium, deployment.url)
    page = watched.page
    try:
        sign_in(watched, deployment.clerk)
        page.goto(f"/tai-lieu/{document_id}")
        crops = page.locator("canvas.field-crop")
        assert crops.count() >= len(boxed)
        page.wait_for_function(
            "() => [...document.querySelectorAll('canvas.field-crop')].every(c => c.dataset.drawn)"
        )
        inked = page.evaluate(
            """() => {
                const c = document.querySelector('canvas.field-crop');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let dark = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++;
                return dark;
            }"""
        )
        assert inked > 20, "the crop shows the printed value, not blank paper"
        watched.shot("11-truong-can-kiem-tra")
        page.get_by_role("button", name="Kiểm tra các trường chưa chắc chắn").click()
        first, second = (f'input[data-field="{name}"]' for name in doubted)
        page.wait_for_function(f"() => document.activeElement.matches('{first}')")
        page.keyboard.press("Enter")
        page.wait_for_function(f"() => document.activeElement.matches('{second}')")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.textContent") == "Lưu hiệu chỉnh"
        page.keyboard.press("Enter")
        page.get_by_text("Đã lưu hiệu chỉnh.").wait_for()
        with deployment.api(deployment.clerk) as api:
            fields = api.get(f"/api/v1/documents/{document_id}").json()["fields"]
        for name in doubted:
            assert fields[name]["corrected"] is True and fields[name]["confidence"] == 1.0
            assert fields[name]["value"] == values[name]  # accepted as read
        assert watched.errors == []
    finally:
        watched.close()
