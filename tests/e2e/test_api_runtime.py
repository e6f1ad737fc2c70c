"""The API works on the runtime it is given (``create_app(rt)``), not on a process-wide one.

Two apps in one process, each over its own database: a key of one is a
stranger to the other, each lists only its own dossiers, and each records its
audit events in its own database.
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from core.settings import Settings
from pipeline.runtime import Runtime
from storage import apikeys
from storage import repository as repo
from storage.models import AuditEvent

UNIT = "000.00.00.H26"


def _deployment(data: Path, dossier: str) -> tuple[Runtime, str]:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=data))
    with rt.session() as s:
        _, secret = apikeys.create_key(s, role="clerk", units=[UNIT], actor="test")
        repo.ensure_unit(s, UNIT)
        repo.upsert_dossier(s, UNIT, dossier)
    return rt, secret


def _denials(rt: Runtime) -> int:
    with rt.session() as s:
        return len(s.scalars(select(AuditEvent).where(AuditEvent.action == "access.denied")).all())


def test_each_app_uses_the_runtime_it_was_given(tmp_path):
    first, first_key = _deployment(tmp_path / "a", "000.A0.01.H26-261204-0001")
    second, second_key = _deployment(tmp_path / "b", "000.A0.01.H26-261204-0002")
    apps = {"a": TestClient(create_app(first)), "b": TestClient(create_app(second))}

    def dossiers(app: str, key: str) -> tuple[int, list[str]]:
        got = apps[app].get("/api/v1/dossiers", headers={"Authorization": f"Bearer {key}"})
        codes = [d["code"] for d in got.json().get("items", [])] if got.status_code == 200 else []
        return got.status_code, codes

    assert dossiers("a", first_key) == (200, ["000.A0.01.H26-261204-0001"])
    assert dossiers("b", second_key) == (200, ["000.A0.01.H26-261204-0002"])
    before = (_denials(first), _denials(second))
    assert dossiers("b", first_key)[0] == 401, "a key of the first deployment is unknown here"
    assert (_denials(first), _denials(second)) == (before[0], before[1] + 1)
