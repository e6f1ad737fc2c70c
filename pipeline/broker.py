"""The embedded broker: Celery's queue in a SQLite file, polled briskly.

kombu's SQLAlchemy transport polls its table once a second and hands every
transport option to ``create_engine``, so its interval cannot be set through
options. A page takes ~2 s of OCR, so a second's wait between tasks would
leave cores idle a third of the time; this subclass polls every 0.1 s (a
cheap indexed SELECT on a local file) and is registered under its own scheme.
"""

from __future__ import annotations

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport.sqlalchemy import Transport as SQLAlchemyTransport

SCHEME = "sohoa-sqlite"


class SQLiteTransport(SQLAlchemyTransport):
    polling_interval = 0.1


def register() -> None:
    TRANSPORT_ALIASES[SCHEME] = f"{__name__}:SQLiteTransport"


register()
