"""The object store: every file kept, checksummed, and never served corrupt.

One small interface, two backends. ``LocalObjectStore`` keeps files in a folder
(the embedded default, no server); ``S3ObjectStore`` keeps them in an
S3-compatible server (MinIO in production, SeaweedFS in the tests).

Every object is stored together with the SHA-256 of its bytes, and every read
takes the SHA-256 the caller recorded in its database: the bytes handed back
are checked against it, and a mismatch raises ``ObjectCorrupt`` instead of
passing a damaged scan on. The checksum kept with the object (S3 user metadata
``x-amz-meta-sha256``; locally a small JSON file, see ``LocalObjectStore``)
serves ``stat`` and lets ``put_original`` recognise a retried upload without
reading the stored bytes back.

Errors split into what a retry may cure (``StoreUnavailable``: the server is
down, slow or answering 5xx, the disk is full) and what it will not (the rest of
``ObjectStoreError``), because the pipeline retries the first kind with backoff.

Keys are ``/``-separated, NFC-normalised paths (see ``normalize_key``); both
backends accept and refuse the same keys, so a dossier moves between them.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import mimetypes
import os
import re
import stat as stat_mode
import tempfile
import unicodedata
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NoReturn

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.private import PRIVATE_DIR, PRIVATE_FILE

if TYPE_CHECKING:
    from core.settings import Settings

CHUNK_SIZE = 1024 * 1024
"""Bytes read or sent at a time: large enough to be fast, small enough for RAM."""

PART_SIZE = 5 * 1024 * 1024
"""S3 multipart part size, the smallest S3 allows: minio holds up to two parts in
memory (the one sent and the next one read), whatever the size of the file."""

SHA256_META = "sha256"
"""S3 user-metadata name of the checksum (sent as ``x-amz-meta-sha256``)."""

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class ObjectStoreError(Exception):
    """Base of every error the store raises on purpose."""


class ObjectMissing(ObjectStoreError):
    """No object under this key."""


class ObjectCorrupt(ObjectStoreError):
    """The stored bytes do not match the recorded SHA-256: never served silently."""


class ObjectConflict(ObjectStoreError):
    """A write would replace an original with different bytes, or a key collides."""


class StoreUnavailable(ObjectStoreError):
    """The store cannot be reached now (refused, timed out, 5xx, disk full).

    Transient by nature: the pipeline retries these with backoff, unlike the
    other errors, which a retry would only repeat.
    """


@dataclass(frozen=True)
class StoredObject:
    """What the database records of a stored file."""

    key: str
    size: int
    sha256: str
    content_type: str


def normalize_key(key: str) -> str:
    """Return ``key`` in NFC, or raise ValueError if it is not a safe key.

    NFC because Vietnamese text arrives in either form (macOS and some
    scanners send NFD) and the same name must map to one object. Refused:
    empty keys and components, absolute keys, ``\\`` and NUL (they mean
    something else to a filesystem), and components starting with ``.``
    (which covers ``.`` and ``..``, and reserves such names for the local
    store's own temporary and metadata files). S3 applies the same rules so
    that a key valid in one backend is valid in the other.
    """
    key = unicodedata.normalize("NFC", key)
    if not key or "\\" in key or "\x00" in key or key.startswith("/"):
        raise ValueError(f"unsafe object key: {key!r}")
    for part in key.split("/"):
        if not part or part.startswith("."):
            raise ValueError(f"unsafe object key: {key!r}")
    return key


def _normalize_prefix(prefix: str) -> str:
    """A listing prefix: a key, a key's start, or a folder ending in ``/``."""
    if not prefix:
        return ""
    if prefix.startswith("/"):
        raise ValueError(f"unsafe prefix: {prefix!r}")
    head, _, _ = prefix.rpartition("/")
    if head:
        normalize_key(head)
    elif "\\" in prefix or "\x00" in prefix:
        raise ValueError(f"unsafe prefix: {prefix!r}")
    return unicodedata.normalize("NFC", prefix)


def _check_sha256(expected: str) -> str:
    """Refuse a malformed expected checksum: it is a caller's bug, not corruption."""
    if not _SHA256_RE.fullmatch(expected):
        raise ValueError(f"not a lowercase hex SHA-256: {expected!r}")
    return expected


def _corrupt(key: str, expected: str, actual: str) -> ObjectCorrupt:
    return ObjectCorrupt(f"{key}: stored bytes have sha256 {actual}, expected {expected}")


def _guess_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def content_disposition(filename: str) -> str:
    """An ``attachment`` header value carrying a Vietnamese filename.

    RFC 6266: an ASCII fallback for old clients, and ``filename*`` with the
    real UTF-8 name for everyone else.
    """
    name = unicodedata.normalize("NFC", filename).replace("/", "_").replace("\\", "_")
    ascii_name = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(
        c
        for c in ascii_name.encode("ascii", "ignore").decode()
        if c.isprintable() and c not in '"\\'
    )
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name or 'file'}\"; filename*=UTF-8''{quoted}"


