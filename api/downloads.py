"""Serving stored objects over HTTP: verified bytes, ETags, Vietnamese file names.

Every byte served is checked against the SHA-256 the database recorded
(``storage.objects``), in one of two ways:

- small objects (text, thumbnails, page images) are read whole with
  ``get_bytes`` and verified before the first byte goes out; a mismatch is a
  500 ``object_corrupt`` answer;
- big ones (originals, searchable PDFs: up to hundreds of MB) are streamed with
  ``open_stream``, whose checksum is known only at the end. The response
  declares its ``Content-Length`` and always holds back its last chunk until
  the stream has been verified: on a mismatch that chunk is never sent and the
  connection is aborted, so the client sees a short, failed download, never a
  complete-looking wrong file.

The ETag is the object's SHA-256, quoted: ``If-None-Match`` answers 304 without
reading the store. ``Cache-Control: private, no-cache`` keeps shared caches out
(personal data) and makes browsers revalidate, so every use goes through the
key check and the audit trail.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pikepdf
from fastapi import Request, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from PIL import Image

from api.error_responses import ApiError
from pipeline.stored_page import StoredPage, StoredPageCorrupt
from storage.objects import (
    ObjectCorrupt,
    ObjectMissing,
    ObjectStore,
    ObjectStoreError,
    StoreUnavailable,
    content_disposition,
)

log = logging.getLogger(__name__)

PRESIGNED_LIFETIME = timedelta(minutes=5)
"""How long a redirect URL works: enough to start a download, too short to share."""

CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True)
class Blob:
    """A stored object as the API serves it."""

    key: str
    sha256: str
    content_type: str
    filename: str
    size: int | None = None  # known for originals; looked up in the store otherwise


def etag(sha256: str) -> str:
    return f'"{sha256}"'


def matches_etag(request: Request, tag: str) -> bool:
    """Whether ``If-None-Match`` names ``tag`` (weak comparison, as RFC 9110 asks) or ``*``."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    candidates = {part.strip().removeprefix("W/") for part in header.split(",")}
    return "*" in candidates or tag in candidates


def _headers(blob: Blob, tag: str) -> dict[str, str]:
    return {
        "ETag": tag,
        "Cache-Control": CACHE_CONTROL,
        "Content-Disposition": content_disposition(blob.filename),
        "X-Content-Type-Options": "nosniff",
    }


def not_modified(tag: str) -> Response:
    return Response(status_code=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})


def store_error(exc: ObjectStoreError, key: str) -> ApiError:
    """The API answer for a store failure: never the bytes, never a traceback."""
    if isinstance(exc, StoreUnavailable):
        log.warning("object store unavailable reading %s: %s", key, exc)
        return ApiError(503, "store_unavailable", "the object store cannot be reached; retry later")
    if isinstance(exc, ObjectCorrupt):
        log.error("corrupt object %s: %s", key, exc)
        return ApiError(500, "object_corrupt", "the stored file failed its checksum; not served")
    if isinstance(exc, ObjectMissing):
        log.error("object %s recorded but missing from the store", key)
        return ApiError(500, "object_missing", "the stored file is missing")
    log.error("object store error reading %s: %s", key, exc)
    return ApiError(500, "object_store_error", "the stored file cannot be read")


def small_response(store: ObjectStore, blob: Blob) -> Response:
    """The whole object, verified before anything is sent."""
    try:
        data = store.get_bytes(blob.key, blob.sha256)
    except ObjectStoreError as exc:
        raise store_error(exc, blob.key) from exc
    return bytes_response(data, blob, etag(blob.sha256))


def bytes_response(data: bytes, blob: Blob, tag: str) -> Response:
    return Response(data, media_type=blob.content_type, headers=_headers(blob, tag))


def streamed_response(store: ObjectStore, blob: Blob) -> Response:
    """The object streamed in chunks, its last chunk sent only once the checksum is right."""
    try:
        size = blob.size
        if size is None:
            stored = store.stat(blob.key)
            if stored is None:
                raise ObjectMissing(blob.key)
            size = stored.size
        chunks = store.open_stream(blob.key, blob.sha256)
    except ObjectStoreError as exc:
        raise store_error(exc, blob.key) from exc
    headers = _headers(blob, etag(blob.sha256)) | {"Content-Length": str(size)}
    return StreamingResponse(
        _held_back(chunks, blob.key), media_type=blob.content_type, headers=headers
    )


