"""The counter's web pages, in process: sign-in, the session cookie, CSRF, expiry and
revocation, and that every page renders, speaks Vietnamese and keeps to the key's units.

One embedded deployment (SQLite, local folder) is filled directly through
``storage`` (no worker: documents are recorded as the pipeline would leave
them) and served by the real application through Starlette's TestClient.
The browser-level checks (uploads, live progress, comparison) are in
``tests/e2e/test_browser.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import unicodedata
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from classifiers.checklists import ProceduresFileError
from classifiers.doctypes import DOCUMENT_TYPES
from core import settings as settings_module
from pipeline import runtime as runtime_module
from pipeline.runtime import Runtime
from storage import apikeys, web_sessions
from storage import repository as repo
from storage.models import AuditEvent, Comparison, Document, Dossier, WebSession, utcnow
from storage.search import index_document
from testkit.programs import REPO

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"
DOSSIER = "000.A0.01.H26-261201-0001"
OTHER_DOSSIER = "000.A0.01.H27-261201-0002"
TEMPLATES = REPO / "api" / "web" / "templates"
STATIC = TEMPLATES.parent / "static"


@dataclass
class Site:
    rt: Runtime
    keys: dict[str, str]
    key_ids: dict[str, str]
    birth: str  # a done birth certificate of DOSSIER
    failed: str  # a failed document of DOSSIER
    hidden: str  # a done document of OTHER_DOSSIER (another unit)
    thumbnail: str  # a done document of DOSSIER read from a picture too small to trust


def _document(
    s: Session,
    dossier: Dossier,
    name: str,
    text: str,
    *,
    status: str = "done",
    warnings: tuple[str, ...] = (),
    **extra: Any,
) -> str:
    """A document as the pipeline leaves it: done (page text indexed) or failed with a reason."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    document, _ = repo.create_document(
        s,
        dossier,
        filename=name,
        kind="png",
        content_type="image/png",
        size=100,
        sha256=digest,
        original_key=f"{dossier.unit_code}/{dossier.code}/{digest}/original.png",
        page_count=1,
    )
    repo.ensure_pages(s, document, 1)
    for name_, value in extra.items():  # before indexing: the citizen search reads the fields
        setattr(document, name_, value)
    if status == "done":
        repo.mark_page_done(
            s,
            document.id,
            1,
            rotation=0,
            skew=0.0,
            confidence=91.0,
            text=text,
            image_key="img",
            image_sha256="0" * 64,
            result_key="words",
            result_sha256="1" * 64,
            thumbnail_key="thumb",
            thumbnail_sha256="2" * 64,
            warnings=warnings,
        )
        repo.set_document_status(s, document, "done")
        index_document(s, document.id)
    else:
        repo.mark_page_failed(s, document.id, 1, "page 1: the OCR engine stopped")
        repo.set_document_status(s, document, "failed", "page 1: the OCR engine stopped")
    s.flush()
    return document.id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    data = tmp_path_factory.mktemp("web")
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("SOHOA_")]:
            mp.delenv(name)
        mp.setenv("SOHOA_DATA_DIR", str(data))
        settings_module.get_settings.cache_clear()
        runtime_module.runtime.cache_clear()
        rt = runtime_module.runtime()
        grants = {
            "clerk": ("clerk", [UNIT]),
            "other": ("clerk", [OTHER_UNIT]),
            "officer": ("officer", [UNIT]),
            "system": ("system", [UNIT]),
            "admin": ("admin", []),
            "doomed": ("clerk", [UNIT]),
        }
        keys, key_ids = {}, {}
        with rt.session() as s:
            for name, (role, units) in grants.items():
                key, secret = apikeys.create_key(s, role=role, units=units, actor="test")
                keys[name], key_ids[name] = secret, key.id
            for unit in (UNIT, OTHER_UNIT):
                repo.ensure_unit(s, unit)
            mine = repo.upsert_dossier(s, UNIT, DOSSIER, procedure_code="2.000815")
            theirs = repo.upsert_dossier(s, OTHER_UNIT, OTHER_DOSSIER)
            birth = _document(
                s,
                mine,
                "Giấy khai sinh Nguyễn Văn Đặng.png",
                "GIẤY KHAI SINH\nHọ và tên: Nguyễn Văn Đặng\nNgày sinh: 25/10/1978",
                document_type="birth_certificate",
                type_confidence=0.93,
                is_certified_copy=True,
                fields={
                    "full_name": {"value": "Nguyễn Văn Đặng", "confidence": 0.9, "page": 1},
                    "date_of_birth": {"value": "1978-10-25", "confidence": 0.55, "page": 1},
                },
                classification={
                    "red_seal": True,
                    "portrait_photo": False,
                    "parts": [  # the file held the certificate and an ID card
                        {"pages": [1], "type": "birth_certificate", "confidence": 0.93},
                        {
                            "pages": [2, 3],
                            "type": "citizen_id",
                            "confidence": 0.88,
                            "is_certified_copy": True,
                            "fields": {"sex": {"value": "male", "confidence": 0.9}},
                        },
                    ],
                },
            )
            failed = _document(s, mine, "Hỏng.pdf", "", status="failed")
            hidden = _document(
                s, theirs, "Trần Thị Bích.png", "Họ và tên: Trần Thị Bích", document_type="other"
            )
            thumbnail = _document(
                s, mine, "Ảnh nhỏ.jpg", "CONG HOA", document_type="other", warnings=("small_text",)
            )
        try:
            yield Site(rt, keys, key_ids, birth, failed, hidden, thumbnail)
        finally:
            settings_module.get_settings.cache_clear()
            runtime_module.runtime.cache_clear()


@pytest.fixture(scope="module")
def app(site: Site) -> FastAPI:
    return create_app()


def browser(app: FastAPI, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, follow_redirects=False)


def signin_token(client: TestClient) -> str:
    """Open the sign-in form (which sets its cookie) and read the form's one-use token."""
    form = client.get("/dang-nhap")
    assert form.status_code == 200
    found = re.search(r'name="signin" value="([^"]+)"', form.text)
    assert found, "no sign-in token in the form"
    return found.group(1)


def sign_in(client: TestClient, key: str, next_url: str = "") -> str:
    """Sign in through the form; returns the session's CSRF token (from the landing page)."""
    data = {"key": key, "signin": signin_token(client), "next": next_url}
    done = client.post("/dang-nhap", data=data)
    assert done.status_code == 303, done.text
    return csrf_of(client.get(done.headers["location"]).text)


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def audits(rt: Runtime, after: int, action: str = "access.denied") -> list[AuditEvent]:
    with rt.session() as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.id > after, AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        )


