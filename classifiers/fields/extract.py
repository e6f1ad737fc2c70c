"""Key fields of a classified document, as its type declares them (``classifiers.doctypes``).

``extract_fields(document_type, pages, qr_payloads)`` returns the fields common to
every document (``document_number``, ``issue_place``, ``issue_date``) plus those its
type's reader finds. A field that is not found is absent: nothing is guessed.
"""

from __future__ import annotations

from collections.abc import Sequence

from classifiers.doctypes import BY_CODE
from classifiers.fields.common import common_fields
from classifiers.fields.field_types import Field, PageText
from classifiers.fields.reading import Document
from classifiers.fields.visual_rows import column_pages, row_pages


def extract_fields(
    document_type: str, pages: Sequence[PageText], qr_payloads: Sequence[str] = ()
) -> dict[str, Field]:
    """The key fields of one document of ``document_type`` (a code of
    ``classifiers.doctypes``); unknown or field-less types get the common fields only.

    ``qr_payloads`` are decoded QR texts of the document's pages; ID-card payloads
    among them are used for ``citizen_id`` (other payloads are ignored).
    """
    fields = _read(document_type, Document.of(pages, qr_payloads))
    taken: set[str] = set()  # fields a second reading gave: their checks' findings come with them
    # Labels whose value the OCR's layout put elsewhere (tables, two columns): the page's
    # rows, then its columns, may hold them. The lines' own readings always win.
    for again in (row_pages(pages), column_pages(pages)):
        if again is not None:
            _fill(fields, _read(document_type, Document.of(again, qr_payloads)), taken)
    return fields


def _fill(fields: dict[str, Field], more: dict[str, Field], taken: set[str]) -> None:
    """Add to ``fields`` what another reading of the pages found that they lack."""
    dated = {(f.page, f.box) for f in fields.values() if f.box is not None and _is_date(f)}
    for name, field in more.items():
        base = name.removesuffix("_problems")
        if _is_date(field) and (field.page, field.box) in dated:
            # A printed date the lines gave another label (a card's expiry beside its
            # issue date, one of the two read): one date, one label. Names are not held
            # back so: the rows' columns put people right where the lines, reading
            # across columns, mixed them up.
            continue
        if name not in fields and (base == name or base not in fields or base in taken):
            fields[name] = field
            taken.add(name)


def _read(document_type: str, doc: Document) -> dict[str, Field]:
    fields = common_fields(doc)
    declared = BY_CODE.get(document_type)
    if declared is None:
        return fields
    if not declared.prints_number:
        fields.pop("document_number", None)
    if declared.reader is not None:
        fields.update(declared.reader(doc, fields))
    if declared.cited_by and declared.cited_by in fields:
        fields["document_number"] = fields[declared.cited_by]
    return fields


def _is_date(field: Field) -> bool:
    value = field.value
    return len(value) == 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()
