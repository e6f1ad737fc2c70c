"""The QR code on Vietnamese ID cards: ``ID12|CMND9|FULL NAME|DDMMYYYY|Sex|Address|DDMMYYYY``.

When it decodes, it is the most reliable source on the card: its text is exactly
what the police database holds (with tone marks), so its values outrank OCR.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from classifiers.fields.dates import make_date
from classifiers.fields.lines import fold_key

_ID12 = re.compile(r"^\d{12}$")
_OLD_ID = re.compile(r"^(?:\d{9}|\d{12})$")
_DDMMYYYY = re.compile(r"^(\d{2})(\d{2})(\d{4})$")


@dataclass(frozen=True)
class IdQr:
    """A decoded ID-card QR payload; fields that do not parse are None."""

    id_number: str
    old_id_number: str | None
    full_name: str | None
    date_of_birth: date | None
    sex: str | None  # 'male' | 'female'
    address: str | None
    issue_date: date | None
    raw: str


def _ddmmyyyy(text: str) -> date | None:
    match = _DDMMYYYY.match(text.strip())
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    return make_date(year, month, day)


def parse_sex(text: str) -> str | None:
    """'male'/'female' from ``Nam``/``Nữ`` (tone marks optional) or ``M``/``F``."""
    key = fold_key(text.strip()).rstrip(".")
    if key in ("nam", "male", "m"):
        return "male"
    if key in ("nu", "female", "f"):
        return "female"
    return None


def parse_id_qr(payload: str) -> IdQr | None:
    """Parse an ID-card QR payload; None when it is not one (e.g. a URL or a land QR)."""
    text = unicodedata.normalize("NFC", payload).strip()
    parts = [part.strip() for part in text.split("|")]
    if len(parts) < 6 or not _ID12.match(parts[0]):
        return None
    name = " ".join(parts[2].split()) or None
    return IdQr(
        id_number=parts[0],
        old_id_number=parts[1] if _OLD_ID.match(parts[1]) else None,
        full_name=name,
        date_of_birth=_ddmmyyyy(parts[3]),
        sex=parse_sex(parts[4]),
        address=" ".join(parts[5].split()) or None,
        issue_date=_ddmmyyyy(parts[6]) if len(parts) > 6 else None,
        raw=text,
    )