def last_audit(rt: Runtime) -> int:
    with rt.session() as s:
        return s.scalar(select(func.max(AuditEvent.id))) or 0


def sessions_of(rt: Runtime, key_id: str) -> list[WebSession]:
    with rt.session() as s:
        return list(s.scalars(select(WebSession).where(WebSession.key_id == key_id)))


# ------------------------------------------------------------------ signing in


def test_signin_sets_a_session_cookie_never_the_key(app: FastAPI, site: Site) -> None:
    client = browser(app)
    before = last_audit(site.rt)
    token = signin_token(client)
    done = client.post("/dang-nhap", data={"key": site.keys["clerk"], "signin": token})
    assert done.status_code == 303 and done.headers["location"] == "/ho-so"
    cookie = next(
        c for c in done.headers.get_list("set-cookie") if c.startswith(web_sessions.COOKIE)
    )
    value = cookie.split(";")[0].split("=", 1)[1]
    attributes = cookie.lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes
    assert "secure" not in attributes  # plain HTTP here; see the HTTPS test
    assert "max-age=28800" in attributes
    secret = site.keys["clerk"]
    assert secret not in cookie and secret[-43:] not in value  # not even its secret part
    rows = [r for r in sessions_of(site.rt, site.key_ids["clerk"]) if not r.revoked]
    mine = [r for r in rows if r.token_sha256 == hashlib.sha256(value.encode()).hexdigest()]
    assert len(mine) == 1
    row = mine[0]
    assert value not in (row.id, row.token_sha256, row.csrf_token)
    assert timedelta(hours=7, minutes=59) < row.expires_at - row.created_at <= timedelta(hours=8)
    for column in (row.id, row.token_sha256, row.csrf_token, row.key_id):
        assert secret not in column
    [started] = audits(site.rt, before, "session.start")
    assert started.actor == f"key:{site.key_ids['clerk']}" and started.object_id == row.id
    page = client.get("/ho-so")
    assert page.status_code == 200 and DOSSIER in page.text


def test_cookie_is_secure_over_https(app: FastAPI, site: Site) -> None:
    client = browser(app, "https://testserver")
    form = client.get("/dang-nhap")
    assert "secure" in form.headers["set-cookie"].lower()
    token = signin_token(client)
    done = client.post("/dang-nhap", data={"key": site.keys["officer"], "signin": token})
    assert done.status_code == 303 and done.headers["location"] == "/doi-chieu"
    cookie = next(
        c for c in done.headers.get_list("set-cookie") if c.startswith(web_sessions.COOKIE)
    )
    assert "secure" in cookie.lower()


@pytest.mark.parametrize(
    ("case", "status", "reason", "text"),
    [
        ("wrong", 401, "unknown key", "Khóa truy cập không đúng"),
        ("empty", 401, "missing key", "Khóa truy cập không đúng"),
        ("revoked", 401, "revoked", "Khóa đã bị thu hồi"),
        ("system", 403, "role has no web pages", "Khóa hệ thống"),
    ],
)
def test_signin_refusals(
    app: FastAPI, site: Site, case: str, status: int, reason: str, text: str
) -> None:
    if case == "revoked":
        with site.rt.session() as s:
            key, secret = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
            apikeys.revoke_key(s, key.id, actor="test")
    else:
        secret = {"wrong": site.keys["clerk"][:-4] + "AAAA", "empty": ""}.get(
            case, site.keys["system"]
        )
    client = browser(app)
    token = signin_token(client)
    before = last_audit(site.rt)
    refused = client.post("/dang-nhap", data={"key": secret, "signin": token})
    assert refused.status_code == status
    assert text in refused.text and 'role="alert"' in refused.text
    assert not any(
        c.startswith(web_sessions.COOKIE + "=") for c in refused.headers.get_list("set-cookie")
    )
    [event] = audits(site.rt, before)
    assert event.detail["reason"] == reason and event.detail["path"] == "/dang-nhap"
    assert not secret or secret[-43:] not in str(event.detail)
    assert client.get("/ho-so").status_code == 303


def test_signin_form_must_come_from_this_site(app: FastAPI, site: Site) -> None:
    """Login CSRF: a form posted from elsewhere lacks the cookie set with our form."""
    client = browser(app)
    before = last_audit(site.rt)
    forged = client.post("/dang-nhap", data={"key": site.keys["clerk"], "signin": "x" * 43})
    assert forged.status_code == 400 and "Biểu mẫu đã hết hạn" in forged.text
    assert not any(
        c.startswith(web_sessions.COOKIE + "=") for c in forged.headers.get_list("set-cookie")
    )
    [event] = audits(site.rt, before)
    assert event.detail["reason"] == "sign-in form token missing or wrong"


def test_signin_goes_back_only_to_this_site(app: FastAPI, site: Site) -> None:
    for asked, expected in [
        (f"/ho-so/{DOSSIER}?unit={UNIT}", f"/ho-so/{DOSSIER}?unit={UNIT}"),
        ("//evil.example/x", "/ho-so"),
        ("https://evil.example/", "/ho-so"),
        ("/\\evil.example", "/ho-so"),
    ]:
        client = browser(app)
        token = signin_token(client)
        done = client.post(
            "/dang-nhap", data={"key": site.keys["clerk"], "signin": token, "next": asked}
        )
        assert done.headers["location"] == expected


def test_pages_send_strangers_to_the_signin_form(app: FastAPI, site: Site) -> None:
    client = browser(app)
    before = last_audit(site.rt)
    for path in (
        "/ho-so",
        f"/ho-so/{DOSSIER}?unit={UNIT}",
        f"/tai-lieu/{site.birth}",
        "/doi-chieu",
    ):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/dang-nhap?" + urllib.parse.urlencode({"next": path})
    events = audits(site.rt, before)
    assert [e.detail["reason"] for e in events] == ["missing session"] * 4
    assert all(e.actor == "anonymous" for e in events)
    client.cookies.set(web_sessions.COOKIE, "not-a-session")
    assert client.get("/ho-so").status_code == 303
    assert client.get("/api/v1/dossiers").status_code == 401
    assert [e.detail["reason"] for e in audits(site.rt, before)][-2:] == ["unknown session"] * 2


# ------------------------------------------------------------------ CSRF and the API


