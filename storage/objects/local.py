"""The embedded backend: objects as files in a folder, no server needed."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat as stat_mode
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from storage.keys import normalize_key, normalize_prefix
from storage.objects.base import (
    ObjectConflict,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    StoredObject,
    StoreUnavailable,
    copy_hashing,
    file_chunks,
    file_sha256,
    guess_type,
    same_original,
)
from storage.private import PRIVATE_DIR, PRIVATE_FILE

# --------------------------------------------------------------------------- local


_TRANSIENT_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.ESTALE, errno.ETIMEDOUT}
)


class LocalObjectStore(ObjectStore):
    """Objects as files under ``root``: the embedded default, no server needed.

    ``<root>/<key>`` holds the bytes, exactly as stored, so an operator can
    open a PDF with any viewer; ``<root>/.meta/<key>.json`` holds the
    checksum, size and content type. The metadata also records the data
    file's inode and modification time: if they no longer match (a crash
    between the two renames, or someone editing the file by hand), ``stat``
    recomputes the checksum from the bytes instead of trusting it. Names
    starting with ``.`` are refused as keys, so the metadata folder and the
    temporary files never collide with an object.

    Writes go to a temporary file in the target folder, are fsynced, given
    mode 0644, and renamed into place, so readers and other processes see the
    old object or the new one, never half of one. Originals are linked into
    place with ``link(2)``, which fails if the name exists: write-once holds
    even between processes racing on the same key.

    A filesystem cannot hold both ``a`` and ``a/b``; such a write raises
    ``ObjectConflict``. Empty folders are left behind by ``delete``, because
    removing them would race with a writer creating a file in them.
    """

    META_DIR = ".meta"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"LocalObjectStore({str(self.root)!r})"

    # paths

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def _meta_path(self, key: str) -> Path:
        parts = key.split("/")
        return self.root.joinpath(self.META_DIR, *parts[:-1], parts[-1] + ".json")

    def _makedirs(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents private to this user, whatever the umask."""
        missing = []
        while not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:
                if not path.is_dir():
                    raise
                continue  # another process made it
            os.chmod(path, PRIVATE_DIR)

    # writes

    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        key = normalize_key(key)
        with _local_errors(key):
            return self._write(key, [data], content_type, exclusive=False)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        with open(path, "rb") as f, _local_errors(key):
            return self._write(key, file_chunks(f), content_type, exclusive=False)

    def put_original(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        with open(path, "rb") as f:
            with _local_errors(key):
                existing = self.stat(key)
                if existing is None:
                    try:
                        return self._write(key, file_chunks(f), content_type, exclusive=True)
                    except FileExistsError:
                        existing = self.stat(key)  # another process won the race
                    if existing is None:
                        raise ObjectConflict(f"{key}: stored and deleted meanwhile") from None
            f.seek(0)
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
        return same_original(key, existing, sha256)

    def _write(
        self, key: str, chunks: Iterable[bytes], content_type: str, *, exclusive: bool
    ) -> StoredObject:
        target = self._path(key)
        try:
            self._makedirs(target.parent)
        except (FileExistsError, NotADirectoryError):
            raise ObjectConflict(f"{key}: a parent of this key is an object") from None
        if target.is_dir():
            raise ObjectConflict(f"{key}: this key is a prefix of other objects")
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                os.fchmod(out.fileno(), PRIVATE_FILE)
                sha256 = copy_hashing(chunks, out)
                out.flush()
                os.fsync(out.fileno())
                info = os.fstat(out.fileno())
            if exclusive:
                os.link(tmp, target)  # FileExistsError: write-once
                tmp.unlink()
            else:
                os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        stored = StoredObject(key, info.st_size, sha256, content_type)
        self._write_meta(stored, info)
        return stored

    def _write_meta(self, stored: StoredObject, info: os.stat_result) -> None:
        meta = {
            "sha256": stored.sha256,
            "size": stored.size,
            "content_type": stored.content_type,
            "ino": info.st_ino,
            "mtime_ns": info.st_mtime_ns,
        }
        path = self._meta_path(stored.key)
        self._makedirs(path.parent)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                os.fchmod(out.fileno(), PRIVATE_FILE)
                json.dump(meta, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)

    # reads

    def stat(self, key: str) -> StoredObject | None:
        key = normalize_key(key)
        with _local_errors(key):
            try:
                info = os.stat(self._path(key))
            except (FileNotFoundError, NotADirectoryError):
                return None
            if not stat_mode.S_ISREG(info.st_mode):
                return None
            meta = self._read_meta(key)
            if (
                meta is not None
                and isinstance(meta.get("sha256"), str)
                and isinstance(meta.get("content_type"), str)
                and meta.get("size") == info.st_size
                and meta.get("ino") == info.st_ino
                and meta.get("mtime_ns") == info.st_mtime_ns
            ):
                return StoredObject(key, info.st_size, meta["sha256"], meta["content_type"])
            # Stale or missing metadata: the bytes are the truth.
            content_type = str((meta or {}).get("content_type") or guess_type(key))
            try:
                sha256, size = file_sha256(self._path(key))
            except FileNotFoundError:
                return None
            return StoredObject(key, size, sha256, content_type)

    def _read_meta(self, key: str) -> dict | None:
        try:
            meta = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    @contextmanager
    def _open(self, key: str) -> Iterator[Iterator[bytes]]:
        with self._open_file(key) as f:
            yield _local_guarded(key, file_chunks(f))

    def _open_file(self, key: str) -> BinaryIO:
        with _local_errors(key):
            try:
                return open(self._path(key), "rb")
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                raise ObjectMissing(key) from None

    def delete(self, key: str) -> None:
        key = normalize_key(key)
        with _local_errors(key):
            for path in (self._path(key), self._meta_path(key)):
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    path.unlink()

    def list(self, prefix: str) -> list[str]:
        prefix = normalize_prefix(prefix)
        head = prefix.rpartition("/")[0]
        start = self._path(head) if head else self.root
        keys = []
        with _local_errors(prefix):
            for folder, dirnames, filenames in os.walk(start):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = Path(folder).relative_to(self.root).as_posix()
                for name in filenames:
                    if name.startswith("."):
                        continue
                    key = name if rel == "." else f"{rel}/{name}"
                    if key.startswith(prefix):
                        keys.append(key)
        return sorted(keys)

    def presigned_get_url(
        self, key: str, expires: timedelta, filename: str | None = None
    ) -> str | None:
        normalize_key(key)
        return None

    def check(self) -> None:
        with _local_errors("(root)"):
            try:
                self._makedirs(self.root)
            except OSError as exc:
                raise StoreUnavailable(f"{self.root}: {exc}") from exc
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StoreUnavailable(f"{self.root}: not writable")


@contextmanager
def _local_errors(key: str) -> Iterator[None]:
    """Name filesystem failures in the store's terms."""
    try:
        yield
    except ObjectStoreError:
        raise
    except OSError as exc:
        if exc.errno in _TRANSIENT_ERRNOS:
            raise StoreUnavailable(f"{key}: {exc}") from exc
        raise ObjectStoreError(f"{key}: {exc}") from exc


def _local_guarded(key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Turn a read failing mid-file (EIO, a vanished NFS mount) into store errors."""
    with _local_errors(key):
        yield from chunks


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: a file is only safe once its directory entry is."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