def _held_back(chunks: Iterable[bytes], key: str) -> Iterator[bytes]:
    """Yield every chunk one step late: the last goes out only after verification.

    ``open_stream`` checks the checksum when asked for the chunk after the last
    one; asking for it before handing on the last chunk means a corrupt object
    ends in an exception with that chunk still unsent, and the server aborts
    the response short of its Content-Length.
    """
    previous: bytes | None = None
    try:
        for chunk in chunks:
            if previous is not None:
                yield previous
            previous = chunk
    except ObjectStoreError as exc:
        log.error("aborting download of %s: %s", key, exc)
        raise
    if previous is not None:
        yield previous


def presigned_redirect(store: ObjectStore, blob: Blob) -> Response | None:
    """A 307 to a short-lived URL of the store itself, or None if the store has none.

    The browser then downloads from S3 directly and nothing re-hashes the
    bytes; what is checked here is that the object's recorded checksum (its S3
    metadata) is the one in the database, so a replaced object is not handed
    out. Bit rot inside the store goes unnoticed on this path: the price of not
    relaying the bytes.
    """
    try:
        stored = store.stat(blob.key)
        if stored is None:
            raise ObjectMissing(blob.key)
        if stored.sha256 != blob.sha256:
            raise ObjectCorrupt(f"{blob.key}: stored checksum {stored.sha256} != {blob.sha256}")
        url = store.presigned_get_url(blob.key, PRESIGNED_LIFETIME, filename=blob.filename)
    except ObjectStoreError as exc:
        raise store_error(exc, blob.key) from exc
    if url is None:
        return None
    return RedirectResponse(url, status_code=307, headers={"Cache-Control": "no-store"})


# ------------------------------------------------------------------ page images


def page_image_response(data: bytes, meta: dict[str, object], blob: Blob) -> Response:
    """The full page image: the stored JPEG as it is, other encodings converted to PNG.

    ``pages/<n>.img`` holds the image exactly as it sits in the PDF stream. A
    DCTDecode stream *is* a JPEG file; CCITT G4 (bi-level pages) and Flate
    streams are no image format a browser shows, so they are decoded (pikepdf
    knows every PDF image encoding) and sent as PNG.
    """
    stem = blob.filename.rpartition(".")[0] or blob.filename
    if meta.get("filter") == "DCTDecode":
        jpeg = Blob(blob.key, blob.sha256, "image/jpeg", f"{stem}.jpg")
        return bytes_response(data, jpeg, etag(blob.sha256))
    # The conversion is deterministic: the stored bytes' checksum still names the PNG.
    png = Blob(blob.key, blob.sha256, "image/png", f"{stem}.png")
    return bytes_response(encoded_to_png(data, meta), png, etag(blob.sha256))


_COLORSPACES = {"rgb": pikepdf.Name.DeviceRGB, "gray": pikepdf.Name.DeviceGray}


def encoded_to_png(data: bytes, meta: dict[str, object]) -> bytes:
    """Decode a PDF image stream described by ``meta`` (the page report's ``image``) to PNG."""
    colorspace = str(meta["colorspace"])
    pdf = pikepdf.new()
    stream = pikepdf.Stream(pdf, data)
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height = int(meta["width"]), int(meta["height"])  # type: ignore[call-overload]
    stream.ColorSpace = _COLORSPACES.get(colorspace, pikepdf.Name.DeviceGray)
    stream.BitsPerComponent = 1 if colorspace == "bilevel" else 8
    stream.Filter = pikepdf.Name("/" + str(meta["filter"]))
    parms = meta.get("decode_parms")
    if isinstance(parms, dict) and parms:
        stream.DecodeParms = pikepdf.Dictionary({"/" + k: v for k, v in parms.items()})
    image: Image.Image = pikepdf.PdfImage(stream).as_pil_image()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def page_image_meta(report: bytes) -> dict[str, object]:
    """How a stored page's image is encoded (``pipeline.stored_page``)."""
    try:
        image = StoredPage.from_bytes(report).image
    except StoredPageCorrupt:
        image = None
    if image is None:
        raise ApiError(500, "object_corrupt", "the page report does not describe its image")
    return image.as_dict()
