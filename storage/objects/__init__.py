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

from typing import TYPE_CHECKING

from storage.objects.base import (
    ObjectConflict,
    ObjectCorrupt,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    StoredObject,
    StoreUnavailable,
    content_disposition,
)
from storage.objects.local import LocalObjectStore
from storage.objects.s3 import S3ObjectStore

if TYPE_CHECKING:
    from core.settings import Settings

__all__ = [
    "LocalObjectStore",
    "ObjectConflict",
    "ObjectCorrupt",
    "ObjectMissing",
    "ObjectStore",
    "ObjectStoreError",
    "S3ObjectStore",
    "StoreUnavailable",
    "StoredObject",
    "content_disposition",
    "object_store_from_settings",
]


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