class ObjectStore(ABC):
    """Where files are kept; reads verify the SHA-256 the caller recorded.

    Backends implement the writes, ``stat`` and ``_open``; the verifying reads
    live here once, so no backend can forget to check.
    """

    @abstractmethod
    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        """Store small data under ``key``, replacing what was there."""

    @abstractmethod
    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Store a file under ``key``, streamed: a 200 MB scan never sits in memory."""

    @abstractmethod
    def put_original(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Store an original scan once and never replace it.

        Same bytes already there: returns the stored object (a retried upload
        is harmless). Different bytes there: ``ObjectConflict``.
        """

    @abstractmethod
    def stat(self, key: str) -> StoredObject | None:
        """The stored object's size, checksum and type; None if absent."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove ``key``; removing an absent key is not an error."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys that start with ``prefix``, sorted."""

    @abstractmethod
    def presigned_get_url(
        self, key: str, expires: timedelta, filename: str | None = None
    ) -> str | None:
        """A URL a browser can download ``key`` from directly, or None if the backend has none.

        The URL bypasses verification: hand it out only for objects already
        verified, or accept that a damaged object reaches the browser.
        """

    @abstractmethod
    def check(self) -> None:
        """Raise ``StoreUnavailable`` unless the store can be used now (for /readyz)."""

    @abstractmethod
    def _open(self, key: str) -> AbstractContextManager[Iterator[bytes]]:
        """Open ``key`` for reading, eagerly: raises ``ObjectMissing`` before any byte."""

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def get_bytes(self, key: str, expected_sha256: str) -> bytes:
        """The whole object, verified. For small objects: page images, JSON, text."""
        key, expected = normalize_key(key), _check_sha256(expected_sha256)
        digest = hashlib.sha256()
        buffer = io.BytesIO()
        with self._open(key) as chunks:
            for chunk in chunks:
                digest.update(chunk)
                buffer.write(chunk)
        if digest.hexdigest() != expected:
            raise _corrupt(key, expected, digest.hexdigest())
        return buffer.getvalue()

    def download(self, key: str, dest: Path, expected_sha256: str) -> None:
        """Stream the object to ``dest``; ``dest`` appears only if the bytes verify.

        Written to a temporary file beside ``dest`` and renamed, so a reader of
        ``dest`` never sees a partial or corrupt file, and a failed download
        leaves nothing behind.
        """
        key, expected = normalize_key(key), _check_sha256(expected_sha256)
        dest = Path(dest)
        with self._open(key) as chunks:
            _write_verified(dest, key, chunks, expected)

    def open_stream(self, key: str, expected_sha256: str) -> Iterator[bytes]:
        """The object's bytes in chunks, for streaming an HTTP response.

        ``ObjectMissing`` and ``StoreUnavailable`` are raised by this call,
        before any byte. The checksum can only be known at the end: if it does
        not match, the last ``next()`` raises ``ObjectCorrupt`` after the
        consumer has already seen (and maybe sent) the bad bytes; an HTTP
        server then aborts the response, so the client gets a truncated
        download rather than a silently wrong one. Where that is not good
        enough, ``download`` to a temporary file and serve the file.
        """
        key, expected = normalize_key(key), _check_sha256(expected_sha256)
        resources = contextlib.ExitStack()
        chunks = resources.enter_context(self._open(key))
        return _verified_chunks(key, resources, chunks, expected)


