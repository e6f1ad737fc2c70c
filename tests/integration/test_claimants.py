"""A claim names its process, so a holder that no longer exists is seen at once, and
only where its pid means something (``pipeline.claimants``)."""

from __future__ import annotations

import subprocess
import sys

from pipeline import claimants


def _process_of(pid: int) -> str:
    return f"{claimants.this_place()}:{pid}:{claimants._start_ticks(pid)}"


def test_a_claim_names_its_task_and_this_process() -> None:
    owner = claimants.claimant("task-1")
    task, at, process = owner.partition("@")
    assert (task, at) == ("task-1", "@")
    assert process == claimants.this_process()
    place, pid, start = process.split(":")
    assert place == claimants.this_place() and place.count("/") == 1
    assert int(pid) > 0 and start.isdigit()
    assert not claimants.dead_here(owner), "this process is alive"


def test_a_process_that_ended_is_dead_and_a_live_one_is_not() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner = f"task@{_process_of(child.pid)}"
        assert not claimants.dead_here(owner)
    finally:
        child.kill()
        child.wait()
    assert claimants.dead_here(owner)


def test_a_reused_pid_is_not_the_holder() -> None:
    """Same pid, another start time: the holder is gone even though the pid is taken."""
    process = _process_of(claimants.os.getpid())
    place, pid, start = process.split(":")
    assert claimants.dead_here(f"task@{place}:{pid}:{int(start) + 1}")


def test_nothing_is_judged_dead_that_cannot_be_known() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    place = _process_of(child.pid).split(":")[0]
    for owner in (
        "task-a",  # a name without a process: tests, claims older than this format
        f"task@other-host/0123456789ab-4026531836:{child.pid}:1",  # another machine
        f"task@{place}:{child.pid}:",  # no start time known
        f"task@{place}:not-a-pid:1",
        "",
    ):
        assert not claimants.dead_here(owner), owner
