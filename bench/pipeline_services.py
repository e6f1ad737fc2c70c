"""The deployments the pipeline benchmark measures, and the servers and workers they need.

Everything the benchmark starts is stopped by the context managers here, also on an
error or Ctrl-C: a worker left running would keep taking the CPU the next measurement
needs, and a SeaweedFS server would keep its ports. Settings reach the workers and the
``sohoa ingest`` calls only through ``SOHOA_*`` environment variables, as in production;
the benchmark's own reads of the database go through the same ``Settings`` object.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis

from core.settings import Settings
from pipeline.runtime import Runtime
from testkit.pipeline_harness import ADMIN_DSN, Worker, fresh_postgres, fresh_redis, s3_settings
from testkit.s3server import SeaweedS3

UNIT = "000.00.00.H26"


@dataclass(frozen=True)
class WorkerSpec:
    """One ``sohoa worker`` process: how many tasks it runs at once."""

    concurrency: int


@dataclass(frozen=True)
class Deployment:
    """A configuration to measure: its shared settings and the workers it runs.

    ``settings`` hold everything but the data folder; each worker gets its own data
    folder (``worker_dirs``), as separate worker machines would have, so originals are
    fetched from the store by every worker that needs them, never shared on disk.
    """

    key: str
    label: str
    settings: dict[str, str]
    workers: tuple[WorkerSpec, ...]
    client_dir: Path
    worker_dirs: tuple[Path, ...] = field(default=())

    @property
    def cores(self) -> int:
        return sum(w.concurrency for w in self.workers)

    def client_values(self) -> dict[str, str]:
        """Settings of the ingesting client and of the benchmark's database reads."""
        return {**self.settings, "SOHOA_DATA_DIR": str(self.client_dir)}

    def worker_values(self, index: int) -> dict[str, str]:
        return {**self.settings, "SOHOA_DATA_DIR": str(self.worker_dirs[index])}


def subprocess_env(values: dict[str, str]) -> dict[str, str]:
    """This process's environment without any ``SOHOA_*`` of the caller's shell, plus ours.

    A stray ``SOHOA_DATABASE_URL`` in the shell must not point a benchmark worker at
    somebody's real database.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(values)
    return env


def runtime_for(values: dict[str, str]) -> Runtime:
    """A runtime built from exactly these settings (no ``.env``, no shell variables)."""
    fields = {k.removeprefix("SOHOA_").lower(): v for k, v in values.items()}
    return Runtime.from_settings(Settings(_env_file=None, **fields))


# --------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------


@contextlib.contextmanager
def seaweed(root: Path) -> Iterator[SeaweedS3]:
    """A SeaweedFS S3 server on a fresh folder, stopped on the way out whatever happens."""
    server = SeaweedS3(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()


REDIS_ADMIN_URL = "redis://127.0.0.1:6379/0"
SPARE_REDIS_DBS = range(15, 9, -1)
"""Databases the benchmark may borrow, highest first; the tests use low numbers."""


def pick_redis_db() -> int:
    """A Redis database nobody is connected to and that holds no keys.

    Other people's test runs flush and use their own database numbers on the same
    server; sharing one would let their workers take our tasks (and ours theirs), which
    the correctness guard then reports as documents stuck ``queued``.
    """
    client = redis.Redis.from_url(REDIS_ADMIN_URL)
    busy = {int(c.get("db", -1)) for c in client.client_list()}
    for db in SPARE_REDIS_DBS:
        if db not in busy and not redis.Redis.from_url(_redis_url(db)).dbsize():
            return db
    raise RuntimeError(f"no idle, empty Redis database among {list(SPARE_REDIS_DBS)}")


def _redis_url(db: int) -> str:
    return f"redis://127.0.0.1:6379/{db}"


@contextlib.contextmanager
def production_settings(
    s3: SeaweedS3, redis_db: int | None, bucket: str
) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database and a flushed Redis database, dropped afterwards.

    ``redis_db`` None picks an idle database (``pick_redis_db``) just before the run.
    """
    db = pick_redis_db() if redis_db is None else redis_db
    with fresh_postgres("sohoa_bench") as database_url, fresh_redis(db=db) as broker_url:
        yield {
            "SOHOA_DATABASE_URL": database_url,
            "SOHOA_BROKER_URL": broker_url,
            **s3_settings(s3, bucket),
        }


def production_deployment(
    key: str, label: str, root: Path, settings: dict[str, str], workers: tuple[WorkerSpec, ...]
) -> Deployment:
    return Deployment(
        key=key,
        label=label,
        settings=settings,
        workers=workers,
        client_dir=root / "client",
        worker_dirs=tuple(root / f"worker{i + 1}" for i in range(len(workers))),
    )


def embedded_deployment(key: str, label: str, root: Path, concurrency: int) -> Deployment:
    """The serverless default: SQLite broker and database, a folder for objects.

    Clerks on one machine share one data folder between the CLI and the worker, so
    the worker's folder is the client's here.
    """
    data = root / "data"
    return Deployment(
        key=key,
        label=label,
        settings={},
        workers=(WorkerSpec(concurrency),),
        client_dir=data,
        worker_dirs=(data,),
    )


def server_versions(s3: SeaweedS3 | None) -> dict[str, str]:
    """Versions of the servers the production rows ran on, for the report header."""
    found: dict[str, str] = {}
    with contextlib.suppress(Exception):
        info = redis.Redis.from_url(REDIS_ADMIN_URL).info("server")
        found["redis"] = str(info.get("redis_version"))
    with (
        contextlib.suppress(Exception),
        psycopg.connect(ADMIN_DSN) as c,
    ):
        row = c.execute("SHOW server_version").fetchone()
        found["postgresql"] = str(row[0]).split()[0] if row else "unknown"
    if s3 is not None:
        found["seaweedfs"] = _weed_version(s3)
    return found


def _weed_version(s3: SeaweedS3) -> str:
    try:
        done = subprocess.run([str(s3.weed), "version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    # "version 8000GB 4.48 pypi linux amd64": the release is the dotted number.
    release = re.search(r"\b\d+\.\d+(?:\.\d+)?\b", done.stdout or done.stderr)
    return release.group(0) if release else "unknown"


# --------------------------------------------------------------------------------------
# Workers
# --------------------------------------------------------------------------------------


class WorkerGroup:
    """The deployment's ``sohoa worker`` processes, each in its own process group.

    On a clean exit they get a warm shutdown (all tasks are finished by then); on an
    error or Ctrl-C they are killed outright, group and pool children together, so the
    benchmark never waits for, or leaves behind, a worker busy with a page.
    """

    def __init__(self, deployment: Deployment, log_dir: Path) -> None:
        self.deployment = deployment
        self.log_dir = log_dir
        self.workers: list[Worker] = []

    @property
    def logs(self) -> list[Path]:
        return [w.log for w in self.workers]

    @property
    def main_pids(self) -> list[int]:
        return [w.process.pid for w in self.workers if w.process is not None]

    def __enter__(self) -> WorkerGroup:
        try:
            for index, spec in enumerate(self.deployment.workers):
                values = self.deployment.worker_values(index)
                log = self.log_dir / f"{self.deployment.key}-worker{index + 1}.log"
                log.unlink(missing_ok=True)
                worker = Worker(subprocess_env(values), log, concurrency=spec.concurrency)
                self.workers.append(worker)  # registered before start: cleaned up if it hangs
                worker.start(timeout=120)
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            for worker in self.workers:
                worker.stop()
        else:
            self.kill()

    def kill(self) -> None:
        for worker in self.workers:
            process = worker.process
            if process is None or process.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                process.wait(timeout=30)
