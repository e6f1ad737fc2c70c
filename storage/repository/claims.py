"""Claims on work: a page or a document step taken by one task under a lease, renewed while it
runs, and what the sweeper looks for (dead workers' leases, stalled documents).

A claim's owner is an opaque name, compared whole, except that an owner of the
form ``TASK@PROCESS`` (``pipeline.claimants``) counts as the same task as any
``TASK@…``: a task redelivered to another process after its worker died takes
its own work back at once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import case, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import (
    Document,
    Lease,
    Page,
    utcnow,
)


def stalled_documents(s: Session, *, quiet_since: Any, limit: int = 100) -> list[str]:
    """Documents still to finish on which nothing has happened since ``quiet_since``.

    Neither they nor a page of theirs is held under a live lease, neither they nor their
    pages changed since then: their work was lost (a message gone with a
    killed worker or a broker, a lane whose next page was never queued) or is
    waiting in a long queue. Oldest first, at most ``limit``: the sweeper's
    cost is bounded by what it sends, not by the archive.
    """
    now = utcnow()
    of_document = Page.document_id == Document.id
    busy = exists().where(of_document, or_(Page.lease_until > now, Page.updated_at > quiet_since))
    return list(
        s.scalars(
            select(Document.id)
            .where(
                Document.status.in_(("queued", "processing")),
                Document.updated_at <= quiet_since,
                or_(Document.step_until.is_(None), Document.step_until <= now),
                ~busy,
            )
            .order_by(Document.updated_at, Document.id)
            .limit(limit)
        )
    )


def _free_page(s: Session, document_id: str, number: int, owner: str, *where: Any) -> bool:
    """Free one page's claim by compare-and-set on its owner (and ``where``); True if freed.
    Freeing is not progress: the page's ``updated_at`` is left as it was."""
    freed = s.execute(
        update(Page)
        .where(Page.document_id == document_id, Page.number == number, Page.lease_owner == owner)
        .where(*where)
        .values(lease_owner=None, lease_until=None, updated_at=Page.updated_at)
        .execution_options(synchronize_session=False)
    )
    return freed.rowcount == 1


def _free_step(s: Session, document_id: str, owner: str, *where: Any) -> bool:
    """As ``_free_page`` for the claim on a document's step."""
    freed = s.execute(
        update(Document)
        .where(Document.id == document_id, Document.step_owner == owner)
        .where(*where)
        .values(step_owner=None, step_until=None, updated_at=Document.updated_at)
        .execution_options(synchronize_session=False)
    )
    return freed.rowcount == 1


def void_dead_leases(s: Session, *, limit: int = 100) -> list[str]:
    """Free the pages and steps whose lease ran out in progress; their documents' ids.

    A live task renews its lease (``pipeline.leases``), so a lease that ran out
    on a page still queued, or a step of a document still in progress, belonged
    to a worker that died. Each is freed by compare-and-set on the lease it had
    (a task taking it over at the same moment wins, and it is not freed), so
    the caller sends each document once, at once, instead of waiting for the
    document to look stalled. At most ``limit`` of each, found by index.
    """
    now = utcnow()
    documents: list[str] = []
    dead_pages = s.execute(
        select(Page.document_id, Page.number, Page.lease_owner)
        .where(Page.lease_until <= now, Page.status == "queued")
        .order_by(Page.lease_until)
        .limit(limit)
    ).all()
    for document_id, number, owner in dead_pages:
        freed = _free_page(s, document_id, number, owner, Page.lease_until <= now)
        if freed and document_id not in documents:
            documents.append(document_id)
    dead_steps = s.execute(
        select(Document.id, Document.step_owner)
        .where(Document.step_until <= now, Document.status.in_(("queued", "processing")))
        .order_by(Document.step_until)
        .limit(limit)
    ).all()
    for document_id, owner in dead_steps:
        freed = _free_step(s, document_id, owner, Document.step_until <= now)
        if freed and document_id not in documents:
            documents.append(document_id)
    return documents


def _same_task(column: Any, owner: str) -> Any:
    """``column`` names ``owner`` or, for ``TASK@PROCESS``, the same task in another process."""
    task, at, _ = owner.partition("@")
    if not at or not task:
        return column == owner
    return or_(column == owner, column.startswith(f"{task}@", autoescape=True))


def void_claims_of_dead_processes(
    s: Session, place: str, dead: Callable[[str], bool], *, limit: int = 100
) -> list[str]:
    """Free live claims held in ``place`` by processes ``dead`` says are gone; their documents.

    ``void_dead_leases`` waits for a lease to run out; a worker that can see the
    holder's process is gone (``pipeline.claimants.dead_here``: same machine and
    pid namespace) need not. Only leases still running are looked at (by the
    ``lease_until`` index), each freed by compare-and-set on its owner, so a claim
    renewed or taken over meanwhile stays. At most ``limit`` of each.
    """
    if not place:
        return []
    now = utcnow()
    where = f"@{place}:"
    documents: list[str] = []
    pages = s.execute(
        select(Page.document_id, Page.number, Page.lease_owner)
        .where(
            Page.lease_until > now,
            Page.status == "queued",
            Page.lease_owner.contains(where, autoescape=True),
        )
        .limit(limit)
    ).all()
    for document_id, number, owner in pages:
        freed = dead(owner) and _free_page(s, document_id, number, owner)
        if freed and document_id not in documents:
            documents.append(document_id)
    steps = s.execute(
        select(Document.id, Document.step_owner)
        .where(
            Document.step_until > now,
            Document.status.in_(("queued", "processing")),
            Document.step_owner.contains(where, autoescape=True),
        )
        .limit(limit)
    ).all()
    for document_id, owner in steps:
        freed = dead(owner) and _free_step(s, document_id, owner)
        if freed and document_id not in documents:
            documents.append(document_id)
    return documents


