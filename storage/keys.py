"""Object keys: where each file of a document lives in the store.

``{unit}/{dossier}/{document}/…`` keeps a commune's files together (a bucket
policy or a backup can take one unit), and a document's files under its id, so
two uploads with the same filename never collide.
"""

from __future__ import annotations

from core.vietnamese import nfc

EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}


def document_prefix(unit: str, dossier: str, document_id: str) -> str:
    return nfc(f"{unit}/{dossier}/{document_id}")


def original(prefix: str, kind: str) -> str:
    return f"{prefix}/original.{EXTENSIONS[kind]}"


def searchable_pdf(prefix: str) -> str:
    return f"{prefix}/searchable.pdf"


def text(prefix: str) -> str:
    return f"{prefix}/text.txt"


def pages_report(prefix: str) -> str:
    return f"{prefix}/pages.json"


def thumbnail(prefix: str, number: int) -> str:
    return f"{prefix}/thumb-{number}.png"


def page_image(prefix: str, number: int, sha256: str) -> str:
    """The encoded page image a page task made, waiting to be assembled; named by
    content for the reason :func:`page_words` gives."""
    return f"{prefix}/pages/{number}-{sha256[:16]}.img"


def page_words(prefix: str, number: int, sha256: str) -> str:
    """A page task's stored result (text, words, image facts), named by its content.

    Its bytes are a function of the page alone (timings live in the page row),
    and a page is run by one claimant at a time (``repository.claim_page``).
    Named by content as well, a row always points at the very bytes it
    recorded, even should two runs of a page ever disagree.
    """
    return f"{prefix}/pages/{number}-{sha256[:16]}.json"
