"""Certifying a copy from the officer's page, and the public verification page, in Chromium.

One live deployment (``sohoa serve`` and a ``sohoa worker`` on the embedded
default, signing with the local test CA: ``SOHOA_SIGNING_TEST_CA``) holds a
dossier with a birth certificate's original scan, a faithful rescan and a copy
with one digit of the child's ID number changed, all digitised by the worker
(rendered as ``tests/e2e/test_certify_api.py`` renders them, another seed).

1. The officer opens ``/doi-chieu`` for the dossier, picks the original and the
   faithful copy and certifies in two clicks ("Đối chiếu", then "Chứng thực bản
   sao điện tử"); the signed copy downloaded from the page is a PDF that
   poppler's ``pdfsig`` finds valid.
2. A stranger (a new browser context: no cookie) opens the page's "Trang kiểm
   tra" link, sees the register's entry and uploads the file: "HỢP LỆ"; the
   file with one byte changed: "KHÔNG HỢP LỆ".
3. The forged copy's comparison has differences: the button stays disabled
   until the officer marks it checked.
4. Without a browser: the verification pages name no requester, officer,
   dossier or document, answer an unknown number with a 404 page and find a
   copy by its file alone.

Screenshots go to ``test-artifacts/browser/`` like the other browser tests'.
"""

from __future__ import annotations

import re
import subprocess
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser

from testkit import docgen
from testkit.api_harness import ApiServer, clean_env, embedded_settings, file_scans
from testkit.browser import Watched, sign_in
from testkit.certify_scans import birth_certificate_scans
from testkit.pipeline_harness import Worker

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-261205-0800"
SEED = docgen.EVAL_SEED_START + 760
REQUESTER = "Lê Thị Hồng Nhung"
OFFICER_NAME = "test-officer"  # the key's name (``ApiServer.create_key``)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
COMPARE_TIMEOUT = 120_000  # ms


def render_scans(folder: Path) -> dict[str, bytes]:
    """The original, a faithful rescan and a copy with one ID digit changed."""
    scans = birth_certificate_scans(folder, SEED)
    return {name: scans[name] for name in ("original", "faithful", "forged")}  # type: ignore[misc]


@dataclass
class Live:
    server: ApiServer
    officer: str
    ids: dict[str, str]  # "original" / "faithful" / "forged" -> document id
    folder: Path

    @property
    def url(self) -> str:
        return self.server.base_url


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    data = tmp_path_factory.mktemp("browser-certify")
    settings = embedded_settings(data, SOHOA_SIGNING_TEST_CA="true")
    server = ApiServer(settings, data / "serve.log").start()
    worker = Worker(clean_env(settings), data / "worker.log").start()
    try:
        officer = server.create_key("officer", UNIT)
        scans = render_scans(data)
        with server.client(server.create_key("clerk", UNIT)) as clerk:
            ids = file_scans(clerk, UNIT, DOSSIER, scans)
        yield Live(server, officer, ids, data)
    finally:
        worker.stop()
        server.stop()


@dataclass
class Certified:
    number_line: str
    pdf: Path
    verify_href: str
    book: str


def open_compare_page(watched: Watched, live: Live, copy: str) -> None:
    """The officer's compare form for the dossier with the original and ``copy`` picked."""
    page = watched.page
    page.goto(f"/doi-chieu?ho_so={urllib.parse.quote(DOSSIER)}")
    page.locator("#original-chon").select_option(live.ids["original"])
    page.locator("#copy-chon").select_option(live.ids[copy])
    assert page.locator("#copy-id").input_value() == live.ids[copy]


