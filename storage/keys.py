"""Object keys: where each file of a document lives in the store, and what a key may be.

``{unit}/{dossier}/{document}/…`` keeps a commune's files together (a bucket
policy or a backup can take one unit), and a document's files under its id, so
two uploads with the same filename never collide.
"""

from __future__ import annotations

import unicodedata

from core.vietnamese import nfc

EXTENSIONS = {
    "pdf": "pdf",
    "tiff": "tif",
    "jpeg": "jpg",
    "png": "png",
    "webp": "webp",
    "heif": "heic",
}


def document_prefix(unit: str, dossier: str, document_id: str) -> str:
    return nfc(f"{unit}/{dossier}/{document_id}")


def original(prefix: str, kind: str) -> str:
    return f"{prefix}/original.{EXTENSIONS[kind]}"


def picture(prefix: str, number: int, kind: str) -> str:
    """A picture as sent, when several pictures were bound into one document's original."""
    return f"{prefix}/pictures/{number}.{EXTENSIONS[kind]}"


def searchable_pdf(prefix: str) -> str:
    return f"{prefix}/searchable.pdf"


def certified_copy(unit: str, year: int, certification_id: str) -> str:
    """A certified electronic copy: under its unit but outside any document's prefix,
    so deleting a document never takes what the register says was issued."""
    return nfc(f"{unit}/_certified/{year}/{certification_id}.pdf")


def text(prefix: str) -> str:
    return f"{prefix}/text.txt"


def pages_report(prefix: str) -> str:
    return f"{prefix}/pages.json"


def thumbnail(prefix: str, number: int) -> str:
    return f"{prefix}/thumb-{number}.png"


def page_image(prefix: str, number: int, sha256: str) -> str:
    """The encoded page image a page task made, waiting to be assembled; named by
    content for the reason :func:`page_result` gives."""
    return f"{prefix}/pages/{number}-{sha256[:16]}.img"


def page_result(prefix: str, number: int, sha256: str) -> str:
    """A page task's stored result (text, words, image facts), named by its content.

    Its bytes are a function of the page alone (timings live in the page row),
    and a page is run by one claimant at a time (``repository.claim_page``).
    Named by content as well, a row always points at the very bytes it
    recorded, even should two runs of a page ever disagree.
    """
    return f"{prefix}/pages/{number}-{sha256[:16]}.json"


# ------------------------------------------------------------------ key rules


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


def normalize_prefix(prefix: str) -> str:
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
