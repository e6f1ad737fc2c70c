"""The hot folder drills: the real ``sohoa watch`` in its own process over a real folder,
the embedded deployment (SQLite, local object folder, SQLite broker), feeder scans composed
here with cover sheets printed by ``api.printouts`` and scanned back with the real Poppler.

A file still being written is not taken; a refused file ends in ``refused/`` with its
reason; a feeder scan of two dossiers lands in them; taking a file twice, or a watcher
killed with SIGKILL mid-batch and restarted, loses and duplicates nothing.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.runtime import Runtime
from storage.models import AuditEvent, Document, Dossier
from testkit.api_harness import clean_env, embedded_settings, free_port, runtime_for
from testkit.batch_scans import Blank, Cover, Text, feeder_pdf
from testkit.pipeline_harness import run_cli, wait_for
from testkit.programs import SOHOA

UNIT = "000.00.00.H26"
SETTLE = "1"


class Deployment:
    """A data folder, a hot folder, and ``sohoa watch`` on it as the operator starts it."""

    def __init__(self, root: Path) -> None:
        self.settings = embedded_settings(root / "data")
        self.env = clean_env(self.settings)
        self.inbox = root / "máy quét"
        self.log = root / "watch.log"
        self.process: subprocess.Popen[bytes] | None = None
        migrated = run_cli(self.env, "migrate")
        assert migrated.returncode == 0, migrated.stderr
        self.rt: Runtime = runtime_for(self.settings)

    def watch_once(self) -> subprocess.CompletedProcess[str]:
        done = run_cli(self.env, "watch", self.inbox, "--unit", UNIT, "--settle", SETTLE, "--once")
        assert done.returncode == 0, done.stderr
        return done

    def start(self) -> Deployment:
        self.inbox.mkdir(parents=True, exist_ok=True)
        handle = self.log.open("ab")
        self.process = subprocess.Popen(
            [str(SOHOA), "watch", str(self.inbox), "--unit", UNIT, "--settle", SETTLE],
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b"watching" in self.log.read_bytes(), 60, "the watcher to start")
        return self

    def kill_hard(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)
        assert self.process.returncode == 128 + signal.SIGTERM, self.log.read_text()

    def documents(self) -> list[tuple[str, str, int, str]]:
        """(dossier, file name, pages, SHA-256) of every stored document, in a stable order."""
        with self.rt.session() as s:
            rows = s.execute(
                select(Dossier.code, Document.filename, Document.page_count, Document.sha256)
                .join(Document.dossier)
                .where(Dossier.unit_code == UNIT)
                .order_by(Dossier.code, Document.filename)
            ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def filed(self) -> int:
        """How many documents are stored: one count, cheap enough to poll fast."""
        with self.rt.session() as s:
            return s.scalar(select(func.count(Document.id))) or 0

    def actors(self) -> set[str]:
        with self.rt.session() as s:
            rows = s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "document.create"))
            return set(rows)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    d = Deployment(tmp_path)
    yield d
    d.stop()


def _in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_file_still_being_written_is_not_taken(deployment: Deployment) -> None:
    dossier = "000.A0.01.H26-261205-0301"
    scan = feeder_pdf(deployment.inbox.parent / "scan.pdf", [Text(21), Text(22)])
    data = scan.read_bytes()
    target = deployment.inbox / dossier / "scan.pdf"
    target.parent.mkdir(parents=True)
    deployment.start()
    with target.open("wb") as writing:
        writing.write(data[: len(data) // 2])
        writing.flush()
        time.sleep(4)  # four settle intervals: half a PDF, unchanged, still open
        assert target.exists() and deployment.documents() == []
        writing.write(data[len(data) // 2 :])
        writing.flush()
        time.sleep(4)  # complete and unchanged, but a writer still holds it open
        assert target.exists() and deployment.documents() == []
    wait_for(lambda: _in(deployment.inbox / "done" / dossier) == ["scan.pdf"], 60, "taken")
    assert not target.exists()
    assert deployment.documents() == [(dossier, "scan.pdf", 2, hashlib.sha256(data).hexdigest())]


def test_refused_files_end_in_refused_with_their_reason(deployment: Deployment) -> None:
    inbox = deployment.inbox
    (inbox / "000.A0.01.H26-261205-0302").mkdir(parents=True)
    (inbox / "000.A0.01.H26-261205-0302" / "ghi chú.pdf").write_text("không phải PDF")
    feeder_pdf(inbox / "không bìa.pdf", [Text(23)])
    feeder_pdf(inbox / "lệch.pdf", [Text(24), Cover(UNIT, "000.A0.01.H26-261205-0303"), Text(25)])
    feeder_pdf(inbox / "đơn vị khác.pdf", [Cover("000.00.00.H27", "H27-0001"), Text(26)])
    (inbox / "đang chép.pdf.part").write_bytes(b"%PDF-1.4 half")
    (inbox / ".ẩn.pdf").write_bytes(b"%PDF-1.4 hidden")

    done = deployment.watch_once()

    refused = inbox / "refused"
    expected = {
        refused / "000.A0.01.H26-261205-0302" / "ghi chú.pdf": "unsupported_type",
        refused / "không bìa.pdf": "no_dossier",
        refused / "lệch.pdf": "no_cover_sheet",
        refused / "đơn vị khác.pdf": "other_unit",
    }
    for path, code in expected.items():
        assert path.exists(), done.stderr
        reason = path.with_name(path.name + ".reason.txt").read_text(encoding="utf-8")
        assert f"code: {code}\n" in reason
        assert "reason: " in reason and "lý do: " in reason
        assert f"refused\t{path.name}\t{code}: " in done.stderr
    assert "page(s) 1" in (refused / "lệch.pdf.reason.txt").read_text(encoding="utf-8")
    # Nothing of a refused file is filed, and what is not complete is left alone.
    assert deployment.documents() == []
    left = ["000.A0.01.H26-261205-0302", "done", "refused", "đang chép.pdf.part"]
    assert [name for name in _in(inbox) if not name.startswith(".")] == left
    assert (inbox / ".ẩn.pdf").exists()


FIRST = "000.A0.01.H26-261205-0311"
SECOND = "000.A0.01.H26-261205-0312"


def _two_dossiers(path: Path) -> Path:
    """Cover A, text, blank, two pages of text, cover B (askew), text: 7 pages."""
    return feeder_pdf(
        path,
        [
            Cover(UNIT, FIRST),
            Text(31),
            Blank(),
            Text(32),
            Text(33),
            Cover(UNIT, SECOND, degrees=-3.0),
            Text(34),
        ],
    )


def test_a_feeder_scan_of_two_dossiers_lands_in_its_dossiers(deployment: Deployment) -> None:
    deployment.inbox.mkdir(parents=True)
    _two_dossiers(deployment.inbox / "lô sáng.pdf")

    done = deployment.watch_once()

    stored = [(code, name, pages) for code, name, pages, _ in deployment.documents()]
    assert stored == [
        (FIRST, "lô sáng (trang 2).pdf", 1),
        (FIRST, "lô sáng (trang 4–5).pdf", 2),
        (SECOND, "lô sáng (trang 7).pdf", 1),
    ], done.stderr
    assert _in(deployment.inbox / "done") == ["lô sáng.pdf"]
    assert _in(deployment.inbox / "refused") == []
    assert deployment.actors() == {"hot-folder"}
    assert done.stdout.count("\tlô sáng.pdf\t") == 3


def test_taking_the_same_file_twice_duplicates_nothing(deployment: Deployment) -> None:
    deployment.inbox.mkdir(parents=True)
    _two_dossiers(deployment.inbox / "lô chiều.pdf")
    deployment.watch_once()
    first = deployment.documents()
    assert len(first) == 3

    shutil.copy(deployment.inbox / "done" / "lô chiều.pdf", deployment.inbox / "lô chiều.pdf")
    again = deployment.watch_once()

    assert deployment.documents() == first
    assert again.stdout.count("(already in this dossier)") == 3
    assert _in(deployment.inbox / "done") == ["lô chiều (2).pdf", "lô chiều.pdf"]


def test_a_watcher_killed_mid_batch_loses_and_duplicates_nothing(deployment: Deployment) -> None:
    # Enough parts that filing them takes seconds, watched every few milliseconds: on a
    # quiet machine eight dossiers were all filed between two polls of 0.3 s.
    dossiers = [f"000.A0.01.H26-261205-{n:04d}" for n in range(321, 345)]
    sheets = []
    for n, code in enumerate(dossiers):
        sheets += [Cover(UNIT, code), Text(40 + n, lines=10), Blank(), Text(80 + n, lines=10)]
    batch = feeder_pdf(deployment.inbox.parent / "cả ngày.pdf", sheets)
    deployment.start()
    os.replace(batch, deployment.inbox / "cả ngày.pdf")  # a scanner's rename: complete at once

    deadline = time.monotonic() + 120
    while deployment.filed() < 2:
        assert time.monotonic() < deadline, "timed out waiting for the first documents filed"
        time.sleep(0.005)
    deployment.kill_hard()
    midway = deployment.documents()
    assert 2 <= len(midway) < 2 * len(dossiers), "killed too late to test a batch cut short"
    assert (deployment.inbox / "cả ngày.pdf").exists()  # not moved: the batch is not done

    deployment.start()
    wait_for(lambda: _in(deployment.inbox / "done") == ["cả ngày.pdf"], 180, "batch done")
    final = deployment.documents()
    assert [(code, pages) for code, _, pages, _ in final] == [
        (code, 1) for code in dossiers for _ in range(2)
    ]
    assert len({(code, sha) for code, _, _, sha in final}) == len(final)
    assert set(midway) <= set(final)
    assert not (deployment.inbox / "cả ngày.pdf").exists()


def test_sohoa_run_watches_the_hot_folder_when_it_is_set(tmp_path: Path) -> None:
    inbox, log = tmp_path / "quét", tmp_path / "run.log"
    dossier = "000.A0.01.H26-261205-0331"
    settings = embedded_settings(  # the hot folder's unit, not the default one
        tmp_path / "data",
        SOHOA_HOT_FOLDER=str(inbox),
        SOHOA_HOT_FOLDER_UNIT=UNIT,
        SOHOA_DEFAULT_UNIT="000.00.00.H99",
    )
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [str(SOHOA), "run", "--host", "127.0.0.1", "--port", str(free_port())],
            env=clean_env(settings),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        found = wait_for(
            lambda: re.search(rb"watcher pid (\d+)", log.read_bytes()), 90, "the watcher"
        )
        watcher = int(found.group(1))  # type: ignore[union-attr]
        wait_for(lambda: (inbox / "done").is_dir(), 90, "the hot folder watched")
        (inbox / dossier).mkdir()
        feeder_pdf(tmp_path / "scan.pdf", [Text(71)])
        os.replace(tmp_path / "scan.pdf", inbox / dossier / "scan.pdf")
        wait_for(lambda: (inbox / "done" / dossier / "scan.pdf").exists(), 90, "filed")
        rt = runtime_for(settings)
        with rt.session() as s:
            names = s.scalars(
                select(Document.filename)
                .join(Document.dossier)
                .where(Dossier.code == dossier, Dossier.unit_code == UNIT)
            ).all()
        assert names == ["scan.pdf"]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=90)
    assert not Path(f"/proc/{watcher}").exists()  # stopped with sohoa run
