"""The citizen search: dossiers and documents found by a person's name, ID number or date of birth.

A clerk asked "has this citizen handed in papers before?" types a name, an ID
number or a date of birth. Full-text search answers a different question: it
finds pages where the words occur anywhere, so "nguyễn văn đặng" also finds
"Thái Nguyên" beside "Văn" and "Đặng" on a letterhead. Here a name matches
only a whole name read as a field (``full_name``, a parent's, a spouse's, a
holder's) or entered as the dossier's applicant, folded to accent-free lower
case; an ID number matches its digits; a date its day. Each hit says which
field matched, so the clerk sees *why* it was found.

The index (``person_index``) is rewritten from a document's fields whenever
they change (classification, a correction) and from the dossier's applicant
when it is saved; a look-up walks the ``key`` index and costs what its page of
results needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from core.vietnamese import nfc
from storage.attention import FIELD_CONFIDENCE_FLOOR
from storage.models import Certification, Document, Dossier, PersonEntry
from storage.search_query import fold

NAME_FIELDS = (
    "full_name",
    "holder_name",
    "mother_name",
    "father_name",
    "husband_name",
    "wife_name",
    "head_of_household",
    "grantor_name",
    "agent_name",
)
"""Fields that name a person; the first is the paper's own subject and ranks first."""
ID_FIELDS = ("id_number", "old_id_number")
DATE_FIELDS = ("date_of_birth",)
APPLICANT = "applicant_name"
APPLICANT_ID = "applicant_id_number"
MAX_VALUE = 255
MAX_LIMIT = 200

_DIGITS = re.compile(r"^\d{9}$|^\d{12}$")
_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


@dataclass(frozen=True)
class PersonHit:
    dossier_code: str
    unit_code: str
    document_id: str | None  # None: the dossier's applicant matched
    filename: str | None
    document_type: str | None
    field: str
    value: str


@dataclass(frozen=True)
class PeoplePage:
    total: int
    kind: str  # "name", "id_number", "date_of_birth", or "" when the query is none of them
    hits: list[PersonHit]


def name_key(value: str) -> str:
    """A name as looked up: accent-free lower case, single spaces (``Đ`` folds to ``d``)."""
    return " ".join(fold(nfc(value)).split())


def query_key(query: str) -> tuple[str, str]:
    """What the query is (a name, an ID number, a date of birth) and its look-up key."""
    text = " ".join(nfc(query).split())
    digits = text.replace(" ", "").replace(".", "")
    if _DIGITS.match(digits):
        return "id_number", digits
    day = _as_date(text)
    if day is not None:
        return "date_of_birth", day.isoformat()
    key = name_key(text)
    # Two words at least: a single word ("nguyen") is a family shared by millions.
    return ("name", key) if len(key.split()) >= 2 else ("", "")


def _as_date(text: str) -> date | None:
    found = _DAY_FIRST.match(text)
    try:
        if found:
            return date(int(found[3]), int(found[2]), int(found[1]))
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def entries_of_fields(fields: Mapping[str, Any] | None) -> list[tuple[str, str, str]]:
    """(field, value, key) of every person value in extracted ``fields`` (``{name: {value}}``)."""
    found: list[tuple[str, str, str]] = []
    for name, field in (fields or {}).items():
        value = field.get("value") if isinstance(field, Mapping) else None
        if not isinstance(value, str) or not value.strip():
            continue
        value = nfc(value.strip())[:MAX_VALUE]
        if name in NAME_FIELDS:
            key = name_key(value)
            if len(key.split()) >= 2:
                found.append((name, value, key))
        elif name in ID_FIELDS:
            digits = re.sub(r"\D", "", value)
            if _DIGITS.match(digits):
                found.append((name, value, digits))
        elif name in DATE_FIELDS:
            day = _as_date(value)
            if day is not None:
                found.append((name, value, day.isoformat()))
    return found


def entries_of_document(
    fields: Mapping[str, Any] | None, classification: Mapping[str, Any] | None
) -> dict[tuple[str, str], str]:
    """(field, key) → value of a document's fields and of the papers inside it, once each."""
    parts = (classification or {}).get("parts") or []
    every = [fields, *(part.get("fields") for part in parts if isinstance(part, Mapping))]
    return {(field, key): value for f in every for field, value, key in entries_of_fields(f)}


def index_people(s: Session, document: Document) -> None:
    """Rewrite the document's entries from its fields and those of the papers inside it."""
    s.execute(delete(PersonEntry).where(PersonEntry.document_id == document.id))
    rows = entries_of_document(document.fields, document.classification)
    _insert(s, document.dossier_id, document.id, rows)


def index_applicant(s: Session, dossier: Dossier) -> None:
    """Rewrite the dossier's applicant entries (its name and ID number)."""
    s.execute(
        delete(PersonEntry).where(
            PersonEntry.dossier_id == dossier.id, PersonEntry.document_id.is_(None)
        )
    )
    rows: dict[tuple[str, str], str] = {}
    if dossier.applicant_name and len(name_key(dossier.applicant_name).split()) >= 2:
        rows[(APPLICANT, name_key(dossier.applicant_name))] = dossier.applicant_name
    if dossier.applicant_id_number:
        rows[(APPLICANT_ID, dossier.applicant_id_number)] = dossier.applicant_id_number
    _insert(s, dossier.id, None, rows)


