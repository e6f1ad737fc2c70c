"""Keeping a claim alive while its work runs: a heartbeat that renews the lease.

A claim on a page or a document step (``storage.repository.claim_page``,
``claim_step``) lasts ``SOHOA_LEASE_SECONDS`` unless renewed. While the task
runs, a thread renews it every third of that, so a live task keeps its work for
as long as it runs (its time limit bounds that), and the work of a worker
killed with ``-9``, or of a machine that lost power, is free again within one
lease instead of after the longest a page may take (a minute or more before).

The heartbeat is a thread of the process that runs the work: it dies with it.
A worker child stuck in C code keeps its lease only until its hard time limit
kills it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)

# Renewals per lease: two may be missed (a busy database, a long pause of the
# process) before the lease runs out under a live task.
BEATS_PER_LEASE = 3


class Heartbeat:
    """Calls ``renew`` every ``lease / BEATS_PER_LEASE`` seconds until the block ends.

    ``renew`` returns False when the claim is no longer held (finished, failed,
    or taken over after the lease ran out): the heartbeat stops there, and the
    task's own write is what the claim's compare-and-set accepts or refuses. An
    error while renewing (the database restarting) is logged and tried again
    at the next beat.
    """

    def __init__(self, renew: Callable[[], bool], lease: float, what: str) -> None:
        self._renew = renew
        self._every = lease / BEATS_PER_LEASE
        self._what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease {what}", daemon=True)
        self.beats = 0
        self.lost = False

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                held = self._renew()
            except Exception as exc:  # an outage must not end the work it guards
                log.warning("%s: lease not renewed (%s); trying again", self._what, exc)
                continue
            self.beats += 1
            if not held:
                # Finished while this beat was due, or taken over after a lease ran
                # out; the task's own write tells which (a taken-over step records nothing).
                self.lost = True
                log.info("%s: no longer held by this task; stopped renewing", self._what)
                return

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
