"""A person's corrections of extracted fields, checked before they are stored.

Corrections are kept and later used to retrain the classifier, and every reader
of the document (API, pages, other agencies) gets them back: one bad value
stored (a lone UTF-16 surrogate, a control character, a date that is not a
date) broke every later read of the document with a 500. So a correction is
parsed here into the exact shape an extractor would have produced, or refused
with a reason naming the field; nothing half-checked reaches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date

from classifiers.doctypes import correctable, field_names
from classifiers.fields.id_card_qr import parse_sex
from classifiers.fields.personal_id import is_structural, validate_personal_id

__all__ = ["InvalidCorrection", "correctable_fields", "validate_field_corrections"]

MAX_VALUE_CHARS = 500
"""Longest corrected value: a full address on a land certificate is ~200 characters."""

_DATE_FIELDS = frozenset(
    {
        "issue_date",
        "date_of_birth",
        "date_of_death",
        "registration_date",
        "expiry_date",
        "first_registration_date",
    }
)
_ID_FIELDS = frozenset({"id_number"})
_SEX_FIELDS = frozenset({"sex"})
_OLD_ID = re.compile(r"\d{9}|\d{12}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DMY_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_EARLIEST_YEAR = 1800
"""Oldest plausible date on a paper handed in today (old land records, ancestors' extracts)."""


class InvalidCorrection(ValueError):
    """A corrected field that cannot be stored; ``code`` is stable, ``field`` names it."""

    def __init__(self, code: str, field: str, message: str) -> None:
        super().__init__(f"fields.{field}: {message}")
        self.code = code
        self.field = field
        self.message = message


def correctable_fields(document_type: str | None) -> frozenset[str]:
    """Field names a person may set on a document of this type.

    The common fields of every document plus the type's own; the ``*_problems``
    lists are the extractor's findings, not values, and are never typed in.
    """
    return frozenset(n for n in field_names(document_type) if correctable(n))


def validate_field_corrections(
    document_type: str | None, patch: Mapping[str, object], *, today: date | None = None
) -> dict[str, str | None]:
    """Check a merge patch of fields; return name -> normalised value (None: remove).

    A value is text or ``{"value": text}``; other keys of such an object (a
    confidence, a box) are the client's guesses and are dropped: a person's value
    gets confidence 1 when stored. Raises :class:`InvalidCorrection` on the first
    bad field, in the patch's order.
    """
    allowed = correctable_fields(document_type)
    checked: dict[str, str | None] = {}
    for name, raw in patch.items():
        if name not in allowed:
            shown = ", ".join(sorted(allowed))
            raise InvalidCorrection(
                "unknown_field",
                _printable_name(name),
                f"not a field of {document_type or 'this document'}; one of: {shown}",
            )
        value = raw.get("value") if isinstance(raw, Mapping) else raw
        checked[name] = None if value is None else _normalise(name, value, today)
    return checked


def _normalise(name: str, value: object, today: date | None) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidCorrection("invalid_field_value", name, "must be text")
    text = _clean_text(name, str(value))
    if name in _DATE_FIELDS:
        return _date(name, text, today)
    if name in _SEX_FIELDS:
        sex = parse_sex(text)
        if sex is None:
            raise InvalidCorrection("invalid_field_value", name, "must be Nam or Nữ")
        return sex
    if name in _ID_FIELDS:
        return _personal_id(name, text, today)
    if name == "old_id_number" and not _OLD_ID.fullmatch(text):
        raise InvalidCorrection("invalid_field_value", name, "must be 9 or 12 digits")
    return text


def _clean_text(name: str, value: str) -> str:
    """NFC, one line, printable: what every stored field value is."""
    if any(unicodedata.category(ch) in ("Cs", "Co", "Cn") for ch in value):
        # Lone surrogates cannot be encoded as UTF-8: stored, they made every read a 500.
        raise InvalidCorrection(
            "invalid_field_value", name, "contains characters that are not valid Unicode text"
        )
    text = " ".join(unicodedata.normalize("NFC", value).split())
    if not text.isprintable():
        raise InvalidCorrection("invalid_field_value", name, "contains control characters")
    if not text:
        raise InvalidCorrection(
            "invalid_field_value", name, "is empty; send null to remove the field"
        )
    if len(text) > MAX_VALUE_CHARS:
        raise InvalidCorrection(
            "invalid_field_value", name, f"is longer than {MAX_VALUE_CHARS} characters"
        )
    return text


def _date(name: str, text: str, today: date | None) -> str:
    """A date as ISO ``yyyy-mm-dd``, from that or the ``dd/mm/yyyy`` the pages show."""
    found: date | None = None
    if _ISO_DATE.fullmatch(text):
        try:
            found = date.fromisoformat(text)
        except ValueError:
            found = None
    else:
        match = _DMY_DATE.fullmatch(text)
        if match is not None:
            day, month, year = (int(g) for g in match.groups())
            try:
                found = date(year, month, day)
            except ValueError:
                found = None
    if found is None:
        raise InvalidCorrection(
            "invalid_field_value", name, "must be a date, dd/mm/yyyy or yyyy-mm-dd"
        )
    latest = today or date.today()
    if found.year < _EARLIEST_YEAR or (name != "expiry_date" and found > latest):
        raise InvalidCorrection("invalid_field_value", name, f"{found.isoformat()} is implausible")
    return found.isoformat()


def _personal_id(name: str, text: str, today: date | None) -> str:
    number = text.replace(" ", "")
    problems = [p for p in validate_personal_id(number, today=today) if is_structural(p)]
    if problems:
        raise InvalidCorrection("invalid_field_value", name, "; ".join(problems))
    return number


def _printable_name(name: str) -> str:
    """A refused field name fit to echo in an error: printable and short."""
    safe = "".join(
        ch if ch.isprintable() and not "\ud800" <= ch <= "\udfff" else "?" for ch in name
    )
    return safe[:64]
