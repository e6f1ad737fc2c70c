"""Multipart uploads streamed to disk, the size limit enforced while reading.

Starlette's form parser spools files to disk too, but it reads the whole body
before the endpoint runs: a 5 GB upload would be written out in full before it
could be refused. Here the body is fed, chunk by chunk as it arrives, to
python-multipart's push parser; each file part goes straight into its own file
in a private temporary folder, and the request is refused the moment one part
passes the limit. Memory use stays one network chunk, whatever the file size.

The client's file name is kept as data only (NFC, control characters removed):
files on disk are named by their position in the request, never by the client.
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import FormParserError, MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header

from api.error_responses import ApiError

FIELD = "files"
"""The form field that carries the scans (one or several parts)."""

MAX_FILES = 50
"""Most files in one request: a dossier is handed in a few papers at a time."""

MAX_FILENAME_CHARS = 255

MAX_PART_HEADER_BYTES = 32 * 1024
"""Longest header line of one part. python-multipart's default (4 KiB) refused a
name of ~1,400 Vietnamese letters with "Maximum header size exceeded"; a name of
5,000 (15 KB in UTF-8) is now taken and cut to 255 characters, and a longer line
is refused with a code that says what was too long."""

DRAIN_BYTES = 64 * 1024 * 1024
"""After refusing an oversized file, read and discard at most this much more of
the body, so that an ordinary client gets the 413 answer instead of a reset
connection; a client sending more than that is cut off."""

# HTML5 (and httpx) percent-escape these three in multipart file names.
_HTML5_ESCAPES = {"%22": '"', "%0D": "\r", "%0A": "\n"}


@dataclass(frozen=True)
class ReceivedFile:
    """One uploaded file, complete on disk."""

    position: int  # 1-based, in the order of the request
    filename: str  # the client's name: NFC, data only, never a path
    path: Path
    size: int


class _Refused(Exception):
    """Raised from a parser callback: the request is refused, the rest of the body drained."""

    def __init__(self, error: ApiError) -> None:
        super().__init__(error.message)
        self.error = error


class _Part:
    """State of the part being parsed: its headers, then where its bytes go."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.field_name = b""
        self.value_bytes = b""
        self.sink: BinaryIO | None = None
        self.size = 0
        self.filename = ""


def clean_filename(raw: str) -> str:
    """The client's file name as data: NFC, no control characters, at most 255 characters.

    Slashes and ``..`` are kept: the name is shown and sent back in
    Content-Disposition (which replaces slashes), and never used as a path.
    """
    for escaped, char in _HTML5_ESCAPES.items():
        raw = raw.replace(escaped, char)
    name = unicodedata.normalize("NFC", raw)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs"))
    name = " ".join(name.split())[:MAX_FILENAME_CHARS]
    return name or "upload"


def _boundary(request: Request) -> bytes:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            415,
            "multipart_required",
            f"send the files as multipart/form-data in the field {FIELD!r}",
        )
    return boundary


class _Receiver:
    """python-multipart callbacks writing file parts of ``FIELD`` into ``folder``."""

    def __init__(self, folder: Path, max_file_bytes: int) -> None:
        self.folder, self.max_file_bytes = folder, max_file_bytes
        self.files: list[ReceivedFile] = []
        self.part = _Part()

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
        }

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.field_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.value_bytes += data[start:end]

    def on_header_end(self) -> None:
        name = self.part.field_name.decode("latin-1").strip().lower()
        self.part.headers[name] = self.part.value_bytes.decode("latin-1")
        self.part.field_name, self.part.value_bytes = b"", b""

    def on_headers_finished(self) -> None:
        disposition = self.part.headers.get("content-disposition", "")
        _, params = parse_options_header(disposition.encode("latin-1"))
        if params.get(b"name") != FIELD.encode() or b"filename" not in params:
            return  # other fields are read past and ignored, never kept in memory
        if len(self.files) >= MAX_FILES:
            raise _Refused(
                ApiError(413, "too_many_files", f"at most {MAX_FILES} files per request")
            )
        position = len(self.files) + 1
        self.part.filename = clean_filename(params[b"filename"].decode("utf-8", "replace"))
        self.part.sink = (self.folder / f"{position:03d}.upload").open("xb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        part = self.part
        if part.sink is None:
            return
        part.size += end - start
        if part.size > self.max_file_bytes:
            limit_mb = self.max_file_bytes / (1024 * 1024)
            message = f"{part.filename}: larger than the limit of {limit_mb:g} MB"
            raise _Refused(ApiError(413, "file_too_large", message))
        part.sink.write(data[start:end])

    def on_part_end(self) -> None:
        part = self.part
        if part.sink is None:
            return
        part.sink.close()
        position = len(self.files) + 1
        path = Path(part.sink.name)
        self.files.append(ReceivedFile(position, part.filename, path, part.size))
        part.sink = None

    def close(self) -> None:
        if self.part.sink is not None:
            self.part.sink.close()


async def receive_files(request: Request, folder: Path, max_file_bytes: int) -> list[ReceivedFile]:
    """Stream the request's ``files`` parts into ``folder``; the files, in request order.

    Raises ``ApiError``: 415 ``multipart_required``, 413 ``file_too_large`` (as
    soon as one file passes ``max_file_bytes``), 413 ``too_many_files``,
    400 ``malformed_multipart``, 400 ``no_files``. On error the caller removes
    ``folder``; nothing has been stored anywhere else.
    """
    receiver = _Receiver(folder, max_file_bytes)
    try:
        parser = MultipartParser(
            _boundary(request),
            receiver.callbacks(),  # type: ignore[arg-type]
            max_header_size=MAX_PART_HEADER_BYTES,
        )
    except FormParserError as exc:  # a boundary longer than it takes (256 bytes) raised: a 500
        raise ApiError(
            400, "malformed_multipart", f"the multipart Content-Type is malformed: {exc}"
        ) from None
    stream = request.stream()
    try:
        async for chunk in stream:
            parser.write(chunk)
        parser.finalize()
    except _Refused as refused:
        await _drain(stream)
        raise refused.error from None
    except MultipartParseError as exc:
        if "header size" in str(exc):
            raise ApiError(
                400,
                "part_header_too_large",
                f"a part's header is longer than {MAX_PART_HEADER_BYTES // 1024} KiB: "
                f"a file name that long? File names are kept to {MAX_FILENAME_CHARS} characters",
            ) from None
        raise ApiError(
            400, "malformed_multipart", f"the multipart body is malformed: {exc}"
        ) from None
    finally:
        receiver.close()
    if parser.state != MultipartState.END:
        raise ApiError(400, "malformed_multipart", "the body ended before the closing boundary")
    if not receiver.files:
        raise ApiError(400, "no_files", f"no file in the multipart field {FIELD!r}")
    return receiver.files


async def _drain(stream: AsyncIterator[bytes]) -> None:
    """Read (and drop) what is left of the body, up to ``DRAIN_BYTES``."""
    seen = 0
    async for chunk in stream:
        seen += len(chunk)
        if seen > DRAIN_BYTES:
            break
