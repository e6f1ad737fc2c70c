"""Keyset cursors of the listings, and the local calendar days their filters speak in.

A cursor is where a page ended, ``(time, id)``, as base64url JSON: opaque to
clients, no secret in it, and anything we did not make is refused with 400
``invalid_cursor`` rather than guessed at. Days in filters (``from``, ``to``)
are Vietnam's calendar days, as the counter speaks of them.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, date, datetime, time

from api.error_responses import ApiError
from core.vietnamese import VIETNAM_TIME

Position = tuple[datetime, str]

FIRST_DAY = date(1900, 1, 1)
"""Earliest day a listing filters on: nothing was uploaded before, and the first days of
year 1 in Vietnam time fall before year 1 in UTC (a 500 the fuzzer found)."""
LAST_DAY = date(9000, 12, 31)
"""Latest day: the day after 9999-12-31 (an inclusive ``to`` is read as before its next
day) does not exist."""


def local_midnight(day: date) -> datetime:
    """The first moment of ``day`` in Vietnam."""
    return datetime.combine(day, time(), VIETNAM_TIME)


def _encode(items: list[object]) -> str:
    raw = json.dumps(items, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> object:
    """The JSON a cursor holds (``binascii.Error``, ``ValueError``, … when it holds none)."""
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def _invalid() -> ApiError:
    return ApiError(400, "invalid_cursor", "cursor: pass next_cursor as it was given")


_UNREADABLE = (binascii.Error, ValueError, TypeError, UnicodeDecodeError)


def make_cursor(position: Position) -> str:
    """A listing's keyset: the last row's time and id."""
    moment, row_id = position
    return _encode([moment.astimezone(UTC).isoformat(), row_id])


def read_cursor(cursor: str) -> Position:
    """The position a cursor names; 400 ``invalid_cursor`` for anything we did not make."""
    try:
        moment_text, row_id = _decode(cursor)
        moment = datetime.fromisoformat(moment_text)
        if moment.tzinfo is None or not isinstance(row_id, str) or len(row_id) > 36:
            raise ValueError(cursor)
    except _UNREADABLE:
        raise _invalid() from None
    return moment, row_id


def make_rank_cursor(position: tuple[float, str]) -> str:
    """A search's keyset: the last hit's score and document id."""
    return _encode(["rank", position[0], position[1]])


def read_rank_cursor(cursor: str) -> tuple[float, str]:
    """The search position a cursor names; 400 ``invalid_cursor`` as ``read_cursor``."""
    try:
        kind, score, row_id = _decode(cursor)
        if kind != "rank" or not isinstance(row_id, str) or len(row_id) > 36:
            raise ValueError(cursor)
        if not isinstance(score, int | float) or isinstance(score, bool):
            raise ValueError(cursor)
    except _UNREADABLE:
        raise _invalid() from None
    return float(score), row_id