def _verified_chunks(
    key: str, resources: contextlib.ExitStack, chunks: Iterator[bytes], expected: str
) -> Iterator[bytes]:
    with resources:
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
            yield chunk
        if digest.hexdigest() != expected:
            raise _corrupt(key, expected, digest.hexdigest())


def _write_verified(dest: Path, key: str, chunks: Iterable[bytes], expected: str) -> None:
    """Write ``chunks`` to ``dest`` through a temporary file, only if they hash to ``expected``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _copy_hashing(chunks, out)
            out.flush()
            os.fsync(out.fileno())
        if digest != expected:
            raise _corrupt(key, expected, digest)
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _copy_hashing(chunks: Iterable[bytes], out: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def _file_chunks(f: BinaryIO) -> Iterator[bytes]:
    while chunk := f.read(CHUNK_SIZE):
        yield chunk


def _file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256")
        return digest.hexdigest(), f.tell()


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
            return self._write(key, _file_chunks(f), content_type, exclusive=False)

    def put_original(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        with open(path, "rb") as f:
            with _local_errors(key):
                existing = self.stat(key)
                if existing is None:
                    try:
                        return self._write(key, _file_chunks(f), content_type, exclusive=True)
                    except FileExistsError:
                        existing = self.stat(key)  # another process won the race
                    if existing is None:
                        raise ObjectConflict(f"{key}: stored and deleted meanwhile") from None
            f.seek(0)
            sha256 = hashlib.file_digest(f, "sha256").hexdigest()
        return _same_original(key, existing, sha256)

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
                sha256 = _copy_hashing(chunks, out)
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
            content_type = str((meta or {}).get("content_type") or _guess_type(key))
            try:
                sha256, size = _file_sha256(self._path(key))
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
            yield _local_guarded(key, _file_chunks(f))

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
        prefix = _normalize_prefix(prefix)
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


def _same_original(key: str, existing: StoredObject, sha256: str) -> StoredObject:
    if existing.sha256 != sha256:
        raise ObjectConflict(
            f"{key}: an original with sha256 {existing.sha256} is stored; "
            f"refusing to replace it with {sha256}"
        )
    return existing


# --------------------------------------------------------------------------- S3


class _HashingReader:
    """A file wrapper hashing what minio reads, so what was sent is what is recorded."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._digest.update(data)
        self.size += len(data)
        return data

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