def test_api_takes_the_cookie_and_unsafe_methods_need_the_csrf_token(
    app: FastAPI, site: Site
) -> None:
    client = browser(app)
    csrf = sign_in(client, site.keys["clerk"])
    listed = client.get("/api/v1/dossiers")
    assert listed.status_code == 200 and DOSSIER in listed.text
    patch = f"/api/v1/documents/{site.birth}"
    body = {"fields": {"full_name": "Nguyễn Văn Đặng"}}
    before = last_audit(site.rt)
    for headers in ({}, {"X-CSRF-Token": "wrong"}, {"X-CSRF-Token": ""}):
        refused = client.patch(patch, json=body, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "csrf_failed"
    events = audits(site.rt, before)
    assert [e.detail["reason"] for e in events] == ["csrf token missing or wrong"] * 3
    assert {e.actor for e in events} == {f"key:{site.key_ids['clerk']}"}
    assert all(e.detail["method"] == "PATCH" and e.detail["via"] == "session" for e in events)
    done = client.patch(patch, json=body, headers={"X-CSRF-Token": csrf})
    assert done.status_code == 200 and done.json()["fields"]["full_name"]["corrected"] is True
    made = client.put(
        "/api/v1/dossiers/WEB-API-1", json={"unit": UNIT}, headers={"X-CSRF-Token": csrf}
    )
    assert made.status_code == 201
    # An HTML form may carry the token in its "csrf" field instead of the header.
    form_post = client.patch(patch, data={"csrf": csrf})
    assert form_post.status_code == 422  # let in; then the body is not a correction
    assert client.patch(patch, data={"csrf": "wrong"}).status_code == 403
    # Another unit is still another unit, cookie or key.
    assert client.get(f"/api/v1/documents/{site.hidden}").status_code == 404


def test_api_key_headers_win_over_a_cookie(app: FastAPI, site: Site) -> None:
    """An API client is never asked for a CSRF token, whatever cookie it carries."""
    client = browser(app)
    client.cookies.set(web_sessions.COOKIE, "stale-cookie")
    answer = client.put(
        "/api/v1/dossiers/WEB-API-2",
        json={"unit": UNIT},
        headers={"Authorization": f"Bearer {site.keys['clerk']}"},
    )
    assert answer.status_code == 201


def test_html_forms_need_the_csrf_field(app: FastAPI, site: Site) -> None:
    client = browser(app)
    csrf = sign_in(client, site.keys["clerk"])
    form = {"code": "WEB-FORM-1", "unit": UNIT, "procedure_code": "", "received_date": ""}
    before = last_audit(site.rt)
    refused = client.post("/ho-so", data=form)
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]
    assert "tải lại trang" in refused.text
    refused = client.post("/ho-so", data={**form, "csrf": "wrong"})
    assert refused.status_code == 403
    assert len(audits(site.rt, before)) == 2
    made = client.post("/ho-so", data={**form, "csrf": csrf, "received_date": "2026-12-01"})
    assert made.status_code == 303
    assert made.headers["location"] == f"/ho-so/WEB-FORM-1?unit={urllib.parse.quote(UNIT)}"
    page = client.get(made.headers["location"])
    assert page.status_code == 200 and "01/12/2026" in page.text
    [created] = audits(site.rt, before, "dossier.create")
    assert created.object_id == "WEB-FORM-1" and created.detail == {"via": "web"}


def test_create_dossier_form_errors(app: FastAPI, site: Site) -> None:
    client = browser(app)
    csrf = sign_in(client, site.keys["clerk"])
    base = {"csrf": csrf, "unit": UNIT, "procedure_code": "", "received_date": ""}
    bad_code = client.post("/ho-so", data={**base, "code": "000/../H26"})
    assert bad_code.status_code == 422 and "Mã hồ sơ không hợp lệ" in bad_code.text
    exists = client.post("/ho-so", data={**base, "code": DOSSIER})
    assert exists.status_code == 409 and "đã có trong đơn vị" in exists.text
    other = client.post("/ho-so", data={**base, "code": "WEB-X", "unit": OTHER_UNIT})
    assert other.status_code == 422 and "Hãy chọn một đơn vị của bạn" in other.text
    bad_date = client.post("/ho-so", data={**base, "code": "WEB-Y", "received_date": "2026-13-40"})
    assert bad_date.status_code == 422 and "Ngày tiếp nhận không hợp lệ" in bad_date.text
    officer = browser(app)
    officer_csrf = sign_in(officer, site.keys["officer"])
    denied = officer.post("/ho-so", data={**base, "csrf": officer_csrf, "code": "WEB-Z"})
    assert denied.status_code == 403


# ------------------------------------------------------------------ session end


