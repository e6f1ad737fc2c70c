"""The counter's pages show values as a Vietnamese reader writes them; the API keeps codes."""

from __future__ import annotations

import pytest

from api.web.pages_documents import field_rows
from api.web.vietnamese_labels import field_value
from classifiers.fields.corrections import InvalidCorrection, validate_field_corrections


@pytest.mark.parametrize(
    ("name", "stored", "shown"),
    [
        ("date_of_birth", "2019-09-05", "05/09/2019"),
        ("issue_date", "2024-12-31", "31/12/2024"),
        ("first_registration_date", "2020-01-02", "02/01/2020"),
        ("sex", "female", "Nữ"),
        ("sex", "male", "Nam"),
        ("status_code", "divorced", "Đã ly hôn"),
        ("document_number", "2019-09-05", "2019-09-05"),  # not a date field: as printed
        ("date_of_birth", "1990", "1990"),  # only a year known: as stored
        ("full_name", "Nguyễn Văn An", "Nguyễn Văn An"),
    ],
)
def test_values_are_shown_as_people_read_them(name: str, stored: str, shown: str) -> None:
    assert field_value(name, stored) == shown


def test_what_a_page_shows_can_be_sent_back_as_a_correction() -> None:
    rows = field_rows(
        {
            "date_of_birth": {"value": "2019-09-05", "confidence": 0.9},
            "sex": {"value": "female", "confidence": 0.9},
            "status_code": {"value": "single", "confidence": 0.9},
            "id_number_problems": {"value": ["a check"], "confidence": 1.0},
            "date_of_birth_problems": {
                "value": "date_of_birth 2030-01-01 is in the future",
                "confidence": 0.9,
            },
        }
    )
    shown = {r.name: r.value for r in rows}
    assert shown == {
        "date_of_birth": "05/09/2019",
        "sex": "Nữ",
        "status_code": "Chưa kết hôn",
        "id_number_problems": "a check",
        "date_of_birth_problems": "Ngày sinh 01/01/2030 chưa tới",
    }
    editable = {r.name for r in rows if r.editable}
    assert editable == {"date_of_birth", "sex"}, "derived fields and findings are not typed"
    patch = {n: shown[n] for n in ("date_of_birth", "sex")}
    assert validate_field_corrections("marital_status", patch) == {
        "date_of_birth": "2019-09-05",
        "sex": "female",
    }
    with pytest.raises(InvalidCorrection) as refused:
        validate_field_corrections("marital_status", {"status_code": "Đã ly hôn"})
    assert refused.value.code == "unknown_field"
