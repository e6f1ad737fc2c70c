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
    """A one-stop system's endpoint: refuses the first delivery, then accepts."""

    def __init__(self, fail_first: int = 1) -> None:
        self.requests: list[tuple[int, dict[str, str], bytes]] = []
        self.fail_first = fail_first
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.requests) < receiver.fail_first else 204
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


def _setup(tmp_path: Path, dossier: str, url: str, **extra: str) -> tuple[dict, Runtime]:
    values = {"SOHOA_DATA_DIR": str(tmp_path / "data"), **extra}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | values
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data"))
    with rt.session() as s:
        repo.ensure_unit(s, UNIT)
        repo.upsert_dossier(s, UNIT, dossier, callback_url=url)
    return env, rt


def _ingest(env: dict, tmp_path: Path, dossier: str) -> str:
    source = pagegen.save_pdf([pagegen.render_page(900, n_lines=6).image], tmp_path / "a.pdf", 300)
    done = run_cli(env, "ingest", source, "--dossier", dossier, "--unit", UNIT)
    assert done.returncode == 0, done.stderr
    return done.stdout.split("\t")[0]


@pytest.mark.parametrize("outcome", ["done", "failed"])
def test_document_events_are_signed_and_retried(outcome, receiver, tmp_path):
    dossier = f"000.A0.01.H26-251122-{outcome}"
    env, rt = _setup(tmp_path, dossier, receiver.url, SOHOA_WEBHOOK_ALLOW=receiver.allow)
    # the failed case: the OCR engine crashes on every page (a stand-in on the PATH)
    extra = engine_shim(tmp_path / "engine", "crash") if outcome == "failed" else {}
    document_id = _ingest(env, tmp_path, dossier)
    worker = Worker(env | extra, tmp_path / "worker.log").start()
    try:
        wait_for(receiver.accepted, 120, "an accepted webhook delivery")
    finally:
        worker.stop()

    (first_status, _, first_body), *_ = receiver.requests
    _, head, body = receiver.accepted()[0]
    assert first_status == 500, "the first delivery is refused, so the accepted one is a retry"
    assert body == first_body, "a retry sends the very same event"
    event = json.loads(body)
    assert event["type"] == f"document.{outcome}"
    assert event["document"]["id"] == document_id and event["document"]["status"] == outcome
    assert event["dossier"] == {"code": dossier, "unit": UNIT}
    assert head["X-Sohoa-Event-Id"] == event["id"]
    secret = webhooks.webhook_secret(rt.settings)
    assert webhooks.verify(secret, head["X-Sohoa-Timestamp"], body, head["X-Sohoa-Signature"])
    with rt.session() as s:
        assert repo.get_document(s, document_id).status == outcome
