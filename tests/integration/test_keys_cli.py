"""``sohoa keys create/list/revoke`` as an operator runs them: the real CLI in a subprocess."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from core.settings import Settings
from pipeline.runtime import Runtime
from storage import apikeys
from storage.models import AuditEvent
from testkit.api_harness import clean_env, embedded_settings
from testkit.pipeline_harness import run_cli

UNIT = "000.00.00.H26"
OTHER_UNIT = "000.00.00.H27"
KEY_LINE = re.compile(r"sohoa_([0-9a-f]{16})_[A-Za-z0-9_-]{43}\n")
EXIT_NOT_FOUND = 13


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return clean_env(embedded_settings(tmp_path_factory.mktemp("keys-cli")))


@pytest.fixture(scope="module")
def rt(env: dict[str, str]) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(Settings(_env_file=None, data_dir=env["SOHOA_DATA_DIR"]))
    yield runtime
    runtime.sessions.kw["bind"].dispose()


def create(env: dict[str, str], *args: str) -> tuple[str, str]:
    """Run ``sohoa keys create``; returns (key id, key)."""
    done = run_cli(env, "keys", "create", *args)
    assert done.returncode == 0, done.stderr
    match = KEY_LINE.fullmatch(done.stdout)
    assert match, f"stdout must be the key alone on its line: {done.stdout!r}"
    assert "will not be shown again" in done.stderr and done.stdout.strip() not in done.stderr
    return match.group(1), done.stdout.strip()


def listing(env: dict[str, str]) -> dict[str, dict[str, str]]:
    done = run_cli(env, "keys", "list")
    assert done.returncode == 0, done.stderr
    header, *lines = done.stdout.splitlines()
    columns = header.split("\t")
    assert columns == ["id", "name", "role", "units", "created", "revoked", "last used"]
    rows = [dict(zip(columns, line.split("\t"), strict=True)) for line in lines]
    return {row["id"]: row for row in rows}


def test_create_list_revoke(env: dict[str, str], rt: Runtime) -> None:
    clerk_id, clerk = create(
        env, "--role", "clerk", "--unit", OTHER_UNIT, "-u", UNIT, "--name", "Một cửa xã A"
    )
    admin_id, admin = create(env, "--role", "admin")
    assert clerk != admin

    with rt.session() as s:
        row = s.execute(text("SELECT * FROM api_keys WHERE id = :id"), {"id": clerk_id}).one()
        assert row.secret_hash == hashlib.sha256(clerk.encode()).hexdigest()
        assert clerk not in " ".join(map(str, row)) and clerk[-43:] not in " ".join(map(str, row))
        assert apikeys.check_key(s, clerk).verdict == "ok"

    listed = run_cli(env, "keys", "list")
    assert clerk[-43:] not in listed.stdout and row.secret_hash not in listed.stdout
    rows = listing(env)
    assert rows[clerk_id]["name"] == "Một cửa xã A"
    assert (rows[clerk_id]["role"], rows[clerk_id]["units"]) == ("clerk", f"{UNIT},{OTHER_UNIT}")
    assert (rows[admin_id]["role"], rows[admin_id]["units"]) == ("admin", "*")
    assert rows[clerk_id]["revoked"] == "-" and rows[clerk_id]["last used"] == "-"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", rows[clerk_id]["created"])

    revoked = run_cli(env, "keys", "revoke", clerk_id)
    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"{clerk_id}\trevoked ")
    when = listing(env)[clerk_id]["revoked"]
    assert when != "-" and listing(env)[admin_id]["revoked"] == "-"
    with rt.session() as s:
        assert apikeys.check_key(s, clerk).verdict == "revoked"

    again = run_cli(env, "keys", "revoke", clerk_id)
    assert again.returncode == 0 and "(already)" in again.stdout
    assert listing(env)[clerk_id]["revoked"] == when

    with rt.session() as s:
        events = list(
            s.scalars(
                select(AuditEvent).where(AuditEvent.object_id == clerk_id).order_by(AuditEvent.id)
            )
        )
    assert [e.action for e in events] == ["key.created", "key.revoked"]
    assert all(e.actor.startswith("cli") for e in events)


def test_revoke_unknown_key(env: dict[str, str]) -> None:
    done = run_cli(env, "keys", "revoke", "0123456789abcdef")
    assert done.returncode == EXIT_NOT_FOUND
    assert "no key 0123456789abcdef" in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "clerk"], "needs at least one unit"),
        (["--role", "officer"], "needs at least one unit"),
        (["--role", "system"], "needs at least one unit"),
        (["--role", "admin", "--unit", UNIT], "give it no units"),
        (["--role", "owner", "--unit", UNIT], "'owner' is not one of"),
        (["--unit", UNIT], "Missing option '--role'"),
        (["--role", "clerk", "--unit", "../../etc"], "not allowed"),
    ],
)
def test_create_refuses_wrong_grants(
    env: dict[str, str], rt: Runtime, args: list[str], message: str
) -> None:
    with rt.session() as s:
        before = len(apikeys.list_keys(s))
    done = run_cli(env, "keys", "create", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stdout == ""
    with rt.session() as s:
        assert len(apikeys.list_keys(s)) == before


def test_system_key_with_several_units(env: dict[str, str]) -> None:
    key_id, _ = create(env, "--role", "system", "-u", UNIT, "-u", OTHER_UNIT, "-u", UNIT)
    row = listing(env)[key_id]
    assert (row["role"], row["units"], row["name"]) == (
        "system",
        f"{UNIT},{OTHER_UNIT}",
        f"system {UNIT} {OTHER_UNIT}",
    )
