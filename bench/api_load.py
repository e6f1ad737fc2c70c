"""The load loop of ``bench/api``: a fixed list of requests, a fixed number of clients.

Bounded, not timed: a scenario is a given list of requests, sent by ``concurrency``
clients that each take the next request as soon as their previous answer is in (a
closed loop). Every run then does the same work, so runs compare by their rates and
latencies, and the run length stays predictable on a small shared machine. A closed
loop never offers more load than the server can take, so the latencies are those of a
server kept busy by that many clients, not of an overloaded one.

Each client is a thread with its own ``httpx.Client``, hence its own keep-alive
connection, opened (``/healthz``) before the clock starts: the measurement is about
requests, not TCP handshakes. A request's latency runs from sending it until the whole
body has been read. Checking the answer (status, checksums, JSON) happens after its
clock stopped, so verification never inflates a latency; but every request is checked,
so a fast wrong answer is counted as an error, never as a fast answer.

The client runs on the same cores as the server: on a 2-core machine its CPU is part of
what the numbers pay for, which :class:`CpuMeter` shows next to each scenario.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import httpx
import psutil

Check = Callable[[httpx.Response], str | None]
"""Looks at an answer whose status was expected; returns what is wrong with it, or None."""

Auth = Literal["key", "none", "wrong"]

WRONG_KEY = "sohoa_0000000000000000_" + "A" * 43
"""Well-formed but unknown: the server must look it up before refusing it."""

BODY_EXCERPT = 300


@dataclass(frozen=True)
class Call:
    """One request of a scenario and what a correct answer to it is."""

    label: str  # the row it is reported under, e.g. "pdf" or "upload"
    method: str
    path: str
    expect: frozenset[int] = frozenset({200})
    params: dict[str, str] | None = None
    headers: dict[str, str] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    check: Check | None = None
    auth: Auth = "key"


@dataclass(frozen=True)
class Outcome:
    """What happened to one call: status (None when no answer came), time, problem."""

    label: str
    method: str
    path: str
    status: int | None
    seconds: float
    problem: str | None
    body: str = ""  # an excerpt, kept only for wrong answers

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500


@dataclass
class Scenario:
    """A named list of calls, their concurrency, and checks that span several answers."""

    name: str
    about: str
    calls: list[Call]
    concurrency: int
    finish: Callable[[], list[str]] | None = None  # after the loop: cross-request problems


@dataclass(frozen=True)
class Stats:
    """Throughput and latency of some outcomes of one scenario (milliseconds)."""

    requests: int
    errors: int
    server_errors: int
    per_second: float
    p50: float
    p95: float
    p99: float
    max: float


@dataclass
class ScenarioResult:
    name: str
    about: str
    concurrency: int
    wall_seconds: float
    outcomes: list[Outcome]
    problems: list[str] = field(default_factory=list)  # scenario-level, from ``finish``
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return list(dict.fromkeys(o.label for o in self.outcomes))

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problem is not None]

    @property
    def error_count(self) -> int:
        return len(self.failed) + len(self.problems)

    def stats(self, label: str | None = None) -> Stats:
        """All outcomes, or one label's; a label's rate is its share of the scenario's."""
        chosen = [o for o in self.outcomes if label is None or o.label == label]
        times = sorted(o.seconds * 1000 for o in chosen)
        errors = sum(o.problem is not None for o in chosen)
        if label is None:
            errors += len(self.problems)
        return Stats(
            requests=len(chosen),
            errors=errors,
            server_errors=sum(o.server_error for o in chosen),
            per_second=len(chosen) / self.wall_seconds if self.wall_seconds > 0 else 0.0,
            p50=percentile(times, 50),
            p95=percentile(times, 95),
            p99=percentile(times, 99),
            max=times[-1] if times else math.nan,
        )


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted values: always a latency that was observed.

    With 200 requests p99 is the second-slowest one, not a value interpolated between
    two requests that nobody waited for.
    """
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


# --------------------------------------------------------------------------------------
# The loop
# --------------------------------------------------------------------------------------


def _headers(call: Call, key: str) -> dict[str, str]:
    headers = dict(call.headers or {})
    if call.auth == "key":
        headers["Authorization"] = f"Bearer {key}"
    elif call.auth == "wrong":
        headers["Authorization"] = f"Bearer {WRONG_KEY}"
    return headers


def _judge(call: Call, response: httpx.Response) -> str | None:
    if response.status_code not in call.expect:
        expected = "/".join(str(s) for s in sorted(call.expect))
        return f"HTTP {response.status_code}, expected {expected}"
    if call.check is None:
        return None
    try:
        return call.check(response)
    except Exception as exc:  # a check that cannot read the answer: the answer is wrong
        return f"answer unreadable: {type(exc).__name__}: {exc}"


def send(client: httpx.Client, call: Call, key: str) -> Outcome:
    """One timed request and its verdict."""
    headers = _headers(call, key)
    started = time.perf_counter()
    try:
        response = client.request(
            call.method, call.path, params=call.params, headers=headers, files=call.files
        )
    except httpx.HTTPError as exc:
        seconds = time.perf_counter() - started
        problem = f"no answer: {type(exc).__name__}: {exc}"
        return Outcome(call.label, call.method, call.path, None, seconds, problem)
    seconds = time.perf_counter() - started
    problem = _judge(call, response)
    excerpt = response.text[:BODY_EXCERPT] if problem else ""
    return Outcome(
        call.label, call.method, call.path, response.status_code, seconds, problem, excerpt
    )


def run_scenario(
    scenario: Scenario, base_url: str, key: str, meter: CpuMeter, timeout: float
) -> ScenarioResult:
    """Send every call of ``scenario`` with ``concurrency`` clients; time and check each.

    The clock runs from the moment all clients are connected and released together
    until the last answer has been read.
    """
    pending: queue.SimpleQueue[tuple[int, Call]] = queue.SimpleQueue()
    for item in enumerate(scenario.calls):
        pending.put(item)
    outcomes: list[Outcome | None] = [None] * len(scenario.calls)
    width = max(1, min(scenario.concurrency, len(scenario.calls)))
    clients = [httpx.Client(base_url=base_url, timeout=timeout) for _ in range(width)]
    start = threading.Barrier(width + 1)

    def loop(client: httpx.Client) -> None:
        start.wait()
        while True:
            try:
                index, call = pending.get_nowait()
            except queue.Empty:
                return
            outcomes[index] = send(client, call, key)

    try:
        for client in clients:
            client.get("/healthz").raise_for_status()
        threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in clients]
        for thread in threads:
            thread.start()
        before = meter.snapshot()
        began = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
        cpu = meter.spent(before, meter.snapshot())
    finally:
        for client in clients:
            client.close()
    done = [o for o in outcomes if o is not None]
    result = ScenarioResult(scenario.name, scenario.about, width, wall, done, cpu=cpu)
    if len(done) != len(scenario.calls):
        result.problems.append(f"{len(scenario.calls) - len(done)} calls were never answered")
    if scenario.finish is not None:
        result.problems.extend(scenario.finish())
    return result


# --------------------------------------------------------------------------------------
# Who spent the CPU
# --------------------------------------------------------------------------------------

OTHERS = "other processes"


class CpuMeter:
    """CPU seconds of named process trees (the API, the worker, this benchmark) and the rest.

    On a 2-core machine shared with other work, a slow scenario may be the API's cost or
    somebody else's job; the "other processes" share tells which. A tree's time includes
    exited children its processes waited for (Tesseract under a worker pool process), so
    short-lived helpers are not lost. Trees are claimed in the order given and a process
    counts once: the benchmark started the server and the worker, so its own tree, given
    last, holds only what is left (itself).
    """

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots

    def snapshot(self) -> dict[str, float]:
        found: dict[str, float] = {}
        claimed: set[int] = set()
        for name, pid in self.roots.items():
            found[name] = 0.0
            try:
                root = psutil.Process(pid)
                members = [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in members:
                if process.pid in claimed:
                    continue
                claimed.add(process.pid)
                try:
                    t = process.cpu_times()
                except psutil.Error:
                    continue
                found[name] += t.user + t.system + t.children_user + t.children_system
        times = psutil.cpu_times()
        found["machine"] = sum(times) - times.idle - getattr(times, "iowait", 0.0)
        return found

    def spent(self, before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        """Seconds per tree between two snapshots, the machine's unattributed rest as OTHERS."""
        spent = {name: round(max(0.0, after[name] - before[name]), 2) for name in self.roots}
        machine = after["machine"] - before["machine"]
        spent[OTHERS] = round(max(0.0, machine - sum(spent.values())), 2)
        return spent
