"""Every kind of finding the field checks write reaches the counter's pages in Vietnamese."""

from __future__ import annotations

from datetime import date

from api.web.check_messages import finding_in_vietnamese, findings_in_vietnamese
from classifiers.fields.citizen_id import Reading, _date_order_problems, merge
from classifiers.fields.field_types import Field
from classifiers.fields.mrz import parse_td1
from classifiers.fields.personal_id import make_personal_id, validate_personal_id
from tests.unit.test_fields import GOOD_MRZ

TODAY = date(2026, 12, 4)


def _made_findings() -> list[str]:
    """Findings made by the checks themselves, so a changed wording fails here."""
    number = make_personal_id("001", 1990, "male", 12)
    found = [
        *validate_personal_id("12345", today=TODAY),
        *validate_personal_id("999" + number[3:], today=TODAY),  # no province 999
        *validate_personal_id(number[:3] + "299" + number[6:], today=TODAY),  # born 2099
        *validate_personal_id(number, "1991-01-01", "female", today=TODAY),
    ]
    broken = list(GOOD_MRZ)
    broken[1] = broken[1][:6] + ("0" if broken[1][6] != "0" else "1") + broken[1][7:]
    td1 = parse_td1(broken)
    assert td1 is not None
    found += td1.problems
    fields = {
        "date_of_birth": Field("2030-01-01", 0.9, 1),
        "issue_date": Field("2020-05-01", 0.9, 1),
        "expiry_date": Field("2019-01-01", 0.9, 1),
    }
    found += _date_order_problems(fields, TODAY)
    _, conflict = merge(
        "full_name",
        [Reading("printed", Field("Nguyễn Văn A", 0.8, 1)), Reading("qr", Field("Lê B", 1, 1))],
    )
    assert conflict is not None
    found.append(conflict)
    return found


def test_every_finding_the_checks_make_is_translated() -> None:
    found = _made_findings()
    assert len(found) >= 9, found
    for finding in found:
        shown = finding_in_vietnamese(finding)
        assert shown != finding, f"no Vietnamese for: {finding}"
        for english in ("ID number", "date of birth", "is not", "disagree", "male"):
            assert english not in shown, (finding, shown)


def test_wording_dates_and_sexes() -> None:
    assert finding_in_vietnamese(
        "issue_date 2020-05-01 is before the date of birth 2030-01-01"
    ) == ("Ngày cấp 01/05/2020 trước ngày sinh 01/01/2030")
    assert finding_in_vietnamese(
        "ID number 001090000012 encodes sex male, the paper says female"
    ) == ("Số định danh 001090000012 ứng với giới tính Nam, nhưng giấy tờ ghi Nữ")
    assert finding_in_vietnamese("full_name: sources disagree (printed 'A', qr 'B')") == (
        "Họ và tên: các nguồn không khớp (bản in 'A', mã QR 'B')"
    )
    assert finding_in_vietnamese("something new") == "something new", "shown, not hidden"
    assert findings_in_vietnamese(["date_of_birth 2030-01-01 is in the future", "x"]) == (
        "Ngày sinh 01/01/2030 chưa tới; x"
    )
    assert (
        findings_in_vietnamese(
            "MRZ check digit of composite does not match; date_of_birth 2030-01-01 is in the future"
        )
        == "Chữ số kiểm tra của toàn dòng trong vùng MRZ không khớp; Ngày sinh 01/01/2030 chưa tới"
    )
