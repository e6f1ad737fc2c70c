"""What a unit or dossier code may be: the rule the API, the pages and the store share.

Codes become object-key folders (``unit/dossier/document``), so the rule is
the store's, but the counter's form checks it before anything is stored.
"""

from __future__ import annotations

import unicodedata

from core.vietnamese import nfc

MAX_CODE_LENGTH = 64


def validate_code(code: str, what: str = "dossier code") -> str:
    """Return ``code`` in NFC without surrounding spaces, or raise ValueError.

    Unit and dossier codes become object-key folders (``unit/dossier/document``),
    so besides being 1–64 printable characters they may not contain ``/`` or
    ``\\`` nor be ``.`` or ``..``, which would climb out of a local store.
    """
    if not isinstance(code, str):
        raise ValueError(f"{what} must be text, not {type(code).__name__}")
    cleaned = nfc(code).strip()
    if not cleaned:
        raise ValueError(f"{what} is empty")
    if len(cleaned) > MAX_CODE_LENGTH:
        raise ValueError(f"{what} is longer than {MAX_CODE_LENGTH} characters: {cleaned[:80]!r}…")
    bad = [ch for ch in cleaned if ch in "/\\" or not ch.isprintable()]
    if bad:
        names = ", ".join(sorted({unicodedata.name(ch, f"U+{ord(ch):04X}") for ch in bad}))
        raise ValueError(f"{what} {cleaned!r} contains characters not allowed: {names}")
    if set(cleaned) == {"."}:
        raise ValueError(f"{what} {cleaned!r} is not allowed")
    return cleaned
