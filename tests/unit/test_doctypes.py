"""Each document type is declared once (``classifiers.doctypes``); what derives from the
declaration agrees with it, and a type's reader returns only the fields it declares."""

from __future__ import annotations

import unicodedata

import pytest

from api.web.vietnamese_labels import FIELDS
from classifiers import rules
from classifiers.doctypes import (
    BY_CODE,
    COMMON_FIELDS,
    DOCUMENT_TYPES,
    FIELDS_BY_TYPE,
    TYPES,
    DocumentType,
    field_names,
)
from classifiers.fields import PageText
from classifiers.fields.extract import extract_fields
from core.vietnamese import fold_accents
from testkit import docgen


def test_codes_are_unique_and_labels_vietnamese() -> None:
    codes = [t.code for t in TYPES]
    assert len(codes) == len(set(codes)) == len(DOCUMENT_TYPES) == len(BY_CODE)
    for declared in TYPES:
        assert declared.label == unicodedata.normalize("NFC", declared.label)
        assert fold_accents(declared.label) != declared.label, "a label in Vietnamese"


def test_titles_and_markers_are_folded_as_the_rules_compare_them() -> None:
    for declared in TYPES:
        for phrase in (*declared.titles, *declared.markers):
            assert phrase == fold_accents(phrase).lower().strip(), (declared.code, phrase)
    assert set(rules.TITLES) == {t.code for t in TYPES if t.titles}
    assert rules.TITLES["land_use_certificate"] == BY_CODE["land_use_certificate"].titles
    assert "chung chi" in rules.WHOLE_LINE_TITLES
    with pytest.raises(ValueError, match="whole-line"):
        DocumentType("x", "Loại x", titles=("a b",), whole_line_titles=("c",))


def test_every_declared_field_has_a_vietnamese_label() -> None:
    for code in DOCUMENT_TYPES:
        for name in field_names(code):
            assert name in FIELDS, (code, name)
    assert field_names("no_such_type") == COMMON_FIELDS


@pytest.mark.parametrize("code", [c for c in DOCUMENT_TYPES if c in docgen.COMPOSERS])
def test_a_reader_returns_only_what_its_type_declares(code: str) -> None:
    """Over several generated papers of each type: nothing undeclared comes back
    (the API schema, corrections and pages know only the declared names)."""
    allowed = set(field_names(code))
    returned: set[str] = set()
    for seed in range(6):
        document = docgen.compose(code, seed, certified_copy=seed % 2 == 1)
        pages = [PageText(1, docgen.text(document))]
        returned |= set(extract_fields(code, pages))
    assert returned <= allowed, returned - allowed
    if code in FIELDS_BY_TYPE and BY_CODE[code].reader is not None:
        assert returned & set(FIELDS_BY_TYPE[code]), "the reader found none of its fields"