@pytest.fixture(scope="module")
def certified(live: Live, chromium: Browser) -> Certified:
    """The officer compares the faithful copy and certifies it: two clicks on the form."""
    watched = Watched(chromium, live.url)
    page = watched.page
    try:
        sign_in(watched, live.officer)
        open_compare_page(watched, live, "faithful")
        page.get_by_role("button", name="Đối chiếu", exact=True).click()  # 1
        page.locator("#vung-ket-qua").wait_for(state="visible", timeout=COMPARE_TIMEOUT)
        verdict = page.locator("#ket-luan")
        assert "differences" not in (verdict.get_attribute("class") or ""), verdict.inner_text()
        section = page.get_by_role("region", name="Chứng thực bản sao")
        assert section.is_visible()
        button = page.get_by_role("button", name="Chứng thực bản sao điện tử")
        assert button.is_enabled()
        page.get_by_label("Người yêu cầu").fill(REQUESTER)
        page.get_by_label("Lệ phí (đồng)").fill("2000")
        watched.shot("20-chung-thuc-truoc")
        button.click()  # 2
        done = page.locator("#da-chung-thuc")
        done.wait_for(state="visible", timeout=60_000)
        number_line = page.locator("#so-chung-thuc").inner_text()
        watched.shot("21-da-chung-thuc")
        download_link = page.get_by_role("link", name="Tải bản sao chứng thực (PDF)")
        with page.expect_download() as download:
            download_link.click()
        pdf = live.folder / "ban-sao-chung-thuc.pdf"
        download.value.save_as(pdf)
        verify_href = page.get_by_role("link", name="Trang kiểm tra").get_attribute("href")
        assert verify_href, "no link to the verification page"
        assert watched.errors == []
    finally:
        watched.close()
    book = re.search(r"Quyển số (\S+)", number_line)
    return Certified(number_line, pdf, verify_href, book.group(1) if book else "")


def test_the_officer_certifies_in_two_clicks_and_downloads_the_signed_copy(
    certified: Certified,
) -> None:
    year = datetime.now(VIETNAM).year
    assert certified.number_line == f"Đã chứng thực: Số chứng thực 1, Quyển số 01/{year}-SCTĐT/BS"
    data = certified.pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    report = subprocess.run(
        ["pdfsig", str(certified.pdf)], capture_output=True, text=True, timeout=60
    ).stdout
    assert "Signature is Valid." in report, report
    assert re.fullmatch(r"/xac-minh/[0-9a-f-]{36}", certified.verify_href), certified.verify_href


def test_a_stranger_checks_the_copy_on_the_verification_page(
    live: Live, certified: Certified, chromium: Browser
) -> None:
    tampered = live.folder / "ban-sao-sua.pdf"
    data = bytearray(certified.pdf.read_bytes())
    at = len(data) // 2
    data[at] ^= 0x01
    tampered.write_bytes(bytes(data))
    watched = Watched(chromium, live.url)  # a new context: no session cookie
    page = watched.page
    try:
        page.goto(certified.verify_href)
        assert page.get_by_role(
            "heading", name="Kiểm tra bản sao điện tử có chứng thực"
        ).is_visible()
        today = datetime.now(VIETNAM).strftime("%d/%m/%Y")
        assert page.locator("#so").inner_text() == "1"
        assert page.locator("#quyen-so").inner_text() == certified.book
        assert page.locator("#ngay").inner_text() == today
        assert page.locator("#loai-giay-to").inner_text() == "Giấy khai sinh"
        assert UNIT in page.locator("#don-vi").inner_text()
        assert page.get_by_role("button", name="Đăng xuất").count() == 0
        watched.shot("22-trang-kiem-tra")

        page.get_by_label("Tệp PDF bản sao chứng thực").set_input_files(str(certified.pdf))
        page.get_by_role("button", name="Kiểm tra tệp").click()
        page.wait_for_url(f"**{certified.verify_href}")
        verdict = page.locator("#ket-luan-kiem-tra")
        verdict.wait_for()
        assert verdict.inner_text() == "HỢP LỆ"
        assert "chữ ký số hợp lệ" in page.locator("#ly-do-kiem-tra").inner_text()
        assert page.locator("#so").inner_text() == "1"
        watched.shot("23-hop-le")

        page.get_by_label("Tệp PDF bản sao chứng thực").set_input_files(str(tampered))
        page.get_by_role("button", name="Kiểm tra tệp").click()
        page.locator("#ket-qua-kiem-tra.invalid").wait_for()
        assert page.locator("#ket-luan-kiem-tra").inner_text() == "KHÔNG HỢP LỆ"
        reason = page.locator("#ly-do-kiem-tra").inner_text()
        assert reason and "hợp lệ, " not in reason, reason
        watched.shot("24-khong-hop-le")
        assert watched.errors == []
    finally:
        watched.close()


