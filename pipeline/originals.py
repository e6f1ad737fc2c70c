"""A worker's local copies of originals: a bounded cache, shared by the processes on one disk.

Every task of a document needs its original as a local file (page rasterising
runs ``pdftoppm`` and Pillow on a path), so workers keep what they fetched from
the object store under ``<work_dir>/originals/<sha256>``. Unbounded, that folder
becomes a second copy of the whole archive; here it is kept under
``SOHOA_WORK_CACHE_MB`` by evicting the least recently used files.

Several worker processes (pool children, other workers on the same data
directory) share the folder, so the protocol is file locks, not memory:

* a task *uses* a file by holding a shared ``flock`` on it until the task ends
  (:func:`release_all`), after checking that the locked file is still the one
  at the path (an evictor may have unlinked it between open and lock);
* the evictor unlinks a file only while it holds an exclusive, non-blocking
  ``flock`` on it, which it cannot get while any task uses the file;
* "recently used" is the file's mtime, touched on every use (atime is not
  updated on ``relatime`` and ``noatime`` mounts).

An evicted file is simply fetched again, and its SHA-256 is verified again by
the download. On a kill the kernel drops the locks with the process.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

_SHA256_NAME = re.compile(r"[0-9a-f]{64}")
# Fetches of one original before giving up: a second is needed only when
# another process fetched the same original at the same moment.
ATTEMPTS = 5
# A download's temporary file (``.<sha>.*.part``) older than this was left by a
# killed process: no download of one original takes an hour.
STALE_PART_SECONDS = 3600

# Files this process is using, with the descriptor holding their shared lock.
_in_use: dict[Path, int] = {}


def use_original(
    folder: Path, sha256: str, limit_bytes: int, fetch: Callable[[Path], None]
) -> Path:
    """The local copy of the original ``sha256``, fetched if needed and locked for this task.

    ``fetch(path)`` must create ``path`` only with verified bytes (the object
    store's ``download`` does). A fetched file is locked before it appears
    under its name, so no evictor ever sees it unprotected. After a fetch the
    folder is trimmed back under ``limit_bytes``.
    """
    if not _SHA256_NAME.fullmatch(sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    path = folder / sha256
    if path in _in_use:
        _touch(path)
        return path
    fetched = False
    for _ in range(ATTEMPTS):
        fd = _open_locked(path)
        if fd is None:
            folder.mkdir(parents=True, exist_ok=True)
            part = folder / f".{sha256}.{os.getpid()}.part"
            fetch(part)
            fd = os.open(part, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH)
            os.replace(part, path)
            fetched = True
            if not _same_file(fd, path):  # another process's fetch replaced ours
                os.close(fd)
                continue
        _in_use[path] = fd
        _touch(path)
        if fetched:
            trim(folder, limit_bytes)
        return path
    raise RuntimeError(f"original {sha256} kept disappearing from {folder}")


def _open_locked(path: Path) -> int | None:
    """A descriptor of ``path`` holding a shared lock; None if it is gone (evicted)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    fcntl.flock(fd, fcntl.LOCK_SH)
    if _same_file(fd, path):
        return fd
    os.close(fd)  # evicted between our open and our lock
    return None


def release_all() -> None:
    """End this process's use of its files (at the end of every task)."""
    while _in_use:
        _, fd = _in_use.popitem()
        os.close(fd)


def trim(folder: Path, limit_bytes: int) -> int:
    """Evict least recently used originals not in use until the folder fits; bytes freed.

    Files in use by any process are skipped, so the folder may stay over the
    limit while the documents using them run.
    """
    entries = []
    now = time.time()
    for entry in os.scandir(folder):
        try:
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        if _SHA256_NAME.fullmatch(entry.name):
            entries.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        elif entry.name.endswith(".part") and now - stat.st_mtime > STALE_PART_SECONDS:
            Path(entry.path).unlink(missing_ok=True)
    total = sum(size for _, size, _ in entries)
    freed = 0
    for _, size, path in sorted(entries):
        if total - freed <= limit_bytes:
            break
        if path not in _in_use and _evict(path):
            freed += size
    if freed:
        log.info("originals cache: evicted %d MiB", freed // (1024 * 1024))
    return freed


def _evict(path: Path) -> bool:
    """Unlink ``path`` if no process uses it; False when in use or already gone."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if not _same_file(fd, path):
            return False  # another evictor got there first, and it was fetched again
        path.unlink()
        return True
    finally:
        os.close(fd)


def _same_file(fd: int, path: Path) -> bool:
    try:
        at_path = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (at_path.st_dev, at_path.st_ino) == (held.st_dev, held.st_ino)


def _touch(path: Path) -> None:
    """Mark ``path`` used now: its mtime is the cache's recency."""
    os.utime(path)
