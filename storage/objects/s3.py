"""The production backend: objects in an S3-compatible server (MinIO; SeaweedFS in the tests)."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, NoReturn

import urllib3
from minio import Minio
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.keys import normalize_key, normalize_prefix
from storage.objects.base import (
    CHUNK_SIZE,
    PART_SIZE,
    SHA256_META,
    ObjectConflict,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    StoredObject,
    StoreUnavailable,
    content_disposition,
    file_sha256,
    guess_type,
    same_original,
)

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
        sha256, size = file_sha256(path)
        return self._upload(key, Path(path), content_type, sha256, size)

    def put_original(self, key: str, path: Path, content_type: str) -> StoredObject:
        key = normalize_key(key)
        sha256, size = file_sha256(path)
        self._ensure_bucket()
        existing = self.stat(key)
        if existing is not None:
            return same_original(key, existing, sha256)
        self._upload(key, Path(path), content_type, sha256, size)
        stored = self.stat(key)
        if stored is None:
            raise ObjectConflict(f"{key}: deleted by another process while being stored")
        return same_original(key, stored, sha256)

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
        content_type = info.content_type or guess_type(key)
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
        prefix = normalize_prefix(prefix)
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
