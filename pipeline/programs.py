"""Finding and killing the programs a task started (Tesseract, Poppler), by a mark.

A page that runs over its time limit must not leave its Tesseract running: it
would go on using a core for minutes after the page was given up. The soft
limit interrupts the task in Python, but the programs it started are separate
processes, and ``pytesseract`` does not kill them when interrupted. After a
hard limit the worker child is killed outright, and its programs, orphaned,
are no longer its children at all.

So every program a task starts carries the task's id in its environment
(:func:`marked`: a child process inherits the environment), and
:func:`kill_marked` finds them by that mark in ``/proc/<pid>/environ``, from
the worker child itself (soft limit) or from the worker's main process (hard
limit), whoever their parent is by then. Linux only, like the workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TASK_MARK = "SOHOA_TASK_ID"
_PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class Process:
    """One line of ``/proc/<pid>/stat``, the fields this code needs."""

    pid: int
    name: str
    state: str
    ppid: int
    pgrp: int
    session: int

    @property
    def alive(self) -> bool:
        """Running or sleeping: a zombie (Z) or dead (X) process holds nothing any more."""
        return self.state not in ("Z", "X")


def processes() -> Iterator[Process]:
    """Every process this user may see, read from ``/proc`` (Linux; nothing elsewhere)."""
    if not _PROC.is_dir():
        return
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        # "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses.
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        state, ppid, pgrp, session = stat[stat.rindex(")") + 2 :].split()[:4]
        yield Process(int(entry.name), name, state, int(ppid), int(pgrp), int(session))


@contextmanager
def marked(task_id: str) -> Iterator[None]:
    """Run the block with ``task_id`` in the environment every started program inherits.

    Worker children run one task at a time, so the process environment is the
    task's while the block runs.
    """
    os.environ[TASK_MARK] = task_id
    try:
        yield
    finally:
        os.environ.pop(TASK_MARK, None)


def kill_marked(task_id: str) -> list[int]:
    """SIGKILL every process started by task ``task_id``; their pids.

    Those that are this process's own children are reaped, so no zombie is
    left behind; orphans are reaped by whoever adopted them.
    """
    entry = f"{TASK_MARK}={task_id}".encode()
    me = os.getpid()
    killed = []
    for proc in processes():
        if proc.pid == me:
            continue
        try:
            environ = (_PROC / str(proc.pid) / "environ").read_bytes()
        except OSError:  # gone, or another user's
            continue
        if entry not in environ.split(b"\0"):
            continue
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        killed.append(proc.pid)
        if proc.ppid == me:
            with contextlib.suppress(ChildProcessError):  # already reaped by subprocess
                os.waitpid(proc.pid, 0)
    return killed
