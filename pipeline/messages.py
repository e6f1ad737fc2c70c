"""Sending a task message so that a broker outage costs time, never a document."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from kombu.exceptions import OperationalError as BrokerUnavailable

log = logging.getLogger(__name__)

# How long a message is tried again while the broker does not take it: longer
# than a Redis restart, short enough that an upload does not hang on a broker
# that is down (the document is then the sweeper's).
SEND_PATIENCE_S = 6.0


def send(document_id: str, message: Callable[[], object]) -> bool:
    """Send a task message; when the broker stays down, leave the document to the sweeper.

    Whatever sent it has recorded the document's state first (its step, its
    pages), so a message the broker could not take is not lost work: the
    sweeper finds the document stalled and resumes it at its step. Failing
    the step instead would fail a good document for a broker restart (the
    chaos benchmark did: ``assemble failed: OperationalError … connecting``).
    A restart takes a second or two, so the send is tried again for up to
    ``SEND_PATIENCE_S`` first (kombu's own retries give up within a second),
    and the document goes on at once instead of after the stall period.
    """
    deadline = time.monotonic() + SEND_PATIENCE_S
    pause = 0.25
    while True:
        try:
            message()
            return True
        except BrokerUnavailable as exc:
            problem: Exception = exc
        except Exception as exc:
            # kombu, reconnecting, has failed with AttributeError ("'NoneType' object has
            # no attribute 'client'"): still the broker's trouble, still not the document's.
            log.warning("document %s: sending failed", document_id, exc_info=True)
            problem = exc
        if time.monotonic() + pause > deadline:
            log.warning(
                "document %s: broker down (%s); the sweeper resumes it", document_id, problem
            )
            return False
        time.sleep(pause)
        pause = min(2 * pause, 2.0)
