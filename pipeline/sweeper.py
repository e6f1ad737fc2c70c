"""One sweeper for lost work, run in a worker's main process by whichever worker holds
its lease: dead workers' leases freed, stalled documents sent again. Before it, every
worker frees at once the claims of processes on its own machine that are gone."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta
from typing import Any

from celery.signals import worker_ready, worker_shutdown

from pipeline.claimants import dead_here, this_place
from pipeline.deletion import purge
from pipeline.messages import send
from pipeline.runtime import Runtime, runtime
from pipeline.tasks import start_document
from storage import repository as repo
from storage.models import utcnow

log = logging.getLogger(__name__)

SWEEPER_LEASE = "sweeper"


def free_dead_here(rt: Runtime) -> list[str]:
    """Free the claims of processes on this machine that no longer exist; the ids queued again.

    Run by every worker, not only the sweeper's holder: only a worker on the
    holder's own machine can see its process is gone (``pipeline.claimants``).
    A worker killed with ``-9`` and started again frees its work here on start.
    """
    with rt.session() as s:
        ids = repo.void_claims_of_dead_processes(s, this_place(), dead_here)
    for document_id in ids:
        send(document_id, lambda d=document_id: start_document.delay(d))
    if ids:
        log.info("work of dead processes on this machine freed; %d document(s) queued", len(ids))
    return ids


def sweep(rt: Runtime, owner: str) -> list[str]:
    """Queue again the work of dead workers and of stalled documents; the ids queued.

    Only the holder of the sweeper's lease sweeps, so N workers do not send N
    copies. Two kinds of lost work:

    - a page or step whose lease ran out while in progress: its worker died (a
      live one renews its lease), so the lease is freed and its document sent
      at once (``repository.void_dead_leases``), not a stall period later;
    - a document on which nothing happened for ``stall_after`` seconds and
      nothing is held: its messages were lost (a broker restarted without its
      data, a lane whose next page was never queued), or are waiting behind a
      long queue (then the copy sent here finds its pages claimed or done and
      returns). A document sent counts as touched, so it is sent at most once
      per ``stall_after``.
    """
    settings = rt.settings
    with rt.session() as s:
        if not repo.take_lease(s, SWEEPER_LEASE, owner, max(1, settings.sweep_interval - 1)):
            return []
        dead = repo.void_dead_leases(s)
        now = utcnow()
        stalled = repo.stalled_documents(
            s, quiet_since=now - timedelta(seconds=settings.stall_after)
        )
        for document_id in stalled:
            document = repo.get_document(s, document_id)
            if document is not None:
                document.updated_at = now
    ids = dead + [i for i in stalled if i not in dead]
    purge(rt)  # what deleted documents left in the store, originals once their retention ends
    for document_id in ids:
        send(document_id, lambda d=document_id: start_document.delay(d))
    if dead:
        log.info("sweeper: work of dead workers freed; %d document(s) queued again", len(dead))
    if len(ids) > len(dead):
        log.info("sweeper: queued %d stalled document(s) again", len(ids) - len(dead))
    return ids


_sweeping = threading.Event()


@worker_ready.connect
def start_sweeping(**_: Any) -> None:
    """Sweep in the worker's main process every ``SOHOA_SWEEP_INTERVAL`` seconds."""
    rt = runtime()
    owner = f"{socket.gethostname()}:{os.getpid()}"

    def loop() -> None:
        while not _sweeping.is_set():
            try:
                free_dead_here(rt)
                sweep(rt, owner)
            except Exception:  # a database outage must not end the loop
                log.exception("sweep failed; trying again in %d s", rt.settings.sweep_interval)
            _sweeping.wait(rt.settings.sweep_interval)

    threading.Thread(target=loop, name="sohoa-sweeper", daemon=True).start()


@worker_shutdown.connect
def stop_sweeping(**_: Any) -> None:
    _sweeping.set()
