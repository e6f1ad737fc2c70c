"""Where the CPU went during one pipeline run: OCR work, Celery, servers, everyone else.

On a 2-core box the workers share the cores with Redis, PostgreSQL, SeaweedFS and the
ingesting client, which production would put elsewhere. Splitting the CPU seconds by
who spent them shows whether a gap to ``sohoa ocr`` alone is the pipeline's own
overhead or this machine doing several jobs; the "other processes" line also shows
when somebody else's work made the measurement noisy.

A process's CPU here includes the children it has waited for (Tesseract and poppler
under a pool process, exited PostgreSQL backends under the postmaster, the
``sohoa ingest`` calls under the benchmark), so short-lived helpers are not lost.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

CATEGORIES = (
    "worker pool (tasks: OCR, S3, DB)",
    "worker main (Celery consumer)",
    "PostgreSQL",
    "Redis",
    "SeaweedFS",
    "benchmark and its commands (sohoa ocr / ingest)",
)
OTHER = "other processes on the machine"


@dataclass(frozen=True)
class Snapshot:
    """Per-process CPU seconds (keyed by pid and start time) and the machine's busy time."""

    processes: dict[tuple[int, float], tuple[str, float]]
    machine_busy: float


def _cpu_seconds(process: psutil.Process, with_children: bool = True) -> float:
    times = process.cpu_times()
    total = times.user + times.system
    if with_children:
        total += times.children_user + times.children_system
    return total


def _category(process: psutil.Process, worker_mains: set[int]) -> str | None:
    """Which line of the breakdown a process belongs to; None for the rest."""
    if process.pid == os.getpid():
        return CATEGORIES[5]
    if process.pid in worker_mains:
        return CATEGORIES[1]
    if process.ppid() in worker_mains:
        return CATEGORIES[0]
    name = process.name()
    if name.startswith("postgres"):
        return CATEGORIES[2]
    if name.startswith("redis-server"):
        return CATEGORIES[3]
    if name == "weed":
        return CATEGORIES[4]
    return None


def _machine_busy() -> float:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle


def snapshot(worker_mains: Iterable[int]) -> Snapshot:
    """CPU spent so far by every process the breakdown knows, and by the whole machine."""
    mains = set(worker_mains)
    found: dict[tuple[int, float], tuple[str, float]] = {}
    for process in psutil.process_iter():
        try:
            category = _category(process, mains)
            if category is None:
                continue
            found[(process.pid, process.create_time())] = (category, _cpu_seconds(process))
        except psutil.Error:
            continue
    return Snapshot(processes=found, machine_busy=_machine_busy())


def breakdown(start: Snapshot, end: Snapshot) -> dict[str, float]:
    """CPU seconds per category between two snapshots; the unattributed rest is ``OTHER``.

    A process alive at both counts its difference; one born in between counts all of
    its time. One that was born and died in between is already inside its parent's
    children time (or, if its parent never waited for it, in ``OTHER``).
    """
    spent = dict.fromkeys(CATEGORIES, 0.0)
    for key, (category, seconds) in end.processes.items():
        before = start.processes.get(key)
        spent[category] += round(seconds - (before[1] if before else 0.0), 2)
    attributed = sum(spent.values())
    spent[OTHER] = round(max(0.0, end.machine_busy - start.machine_busy - attributed), 2)
    return spent
