"""`make run`'s command: one `sohoa run` serves the API and runs a worker, with no
servers at all, and a first start hands out an admin key exactly once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import httpx

from testkit.api_harness import clean_env, free_port
from testkit.pipeline_harness import wait_for
from testkit.programs import REPO, SOHOA

ROOT = REPO
SAMPLE = ROOT / "samples" / "giay-xac-nhan.jpg"


def _start(data: Path, port: int, out: Path) -> subprocess.Popen[bytes]:
    env = clean_env({"SOHOA_DATA_DIR": str(data), "SOHOA_WORKER_CONCURRENCY": "2"})
    with out.open("ab") as handle:
        return subprocess.Popen(
            [str(SOHOA), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=handle,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def test_sohoa_run_serves_and_digitises_with_no_servers(tmp_path):
    data, port, out = tmp_path / "data", free_port(), tmp_path / "run.out"
    base = f"http://127.0.0.1:{port}"
    process = _start(data, port, out)
    try:
        wait_for(lambda: _answers(base), 90, "sohoa run to answer")
        admin = out.read_text().strip().splitlines()[0]
        assert admin.startswith("sohoa_")
        admin_headers = {"Authorization": f"Bearer {admin}"}
        made = httpx.post(
            f"{base}/api/v1/keys",
            headers=admin_headers,
            json={"role": "clerk", "units": ["000.00.00.H26"], "name": "quầy 1"},
        )
        assert made.status_code == 201, made.text
        clerk = {"Authorization": f"Bearer {made.json()['key']}"}
        dossier = "000.A0.01.H26-251122-0100"
        put = httpx.put(
            f"{base}/api/v1/dossiers/{dossier}", headers=clerk, json={"unit": "000.00.00.H26"}
        )
        assert put.status_code in (200, 201), put.text
        with SAMPLE.open("rb") as handle:
            upload = httpx.post(
                f"{base}/api/v1/dossiers/{dossier}/documents",
                headers=clerk,
                files=[("files", ("giấy xác nhận.jpg", handle, "image/jpeg"))],
                timeout=60,
            )
        assert upload.status_code == 202, upload.text
        document_id = upload.json()["files"][0]["document"]["id"]

        def done() -> bool:
            state = httpx.get(f"{base}/api/v1/documents/{document_id}", headers=clerk).json()
            assert state["status"] != "failed", state
            return state["status"] == "done"

        wait_for(done, 120, "the bundled worker to digitise the sample")
        pdf = httpx.get(f"{base}/api/v1/documents/{document_id}/pdf", headers=clerk)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    finally:
        _stop(process)

    # A second start finds the key and does not print another one.
    again = _start(data, free_port(), tmp_path / "again.out")
    try:
        wait_for(lambda: b"API on" in _stderr_so_far(again), 60, "second start")
    finally:
        _stop(again)
    assert "sohoa_" not in (tmp_path / "again.out").read_text()


def test_sigterm_to_sohoa_run_stops_its_worker(tmp_path):
    """What a service manager does: SIGTERM to the main process alone, not its group."""
    data, port, out = tmp_path / "data", free_port(), tmp_path / "run.out"
    process = _start(data, port, out)
    try:
        line = wait_for(
            lambda: re.search(rb"worker pid (\d+)", _seen(process)), 60, "the worker's pid"
        )
        worker = int(line.group(1))
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}"), 90, "sohoa run to answer")
        os.kill(process.pid, signal.SIGTERM)
        # uvicorn's own graceful shutdown (0), or the stop unwinding through ours (143)
        assert process.wait(timeout=90) in (0, 128 + signal.SIGTERM)
        wait_for(lambda: not _alive(worker), 30, "the worker to stop")
    finally:
        _stop(process)


_output: dict[int, bytes] = {}


def _seen(process: subprocess.Popen[bytes]) -> bytes:
    _output[process.pid] = _output.get(process.pid, b"") + _stderr_so_far(process)
    return _output[process.pid]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _stderr_so_far(process: subprocess.Popen[bytes]) -> bytes:
    assert process.stderr is not None
    os.set_blocking(process.stderr.fileno(), False)
    return process.stderr.read() or b""
