"""Citizens' data is created readable by the service user only.

The data folder holds scanned identity cards, birth certificates and land
papers; on a shared commune machine other accounts must not read them. Files
and folders the service creates are therefore 0600/0700 whatever the login
umask, and the data folder itself is closed to others so that a file made by
an older version (0644) is not reachable either.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
"""Set by the service's own processes (API, workers, ingest): SQLite's database and
journal files, the broker's file and scratch files are then created 0600."""
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def keep_private() -> None:
    """Make every file this process creates from now on private to its user."""
    os.umask(PRIVATE_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing and close it to other users.

    An existing folder owned by someone else is left alone: an operator who
    deliberately shares it with a backup account keeps that choice.
    """
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(stat.S_IMODE(info.st_mode) & ~0o077)
    return path
