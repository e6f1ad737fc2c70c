"""The papers inside one file, as the dossier row and the document page show them."""

from __future__ import annotations

from api.services.views import part_rows
from api.web.pages_documents import field_rows
from api.web.vietnamese_labels import part_pages


def test_parts_are_read_from_the_stored_classification() -> None:
    stored = {
        "parts": [
            {
                "pages": [1, 2],
                "type": "birth_certificate",
                "confidence": 0.93,
                "is_certified_copy": True,
                "fields": {"date_of_birth": {"value": "2019-09-05", "confidence": 0.9}},
            },
            {"pages": [3], "type": "citizen_id", "confidence": 0.8, "is_certified_copy": False},
            {"pages": "3", "type": "x"},  # malformed: skipped, not a 500
            "nonsense",
            {"type": "decision"},
        ]
    }
    rows = part_rows(stored)
    assert [(r.first_page, r.last_page, r.document_type) for r in rows] == [
        (1, 2, "birth_certificate"),
        (3, 3, "citizen_id"),
    ]
    assert rows[0].is_certified_copy and not rows[1].is_certified_copy
    assert [part_pages(r) for r in rows] == ["Trang 1–2", "Trang 3"]
    assert [(f.label, f.value) for f in field_rows(rows[0].fields)] == [("Ngày sinh", "05/09/2019")]
    assert part_rows(None) == part_rows({}) == part_rows({"parts": None}) == ()