class S3ObjectStore(ObjectStore):
    """Objects in an S3 bucket, through the ``minio`` client.

    The checksum travels as user metadata (``x-amz-meta-sha256``), set when the
    object is written, so a file is hashed once before it is sent and once more
    while it is sent (a file changed in between is not stored under a wrong
    checksum). Content types are always set explicitly: SeaweedFS would
    otherwise sniff ``application/octet-stream``.

    The constructor does not touch the network, so a process starts while the
    server is down; the bucket is created before the first write (and by
    ``check``), tolerating another process creating it at the same moment.

    Timeouts are short and the client retries only twice, so a stopped server
    surfaces within seconds as ``StoreUnavailable``: the pipeline does the
    patient retrying, with backoff, at the task level.

    Write-once of originals is a check before the write and another after it.
    Two processes writing *different* bytes to the same original key at the
    same instant can still overwrite one another (S3 has no portable
    conditional write; the local store has no such window): the later check
    often reports ``ObjectConflict``, and in any case a reader holding the
    overwritten checksum gets ``ObjectCorrupt``, never the wrong bytes.
    Original keys contain the document id, so in practice only retries of one
    upload, carrying the same bytes, meet.
    """

    CONNECT_TIMEOUT = 3.0
    READ_TIMEOUT = 30.0
    RETRIES = 2

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        public_endpoint: str | None = None,
        public_secure: bool | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.bucket = bucket
        # Presigned URLs go to clients outside the deployment: they must name a
        # host those clients reach (SigV4 signs the host, so it cannot be
        # rewritten afterwards). Signing is offline because the region is known.
        self._public = Minio(
            public_endpoint or endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure if public_secure is None else public_secure,
            region=region,
        )
        self._connect = {
            "endpoint": endpoint,
            "access_key": access_key,
            "secret_key": secret_key,
            "secure": secure,
            "region": region,
        }
        self._minio: Minio | None = None
        self._pid = 0
        self._bucket_ready = False

    @property
    def _client(self) -> Minio:
        """The minio client of this process.

        Made anew after a fork: a prefork worker must not share the parent's
        pooled sockets, or two processes would read one HTTP response.
        """
        if self._minio is None or self._pid != os.getpid():
            self._minio = Minio(
                **self._connect,
                http_client=_http_pool(self.CONNECT_TIMEOUT, self.READ_TIMEOUT, self.RETRIES),
            )
            self._pid = os.getpid()
        return self._minio

    def __repr__(self) -> str:
        return f"S3ObjectStore({self.endpoint!r}, bucket={self.bucket!r})"

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        with _s3_errors(self.bucket):
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
        self._bucket_ready = True

    # writes

    def put_bytes(self, key: str, data: bytes, content_type: str) -> StoredObject:
        key = normalize_key(key)
        sha256 = hashlib.sha256(data).hexdigest()
        self._ensure_bucket()
        with _s3_errors(key):
            self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata={SHA256_META: sha256},
            )
        return StoredObject(key, len(data), sha256, content_type)

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        sha256, size = _file_sha256(path)
        return self._upload(key, Path(path), content_type, sha256, size)

    def put_original(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        sha256, size = _file_sha256(path)
        self._ensure_bucket()
        existing = self.stat(key)
        if existing is not None:
            return _same_original(key, existing, sha256)
        self._upload(key, Path(path), content_type, sha256, size)
        stored = self.stat(key)
        if stored is None:
            raise ObjectConflict(f"{key}: deleted by another process while being stored")
        return _same_original(key, stored, sha256)

    def _upload(
        self, key: str, path: Path, content_type: str, sha256: str, size: int
    ) -> StoredObject:
        """Send ``size`` bytes of ``path`` in parts, checking they still hash to ``sha256``."""
        self._ensure_bucket()
        with open(path, "rb") as raw, _s3_errors(key):
            reader = _HashingReader(raw)
            self._client.put_object(
                self.bucket,
                key,
                reader,  # type: ignore[arg-type]
                size,
                content_type=content_type,
                metadata={SHA256_META: sha256},
                part_size=PART_SIZE,
                num_parallel_uploads=1,
            )
        if reader.hexdigest() != sha256 or reader.size != size:
            self.delete(key)
            raise ObjectStoreError(f"{path} changed while it was being stored as {key}")
        return StoredObject(key, size, sha256, content_type)

    # reads

    def stat(self, key: str) -> StoredObject | None:
        key = normalize_key(key)
        try:
            with _s3_errors(key):
                info = self._client.stat_object(self.bucket, key)
        except ObjectMissing:
            return None
        content_type = info.content_type or _guess_type(key)
        sha256 = (info.metadata or {}).get(f"x-amz-meta-{SHA256_META}")
        if not sha256:
            # Not written by this store: hash the bytes rather than guess.
            sha256 = self._hash_object(key)
        return StoredObject(key, int(info.size or 0), sha256, content_type)

    def _hash_object(self, key: str) -> str:
        digest = hashlib.sha256()
        with self._open(key) as chunks:
            for chunk in chunks:
                digest.update(chunk)
        return digest.hexdigest()

    @contextmanager
    def _open(self, key: str) -> Iterator[Iterator[bytes]]:
        with _s3_errors(key):
            response = self._client.get_object(self.bucket, key)
        try:
            yield _guarded(key, response.stream(CHUNK_SIZE))
        finally:
            response.close()
            response.release_conn()

    def delete(self, key: str) -> None:
        key = normalize_key(key)
        try:
            with _s3_errors(key):
                self._client.remove_object(self.bucket, key)
        except ObjectMissing:  # the bucket itself is absent: so is the key
            pass

    def list(self, prefix: str) -> list[str]:
        prefix = _normalize_prefix(prefix)
        try:
            with _s3_errors(prefix):
                names = [
                    obj.object_name
                    for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True)
                    if obj.object_name and not obj.is_dir
                ]
        except ObjectMissing:
            return []
        return sorted(names)

    def presigned_get_url(
        self, key: str, expires: timedelta, filename: str | None = None
    ) -> str | None:
        key = normalize_key(key)
        headers = (
            {"response-content-disposition": content_disposition(filename)} if filename else None
        )
        with _s3_errors(key):
            return self._public.presigned_get_object(
                self.bucket, key, expires=expires, response_headers=headers
            )

    def check(self) -> None:
        self._bucket_ready = False
        try:
            self._ensure_bucket()
        except StoreUnavailable:
            raise
        except ObjectStoreError as exc:
            raise StoreUnavailable(f"bucket {self.bucket}: {exc}") from exc