def _insert(
    s: Session, dossier_id: int, document_id: str | None, rows: Mapping[tuple[str, str], str]
) -> None:
    if rows:
        s.execute(
            insert(PersonEntry),
            [
                {
                    "dossier_id": dossier_id,
                    "document_id": document_id,
                    "field": field,
                    "value": value,
                    "key": key[:MAX_VALUE],
                }
                for (field, key), value in rows.items()
            ],
        )


def find_people(
    s: Session,
    query: str,
    *,
    units: Sequence[str] | None,
    limit: int = 20,
    offset: int = 0,
) -> PeoplePage:
    """Who matches ``query`` exactly, in the ``units`` given (None: all), best first.

    Ranked: the dossier's applicant, then the subject of a paper (``full_name``,
    an ID number, the date of birth), then the other people a paper names; newest
    dossier first within a rank.
    """
    kind, key = query_key(query)
    if not kind:
        return PeoplePage(0, "", [])
    limit = max(1, min(limit, MAX_LIMIT))
    filters = [PersonEntry.key == key]
    if units is not None:
        filters.append(Dossier.unit_code.in_(list(units)))
    base = select(PersonEntry).join(Dossier, Dossier.id == PersonEntry.dossier_id).where(*filters)
    total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
    rank = case(
        (PersonEntry.field.in_((APPLICANT, APPLICANT_ID)), 0),
        (PersonEntry.field.in_(("full_name", *ID_FIELDS, *DATE_FIELDS)), 1),
        else_=2,
    )
    rows = s.execute(
        select(
            PersonEntry, Dossier.code, Dossier.unit_code, Document.filename, Document.document_type
        )
        .join(Dossier, Dossier.id == PersonEntry.dossier_id)
        .outerjoin(Document, Document.id == PersonEntry.document_id)
        .where(*filters)
        .order_by(rank, Dossier.created_at.desc(), PersonEntry.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return PeoplePage(total, kind, [_hit(*row) for row in rows])


def _hit(
    entry: PersonEntry, code: str, unit: str, filename: str | None, kind: str | None
) -> PersonHit:
    return PersonHit(code, unit, entry.document_id, filename, kind, entry.field, entry.value)


MAX_REUSE = 100
"""Papers one reuse look-up returns: a citizen's digitised papers, not an archive."""


@dataclass(frozen=True)
class ReusableDocument:
    document: Document
    dossier_code: str
    field: str  # which ID field matched: id_number or old_id_number
    certification: Certification | None


def trusted_id_match(document: Document, field: str, digits: str) -> bool:
    """Whether the document says ``digits`` in ``field`` with confidence, or a person said so.

    A look-up by another agency hands a citizen's papers over on the strength of the
    ID number read on them: a misread digit would hand over someone else's. So the
    value must be a person's correction or read at ``FIELD_CONFIDENCE_FLOOR`` or above
    (on the paper or on one of the papers inside it)."""
    parts = (document.classification or {}).get("parts") or []
    every = [document.fields, *(p.get("fields") for p in parts if isinstance(p, Mapping))]
    for fields in every:
        found = (fields or {}).get(field)
        if not isinstance(found, Mapping) or not isinstance(found.get("value"), str):
            continue
        if re.sub(r"\D", "", found["value"]) != digits:
            continue
        if found.get("corrected") or (found.get("confidence") or 0) >= FIELD_CONFIDENCE_FLOOR:
            return True
    return False


def reusable_documents(
    s: Session,
    id_number: str,
    *,
    unit_codes: Sequence[str] | None,
    provinces: Sequence[str] = (),
    document_type: str | None = None,
    limit: int = 20,
) -> list[ReusableDocument]:
    """A citizen's digitised papers whose ID number matches with trust, newest first.

    ``unit_codes`` and ``provinces`` (the last part of unit codes) bound where to
    look; ``unit_codes=None`` and no provinces: everywhere (an admin).
    """
    digits = re.sub(r"\D", "", id_number)
    query = (
        select(PersonEntry.field, Document, Dossier.code, Certification)
        .join(Document, Document.id == PersonEntry.document_id)
        .join(Dossier, Dossier.id == PersonEntry.dossier_id)
        .outerjoin(Certification, Certification.document_id == Document.id)
        .where(
            PersonEntry.key == digits,
            PersonEntry.field.in_(ID_FIELDS),
            Document.status == "done",
        )
    )
    if unit_codes is not None or provinces:
        where = [Dossier.unit_code.in_(list(unit_codes or ()))]
        where += [Dossier.unit_code.endswith(f".{p}", autoescape=True) for p in provinces]
        query = query.where(or_(*where))
    if document_type is not None:
        query = query.where(Document.document_type == document_type)
    rows = s.execute(
        query.order_by(Document.created_at.desc(), Document.id).limit(MAX_REUSE * 2)
    ).all()
    found: dict[str, ReusableDocument] = {}
    for field, document, code, certification in rows:
        if document.id not in found and trusted_id_match(document, field, digits):
            found[document.id] = ReusableDocument(document, code, field, certification)
    return list(found.values())[: max(1, min(limit, MAX_REUSE))]
