"""Wrong keys are throttled per address and per key id; a flood is one audit row (issue 17).

The live test runs ``sohoa serve`` and sends from several loopback addresses
(127.0.0.2, 127.0.0.3, …: Linux routes all of 127/8 to the loopback device),
so that "another address" is a real other address, not a setting.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from api.throttle import FIRST_BLOCK_S, MAX_BLOCK_S, AttemptThrottle, attempt_subjects
from core.settings import Settings
from pipeline.runtime import Runtime
from storage.models import AuditEvent
from testkit.api_harness import ApiServer, embedded_settings

MAX_FAILURES = 5
UNIT = "000.00.00.H26"


class Clock:
    """A clock the test moves by hand: the throttle's own public parameter."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_blocks_grow_and_the_window_slides() -> None:
    clock = Clock()
    throttle = AttemptThrottle(3, 60, clock=clock)
    who = attempt_subjects("10.0.0.1", None)
    assert throttle.failed(who) == [] and throttle.failed(who) == []
    clock.now += 61  # the first two fall out of the window
    assert throttle.failed(who) == [] and throttle.failed(who) == []
    assert throttle.retry_after(who) is None
    [block] = throttle.failed(who)
    assert (block.subject, block.failures, block.seconds) == ("address:10.0.0.1", 3, FIRST_BLOCK_S)
    assert throttle.retry_after(who) == FIRST_BLOCK_S
    for _ in range(7):
        throttle.retry_after(who)
    clock.now += FIRST_BLOCK_S
    assert throttle.retry_after(who) is None
    for _ in range(2):
        assert throttle.failed(who) == []
    [second] = throttle.failed(who)
    assert second.seconds == 2 * FIRST_BLOCK_S and second.refused_in_last_block == 8
    for _ in range(20):  # however often it comes back, an hour at most
        clock.now += MAX_BLOCK_S
        last = [throttle.failed(who) for _ in range(3)][-1]
    assert last[0].seconds == MAX_BLOCK_S


def test_a_key_id_is_blocked_whatever_the_address_and_memory_is_bounded() -> None:
    throttle = AttemptThrottle(3, 60, clock=Clock(), max_tracked=50)
    started = [throttle.failed(attempt_subjects(f"10.0.0.{i}", "abcd")) for i in range(3)]
    assert [b.subject for b in started[-1]] == ["key:abcd"]
    assert throttle.retry_after(attempt_subjects("10.9.9.9", "abcd")) is not None
    assert throttle.retry_after(attempt_subjects("10.9.9.9", "ef01")) is None
    for i in range(1000):
        throttle.failed(attempt_subjects(f"10.1.{i // 250}.{i % 250}", None))
    assert len(throttle._subjects) == 50


# ------------------------------------------------------------------ live


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    data = tmp_path_factory.mktemp("throttle")
    settings = embedded_settings(data, SOHOA_AUTH_MAX_FAILURES=str(MAX_FAILURES))
    api = ApiServer(settings, data / "serve.log").start()
    yield api
    api.stop()


def from_address(server: ApiServer, address: str, key: str | None = None) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.Client(base_url=server.base_url, headers=headers, transport=transport, timeout=30)


def audit_count(server: ApiServer, action: str) -> int:
    rt = Runtime.from_settings(
        Settings(_env_file=None, data_dir=Path(server.env["SOHOA_DATA_DIR"]))
    )
    with rt.session() as s:
        return s.scalar(select(func.count()).where(AuditEvent.action == action)) or 0


def wrong(key: str) -> str:
    return key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")


def test_a_flood_of_wrong_keys_is_refused_early_and_audited_once(server: ApiServer) -> None:
    clerk_key = server.create_key("clerk", UNIT)
    denied_before = audit_count(server, "access.denied")
    with from_address(server, "127.0.0.2") as guesser:
        for _ in range(MAX_FAILURES):
            answer = guesser.get("/api/v1/dossiers", headers={"X-API-Key": wrong(clerk_key)})
            assert answer.status_code == 401
        flood = [
            guesser.get("/api/v1/dossiers", headers={"X-API-Key": wrong(clerk_key)})
            for _ in range(30)
        ]
        assert {a.status_code for a in flood} == {429}
        assert flood[0].json()["error"]["code"] == "too_many_attempts"
        assert 0 < int(flood[0].headers["retry-after"]) <= FIRST_BLOCK_S
        # Blocked means blocked: even the right key from there waits (it learns nothing).
        right = guesser.get("/api/v1/dossiers", headers={"X-API-Key": clerk_key})
        assert right.status_code == 429
        # No key at all is not a guess: refused as before, not throttled.
        assert guesser.get("/api/v1/dossiers").status_code == 401
    assert audit_count(server, "access.denied") == denied_before + MAX_FAILURES + 1
    assert audit_count(server, "access.throttled") == 2  # the address and the key id

    # The key id is blocked for everyone; another key works from anywhere else.
    other_key = server.create_key("clerk", UNIT)
    with from_address(server, "127.0.0.3") as elsewhere:
        assert elsewhere.get("/api/v1/dossiers", headers={"X-API-Key": other_key}).is_success
        blocked = elsewhere.get("/api/v1/dossiers", headers={"X-API-Key": clerk_key})
        assert blocked.status_code == 429


def test_signin_page_is_throttled_too(server: ApiServer) -> None:
    with from_address(server, "127.0.0.4") as browser:

        def attempt(key: str) -> httpx.Response:
            form = browser.get("/dang-nhap")
            token = re.search(r'name="signin" value="([^"]+)"', form.text)
            assert token, form.text
            return browser.post("/dang-nhap", data={"key": key, "signin": token.group(1)})

        for i in range(MAX_FAILURES):
            assert attempt(f"sohoa-sai-{i}").status_code == 401
        throttled = attempt("sohoa-sai")
        assert throttled.status_code == 429 and "thử lại sau" in throttled.text
        assert int(throttled.headers["retry-after"]) > 0