def _http_pool(connect: float, read: float, retries: int) -> urllib3.PoolManager:
    """A connection pool that gives up quickly: the pipeline retries with backoff."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect, read=read),
        maxsize=10,
        retries=urllib3.Retry(
            total=retries,
            backoff_factor=0.2,
            status_forcelist=(500, 502, 503, 504),
        ),
    )


def _guarded(key: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Turn a connection dropped mid-download into ``StoreUnavailable``."""
    with _s3_errors(key):
        yield from chunks


_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchObject"})
_TRANSIENT_CODES = frozenset(
    {
        "SlowDown",
        "ServiceUnavailable",
        "InternalError",
        "RequestTimeout",
        "XMinioServerNotInitialized",
    }
)


@contextmanager
def _s3_errors(key: str) -> Iterator[None]:
    """Name client failures in the store's terms: missing, transient or permanent."""
    try:
        yield
    except S3Error as exc:
        _raise_s3_error(key, exc)
    except (ServerError, InvalidResponseError) as exc:
        # 5xx, or an answer that is not S3's (a proxy's error page): not now.
        raise StoreUnavailable(f"{key}: {exc}") from exc
    except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
        raise StoreUnavailable(f"{key}: {exc}") from exc


def _raise_s3_error(key: str, exc: S3Error) -> NoReturn:
    status = getattr(exc.response, "status", 0) or 0
    if exc.code in _MISSING_CODES:
        raise ObjectMissing(key) from exc
    if exc.code in _TRANSIENT_CODES or status >= 500:
        raise StoreUnavailable(f"{key}: {exc}") from exc
    raise ObjectStoreError(f"{key}: {exc}") from exc


# --------------------------------------------------------------------------- settings


def object_store_from_settings(settings: Settings) -> ObjectStore:
    """The store the settings describe: a folder by default, S3 in production."""
    if settings.object_store == "s3":
        return S3ObjectStore(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            public_endpoint=settings.s3_public_endpoint or None,
            public_secure=settings.s3_public_secure,
        )
    return LocalObjectStore(settings.resolved_objects_dir)
