"""Wrong keys slow their sender down, and a flood of them is one audit row, not thousands.

Keys are long random secrets, so guessing one is hopeless; what a flood of
wrong keys does hurt is the service itself: every refusal was an audit row,
and the table grew without bound. So failed attempts (a key that is unknown,
wrong for its id or revoked, at the API or the sign-in page) are counted per
client address and per key id; past ``max_failures`` within ``window``
seconds that address or key id is blocked, for a minute first and twice as
long at each further block up to an hour. While blocked, attempts are answered
429 with ``Retry-After`` *before* the key is looked at (a blocked sender learns
nothing, not even whether a key is right) and are not audited one by one: one
``access.throttled`` row says that a block began, how many failures led to it
and how many attempts the previous block refused.

Counters live in the API process, bounded in number (oldest forgotten first):
each API process throttles on its own, so N processes allow N times the rate,
which is still a rate. A request without any key is not an attempt and is not
counted (it is refused, and audited, as before).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

FIRST_BLOCK_S = 60.0
"""A typo streak at the counter costs a clerk one minute."""
MAX_BLOCK_S = 3600.0
"""However long a flood lasts, its sender may try again within the hour."""
MAX_TRACKED = 10_000
"""Distinct addresses and key ids remembered: a few MB, even under a spoofed-source flood."""


@dataclass
class _Subject:
    failures: deque[float] = field(default_factory=deque)
    blocked_until: float = 0.0
    blocks: int = 0
    refused_while_blocked: int = 0


@dataclass(frozen=True)
class BlockStarted:
    """A subject (``address:…`` or ``key:…``) just blocked: what its audit row says."""

    subject: str
    failures: int
    seconds: float
    refused_in_last_block: int


class AttemptThrottle:
    """Counts failed attempts per subject and blocks the subjects that fail too often."""

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_tracked: int = MAX_TRACKED,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._max_tracked = max_tracked
        self._subjects: OrderedDict[str, _Subject] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, subjects: Iterable[str]) -> int | None:
        """Seconds to wait if any subject is blocked (that attempt is then counted), else None."""
        now = self._clock()
        with self._lock:
            waits = []
            for name in subjects:
                subject = self._subjects.get(name)
                if subject is not None and subject.blocked_until > now:
                    subject.refused_while_blocked += 1
                    waits.append(subject.blocked_until - now)
            return math.ceil(max(waits)) if waits else None

    def failed(self, subjects: Iterable[str]) -> list[BlockStarted]:
        """Count one failed attempt against each subject; return the blocks it started."""
        now = self._clock()
        started = []
        with self._lock:
            for name in subjects:
                subject = self._touch(name)
                failures = subject.failures
                failures.append(now)
                while failures and failures[0] <= now - self.window_s:
                    failures.popleft()
                if len(failures) >= self.max_failures and subject.blocked_until <= now:
                    seconds = min(FIRST_BLOCK_S * 2**subject.blocks, MAX_BLOCK_S)
                    started.append(
                        BlockStarted(name, len(failures), seconds, subject.refused_while_blocked)
                    )
                    subject.blocked_until = now + seconds
                    subject.blocks += 1
                    subject.refused_while_blocked = 0
                    failures.clear()
        return started

    def _touch(self, name: str) -> _Subject:
        subject = self._subjects.get(name)
        if subject is None:
            subject = self._subjects[name] = _Subject()
            while len(self._subjects) > self._max_tracked:
                self._subjects.popitem(last=False)
        else:
            self._subjects.move_to_end(name)
        return subject


def attempt_subjects(address: str | None, key_id: str | None) -> list[str]:
    """What an attempt is counted against: the sender's address and the key id it names."""
    subjects = [f"address:{address or 'unknown'}"]
    if key_id:
        subjects.append(f"key:{key_id}")
    return subjects
