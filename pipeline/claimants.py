"""Who holds a claim: the task, and the process that runs it, so a dead holder is seen at once.

A claim on a page or a document step (``storage.repository.claim_page``,
``claim_step``) names its holder ``TASK@PROCESS``. The task part lets the same
task, retried or redelivered, take its own work back; the process part lets a
worker on the same machine tell that the holder no longer exists. A worker
killed with ``-9`` and started again, or the OOM killer ending a worker child,
then frees its work when the next worker on that machine starts or sweeps
(``pipeline.sweeper``), not one lease later (30 s by default, the largest fixed
cost of the chaos drill in ``bench/pipeline``).

A process is named by where its pid means something and by when it started:

- the *place*: the host name (for people reading the table), the kernel's boot
  id (one per machine and boot, shared by the containers on it) and the pid
  namespace (one per container). Two containers with the same host name, or
  two machines with the same container image, never take each other's pids for
  their own;
- the *pid* and the process's *start time* in clock ticks since boot, so a pid
  reused by another process is not taken for the holder.

Without ``/proc`` (not Linux) nothing is ever judged dead here, and a dead
holder's work comes back when its lease runs out, as before.
"""

from __future__ import annotations

import functools
import os
import socket
from pathlib import Path

PROC = Path("/proc")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def _start_ticks(pid: int) -> str:
    """The process's start time since boot (``/proc/PID/stat`` field 22); '' if it is gone."""
    stat = _read(PROC / str(pid) / "stat")
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


@functools.cache
def this_place() -> str:
    """Where this process's pids mean something: ``host/boot-pidns``; '' without ``/proc``."""
    boot = _read(PROC / "sys/kernel/random/boot_id").replace("-", "")[:12]
    try:
        namespace = os.readlink(PROC / "self/ns/pid").removeprefix("pid:").strip("[]")
    except OSError:
        namespace = ""
    if not boot or not namespace:
        return ""
    host = socket.gethostname().replace("@", "_").replace(":", "_")[:64]
    return f"{host}/{boot}-{namespace}"


def this_process() -> str:
    """This process: ``PLACE:PID:START``, or ``PLACE:PID`` where the start time is unknown."""
    pid = os.getpid()
    return f"{this_place()}:{pid}:{_start_ticks(pid)}"


def claimant(task_id: str) -> str:
    """The holder name of a claim taken by task ``task_id`` in this process."""
    return f"{task_id}@{this_process()}"


def dead_here(owner: str) -> bool:
    """True if ``owner``'s process ran in this place and no longer exists.

    False whenever it cannot be known: another place, no ``/proc``, an owner
    without a process part (claims taken before this format, tests' names).
    """
    _, at, process = owner.rpartition("@")
    parts = process.split(":")
    if not at or len(parts) != 3:
        return False
    place, pid, start = parts
    if not place or place != this_place() or not pid.isdigit() or not start:
        return False
    return _start_ticks(int(pid)) != start
