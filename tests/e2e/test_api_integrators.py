"""What integrators call: ``GET /api/v1/documents`` across dossiers, and the ``intake`` role.

The application runs in process (TestClient) over a real SQLite database; documents are
recorded through ``storage.repository`` as the pipeline records them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from core.settings import Settings
from pipeline.runtime import Runtime
from storage import apikeys
from storage import repository as repo
from storage.models import AuditEvent
from testkit import pagegen

UNIT = "000.00.00.H26"
OTHER = "000.00.00.H27"
START = datetime(2025, 5, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam


@dataclass
class Site:
    rt: Runtime
    client: TestClient
    keys: dict[str, str]

    def get(self, role: str, path: str, **params: object) -> object:
        return self.client.get(path, params=params, headers=self.auth(role))

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path))
    keys = {}
    with rt.session() as s:
        for role in ("admin", "clerk", "officer", "system", "intake"):
            units = [] if role == "admin" else [UNIT]
            _, keys[role] = apikeys.create_key(s, role=role, units=units, actor="test")
        for unit in (UNIT, OTHER):
            repo.ensure_unit(s, unit)
            for code in ("HS-1", "HS-2"):
                dossier = repo.upsert_dossier(s, unit, code)
                for n in range(3):
                    name = f"Nguyễn Văn {unit[-3:]} {code} {n}.pdf"
                    document, _ = repo.create_document(
                        s,
                        dossier,
                        filename=name,
                        kind="pdf",
                        content_type="application/pdf",
                        size=1,
                        sha256=hashlib.sha256(name.encode()).hexdigest(),
                        original_key=name,
                        page_count=1,
                    )
                    hour = n * 2 + (code == "HS-2")  # the two dossiers' papers interleave
                    document.created_at = START + timedelta(days=unit == OTHER, hours=hour)
                    document.status = "failed" if n == 1 else "done"
                    document.document_type = "ban_sao" if n == 2 else "giay_khai_sinh"
    with TestClient(create_app(rt)) as client:
        yield Site(rt, client, keys)


def listed(site: Site, role: str = "clerk", **params: object) -> dict:
    answer = site.get(role, "/api/v1/documents", **params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_documents_listed_across_dossiers_newest_first(site: Site) -> None:
    body = listed(site)
    hours = [datetime.fromisoformat(d["created_at"]) for d in body["items"]]
    assert len(hours) == 6 and hours == sorted(hours, reverse=True)
    assert {d["dossier"] for d in body["items"]} == {"HS-1", "HS-2"}
    assert {d["unit"] for d in body["items"]} == {UNIT}  # the key's unit only
    first = body["items"][0]
    assert first["filename"] == "Nguyễn Văn H26 HS-2 2.pdf"
    assert first["links"]["self"] == f"/api/v1/documents/{first['id']}"
    assert body["next_cursor"] is None
    assert len(listed(site, "admin")["items"]) == 12  # an admin: every unit


def test_filters_by_status_type_and_day(site: Site) -> None:
    failed = listed(site, status="failed")["items"]
    assert [d["filename"] for d in failed] == [
        "Nguyễn Văn H26 HS-2 1.pdf",
        "Nguyễn Văn H26 HS-1 1.pdf",
    ]
    copies = listed(site, type="ban_sao")["items"]
    assert {d["document_type"] for d in copies} == {"ban_sao"} and len(copies) == 2
    # Days are Vietnam days: the other unit's papers are on 2 May.
    assert len(listed(site, "admin", **{"from": "2025-05-02"})["items"]) == 6
    assert len(listed(site, "admin", to="2025-05-01")["items"]) == 6
    assert listed(site, "admin", **{"from": "2025-05-03"})["items"] == []
    assert site.get("clerk", "/api/v1/documents", status="lost").status_code == 422


def test_cursor_pages_through_everything_once(site: Site) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        body = listed(site, "admin", limit=5, **({"cursor": cursor} if cursor else {}))
        seen += [d["id"] for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 12
    assert seen == [d["id"] for d in listed(site, "admin", limit=50)["items"]]
    for bad in ("nonsense", "W10=", "WyJ4IiwxXQ"):
        answer = site.get("clerk", "/api/v1/documents", cursor=bad)
        assert answer.status_code == 400, bad
        assert answer.json()["error"]["code"] == "invalid_cursor"


def test_the_changes_feed_pages_forward_oldest_change_first(site: Site) -> None:
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    seen: list[dict] = []
    cursor = None
    for _ in range(10):
        extra = {"cursor": cursor} if cursor else {}
        body = listed(site, "admin", changed_since=since, limit=5, **extra)
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    changes = [(d["updated_at"], d["id"]) for d in seen]
    assert len(seen) == 12 and changes == sorted(changes)
    assert {d["unit"] for d in listed(site, changed_since=since)["items"]} == {UNIT}
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert listed(site, "admin", changed_since=future)["items"] == []
    naive = site.get("admin", "/api/v1/documents", changed_since="2025-05-01T00:00:00")
    assert naive.status_code == 422
    ancient = site.get("admin", "/api/v1/documents", changed_since="0001-01-01T00:00:00+14:00")
    assert ancient.status_code == 422


def test_dossiers_page_by_cursor_and_count_up_to_a_cap(site: Site) -> None:
    whole = site.get("admin", "/api/v1/dossiers", limit=50).json()
    assert whole["total"] == len(whole["items"]) == 4 and whole["total_exact"]
    seen, cursor = [], None
    for _ in range(6):
        extra = {"cursor": cursor} if cursor else {}
        body = site.get("admin", "/api/v1/dossiers", limit=1, **extra).json()
        seen += [(d["unit"], d["code"]) for d in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [(d["unit"], d["code"]) for d in whole["items"]]
    with site.rt.session() as s:
        total, rows = repo.list_dossiers(s, units=None, limit=1, count_up_to=2)
    assert (total, len(rows)) == (3, 1)  # "more than 2": counting stopped there
    assert site.get("admin", "/api/v1/dossiers", cursor="WyJ4IiwxXQ").status_code == 400
    # A far page is reached by cursor: an offset past 10,000 is refused, not scanned.
    assert site.get("admin", "/api/v1/dossiers", offset=10_000).status_code == 200
    far = site.get("admin", "/api/v1/dossiers", offset=10_001)
    assert far.status_code == 422 and "offset" in far.json()["error"]["message"]


def test_another_unit_is_refused_like_the_other_lists_and_the_read_is_audited(
    site: Site,
) -> None:
    refused = site.get("clerk", "/api/v1/documents", unit=OTHER)
    listed_dossiers = site.get("clerk", "/api/v1/dossiers", unit=OTHER)
    assert refused.status_code == listed_dossiers.status_code == 404
    assert refused.json()["error"]["code"] == listed_dossiers.json()["error"]["code"]
    shown = [d["id"] for d in listed(site, status="failed")["items"]]
    with site.rt.session() as s:
        event = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "document.list")
            .order_by(AuditEvent.id.desc())
        ).first()
        assert event is not None
        assert event.actor.startswith("key:")
        assert event.detail["documents"] == shown
        assert event.detail["filter"]["status"] == "failed"


# ------------------------------------------------------------------ the intake role


def test_intake_key_submits_dossiers_and_scans_but_corrects_nothing(
    site: Site, tmp_path: Path
) -> None:
    """The one-stop software's key: creates dossiers and uploads in its units, reads them,
    and is refused what is a person's judgement (corrections, ticks, reprocessing)."""
    made = site.client.put(
        "/api/v1/dossiers/HS-9", json={"unit": UNIT}, headers=site.auth("intake")
    )
    assert made.status_code == 201, made.text
    page = pagegen.render_page(5, dpi=100, n_lines=2)
    scan = pagegen.save_png(page.image, tmp_path / "scan.png", 100).read_bytes()
    up = site.client.post(
        "/api/v1/dossiers/HS-9/documents",
        files=[("files", ("giấy.png", scan, "image/png"))],
        headers=site.auth("intake"),
    )
    assert up.status_code == 202, up.text
    document_id = up.json()["files"][0]["document"]["id"]
    assert site.get("intake", f"/api/v1/documents/{document_id}").status_code == 200
    elsewhere = site.client.put(
        "/api/v1/dossiers/HS-9", json={"unit": OTHER}, headers=site.auth("intake")
    )
    assert elsewhere.status_code == 404
    for method, path, body in (
        ("PATCH", f"/api/v1/documents/{document_id}", {"document_type": "ban_sao"}),
        ("POST", f"/api/v1/documents/{document_id}/reprocess", None),
        ("PUT", "/api/v1/dossiers/HS-9/checklist/ban-sao", {}),
    ):
        answer = site.client.request(method, path, json=body, headers=site.auth("intake"))
        assert answer.status_code == 403, (method, path, answer.text)
    # ``system`` stays read-only.
    refused = site.client.put(
        "/api/v1/dossiers/HS-8", json={"unit": UNIT}, headers=site.auth("system")
    )
    assert refused.status_code == 403


def test_intake_key_has_no_counter_pages(site: Site) -> None:
    """Software's keys sign in to no page: the counter's pages are for people."""
    form = site.client.get("/dang-nhap")
    token = re.search(r'name="signin" value="([^"]+)"', form.text)
    assert token is not None
    data = {"key": site.keys["intake"], "signin": token.group(1), "next": ""}
    answer = site.client.post("/dang-nhap", data=data, follow_redirects=False)
    assert answer.status_code == 403, answer.text
