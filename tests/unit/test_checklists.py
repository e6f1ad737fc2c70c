"""The checklist of a procedure against a dossier's papers (classifiers.checklists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifiers.checklists import (
    Paper,
    ProceduresFileError,
    evaluate,
    load_procedures,
    papers_of,
)

PROCEDURES = load_procedures()
BIRTH = PROCEDURES.for_code("1.001193")
MARRIAGE = PROCEDURES.for_code("1.000894")
CERTIFY = PROCEDURES.for_code("2.000815")


def paper(doc: str, kind: str | None, *, status: str = "done", certified: bool = False) -> Paper:
    return Paper(doc, f"{doc}.pdf", status, kind, certified)


def states(checklist) -> dict[str, str]:
    return {s.item.key: s.state for s in checklist.items}


def test_the_packaged_table_names_real_types_and_the_issue_procedures() -> None:
    assert {"2.000815", "1.001193", "1.000894", "1.004873", "1.000656"} <= set(PROCEDURES.by_code)
    assert PROCEDURES.for_code("2.000815.000.00.00.H55") is CERTIFY  # a province's suffix
    assert PROCEDURES.for_code("2.0008150") is None  # not a suffix: another code
    assert PROCEDURES.for_code(None) is None


def test_an_empty_birth_dossier_misses_its_required_papers_only() -> None:
    checklist = evaluate(BIRTH, [])
    assert states(checklist) == {
        "to-khai": "missing",
        "giay-chung-sinh": "needs_check",  # no classifier tells it: a clerk ticks it
        "giay-to-tuy-than": "missing",
        "giay-chung-nhan-ket-hon": "optional",
    }
    assert (checklist.summary, checklist.summary_label) == ("missing", "thiếu 2")


def test_papers_fill_items_and_a_tick_completes_the_dossier() -> None:
    papers = [paper("a", "application_form"), paper("b", "citizen_id")]
    assert evaluate(BIRTH, papers).summary_label == "cần kiểm tra"
    ticked = evaluate(BIRTH, papers, {"giay-chung-sinh": {"by": "clerk-1", "document_id": None}})
    assert (ticked.summary, ticked.summary_label) == ("complete", "đủ")
    by_key = {s.item.key: s for s in ticked.items}
    assert by_key["to-khai"].documents == ("a",)
    assert by_key["giay-chung-sinh"].marked_by == "clerk-1"


def test_documents_still_read_make_the_dossier_processing() -> None:
    checklist = evaluate(BIRTH, [paper("a", None, status="processing"), paper("b", "citizen_id")])
    assert checklist.summary_label == "đang xử lý 1"


def test_two_copies_need_two_papers_and_the_parts_of_one_file_count() -> None:
    one = evaluate(MARRIAGE, [paper("f", "application_form"), paper("i", "citizen_id")])
    item = next(s for s in one.items if s.item.key == "giay-to-tuy-than")
    assert (item.state, item.reason) == ("missing", "Cần 2, mới có 1")
    both = papers_of(
        "i",
        "ids.pdf",
        "done",
        "citizen_id",
        False,
        {"parts": [{"type": "citizen_id"}, {"type": "citizen_id"}]},
    )
    two = evaluate(MARRIAGE, [paper("f", "application_form"), *both])
    assert two.summary == "complete"


def test_a_paper_of_unknown_type_turns_a_missing_item_into_one_to_check() -> None:
    checklist = evaluate(MARRIAGE, [paper("f", "application_form"), paper("x", "other")])
    assert states(checklist)["giay-to-tuy-than"] == "needs_check"
    assert [p.document_id for p in checklist.unmatched] == ["x"]


def test_certification_needs_an_original_not_a_certified_copy() -> None:
    copy = evaluate(CERTIFY, [paper("c", "birth_certificate", certified=True)])
    assert states(copy)["ban-chinh"] == "missing"
    original = evaluate(CERTIFY, [paper("o", "other", certified=False)])
    assert states(original)["ban-chinh"] == "present"  # any paper, even one not typed
    unsure = evaluate(CERTIFY, [Paper("u", "u.pdf", "done", "birth_certificate", None)])
    assert states(unsure)["ban-chinh"] == "needs_check"  # no stamp decision: a person looks


def test_a_specific_item_is_filled_before_an_any_paper_item(tmp_path: Path) -> None:
    # Listed first, "any original" must not spend the ID card its own item needs.
    path = tmp_path / "procedures.toml"
    path.write_text(
        '[[procedures]]\ncode = "9.1"\nname = "X"\n'
        '[[procedures.items]]\nkey = "any"\nlabel = "A"\ntypes = ["*"]\n'
        '[[procedures.items]]\nkey = "id"\nlabel = "B"\ntypes = ["citizen_id"]\n',
        encoding="utf-8",
    )
    procedure = load_procedures(path).for_code("9.1")
    checklist = evaluate(procedure, [paper("i", "citizen_id"), paper("o", "other")])
    assert {s.item.key: s.documents for s in checklist.items} == {"any": ("o",), "id": ("i",)}


def test_failed_documents_need_a_person() -> None:
    checklist = evaluate(
        BIRTH,
        [
            paper("a", "application_form"),
            paper("b", "citizen_id"),
            paper("z", None, status="failed"),
        ],
        {"giay-chung-sinh": {"by": "c"}},
    )
    assert checklist.summary == "needs_check"


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ('key = "a"\nlabel = "A"\ntypes = ["no_such_type"]', "unknown document types"),
        ('key = "a"\nlabel = "A"\ntypes = []\ncopies = 0', "copies"),
        ('key = "a"\nlabel = "A"\ntypes = []\nmandatory = true', "unknown setting"),
        ('label = "A"\ntypes = []', "needs a key"),
    ],
)
def test_a_wrong_procedures_file_is_refused_with_its_place(
    tmp_path: Path, item: str, message: str
) -> None:
    path = tmp_path / "procedures.toml"
    path.write_text(
        f'[[procedures]]\ncode = "9.9"\nname = "X"\n[[procedures.items]]\n{item}\n',
        encoding="utf-8",
    )
    with pytest.raises(ProceduresFileError, match=message):
        load_procedures(path)