def test_signout_deletes_the_session(app: FastAPI, site: Site) -> None:
    client = browser(app)
    csrf = sign_in(client, site.keys["clerk"])
    token = client.cookies.get(web_sessions.COOKIE)
    assert token
    digest = hashlib.sha256(token.encode()).hexdigest()
    refused = client.post("/dang-xuat", data={})  # no CSRF field: another site's form
    assert refused.status_code == 403
    assert client.get("/ho-so").status_code == 200
    before = last_audit(site.rt)
    out = client.post("/dang-xuat", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/dang-nhap"
    assert (
        'sohoa_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    )
    with site.rt.session() as s:
        assert s.scalar(select(WebSession).where(WebSession.token_sha256 == digest)) is None
    assert len(audits(site.rt, before, "session.end")) == 1
    client.cookies.set(web_sessions.COOKIE, token)  # the old cookie, replayed
    assert client.get("/ho-so").status_code == 303
    assert client.get("/api/v1/dossiers").status_code == 401


def test_expired_session_is_refused(app: FastAPI, site: Site) -> None:
    client = browser(app)
    sign_in(client, site.keys["clerk"])
    token = client.cookies.get(web_sessions.COOKIE)
    assert token
    digest = hashlib.sha256(token.encode()).hexdigest()
    with site.rt.session() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.token_sha256 == digest)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    before = last_audit(site.rt)
    page = client.get("/ho-so")
    assert page.status_code == 303 and page.headers["location"].startswith("/dang-nhap")
    api = client.get("/api/v1/dossiers")
    assert api.status_code == 401 and api.json()["error"]["code"] == "unauthorized"
    events = audits(site.rt, before)
    assert [e.detail["reason"] for e in events] == ["session expired"] * 2
    assert {e.actor for e in events} == {f"key:{site.key_ids['clerk']}"}


def test_revoking_the_key_or_the_session_ends_it(app: FastAPI, site: Site) -> None:
    client = browser(app)
    sign_in(client, site.keys["doomed"])
    assert client.get("/ho-so").status_code == 200
    with site.rt.session() as s:
        apikeys.revoke_key(s, site.key_ids["doomed"], actor="test")
    before = last_audit(site.rt)
    assert client.get("/ho-so").status_code == 303
    assert client.get("/api/v1/dossiers").status_code == 401
    assert [e.detail["reason"] for e in audits(site.rt, before)] == ["revoked"] * 2

    other = browser(app)
    sign_in(other, site.keys["officer"])
    with site.rt.session() as s:
        assert web_sessions.revoke_sessions(s, site.key_ids["officer"]) >= 1
    before = last_audit(site.rt)
    assert other.get("/doi-chieu").status_code == 303
    assert [e.detail["reason"] for e in audits(site.rt, before)] == ["session revoked"]


# ------------------------------------------------------------------ pages and scope


def test_dossier_list_and_search_keep_to_the_units(app: FastAPI, site: Site) -> None:
    clerk = browser(app)
    sign_in(clerk, site.keys["clerk"])
    listed = clerk.get("/ho-so")
    assert DOSSIER in listed.text and OTHER_DOSSIER not in listed.text
    assert 'name="code"' in listed.text and f'<option value="{UNIT}"' in listed.text
    assert f'<option value="{OTHER_UNIT}"' not in listed.text
    found = clerk.get("/ho-so", params={"q": "nguyen van dang"})
    assert found.status_code == 200
    assert f"/tai-lieu/{site.birth}" in found.text and "<mark>Nguyễn Văn Đặng</mark>" in found.text
    assert clerk.get("/ho-so", params={"q": "tran thi bich"}).text.count("/tai-lieu/") == 0
    by_code = clerk.get("/ho-so", params={"q": "261201-0001"})
    assert DOSSIER in by_code.text
    assert OTHER_DOSSIER not in clerk.get("/ho-so", params={"q": "261201"}).text
    assert clerk.get("/ho-so", params={"unit": OTHER_UNIT}).status_code == 404

    other = browser(app)
    sign_in(other, site.keys["other"])
    theirs = other.get("/ho-so", params={"q": "tran thi bich"})
    assert f"/tai-lieu/{site.hidden}" in theirs.text and DOSSIER not in theirs.text


def test_dossier_page_shows_documents_thumbnails_and_upload(app: FastAPI, site: Site) -> None:
    clerk = browser(app)
    sign_in(clerk, site.keys["clerk"])
    page = clerk.get(f"/ho-so/{DOSSIER}", params={"unit": UNIT})
    assert page.status_code == 200
    html = page.text
    assert f"/api/v1/documents/{site.birth}/pages/1/image?size=thumb" in html
    assert 'loading="lazy"' in html and "size=full" not in html
    assert "Giấy khai sinh" in html and "Hoàn tất" in html and "Trang: 1/1" in html
    assert "Trang 2–3: Căn cước" in html, "the papers inside the file are listed"
    assert "Lỗi" in html and "Lý do: page 1: the OCR engine stopped" in html
    assert 'class="retry secondary">Xử lý lại' in html
    assert 'id="nut-chon-tep"' in html and "multiple" in html
    assert f"/api/v1/dossiers/{DOSSIER}/documents?unit=" in html
    assert '<script src="/static/upload.js" defer>' in html

    officer = browser(app)
    sign_in(officer, site.keys["officer"])
    read_only = officer.get(f"/ho-so/{DOSSIER}", params={"unit": UNIT})
    assert read_only.status_code == 200 and 'id="nut-chon-tep"' not in read_only.text

    before = last_audit(site.rt)
    hidden = clerk.get(f"/ho-so/{OTHER_DOSSIER}", params={"unit": OTHER_UNIT})
    assert hidden.status_code == 404 and "Không tìm thấy" in hidden.text
    guessed = clerk.get(f"/ho-so/{OTHER_DOSSIER}")
    assert guessed.status_code == 404
    events = audits(site.rt, before)
    assert [e.detail["reason"] for e in events] == ["other unit"] * 2
    assert clerk.get("/ho-so/NO-SUCH-DOSSIER").status_code == 404


def test_document_page_shows_pages_text_type_and_fields(app: FastAPI, site: Site) -> None:
    clerk = browser(app)
    sign_in(clerk, site.keys["clerk"])
    page = clerk.get(f"/tai-lieu/{site.birth}")
    assert page.status_code == 200
    html = page.text
    assert f"/api/v1/documents/{site.birth}/pages/1/image?size=full" in html
    assert "Họ và tên: Nguyễn Văn Đặng" in html  # the page's OCR text beside its image
    assert "Giấy khai sinh" in html and "93 %" in html
    for code, label in DOCUMENT_TYPES.items():
        assert f'<option value="{code}"' in html and label in html
    assert '<option value="birth_certificate" selected>' in html
    [low] = re.findall(r'<div class="field low">.*?</div>\s*<input[^>]*>', html, re.S)
    assert "Ngày sinh" in low and "55 %" in low and "Cần kiểm tra" in low
    assert 'aria-invalid="true"' in low and 'value="25/10/1978"' in low, "dd/mm/yyyy"
    parts = html.split('id="giay-to-trong-tep"')[1].split("</section>")[0]
    assert "Trang 1: Giấy khai sinh" in parts
    assert "Trang 2–3: Căn cước" in parts and "Bản sao chứng thực" in parts
    assert "<dt>Giới tính</dt><dd>Nam</dd>" in parts
    assert '<div class="field">' in html  # the name, read with 0.9, is not flagged
    assert f'href="/api/v1/documents/{site.birth}/pdf"' in html
    assert "Tải PDF có thể tìm kiếm" in html
    assert "Có dấu đỏ" in html and "Bản sao chứng thực" in html
    assert '<label for="loai">Loại tài liệu</label>' in html
    assert "Ảnh quá nhỏ" not in html
    small = clerk.get(f"/tai-lieu/{site.thumbnail}").text
    assert "Ảnh quá nhỏ, chữ có thể bị đọc sai" in small

    failed = clerk.get(f"/tai-lieu/{site.failed}")
    assert failed.status_code == 200 and "page 1: the OCR engine stopped" in failed.text
    assert "/pdf" not in failed.text.split("Tải tệp gốc")[0].split("downloads")[-1]

    before = last_audit(site.rt)
    hidden = clerk.get(f"/tai-lieu/{site.hidden}")
    assert hidden.status_code == 404 and "Trần Thị Bích" not in hidden.text
    assert [e.detail["reason"] for e in audits(site.rt, before)] == ["other unit"]
    assert clerk.get("/tai-lieu/" + "x" * 40).status_code == 404


def test_pages_check_roles(app: FastAPI, site: Site) -> None:
    clerk = browser(app)
    sign_in(clerk, site.keys["clerk"])
    before = last_audit(site.rt)
    refused = clerk.get("/doi-chieu")
    assert refused.status_code == 403 and "Không có quyền truy cập" in refused.text
    [event] = audits(site.rt, before)
    assert event.detail["reason"] == "role lacks permission"
    assert event.detail["permission"] == "verify"
    assert 'href="/doi-chieu"' not in clerk.get("/ho-so").text

    officer = browser(app)
    sign_in(officer, site.keys["officer"])
    page = officer.get("/doi-chieu", params={"ho_so": DOSSIER})
    assert page.status_code == 200
    assert 'id="form-doi-chieu"' in page.text and site.birth in page.text
    assert '<script src="/static/compare.js" defer>' in page.text
    assert officer.get("/doi-chieu", params={"ho_so": OTHER_DOSSIER}).status_code == 404
    assert officer.get(f"/tai-lieu/{site.birth}").status_code == 200

    admin = browser(app)
    sign_in(admin, site.keys["admin"])
    everything = admin.get("/ho-so")
    assert DOSSIER in everything.text and OTHER_DOSSIER in everything.text
    assert admin.get("/doi-chieu").status_code == 200

    # A system key cannot sign in (see above); a session of one is refused all the same.
    with site.rt.session() as s:
        key = apikeys.get_key(s, site.key_ids["system"])
        assert key is not None
        _, token = web_sessions.create_session(s, key)
    system = browser(app)
    system.cookies.set(web_sessions.COOKIE, token)
    before = last_audit(site.rt)
    assert system.get("/ho-so").status_code == 403
    [event] = audits(site.rt, before)
    assert event.detail["reason"] == "role has no web pages"


def test_pages_are_vietnamese_nfc_and_locked_down(app: FastAPI, site: Site) -> None:
    client = browser(app)
    sign_in(client, site.keys["admin"])
    paths = [
        "/dang-nhap",
        "/ho-so",
        "/ho-so?q=nguyen",
        f"/ho-so/{DOSSIER}?unit={UNIT}",
        f"/tai-lieu/{site.birth}",
        "/doi-chieu",
    ]
    for path in paths:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert answer.text.startswith('<!doctype html>\n<html lang="vi">')
        assert '<meta charset="utf-8">' in answer.text
        assert unicodedata.is_normalized("NFC", answer.text)
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["cache-control"] == "no-store"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "<script>" not in answer.text  # no inline script: the CSP would block it
        assert "http://" not in answer.text and "https://" not in answer.text  # no CDN
        for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', answer.text):
            assert client.get(asset).status_code == 200, asset
    for path in [*TEMPLATES.iterdir(), *STATIC.iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert unicodedata.is_normalized("NFC", text), path


def test_static_files_are_local_and_small(app: FastAPI) -> None:
    client = browser(app)
    total = 0
    for name in ("app.css", "common.js", "upload.js", "document.js", "compare.js"):
        answer = client.get(f"/static/{name}")
        assert answer.status_code == 200
        total += len(answer.content)
    assert total < 60_000  # a few seconds on a 1 Mbit/s line, once, then cached


BIRTH_DOSSIER = "000.A0.01.H26-261203-0101"


def _birth_dossier(site: Site) -> dict[str, str]:
    """A birth-registration dossier (``1.001193``) holding a form and a paper of unknown type."""
    with site.rt.session() as s:
        dossier = repo.upsert_dossier(s, UNIT, BIRTH_DOSSIER, procedure_code="1.001193")
        form = _document(s, dossier, "Tờ khai.png", "TỜ KHAI", document_type="application_form")
        unknown = _document(s, dossier, "Ảnh mờ.jpg", "...", document_type="other")
    return {"form": form, "unknown": unknown}


def test_checklist_in_the_api_the_list_and_the_page_and_ticks_by_hand(
    app: FastAPI, site: Site
) -> None:
    docs = _birth_dossier(site)
    api = browser(app)
    bearer = {"Authorization": f"Bearer {site.keys['clerk']}"}
    url = f"/api/v1/dossiers/{BIRTH_DOSSIER}"
    checklist = api.get(url, headers=bearer).json()["checklist"]
    by_key = {i["key"]: i for i in checklist["items"]}
    assert by_key["to-khai"]["state"] == "present" and by_key["to-khai"]["documents"] == [
        docs["form"]
    ]
    # the unknown paper might be the ID card: a person looks, nothing is called missing
    assert by_key["giay-to-tuy-than"]["state"] == "needs_check"
    assert by_key["giay-chung-sinh"]["state"] == "needs_check"
    assert (checklist["summary"], checklist["label"]) == ("needs_check", "cần kiểm tra")
    assert [p["document_id"] for p in checklist["unmatched"]] == [docs["unknown"]]
    listed = api.get("/api/v1/dossiers", headers=bearer, params={"q": "261203-0101"}).json()
    assert listed["items"][0]["checklist_status"]["label"] == "cần kiểm tra"
    assert "checklist" not in listed["items"][0] or listed["items"][0]["checklist"] is None

    clerk = browser(app)
    csrf = sign_in(clerk, site.keys["clerk"])
    page = clerk.get(f"/ho-so/{BIRTH_DOSSIER}", params={"unit": UNIT}).text
    assert "Thành phần hồ sơ" in page and "Giấy chứng sinh hoặc văn bản" in page
    assert 'data-key="giay-chung-sinh" data-state="needs_check"' in page
    assert "cần kiểm tra" in clerk.get("/ho-so", params={"q": "261203-0101"}).text

    before = last_audit(site.rt)
    for key in ("giay-chung-sinh", "giay-to-tuy-than"):
        ticked = clerk.post(
            f"/ho-so/{BIRTH_DOSSIER}/thanh-phan/{key}",
            params={"unit": UNIT},
            data={"csrf": csrf, "ticked": "1"},
        )
        assert ticked.status_code == 303, ticked.text
    fragment = clerk.get(f"/ho-so/{BIRTH_DOSSIER}/thanh-phan", params={"unit": UNIT}).text
    assert "<html" not in fragment and 'id="thanh-phan"' in fragment
    assert ">đủ</p>" in fragment and "đã đánh dấu thủ công" in fragment
    events = audits(site.rt, before, "dossier.checklist_tick")
    assert [e.detail["item"] for e in events] == ["giay-chung-sinh", "giay-to-tuy-than"]
    assert {e.actor for e in events} == {f"key:{site.key_ids['clerk']}"}

    untick = api.delete(f"{url}/checklist/giay-to-tuy-than", headers=bearer)
    assert untick.status_code == 200 and untick.json()["checklist"]["label"] == "cần kiểm tra"
    wrong = api.put(f"{url}/checklist/no-such-item", headers=bearer, json={})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "unknown_checklist_item")
    stranger = api.put(
        f"{url}/checklist/to-khai", headers=bearer, json={"document_id": site.hidden}
    )
    assert stranger.json()["error"]["code"] == "document_not_in_dossier"
    officer = {"Authorization": f"Bearer {site.keys['officer']}"}
    assert api.put(f"{url}/checklist/to-khai", headers=officer, json={}).status_code == 403
    other = {"Authorization": f"Bearer {site.keys['other']}"}
    assert api.put(f"{url}/checklist/to-khai", headers=other, json={}).status_code == 404


def test_applicant_is_stored_checked_and_shown(app: FastAPI, site: Site) -> None:
    api = browser(app)
    bearer = {"Authorization": f"Bearer {site.keys['clerk']}"}
    url = "/api/v1/dossiers/000.A0.01.H26-261203-0102"
    applicant = {"name": "Nguyễn  Văn Đặng", "id_number": "001078012345", "phone": "0912 345 678"}
    made = api.put(url, headers=bearer, json={"unit": UNIT, "applicant": applicant})
    assert made.status_code == 201, made.text
    decomposed = unicodedata.normalize("NFD", "Nguyễn Văn Đặng")
    assert made.json()["applicant"]["name"] == "Nguyễn Văn Đặng"  # one space, NFC
    kept = api.put(url, headers=bearer, json={"procedure_code": "2.000815"})
    assert kept.json()["applicant"]["id_number"] == "001078012345"  # left out: kept
    renamed = api.put(url, headers=bearer, json={"applicant": {"name": decomposed}})
    assert renamed.json()["applicant"] == {
        "name": "Nguyễn Văn Đặng",
        "id_number": None,
        "phone": None,
    }
    for wrong in ({"id_number": "12345"}, {"phone": "call me"}, {"name": "a\x07"}, {"age": 3}):
        refused = api.put(url, headers=bearer, json={"applicant": wrong})
        assert refused.status_code == 422, wrong


def test_receipt_names_the_papers_received_the_applicant_and_the_clerk(
    app: FastAPI, site: Site, tmp_path: Path
) -> None:
    code = "000.A0.01.H26-261203-0103"
    with site.rt.session() as s:
        repo.ensure_unit(s, UNIT, "Phường Ba Đình")
        dossier = repo.upsert_dossier(
            s,
            UNIT,
            code,
            procedure_code="1.001193",
            received_date=date(2026, 12, 3),
            applicant=repo.Applicant("Nguyễn Văn Đặng", "001078012345", "0912345678"),
        )
        _document(s, dossier, "To khai khai sinh.png", "TỜ KHAI", document_type="application_form")
        _document(s, dossier, "Anh la.jpg", "...", document_type="other")
    api = browser(app)
    bearer = {"Authorization": f"Bearer {site.keys['clerk']}"}
    before = last_audit(site.rt)
    answer = api.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=bearer)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(answer.content)
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {code}",
        "PHƯỜNG BA ĐÌNH",
        "1.001193 – Đăng ký khai sinh",
        "Người nộp hồ sơ: Nguyễn Văn Đặng",
        "Số định danh cá nhân: 001078012345",
        "Ngày tiếp nhận: 03/12/2026",
        "Tờ khai đăng ký khai sinh 1 Đã nhận",
        "Giấy tờ tùy thân của người đi đăng ký 0 Cần kiểm tra",
        "Anh la.jpg 1 Giấy tờ khác",
        "clerk",
    ):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert "LiberationSerif" in fonts.stdout  # Times-compatible, embedded
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(tmp_path / "p")], check=True
    )
    decoded = zxingcpp.read_barcodes(Image.open(tmp_path / "p.png"))
    assert [b.text for b in decoded] == [code]
    events = audits(site.rt, before, "dossier.read")
    assert [(e.object_id, e.detail) for e in events] == [(code, {"part": "receipt"})]
    other = {"Authorization": f"Bearer {site.keys['other']}"}
    assert api.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=other).status_code == 404
    again = api.get(f"/api/v1/dossiers/{code}/receipt.pdf", headers=bearer)
    assert again.content == answer.content  # the same receipt prints the same bytes


