"""Hostile input files, built byte by byte so that nothing "helpful" repairs them.

PDFs are written by hand (objects, cross-reference table, trailer) rather than
with pikepdf, because a library that writes PDFs normalises exactly the
malformations these files exist to carry.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

#: One straight line stroked: the drawing instruction repeated by the content bomb.
PATH_INSTRUCTION = b"0 0 m 1 1 l S\n"

_CHUNK = PATH_INSTRUCTION * (1024 * 1024 // len(PATH_INSTRUCTION))


def write_pdf(path: Path, objects: list[bytes]) -> Path:
    """A PDF whose object ``n`` (1-based) is ``objects[n - 1]``; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def deflated_paths(inflated_bytes: int) -> bytes:
    """``inflated_bytes`` of stroked lines, zlib-compressed (about 1000:1).

    Built chunk by chunk through one compressor, so a 1 GiB page takes seconds and
    never exists uncompressed in memory.
    """
    compressor = zlib.compressobj(9)
    parts = []
    remaining = inflated_bytes - inflated_bytes % len(PATH_INSTRUCTION)  # whole instructions
    while remaining > 0:
        chunk = _CHUNK if remaining >= len(_CHUNK) else _CHUNK[:remaining]
        parts.append(compressor.compress(chunk))
        remaining -= len(chunk)
    parts.append(compressor.flush())
    return b"".join(parts)


def content_bomb_pdf(
    path: Path, inflated_bytes: int, *, in_form: bool = False, draws: int = 1
) -> Path:
    """One A4 page, no image, whose drawing instructions inflate to ``inflated_bytes``.

    With ``in_form`` the instructions sit in a form XObject the page draws ``draws``
    times, which a renderer must interpret every time.
    """
    data = deflated_paths(inflated_bytes)
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R%s >>"
    if not in_form:
        return write_pdf(
            path,
            [
                b"<< /Type /Catalog /Pages 2 0 R >>",
                b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                page % b"",
                _stream(b"/Filter /FlateDecode", data),
            ],
        )
    form = b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Filter /FlateDecode"
    return write_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page % b" /Resources << /XObject << /Fm0 5 0 R >> >>",
            _stream(b"", b"q /Fm0 Do Q\n" * draws),
            _stream(form, data),
        ],
    )


def huge_page_pdf(path: Path, inches: float) -> Path:
    """A blank square page ``inches`` on a side: a few hundred bytes, gigapixels at 300 dpi."""
    side = b"%d" % round(inches * 72)
    return write_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Contents 4 0 R >>" % (side, side),
            _stream(b"", b""),
        ],
    )


def nested_arrays_pdf(path: Path, depth: int) -> Path:
    """A page object holding ``depth`` nested arrays: deeper than any parser accepts."""
    nest = b"[" * depth + b"]" * depth
    return write_pdf(
        path,
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Junk %s >>" % nest,
        ],
    )


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A baseline JPEG header declaring ``width``×``height`` grey pixels, almost no data.

    A real 8×8 JPEG's scan is kept and its frame header rewritten: a decoder fills
    the missing blocks, so the file "decodes" to a huge blank page.
    """
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (8, 8), 255).save(buffer, "JPEG", quality=50)
    data = bytearray(buffer.getvalue())
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    path.write_bytes(bytes(data))
    return path


def png_of_size(path: Path, width: int, height: int) -> Path:
    """A blank white RGB PNG of the given size, written row by row to keep this process small.

    Constant rows compress about 1000:1, so a 149-megapixel page is under half a
    megabyte that a full decode turns into 450 MB of pixels.
    """
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * (3 * width)
    idat = bytearray()
    for _ in range(height):
        idat += compressor.compress(row)
    idat += compressor.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    signature = b"\x89PNG\r\n\x1a\n"
    path.write_bytes(
        signature + chunk(b"IHDR", header) + chunk(b"IDAT", bytes(idat)) + chunk(b"IEND", b"")
    )
    return path


def png_bomb(path: Path, width: int, height: int) -> Path:
    """A valid all-white 1-bit PNG written row-block by row-block: tiny on disk,
    huge when decoded, and never held in memory here."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + b"\xff" * ((width + 7) // 8)
    block_rows = 1000
    compressor = zlib.compressobj(9)
    idat = bytearray()
    for start in range(0, height, block_rows):
        idat += compressor.compress(row * min(block_rows, height - start))
    idat += compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", bytes(idat))
        + chunk(b"IEND", b"")
    )
    return path
