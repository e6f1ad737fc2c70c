"""Measure how far a PDF stream inflates without ever holding more than a chunk of it.

A page's drawing instructions (its content streams and the form XObjects it draws)
are compressed, and deflate alone inflates 1000:1: a 1.5 MB upload can carry a
page of 1 GB of instructions. Parsing or even decoding such a stream in one piece
(``pikepdf.parse_content_stream``, ``Stream.read_bytes``) costs memory in
proportion, so :func:`decoded_length` decodes the standard content filters as a
pipeline of generators, each yielding chunks of at most :data:`CHUNK` bytes, and
stops counting as soon as the count passes the caller's limit. Only a stream found
to fit is then handed to pikepdf whole.

Image compressions (DCT, JPX, JBIG2, CCITT) never hold drawing instructions; a
content stream using one is damaged or hostile and is reported as unreadable.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Iterable, Iterator

import pikepdf

#: Largest piece any stage holds or yields.
CHUNK = 1 << 20

_WHITESPACE = re.compile(rb"\s+")


class UnreadableStream(ValueError):
    """The stream uses a filter that cannot carry drawing instructions, or none we know."""


def decoded_length(stream: pikepdf.Stream, limit: int) -> int:
    """Bytes ``stream`` decodes to, or the first count above ``limit`` once past it.

    Damaged compressed data ends the count where it breaks, which is where a
    reader's decoder stops too.
    """
    total = 0
    for chunk in _decoded_chunks(stream):
        total += len(chunk)
        if total > limit:
            return total
    return total


def _decoded_chunks(stream: pikepdf.Stream) -> Iterator[bytes]:
    filters = _as_list(stream.get("/Filter"))
    parms = _as_list(stream.get("/DecodeParms"))
    chunks: Iterator[bytes] = _pieces(stream.read_raw_bytes())
    for position, name in enumerate(filters):
        parm = parms[position] if position < len(parms) else None
        decoder = _DECODERS.get(str(name))
        if decoder is None:
            raise UnreadableStream(f"drawing instructions compressed with {name}")
        chunks = decoder(chunks, parm)
    return chunks


def _as_list(value: object) -> list[object]:
    if value is None:
        return []
    if isinstance(value, pikepdf.Array):
        return list(value)
    return [value]


def _pieces(data: bytes) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


def _inflate(chunks: Iterable[bytes], _parm: object) -> Iterator[bytes]:
    """FlateDecode, output capped per call so a 1000:1 chunk never lands at once.

    A PNG or TIFF predictor only removes bytes (one per row) or keeps their
    number, so the inflated length is an upper bound of the decoded one.
    """
    inflater = zlib.decompressobj()
    try:
        for chunk in chunks:
            data = chunk
            while True:
                out = inflater.decompress(data, CHUNK)
                if out:
                    yield out
                if inflater.eof:
                    return
                data = inflater.unconsumed_tail
                if not data and len(out) < CHUNK:
                    break
    except zlib.error:
        return


def _ascii_hex(chunks: Iterable[bytes], _parm: object) -> Iterator[bytes]:
    """ASCIIHexDecode: two digits per byte, whitespace ignored, ``>`` ends the data."""
    carry = b""
    for chunk in chunks:
        end = chunk.find(b">")
        digits = carry + _WHITESPACE.sub(b"", chunk if end < 0 else chunk[:end])
        even = len(digits) - len(digits) % 2
        try:
            yield binascii.unhexlify(digits[:even])
            carry = digits[even:]
            if end >= 0:
                if carry:
                    yield binascii.unhexlify(carry + b"0")
                return
        except binascii.Error:
            return


def _ascii85(chunks: Iterable[bytes], _parm: object) -> Iterator[bytes]:
    """ASCII85Decode in groups of five characters (``z`` stands for four zero bytes)."""
    carry = b""
    for chunk in chunks:
        end = chunk.find(b"~")
        text = carry + _WHITESPACE.sub(b"", chunk if end < 0 else chunk[:end])
        text = text.replace(b"z", b"!!!!!")
        whole = len(text) - len(text) % 5
        try:
            yield base64.a85decode(text[:whole] if end < 0 else text)
        except ValueError:
            return
        if end >= 0:
            return
        carry = text[whole:]
    if carry:
        try:
            yield base64.a85decode(carry)
        except ValueError:
            return


def _run_length(chunks: Iterable[bytes], _parm: object) -> Iterator[bytes]:
    """RunLengthDecode: a length byte, then a literal run or one repeated byte."""
    out = bytearray()
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        pos = 0
        while pos < len(data):
            length = data[pos]
            if length == 128:
                yield bytes(out)
                return
            if length < 128:
                if pos + 1 + length + 1 > len(data):
                    break
                out += data[pos + 1 : pos + 2 + length]
                pos += 2 + length
            else:
                if pos + 1 >= len(data):
                    break
                out += data[pos + 1 : pos + 2] * (257 - length)
                pos += 2
            if len(out) >= CHUNK:
                yield bytes(out)
                out.clear()
        pending = data[pos:]
    yield bytes(out)


_LZW_CLEAR, _LZW_END, _LZW_MAX_CODES = 256, 257, 4096


def _lzw(chunks: Iterable[bytes], parm: object) -> Iterator[bytes]:
    """LZWDecode with 9- to 12-bit codes; ``/EarlyChange`` as the PDF reference says."""
    early = 1
    if isinstance(parm, pikepdf.Dictionary):
        try:
            early = int(parm.get("/EarlyChange", 1))
        except (TypeError, ValueError):
            early = 1
    table: list[bytes] = [bytes([n]) for n in range(256)] + [b"", b""]
    previous: bytes | None = None
    width, bits, nbits = 9, 0, 0
    out = bytearray()
    for chunk in chunks:
        for byte in chunk:
            bits = (bits << 8) | byte
            nbits += 8
            while nbits >= width:
                nbits -= width
                code = (bits >> nbits) & ((1 << width) - 1)
                bits &= (1 << nbits) - 1
                if code == _LZW_CLEAR:
                    del table[258:]
                    previous, width = None, 9
                    continue
                if code == _LZW_END:
                    yield bytes(out)
                    return
                if code < len(table):
                    entry = table[code]
                elif code == len(table) and previous is not None:
                    entry = previous + previous[:1]
                else:
                    yield bytes(out)  # damaged: stop where a reader would
                    return
                out += entry
                if previous is not None and len(table) < _LZW_MAX_CODES:
                    table.append(previous + entry[:1])
                previous = entry
                width = min(12, max(9, (len(table) + early).bit_length()))
                if len(out) >= CHUNK:
                    yield bytes(out)
                    out.clear()
    yield bytes(out)


_DECODERS = {
    "/FlateDecode": _inflate,
    "/Fl": _inflate,
    "/ASCIIHexDecode": _ascii_hex,
    "/AHx": _ascii_hex,
    "/ASCII85Decode": _ascii85,
    "/A85": _ascii85,
    "/RunLengthDecode": _run_length,
    "/RL": _run_length,
    "/LZWDecode": _lzw,
    "/LZW": _lzw,
}