def test_citizen_search_matches_whole_names_ids_and_birth_dates_in_the_keys_units(
    app: FastAPI, site: Site
) -> None:
    name = "Lê Thị Hồng Nhung"

    def person(value: str) -> dict[str, object]:
        return {"value": value, "confidence": 0.9, "page": 1}

    with site.rt.session() as s:
        a = repo.upsert_dossier(
            s, UNIT, "H26-261203-0201", applicant=repo.Applicant(name, "001190000001")
        )
        b = repo.upsert_dossier(s, UNIT, "H26-261203-0202")
        subject = _document(
            s,
            b,
            "CCCD.png",
            "CĂN CƯỚC",
            document_type="citizen_id",
            fields={
                "full_name": person(name.upper()),  # as an ID card prints it
                "id_number": person("001190000001"),
                "date_of_birth": person("1990-02-14"),
            },
        )
        c = repo.upsert_dossier(s, UNIT, "H26-261203-0203")
        mother = _document(
            s, c, "Khai sinh.png", "Nhung Hồng Lê Thị", fields={"mother_name": person(name)}
        )
        d = repo.upsert_dossier(s, UNIT, "H26-261203-0204")
        near = _document(
            s,
            d,
            "Đơn.png",
            "Lê Thị Hồng Nhung, Thái Nguyên",  # every word, but the name read is another
            document_type="citizen_id",
            fields={"full_name": person("Lê Thị Hồng")},
        )
        e = repo.upsert_dossier(s, OTHER_UNIT, "H27-261203-0205")
        _document(s, e, "Khác.png", "...", fields={"full_name": person(name)})
        del a
    api = browser(app)
    bearer = {"Authorization": f"Bearer {site.keys['clerk']}"}

    def found(q: str) -> dict[str, Any]:
        answer = api.get("/api/v1/people", headers=bearer, params={"q": q})
        assert answer.status_code == 200, answer.text
        return answer.json()

    by_name = found("le thi hong nhung")
    assert by_name["kind"] == "name" and by_name["total"] == 3
    assert [(h["dossier"], h["field"]) for h in by_name["hits"]] == [
        ("H26-261203-0201", "applicant_name"),
        ("H26-261203-0202", "full_name"),
        ("H26-261203-0203", "mother_name"),
    ]
    assert (
        by_name["hits"][1]["value"] == name.upper() and by_name["hits"][2]["document_id"] == mother
    )
    by_id = found("0011 9000 0001")
    assert [(h["field"], h["document_id"]) for h in by_id["hits"]] == [
        ("applicant_id_number", None),
        ("id_number", subject),
    ]
    assert [h["document_id"] for h in found("14/02/1990")["hits"]] == [subject]
    assert found("nhung") == {"total": 0, "kind": None, "limit": 20, "offset": 0, "hits": []}

    before = last_audit(site.rt)
    fixed = api.patch(
        f"/api/v1/documents/{near}", headers=bearer, json={"fields": {"full_name": name}}
    )
    assert fixed.status_code == 200, fixed.text
    assert found("LÊ THỊ HỒNG NHUNG")["total"] == 4  # the corrected name is found at once
    event = audits(site.rt, before, "people.search")[-1]
    assert event.detail["q"] == "LÊ THỊ HỒNG NHUNG" and near in event.detail["documents"]

    clerk = browser(app)
    sign_in(clerk, site.keys["clerk"])
    page = clerk.get("/ho-so", params={"q": "lê thị hồng nhung"}).text
    assert "Công dân khớp (4)" in page and "Người nộp hồ sơ" in page and "Họ và tên mẹ" in page
    assert "H27-261203-0205" not in page


