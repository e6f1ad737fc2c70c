"""The counter's web pages, in process: sign-in, the session cookie, CSRF, expiry and
revocation, and that every page renders, speaks Vietnamese and keeps to the key's units.

One embedded deployment (SQLite, local folder) is filled directly through
``storage`` (no worker: documents are recorded as the pipeline would leave
them) and served by the real application through Starlette's TestClient.
The browser-level checks (uploads, live progress, comparison) are in
``tests/e2e/test_browser.py``.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api.app import create_app
from classifiers.doctypes import DOCUMENT_TYPES
from core import settings as settings_module
from pipeline import runtime as runtime_module
from pipeline.runtime import Runtime
from storage import apikeys, web_sessions
from storage import repository as repo
from storage.models import AuditEvent, Dossier, WebSession, utcnow
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
    for name_, value in extra.items():
        setattr(document, name_, value)
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