def test_a_copy_with_differences_is_certified_only_once_checked(
    live: Live, chromium: Browser
) -> None:
    watched = Watched(chromium, live.url)
    page = watched.page
    try:
        sign_in(watched, live.officer)
        open_compare_page(watched, live, "forged")
        page.get_by_role("button", name="Đối chiếu", exact=True).click()
        page.locator("#vung-ket-qua").wait_for(state="visible", timeout=COMPARE_TIMEOUT)
        assert "differences" in (page.locator("#ket-luan").get_attribute("class") or "")
        button = page.get_by_role("button", name="Chứng thực bản sao điện tử")
        assert button.is_disabled()
        warning = page.locator("#can-kiem-tra")
        assert warning.is_visible() and "Đã kiểm tra" in warning.inner_text()
        watched.shot("25-chung-thuc-can-kiem-tra")
        page.get_by_role("button", name="Đã kiểm tra").click()
        page.get_by_text("Đã ghi nhận: đã kiểm tra các chỗ khác nhau.").wait_for()
        assert button.is_enabled() and warning.is_hidden()
        # Opened again from the saved comparison, it is cleared already: one click says so.
        comparison = page.locator("#ds-doi-chieu li a").first.get_attribute("href")
        assert comparison and comparison.startswith("/doi-chieu?id=")
        page.goto(comparison)
        page.locator("#vung-ket-qua").wait_for(state="visible")
        assert button.is_disabled()
        page.get_by_role("button", name="Đã kiểm tra").click()
        page.get_by_text("Đã ghi nhận: đã kiểm tra các chỗ khác nhau.").wait_for()
        assert button.is_enabled()
        # The 409 of a comparison already cleared is expected; nothing else went wrong.
        assert [e for e in watched.errors if "409" not in e] == [], watched.errors
    finally:
        watched.close()


def test_the_verification_pages_name_nobody(live: Live, certified: Certified) -> None:
    entry_id = certified.verify_href.rsplit("/", 1)[1]
    private = (REQUESTER, OFFICER_NAME, DOSSIER, live.ids["faithful"], live.ids["original"])
    with httpx.Client(base_url=live.url, timeout=60) as public:  # no key, no cookie
        looked_up = public.get(certified.verify_href)
        assert looked_up.status_code == 200, looked_up.text
        assert "text/html" in looked_up.headers["content-type"]
        assert "Số chứng thực" in looked_up.text and certified.book in looked_up.text
        checked = public.post(
            "/xac-minh",  # found by the file alone
            files=[("files", ("ban-sao.pdf", certified.pdf.read_bytes(), "application/pdf"))],
        )
        assert checked.status_code == 200, checked.text
        assert ">HỢP LỆ<" in checked.text and certified.book in checked.text
        for page in (looked_up, checked):
            for secret in private:
                assert secret not in page.text, secret
            # No session read, no CSRF token asked of a stranger's form.
            assert 'name="csrf' not in page.text and "Đăng xuất" not in page.text
        unknown = public.get("/xac-minh/00000000-0000-0000-0000-000000000000")
        assert unknown.status_code == 404 and "Không tìm thấy" in unknown.text
        missing = public.post(
            f"/xac-minh/{entry_id}", files=[("files", ("a.pdf", b"", "application/pdf"))]
        )
        assert missing.status_code == 200 and ">KHÔNG HỢP LỆ<" in missing.text
        assert "Tệp rỗng." in missing.text