def test_attention_queue_lists_what_needs_a_person_and_clears_it(app: FastAPI, site: Site) -> None:
    code = "000.A0.01.H26-261203-0301"
    with site.rt.session() as s:
        dossier = repo.upsert_dossier(s, UNIT, code)
        doubtful = _document(
            s,
            dossier,
            "Khai sinh mờ.png",
            "GIẤY KHAI SINH",
            document_type="birth_certificate",
            fields={
                "full_name": {"value": "Hà Văn Sùng", "confidence": 0.95},
                "date_of_birth": {"value": "1990-01-02", "confidence": 0.4},
            },
        )
        crashed = _document(s, dossier, "Máy lỗi.pdf", "", status="failed")
        corrupt = _document(s, dossier, "Hỏng hẳn.pdf", "", status="failed")
        repo.set_document_status(
            s, s.get(Document, corrupt), "failed", "page 1: corrupt_file: cannot be decoded"
        )
        small = _document(
            s, dossier, "Ảnh bé.jpg", "x", document_type="other", warnings=("small_text",)
        )
        clean = _document(
            s,
            dossier,
            "CCCD rõ.png",
            "CĂN CƯỚC",
            document_type="citizen_id",
            fields={"full_name": {"value": "Hà Văn Sùng", "confidence": 0.97}},
        )
        comparison = Comparison(
            id="c0ffee00-0000-4000-8000-000000000301",
            actor="test",
            unit_code=UNIT,
            original_unit_code=UNIT,
            original_document_id=clean,
            original_pages=[1],
            copy_document_id=doubtful,
            copy_pages=[1],
            verdict="differences",
            difference_count=1,
            result={},
            overlays=[],
            attention_at=utcnow(),
        )
        s.add(comparison)
    api = browser(app)
    clerk = {"Authorization": f"Bearer {site.keys['clerk']}"}

    def queue(headers: dict[str, str]) -> dict[str, dict[str, Any]]:
        answer = api.get("/api/v1/attention", headers=headers, params={"limit": 200})
        assert answer.status_code == 200, answer.text
        return {item["id"]: item for item in answer.json()["items"]}

    listed = queue(clerk)
    assert {doubtful, crashed, corrupt, small} <= set(listed) and clean not in listed
    assert site.hidden not in listed  # another unit's paper of unknown type
    assert comparison.id not in listed  # comparisons are the officer's
    assert listed[doubtful]["reasons"] == ["low_confidence"]
    assert listed[doubtful]["doubtful_fields"] == ["date_of_birth"]
    assert (listed[crashed]["retry_can_help"], "reprocess" in listed[crashed]["links"]) == (
        True,
        True,
    )
    assert (listed[corrupt]["retry_can_help"], "reprocess" in listed[corrupt]["links"]) == (
        False,
        False,
    )
    assert listed[small]["reasons"] == ["type_unknown", "page_warnings"]
    officer = {"Authorization": f"Bearer {site.keys['officer']}"}
    assert queue(officer)[comparison.id]["reasons"] == ["differences"]

    # the dossier page offers no retry for the corrupt file, and says why
    browser_clerk = browser(app)
    csrf = sign_in(browser_clerk, site.keys["clerk"])
    dossier_page = browser_clerk.get(f"/ho-so/{code}", params={"unit": UNIT}).text
    row = dossier_page.split(f'data-id="{corrupt}"', 1)[1].split("</li>", 1)[0]
    assert 'class="retry secondary" hidden' in row and "Xử lý lại cũng không được" in row

    # a correction that leaves nothing doubtful takes the document out
    fixed = api.patch(
        f"/api/v1/documents/{doubtful}",
        headers=clerk,
        json={"fields": {"date_of_birth": "02/01/1990"}},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["attention"] == [] and doubtful not in queue(clerk)

    # "checked": out, audited, once; roles as for corrections
    before = last_audit(site.rt)
    system = {"Authorization": f"Bearer {site.keys['system']}"}
    assert api.post(f"/api/v1/documents/{small}/checked", headers=system).status_code == 403
    assert api.post(f"/api/v1/documents/{small}/checked", headers=clerk).status_code == 204
    again = api.post(f"/api/v1/documents/{small}/checked", headers=clerk)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_in_queue")
    assert small not in queue(clerk)
    events = audits(site.rt, before, "document.attention_cleared")
    assert [(e.object_id, e.detail["reasons"]) for e in events] == [
        (small, ["type_unknown", "page_warnings"])
    ]
    other = {"Authorization": f"Bearer {site.keys['other']}"}
    assert api.post(f"/api/v1/documents/{crashed}/checked", headers=other).status_code == 404

    # the page: Vietnamese reasons, and the officer clears the comparison from it
    page = browser_clerk.get("/can-xem").text
    assert "Có thể xử lý lại" in page and "Xử lý lại cũng không được" in page
    assert f'data-id="{comparison.id}"' not in page
    cleared = browser_clerk.post(f"/can-xem/tai-lieu/{crashed}", data={"csrf": csrf})
    assert cleared.status_code == 303 and crashed not in queue(clerk)
    officer_browser = browser(app)
    officer_csrf = sign_in(officer_browser, site.keys["officer"])
    officer_page = officer_browser.get("/can-xem").text
    assert "Bản sao khác bản chính" in officer_page and f'data-id="{comparison.id}"' in officer_page
    done = officer_browser.post(f"/can-xem/doi-chieu/{comparison.id}", data={"csrf": officer_csrf})
    assert done.status_code == 303 and comparison.id not in queue(officer)


def test_a_wrong_procedures_file_stops_the_service_at_start(site: Site, tmp_path: Path) -> None:
    wrong = tmp_path / "procedures.toml"
    wrong.write_text(
        '[[procedures]]\ncode = "2.000815"\nname = "X"\n'
        '[[procedures.items]]\nkey = "a"\nlabel = "A"\ntypes = ["giay_khai_sinh"]\n',
        encoding="utf-8",
    )
    settings = site.rt.settings.model_copy(update={"procedures_file": wrong})
    with pytest.raises(ProceduresFileError, match="giay_khai_sinh"):
        create_app(dataclasses.replace(site.rt, settings=settings))


def test_admin_deletes_documents_and_dossiers_originals_kept_as_retention_says(
    app: FastAPI, site: Site, tmp_path: Path
) -> None:
    from pipeline import deletion, intake

    code = "000.A0.01.H26-261203-0401"
    scan = tmp_path / "Khai sinh nhầm hồ sơ.png"
    Image.new("RGB", (400, 300), "white").save(scan)
    with site.rt.session() as s:
        repo.upsert_dossier(s, UNIT, code, applicant=repo.Applicant("Vũ Thị Lan"))
    taken = intake.ingest_file(site.rt, scan, dossier=code, unit=UNIT, actor="test")
    second = tmp_path / "Thêm.png"
    Image.new("RGB", (300, 300), "white").save(second)
    other = intake.ingest_file(site.rt, second, dossier=code, unit=UNIT, actor="test")
    with site.rt.session() as s:
        document = s.get(Document, taken.document_id)
        prefix = document.original_key.rsplit("/", 1)[0]
        original_key = document.original_key
        document.fields = {"full_name": {"value": "Vũ Thị Lan", "confidence": 0.9}}
    derived = [f"{prefix}/searchable.pdf", f"{prefix}/pages/1.json", f"{prefix}/pictures/1.jpg"]
    for key in derived:
        site.rt.store.put_bytes(key, b"x", "application/octet-stream")
    api = browser(app)
    admin = {"Authorization": f"Bearer {site.keys['admin']}"}
    clerk = {"Authorization": f"Bearer {site.keys['clerk']}"}

    busy = api.delete(f"/api/v1/documents/{taken.document_id}", headers=admin)
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "document_busy")
    with site.rt.session() as s:
        for document_id in (taken.document_id, other.document_id):
            repo.set_document_status(s, s.get(Document, document_id), "done")
            index_document(s, document_id)
    assert api.delete(f"/api/v1/documents/{taken.document_id}", headers=clerk).status_code == 403

    gone = api.delete(f"/api/v1/documents/{taken.document_id}", headers=admin)
    assert gone.status_code == 200, gone.text
    assert api.get(f"/api/v1/documents/{taken.document_id}", headers=clerk).status_code == 404
    people = api.get("/api/v1/people", headers=clerk, params={"q": "vu thi lan"}).json()
    assert [h["field"] for h in people["hits"]] == ["applicant_name"]  # the paper's name went
    store = site.rt.store
    assert store.exists(original_key) and store.exists(f"{prefix}/pictures/1.jpg")  # retained
    assert not store.exists(f"{prefix}/searchable.pdf") and not store.exists(
        f"{prefix}/pages/1.json"
    )
    # once the retention has passed, the purge takes the originals too
    later = utcnow() + timedelta(days=site.rt.settings.retain_originals_days + 1)
    assert deletion.purge(site.rt, now=later) == 1
    assert store.list(prefix + "/") == []
    assert deletion.purge(site.rt, now=later) == 0  # idempotent

    wiped = api.delete(f"/api/v1/dossiers/{code}", headers=admin, params={"unit": UNIT})
    assert wiped.status_code == 200 and wiped.json()["documents"] == [other.document_id]
    assert api.get(f"/api/v1/dossiers/{code}", headers=clerk).status_code == 404
    assert api.get("/api/v1/people", headers=clerk, params={"q": "vu thi lan"}).json()["total"] == 0
    with site.rt.session() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(
                AuditEvent.action.in_(("document.delete", "dossier.delete")),
                AuditEvent.unit_code == UNIT,
            )
        ).all()
    assert sorted(actions)[-3:] == ["document.delete", "document.delete", "dossier.delete"]


