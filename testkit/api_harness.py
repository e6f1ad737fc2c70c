"""A live API for tests: ``sohoa serve`` in its own process, on a free local port.

The server gets its settings the way production does, from ``SOHOA_*``
environment variables, and is reached over real HTTP with httpx. API keys are
made with the real CLI (``sohoa keys create``), as an operator would.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import urllib.parse
from pathlib import Path

import httpx

from core.settings import Settings
from pipeline.runtime import Runtime
from testkit.pipeline_harness import run_cli, wait_for
from testkit.programs import SOHOA


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without any ``SOHOA_*``, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(values)
    return env


def embedded_settings(data_dir: Path, **extra: str) -> dict[str, str]:
    """The serverless default: SQLite, a local object folder, the SQLite broker."""
    return {"SOHOA_DATA_DIR": str(data_dir), "SOHOA_WORKER_CONCURRENCY": "2", **extra}


class ApiServer:
    """``sohoa serve`` on 127.0.0.1 and a free port; ready once ``/healthz`` answers."""

    def __init__(self, settings: dict[str, str], log: Path) -> None:
        self.env = clean_env(settings)
        self.log = log
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> ApiServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        migrated = run_cli(self.env, "migrate")  # the server would too; errors read better here
        assert migrated.returncode == 0, migrated.stderr
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [str(SOHOA), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(self._healthy, timeout, f"API on port {self.port}")
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"sohoa serve exited early:\n{self.log_tail()}")
        try:
            return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def client(self, key: str | None = None, **kwargs: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60, **kwargs)

    def create_key(self, role: str, *units: str) -> str:
        """A new API key made with the CLI; returns the plaintext key."""
        args: list[object] = ["keys", "create", "--role", role, "--name", f"test-{role}"]
        for unit in units:
            args += ["--unit", unit]
        done = run_cli(self.env, *args)
        assert done.returncode == 0, done.stderr
        return parse_key(done.stdout)


def parse_key(stdout: str) -> str:
    """The plaintext key printed (once, on stdout) by ``sohoa keys create``."""
    found = re.search(r"\bsohoa_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\b", stdout)
    assert found, f"no key in the output of sohoa keys create: {stdout!r}"
    return found.group(0)


# A document of a few pages done by one worker on two shared cores, with room to spare.
DONE_TIMEOUT = 240


def runtime_for(settings: dict[str, str]) -> Runtime:
    """The deployment's database and store, seen from the test process."""
    fields = {k.removeprefix("SOHOA_").lower(): v for k, v in settings.items()}
    return Runtime.from_settings(Settings(_env_file=None, **fields))


def wait_done(client: httpx.Client, document_id: str, timeout: float = DONE_TIMEOUT) -> dict:
    """The document's API answer once it is done; fails at once if it failed."""

    def done() -> dict | None:
        body = client.get(f"/api/v1/documents/{document_id}").json()
        if body["status"] == "failed":
            raise AssertionError(f"document failed: {body['failure_reason']}")
        return body if body["status"] == "done" else None

    return wait_for(done, timeout, f"document {document_id} done")  # type: ignore[return-value]


def file_scans(
    clerk: httpx.Client,
    unit: str,
    dossier: str,
    scans: dict[str, bytes],
    timeout: float = DONE_TIMEOUT,
) -> dict[str, str]:
    """Open ``dossier`` in ``unit``, upload each PNG scan as a document of its own and wait
    until every one is done (a failed one fails at once); name -> document id."""
    code = quote(dossier)
    assert clerk.put(f"/api/v1/dossiers/{code}", json={"unit": unit}).status_code == 201
    ids = {}
    for name, scan in scans.items():
        up = clerk.post(
            f"/api/v1/dossiers/{code}/documents",
            files=[("files", (f"{name}.png", scan, "image/png"))],
        )
        assert up.status_code == 202, up.text
        ids[name] = up.json()["files"][0]["document"]["id"]
    for document_id in ids.values():
        wait_done(clerk, document_id, timeout)
    return ids


def quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")
