"""The store's interface: ``ObjectStore``, what it records, its errors, and the
verifying reads every backend shares, so no backend can forget to check."""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
import os
import re
import tempfile
import unicodedata
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from storage.keys import normalize_key
from storage.private import PRIVATE_FILE

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


def check_sha256(expected: str) -> str:
    """Refuse a malformed expected checksum: it is a caller's bug, not corruption."""
    if not _SHA256_RE.fullmatch(expected):
        raise ValueError(f"not a lowercase hex SHA-256: {expected!r}")
    return expected


def corrupt(key: str, expected: str, actual: str) -> ObjectCorrupt:
    return ObjectCorrupt(f"{key}: stored bytes have sha256 {actual}, expected {expected}")


def guess_type(key: str) -> str:
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
        key, expected = normalize_key(key), check_sha256(expected_sha256)
        digest = hashlib.sha256()
        buffer = io.BytesIO()
        with self._open(key) as chunks:
            for chunk in chunks:
                digest.update(chunk)
                buffer.write(chunk)
        if digest.hexdigest() != expected:
            raise corrupt(key, expected, digest.hexdigest())
        return buffer.getvalue()

    def download(self, key: str, dest: Path, expected_sha256: str) -> None:
        """Stream the object to ``dest``; ``dest`` appears only if the bytes verify.

        Written to a temporary file beside ``dest`` and renamed, so a reader of
        ``dest`` never sees a partial or corrupt file, and a failed download
        leaves nothing behind.
        """
        key, expected = normalize_key(key), check_sha256(expected_sha256)
        dest = Path(dest)
        with self._open(key) as chunks:
            write_verified(dest, key, chunks, expected)

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
        key, expected = normalize_key(key), check_sha256(expected_sha256)
        resources = contextlib.ExitStack()
        chunks = resources.enter_context(self._open(key))
        return verified_chunks(key, resources, chunks, expected)


def verified_chunks(
    key: str, resources: contextlib.ExitStack, chunks: Iterator[bytes], expected: str
) -> Iterator[bytes]:
    with resources:
        digest = hashlib.sha256()
        for chunk in chunks:
            digest.update(chunk)
            yield chunk
        if digest.hexdigest() != expected:
            raise corrupt(key, expected, digest.hexdigest())


def write_verified(dest: Path, key: str, chunks: Iterable[bytes], expected: str) -> None:
    """Write ``chunks`` to ``dest`` through a temporary file, only if they hash to ``expected``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            digest = copy_hashing(chunks, out)
            out.flush()
            os.fsync(out.fileno())
        if digest != expected:
            raise corrupt(key, expected, digest)
        os.chmod(tmp, PRIVATE_FILE)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def copy_hashing(chunks: Iterable[bytes], out: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


def file_chunks(f: BinaryIO) -> Iterator[bytes]:
    while chunk := f.read(CHUNK_SIZE):
        yield chunk


def file_sha256(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    with open(path, "rb") as f:
        digest = hashlib.file_digest(f, "sha256")
        return digest.hexdigest(), f.tell()


def same_original(key: str, existing: StoredObject, sha256: str) -> StoredObject:
    if existing.sha256 != sha256:
        raise ObjectConflict(
            f"{key}: an original with sha256 {existing.sha256} is stored; "
            f"refusing to replace it with {sha256}"
        )
    return existing
