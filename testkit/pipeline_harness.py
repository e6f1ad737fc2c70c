"""Running the real pipeline in tests: a fresh PostgreSQL database, a Redis
database, worker processes started and killed like in production."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import redis

from testkit.programs import SOHOA

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
REDIS_URL = "redis://127.0.0.1:6379/{db}"
ADMIN_DSN = "host=127.0.0.1 user=postgres dbname=postgres"


@contextmanager
def fresh_postgres(prefix: str = "sohoa_test") -> Iterator[str]:
    """A new database, dropped afterwards even if workers still hold it; fails loudly
    when PostgreSQL is down. The prefix tells whose a left-over database is."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.format(name=name)
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def s3_settings(s3: Any, bucket: str) -> dict[str, str]:
    """The ``SOHOA_*`` settings that point the service at an S3 server (a SeaweedS3)."""
    return {
        "SOHOA_OBJECT_STORE": "s3",
        "SOHOA_S3_ENDPOINT": s3.endpoint,
        "SOHOA_S3_ACCESS_KEY": s3.access_key,
        "SOHOA_S3_SECRET_KEY": s3.secret_key,
        "SOHOA_S3_BUCKET": bucket,
    }


@contextmanager
def fresh_redis(db: int) -> Iterator[str]:
    url = REDIS_URL.format(db=db)
    client = redis.Redis.from_url(url)
    client.ping()  # fails loudly when Redis is down
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()


class Worker:
    """A ``sohoa worker`` in its own process group, so it can be killed whole."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 2) -> None:
        self.env, self.log, self.concurrency = env, log, concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> Worker:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        name = f"test-{uuid.uuid4().hex[:8]}@%h"
        self.process = subprocess.Popen(
            [str(SOHOA), "worker", "-c", str(self.concurrency), "--name", name],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b" ready." in self.log.read_bytes(), timeout, "worker ready")
        return self

    def kill_hard(self) -> None:
        """kill -9 of the worker and its pool children: what a power cut does."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # Warm shutdown: the main process lets its pool finish the current tasks.
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def wait_for(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def run_cli(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOHOA), *map(str, args)], env=env, capture_output=True, text=True, timeout=300
    )


class PrivateRedis:
    """A Redis of the test's own, on a free port, persisting to an append-only file,
    so a test can restart the broker without disturbing anything else."""

    def __init__(self, directory: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--pidfile",
                str(self.directory / "redis.pid"),
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            check=True,
        )
        wait_for(self._answers, 30, f"redis on port {self.port}")
        return self

    def stop(self) -> None:
        """A clean broker restart: Redis writes its append-only file and exits."""
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown"], capture_output=True, check=False
        )
        wait_for(lambda: not self._answers(), 30, "redis to stop")

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False


# A stand-in for the OCR engine, put first on the PATH of the processes under test:
# failures are injected where the engine itself would fail, not through settings.
# Each behaviour passes questions about the engine (version, languages) to the real
# program and does its thing on a recognition run (pytesseract asks for a TSV).
ENGINE_BEHAVIOURS = {
    # count recognition runs in $TEST_OCR_RUNS, then read for real
    "count": 'echo run >> "$TEST_OCR_RUNS"; exec {real} "$@"',
    # counted, then slow: a page that runs longer than a claim's lease
    "slow": 'echo run >> "$TEST_OCR_RUNS"; sleep "$TEST_OCR_SLEEP"; exec {real} "$@"',
    # the engine crashes: a segmentation fault, with its message on stderr
    "crash": 'echo "Segmentation fault (core dumped)" >&2; kill -SEGV $$',
    # the kernel's OOM killer ends it: SIGKILL, no word said
    "oom": "kill -KILL $$",
    # it answers, but its output is not UTF-8 text
    # (pytesseract runs ``tesseract <image> <output base> …`` and reads <base>.tsv)
    "garbage": 'printf "\\377\\376 not text \\377" > "$2.tsv"; exit 0',
}


def engine_shim(directory: Path, behaviour: str) -> dict[str, str]:
    """Write a ``tesseract`` that behaves as told; returns the environment to run it with.

    The stand-in is a program, so the environment also chooses the engine that runs
    the program (``tesseract-cli``); the default engine reads in-process.
    """
    import shutil

    real = shutil.which("tesseract")
    assert real, "tesseract is not installed"
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "tesseract"
    action = ENGINE_BEHAVIOURS[behaviour].format(real=real)
    script.write_text(
        f'#!/bin/sh\ncase "$*" in *tessedit_create_tsv*) {action} ;; esac\nexec {real} "$@"\n'
    )
    script.chmod(0o755)
    return {"PATH": f"{directory}:{os.environ['PATH']}", "SOHOA_OCR_ENGINE": "tesseract-cli"}
