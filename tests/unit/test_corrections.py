"""Corrected fields are checked and normalised before they are stored (issue 17, item 7)."""

from __future__ import annotations

from datetime import date

import pytest

from classifiers.fields.corrections import (
    MAX_VALUE_CHARS,
    InvalidCorrection,
    correctable_fields,
    validate_field_corrections,
)

TODAY = date(2026, 12, 3)


def check(document_type: str | None, patch: dict) -> dict:
    return validate_field_corrections(document_type, patch, today=TODAY)


def refused(document_type: str | None, patch: dict) -> InvalidCorrection:
    with pytest.raises(InvalidCorrection) as caught:
        check(document_type, patch)
    return caught.value


def test_values_are_normalised_to_the_extracted_shape():
    decomposed = "Nguye\u0302\u0303n Văn Đặng"  # NFD, as some phones' keyboards send it
    got = check(
        "birth_certificate",
        {
            "full_name": {"value": f"  {decomposed}\t", "confidence": 0.01, "box": [1, 2]},
            "date_of_birth": "5/9/2019",
            "issue_date": "2020-01-31",
            "sex": "nu",
            "register_number": 12,
            "father_name": None,
        },
    )
    assert got == {
        "full_name": "Nguyễn Văn Đặng",
        "date_of_birth": "2019-09-05",
        "issue_date": "2020-01-31",
        "sex": "female",
        "register_number": "12",
        "father_name": None,
    }


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"full_name": "\ud800"}, "invalid_field_value"),  # lone surrogate
        ({"full_name": "A\x00B"}, "invalid_field_value"),
        ({"full_name": "A\u202eB"}, "invalid_field_value"),  # bidi override: not printable
        ({"full_name": "\ue000"}, "invalid_field_value"),  # private use
        ({"full_name": "   "}, "invalid_field_value"),
        ({"full_name": "x" * (MAX_VALUE_CHARS + 1)}, "invalid_field_value"),
        ({"full_name": True}, "invalid_field_value"),
        ({"full_name": {"value": ["a"]}}, "invalid_field_value"),
        ({"date_of_birth": "30/02/2019"}, "invalid_field_value"),
        ({"date_of_birth": "2030-01-01"}, "invalid_field_value"),  # not born yet
        ({"date_of_birth": "hôm qua"}, "invalid_field_value"),
        ({"sex": "khác"}, "invalid_field_value"),
        ({"id_number": "12345"}, "invalid_field_value"),
        ({"id_number": "999090001234"}, "invalid_field_value"),  # no province 999
        ({"register_number_problems": ["x"]}, "unknown_field"),  # the extractor's, not a value
        ({"husband_name": "A"}, "unknown_field"),  # a marriage field on a birth certificate
    ],
)
def test_bad_values_and_names_are_refused(patch, code):
    err = refused("birth_certificate", patch)
    assert err.code == code
    assert err.field == next(iter(patch)) or err.field.startswith("register")
    assert str(err).startswith("fields.")
    str(err).encode("utf-8")  # the message itself is safe to send


def test_a_refused_name_is_echoed_safely():
    err = refused("other", {"\ud800\x1b[31m" + "n" * 100: "x"})
    assert err.code == "unknown_field"
    err.field.encode("utf-8")
    assert len(err.field) <= 64 and err.field.isprintable()


def test_expiry_may_be_in_the_future_and_ids_keep_their_digits():
    assert check("citizen_id", {"expiry_date": "01/01/2045"}) == {"expiry_date": "2045-01-01"}
    assert check("citizen_id", {"id_number": "001 099 012345"}) == {"id_number": "001099012345"}


def test_every_type_may_correct_the_common_fields_only_beyond_its_own():
    assert {"document_number", "issue_place", "issue_date"} <= correctable_fields("other")
    assert "full_name" not in correctable_fields("other")
    assert "husband_name" in correctable_fields("marriage_certificate")
    assert not any(name.endswith("_problems") for name in correctable_fields("citizen_id"))