def claim_page(s: Session, document_id: str, number: int, owner: str, seconds: float) -> bool:
    """Take page ``number`` for ``owner`` for ``seconds``; False if it is not to be taken.

    One atomic compare-and-set: the page must still be queued and free, its
    lease expired (its worker died), or already ``owner``'s (the same task
    retried or redelivered after its worker died). Of two deliveries of one
    page, exactly one gets True; the other returns without running anything.
    ``attempts`` counts the tasks that took the page.
    """
    now = utcnow()
    mine = _same_task(Page.lease_owner, owner)
    taken = s.execute(
        update(Page)
        .where(
            Page.document_id == document_id,
            Page.number == number,
            Page.status == "queued",
            or_(Page.lease_owner.is_(None), Page.lease_until <= now, mine),
        )
        .values(
            lease_owner=owner,
            lease_until=now + timedelta(seconds=seconds),
            # A try is a new task taking the page; its own retries are one try.
            attempts=case((mine, Page.attempts), else_=Page.attempts + 1),
            tries=case((mine, Page.tries), else_=Page.tries + 1),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def renew_page(s: Session, document_id: str, number: int, owner: str, seconds: float) -> bool:
    """Extend ``owner``'s lease on page ``number`` to ``seconds`` from now; False if it lost it.

    The heartbeat of a running page: a claim lasts ``seconds`` unless renewed,
    so the page of a worker killed with ``-9`` is free again within one lease,
    not after the longest a page may take. Renewing is not progress: the page's
    ``updated_at`` is left alone, so the sweeper still sees how long ago it moved.
    """
    renewed = s.execute(
        update(Page)
        .where(
            Page.document_id == document_id,
            Page.number == number,
            Page.status == "queued",
            Page.lease_owner == owner,
        )
        # ``updated_at`` named, or its ``onupdate`` would count the renewal as progress
        .values(lease_until=utcnow() + timedelta(seconds=seconds), updated_at=Page.updated_at)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def take_lease(s: Session, name: str, owner: str, seconds: float) -> bool:
    """Hold the named lease for ``seconds`` if it is free or expired; True if taken."""
    now = utcnow()
    values = {"owner": owner, "until": now + timedelta(seconds=seconds)}
    taken = s.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.until.is_(None), Lease.until <= now))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        return True
    if s.get(Lease, name) is not None:
        return False
    try:
        with s.begin_nested():
            s.add(Lease(name=name, **values))
    except IntegrityError:  # another process made it first, and holds it
        return False
    return True


def set_step(s: Session, document: Document, step: str) -> None:
    """Put the document at ``step``, held by nobody (its row locked by the caller)."""
    document.step = step
    document.step_owner = document.step_until = None
    document.updated_at = utcnow()


def claim_step(s: Session, document_id: str, step: str, owner: str, seconds: float) -> bool:
    """Take the document's ``step`` for ``owner`` for ``seconds``; False if not to be taken.

    As ``claim_page``: one atomic compare-and-set. The document must be at
    ``step``, still in progress, and the step free, its lease expired, or
    ``owner``'s already (the same task retried or redelivered).
    """
    now = utcnow()
    taken = s.execute(
        update(Document)
        .where(
            Document.id == document_id,
            Document.step == step,
            Document.status.in_(("queued", "processing")),
            or_(
                Document.step_owner.is_(None),
                Document.step_until <= now,
                _same_task(Document.step_owner, owner),
            ),
        )
        .values(step_owner=owner, step_until=now + timedelta(seconds=seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return taken.rowcount == 1


def renew_step(s: Session, document_id: str, step: str, owner: str, seconds: float) -> bool:
    """As ``renew_page`` for a document step: extend ``owner``'s hold on ``step``."""
    renewed = s.execute(
        update(Document)
        .where(Document.id == document_id, Document.step == step, Document.step_owner == owner)
        .values(step_until=utcnow() + timedelta(seconds=seconds), updated_at=Document.updated_at)
        .execution_options(synchronize_session=False)
    )
    return renewed.rowcount == 1


def advance_step(s: Session, document_id: str, step: str, owner: str, to: str) -> bool:
    """Move the document from ``step`` to ``to`` if ``owner`` still holds ``step``.

    Called in the transaction that records the step's result, so the result
    and the move are one: a holder whose lease was taken over records nothing.
    """
    moved = s.execute(
        update(Document)
        .where(Document.id == document_id, Document.step == step, Document.step_owner == owner)
        .values(step=to, step_owner=None, step_until=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return moved.rowcount == 1
