"""Signed webhook events: delivered by a real worker, retried until accepted."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from core.settings import Settings
from pipeline import webhooks
from pipeline.runtime import Runtime
from storage import repository as repo
from testkit import pagegen
from testkit.pipeline_harness import Worker, engine_shim, run_cli, wait_for

UNIT = "000.00.00.H26"


def test_signature_round_trip_and_tampering():
    secret = b"k" * 32
    body = json.dumps({"type": "document.done", "tên": "Đặng"}, ensure_ascii=False).encode()
    now = int(time.time())
    signature = webhooks.sign(secret, now, body)
    assert webhooks.verify(secret, str(now), body, signature)
    assert not webhooks.verify(secret, str(now), body + b" ", signature)
    assert not webhooks.verify(b"other" * 8, str(now), body, signature)
    assert not webhooks.verify(
        secret, str(now - 3600), body, webhooks.sign(secret, now - 3600, body)
    )


def test_generated_secret_is_stable_and_private(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    first = webhooks.webhook_secret(settings)
    assert first == webhooks.webhook_secret(settings) and len(first) >= 32
    assert (tmp_path / "webhook.secret").stat().st_mode & 0o077 == 0
    configured = Settings(_env_file=None, data_dir=tmp_path, webhook_secret="đặt-sẵn")
    assert webhooks.webhook_secret(configured) == "đặt-sẵn".encode()


class Receiver:
    """A one-stop system's endpoint: refuses the first delivery of each event, then accepts."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                event_id = self.headers["X-Sohoa-Event-Id"]
                status = 204 if event_id in seen else 500
                seen.add(event_id)
                receiver.requests.append((status, dict(self.headers), body))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        # An on-premises receiver: loopback is refused unless the admin allows it.
        self.allow = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def accepted(self) -> list[tuple[int, dict[str, str], bytes]]:
        return [r for r in self.requests if r[0] == 204]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def _setup(
    tmp_path: Path, dossier: str, url: str, *, own_secret: bool = False, **extra: str
) -> tuple[dict, Runtime, bytes]:
    """The deployment and the dossier; the key its events are signed with."""
    values = {"SOHOA_DATA_DIR": str(tmp_path / "data"), **extra}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | values
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data"))
    with rt.session() as s:
        repo.ensure_unit(s, UNIT)
        made = repo.upsert_dossier(s, UNIT, dossier, callback_url=url)
        secret = repo.ensure_webhook_secret(made) if own_secret else None
    return env, rt, secret.encode() if secret else webhooks.webhook_secret(rt.settings)


def _ingest(env: dict, tmp_path: Path, dossier: str) -> str:
    source = pagegen.save_pdf([pagegen.render_page(900, n_lines=6).image], tmp_path / "a.pdf", 300)
    done = run_cli(env, "ingest", source, "--dossier", dossier, "--unit", UNIT)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\t")[0]


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_document_events_are_signed_and_retried(outcome, receiver, tmp_path):
    """Each event is refused once and sent again, the very same; a dossier whose only
    document is done is complete (no checklist): ``dossier.complete``, once. The done
    case's dossier has its own secret (made when its callback was set): its events are
    signed with it, not with the deployment's."""
    dossier = f"000.A0.01.H26-251122-{outcome}"
    env, rt, secret = _setup(
        tmp_path,
        dossier,
        receiver.url,
        own_secret=outcome == "done",
        SOHOA_WEBHOOK_ALLOW=receiver.allow,
    )
    expected = {f"document.{outcome}"} | ({"dossier.complete"} if outcome == "done" else set())
    # the failed case: the OCR engine crashes on every page (a stand-in on the PATH)
    extra = engine_shim(tmp_path / "engine", "crash") if outcome == "failed" else {}
    document_id = _ingest(env, tmp_path, dossier)
    worker = Worker(env | extra, tmp_path / "worker.log").start()
    try:
        wait_for(
            lambda: {json.loads(b)["type"] for _, _, b in receiver.accepted()} >= expected,
            120,
            f"accepted deliveries of {sorted(expected)}",
        )
        time.sleep(3)  # room for a duplicate, which must not come
    finally:
        worker.stop()

    events = {}
    for status, head, body in receiver.requests:
        events.setdefault(head["X-Sohoa-Event-Id"], []).append((status, head, body))
    assert sorted(json.loads(tries[0][2])["type"] for tries in events.values()) == sorted(expected)
    for tries in events.values():
        assert [status for status, _, _ in tries] == [500, 204], "refused once, sent again, once"
        assert tries[0][2] == tries[1][2], "a retry sends the very same event"
        _, head, body = tries[1]
        assert webhooks.verify(secret, head["X-Sohoa-Timestamp"], body, head["X-Sohoa-Signature"])
        if outcome == "done":  # not with the deployment's key
            shared = webhooks.webhook_secret(rt.settings)
            assert not webhooks.verify(
                shared, head["X-Sohoa-Timestamp"], body, head["X-Sohoa-Signature"]
            )
    document_event = next(
        json.loads(t[0][2])
        for t in events.values()
        if json.loads(t[0][2])["type"].startswith("document.")
    )
    assert document_event["document"]["id"] == document_id
    assert document_event["document"]["status"] == outcome
    assert document_event["dossier"] == {"code": dossier, "unit": UNIT}
    with rt.session() as s:
        assert repo.get_document(s, document_id).status == outcome
