"""Stopping ``sohoa ocr`` half-way: it stops at once and leaves nothing behind.

Each test starts the real CLI in a session of its own (as a terminal starts a
job), waits until a page worker is running Tesseract, signals it the way a
clerk or an init system would, and then looks at what is left: processes in
that session, files in the output folder, files in the temporary folder
(``TMPDIR``, given to the run as a fresh empty folder). Each runs with the
default engine (Tesseract inside the page worker) and with ``tesseract-cli``
(a ``tesseract`` program under each page worker, which must go too).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.programs import Process, processes
from testkit import pagegen
from testkit.programs import SOHOA

# Forty pages keep two workers busy for half a minute or more, so a run that
# ignores the signal is still going when STOP_SECONDS end (and one that finished
# instead exits 0 and fails the test).
PAGES = 40
# A stop kills processes and removes files: well under a second in practice.
# The bound leaves room for a loaded machine and is still far below the time
# the remaining pages would take.
STOP_SECONDS = 10.0
# Opening the TIFF and starting the workers, before the first page's Tesseract.
START_SECONDS = 120.0
# CPU time after which a page worker of the in-process engine is surely reading:
# forking costs milliseconds, and a page's cleaning and OCR take over a second.
READING_CPU_SECONDS = 0.5
ENGINES = ("tesseract", "tesseract-cli")


@pytest.fixture(scope="module")
def long_tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered page forty times: quick to make, long to OCR."""
    page = pagegen.render_page(7, n_lines=20).image.convert("L")
    path = tmp_path_factory.mktemp("scan") / "so-ho-khau.tif"
    page.save(
        path,
        "TIFF",
        dpi=(300, 300),
        compression="tiff_lzw",
        save_all=True,
        append_images=[page] * (PAGES - 1),
    )
    return path


@dataclass
class Run:
    """One ``sohoa ocr`` in a session of its own.

    Its stderr goes to a file, not a pipe: processes left holding a pipe would
    block the test reading it.
    """

    process: subprocess.Popen[bytes]
    out: Path
    temp: Path
    stderr: Path
    engine: str

    @property
    def session(self) -> int:
        return self.process.pid

    def message(self) -> str:
        return self.stderr.read_text(encoding="utf-8")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def start_ocr(long_tiff: Path, tmp_path: Path, engine: str) -> Iterator[Callable[[int], Run]]:
    """Starts the CLI on the long TIFF; afterwards kills whatever the run left running."""
    runs: list[Run] = []

    def start(jobs: int) -> Run:
        out, temp = tmp_path / f"out{len(runs)}", tmp_path / f"tmp{len(runs)}"
        out.mkdir()
        temp.mkdir()
        stderr = tmp_path / f"stderr{len(runs)}.txt"
        outputs = ["--sidecar", out / "out.txt", "--json", out / "out.json"]
        args = [SOHOA, "ocr", long_tiff, out / "out.pdf", *outputs, "--jobs", jobs]
        with stderr.open("wb") as err:
            process = subprocess.Popen(
                [str(arg) for arg in args],
                env=dict(
                    os.environ, TMPDIR=str(temp), OMP_THREAD_LIMIT="1", SOHOA_OCR_ENGINE=engine
                ),
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        runs.append(Run(process, out, temp, stderr, engine))
        return runs[-1]

    yield start
    for run in runs:
        for leftover in live_processes_of_session(run.session):
            with suppress(ProcessLookupError):
                os.kill(leftover.pid, signal.SIGKILL)
        run.process.wait()


def live_processes_of_session(session: int) -> list[Process]:
    """Running processes whose session is ``session``; zombies are dead and not counted."""
    return [p for p in processes() if p.session == session and p.alive]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (``/proc/<pid>/stat``), 0 once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    utime, stime = stat[stat.rindex(")") + 2 :].split()[11:13]
    return (int(utime) + int(stime)) / os.sysconf("SC_CLK_TCK")


def reading(run: Run, process: Process) -> bool:
    """Is this process a page worker's Tesseract: the program under a page worker
    (not the CLI's own language check), or a page worker that reads in-process."""
    if run.engine == "tesseract-cli":
        return process.name == "tesseract" and process.ppid != run.process.pid
    return process.ppid == run.process.pid and cpu_seconds(process.pid) >= READING_CPU_SECONDS


def wait_for_page_ocr(run: Run) -> None:
    """Until a page worker is running Tesseract."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert run.process.poll() is None, f"ended before OCR began: {run.message()}"
        if any(reading(run, p) for p in live_processes_of_session(run.session)):
            return
        time.sleep(0.05)
    pytest.fail("no page reached Tesseract")


def wait_stopped(run: Run) -> int:
    try:
        return run.process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_SECONDS} s after the signal")


def wait_session_gone(run: Run) -> None:
    deadline = time.monotonic() + STOP_SECONDS
    while live_processes_of_session(run.session) and time.monotonic() < deadline:
        time.sleep(0.05)


def assert_nothing_left(run: Run) -> None:
    assert live_processes_of_session(run.session) == []
    assert sorted(p.name for p in run.out.iterdir()) == []
    assert sorted(p.name for p in run.temp.iterdir()) == []


@pytest.mark.parametrize("jobs", [2, 1])
def test_ctrl_c_in_a_terminal_stops_at_once_and_leaves_nothing(start_ocr, jobs):
    """Ctrl-C: SIGINT to the whole foreground process group, workers and Tesseract too."""
    run = start_ocr(jobs)
    wait_for_page_ocr(run)

    os.killpg(run.session, signal.SIGINT)

    assert wait_stopped(run) == 128 + signal.SIGINT
    assert run.message().splitlines() == ["sohoa: interrupted"]
    assert_nothing_left(run)


@pytest.mark.parametrize("jobs", [2, 1])
def test_sigterm_to_the_cli_alone_stops_its_workers_and_leaves_nothing(start_ocr, jobs):
    """``kill PID`` or a service manager: SIGTERM reaches only the CLI, which must pass it on."""
    run = start_ocr(jobs)
    wait_for_page_ocr(run)

    os.kill(run.process.pid, signal.SIGTERM)

    assert wait_stopped(run) == 128 + signal.SIGTERM
    assert run.message().splitlines() == ["sohoa: interrupted"]
    assert_nothing_left(run)


def test_sigkill_of_the_cli_takes_its_workers_and_their_files_with_it(start_ocr):
    """SIGKILL (the OOM killer, ``kill -9``): the CLI cannot clean up, so its workers do."""
    run = start_ocr(2)
    wait_for_page_ocr(run)
    assert list(run.out.iterdir()), "partial outputs exist while pages run"
    assert list(run.temp.iterdir()), "the run's scratch folder exists while pages run"

    os.kill(run.process.pid, signal.SIGKILL)
    assert run.process.wait() == -signal.SIGKILL
    wait_session_gone(run)

    assert_nothing_left(run)