def test_a_dossier_s_webhook_secret_is_shown_once_rotated_and_a_tick_can_complete_it(
    app: FastAPI, site: Site
) -> None:
    api = browser(app)
    clerk = {"Authorization": f"Bearer {site.keys['clerk']}"}
    url = "/api/v1/dossiers/000.A0.01.H26-261203-0501"
    plain = api.put(url, headers=clerk, json={"unit": UNIT, "procedure_code": "1.000656"})
    assert plain.status_code == 201 and plain.json()["webhook_secret"] is None
    refused = api.post(f"{url}/webhook-secret", headers=clerk)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "no_callback_url")

    hook = {"callback_url": "https://mot-cua.example.org/sohoa"}
    first = api.put(url, headers=clerk, json=hook).json()["webhook_secret"]
    assert first.startswith("whsec_") and len(first) >= 40
    assert api.put(url, headers=clerk, json=hook).json()["webhook_secret"] is None  # once
    assert api.get(url, headers=clerk).json()["webhook_secret"] is None  # never on a read
    rotated = api.post(f"{url}/webhook-secret", headers=clerk)
    assert rotated.status_code == 200 and rotated.json()["webhook_secret"] not in (None, first)
    with site.rt.session() as s:
        stored = s.scalars(select(Dossier).where(Dossier.code == url.rsplit("/", 1)[1])).one()
        assert stored.webhook_secret == rotated.json()["webhook_secret"]
    officer = {"Authorization": f"Bearer {site.keys['officer']}"}
    assert api.post(f"{url}/webhook-secret", headers=officer).status_code == 403

    # death registration: the form, the death notice (ticked), the ID; the last tick completes
    with site.rt.session() as s:
        dossier = s.scalars(select(Dossier).where(Dossier.code == url.rsplit("/", 1)[1])).one()
        _document(s, dossier, "To khai tu.png", "TỜ KHAI", document_type="application_form")
        _document(s, dossier, "CCCD.png", "CĂN CƯỚC", document_type="citizen_id")
    for key in ("giay-bao-tu",):
        assert api.put(f"{url}/checklist/{key}", headers=clerk, json={}).status_code == 200
    with site.rt.session() as s:
        stored = s.scalars(select(Dossier).where(Dossier.code == url.rsplit("/", 1)[1])).one()
        assert stored.complete_event_at is not None  # dossier.complete claimed, once
        claimed = stored.complete_event_at
    assert api.delete(f"{url}/checklist/giay-bao-tu", headers=clerk).status_code == 200
    assert api.put(f"{url}/checklist/giay-bao-tu", headers=clerk, json={}).status_code == 200
    with site.rt.session() as s:
        stored = s.scalars(select(Dossier).where(Dossier.code == url.rsplit("/", 1)[1])).one()
        assert stored.complete_event_at == claimed  # not claimed again
