"""The field checks' findings in Vietnamese, for the counter's pages.

The extractors write their findings (``id_number_problems``,
``date_of_birth_problems``) in English: the API's words, stable for other
systems and for the benchmark's reports. A clerk reads Vietnamese, so each kind
of finding has a pattern here and its Vietnamese wording, with dates shown
``dd/mm/yyyy`` and sexes as ``Nam``/``Nữ``. A finding no pattern knows is shown
as written rather than hidden; ``tests/unit/test_check_messages.py`` makes every
kind the extractors produce and proves it is translated.
"""

from __future__ import annotations

import re

_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SEX = {"male": "Nam", "female": "Nữ"}
_MRZ_PARTS = {
    "document number": "số giấy tờ",
    "date of birth": "ngày sinh",
    "date of expiry": "ngày hết hạn",
    "composite": "toàn dòng",
    "ID number": "số định danh",
}
_FIELDS = {
    "id_number": "Số định danh",
    "full_name": "Họ và tên",
    "date_of_birth": "Ngày sinh",
    "sex": "Giới tính",
    "expiry_date": "Có giá trị đến",
    "issue_date": "Ngày cấp",
    "nationality": "Quốc tịch",
    "place_of_origin": "Quê quán",
    "place_of_residence": "Nơi thường trú",
}
_SOURCES = {"printed": "bản in", "mrz": "vùng MRZ", "qr": "mã QR"}


def _dates(text: str) -> str:
    return _DATE.sub(lambda m: f"{m[3]}/{m[2]}/{m[1]}", text)


def _sources(shown: str) -> str:
    return re.sub(r"\b(printed|mrz|qr)\b", lambda m: _SOURCES[m[1]], shown)


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"ID number '?(?P<n>[^']*)'? is not 12 digits", "Số định danh {n} không đủ 12 chữ số"),
        (
            r"ID number (?P<n>\d+): unknown province code (?P<c>\d+)",
            "Số định danh {n}: mã tỉnh {c} không tồn tại",
        ),
        (
            r"ID number (?P<n>\d+): century digit (?P<d>\d) and year (?P<yy>\d+) give birth "
            r"year (?P<y>\d+), in the future",
            "Số định danh {n}: mã thế kỷ {d} và năm {yy} cho năm sinh {y}, chưa tới",
        ),
        (
            r"ID number (?P<n>\d+) encodes birth year (?P<y>\d+), date of birth says (?P<b>\d+)",
            "Số định danh {n} ứng với năm sinh {y}, nhưng ngày sinh ghi năm {b}",
        ),
        (
            r"ID number (?P<n>\d+) encodes sex (?P<s>male|female), the paper says "
            r"(?P<p>male|female)",
            "Số định danh {n} ứng với giới tính {s}, nhưng giấy tờ ghi {p}",
        ),
        (
            r"id_number: MRZ document number (?P<x>\S+) is not the last 9 digits of (?P<n>\d+)",
            "Số giấy tờ trong vùng MRZ ({x}) không phải 9 chữ số cuối của số định danh {n}",
        ),
        (
            r"MRZ check digit of (?P<part>.+) does not match",
            "Chữ số kiểm tra của {part} trong vùng MRZ không khớp",
        ),
        (
            r"(?P<field>\w+): sources disagree \((?P<shown>.*)\)",
            "{field}: các nguồn không khớp ({shown})",
        ),
        (r"date_of_birth (?P<b>\S+) is in the future", "Ngày sinh {b} chưa tới"),
        (
            r"issue_date (?P<i>\S+) is before the date of birth (?P<b>\S+)",
            "Ngày cấp {i} trước ngày sinh {b}",
        ),
        (
            r"expiry_date (?P<e>\S+) is not after the issue date (?P<i>\S+)",
            "Ngày hết hạn {e} không sau ngày cấp {i}",
        ),
        (
            r"expiry_date (?P<e>\S+) is not after the date of birth (?P<b>\S+)",
            "Ngày hết hạn {e} không sau ngày sinh {b}",
        ),
        (
            r"date of birth in numbers (?P<a>\S+) disagrees with the date in words (?P<w>\S+)",
            "Ngày sinh ghi bằng số ({a}) khác ngày sinh ghi bằng chữ ({w})",
        ),
    )
)


def finding_in_vietnamese(finding: str) -> str:
    """One finding in Vietnamese; as written when no pattern knows it."""
    text = finding.strip()
    for pattern, wording in _PATTERNS:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {k: v or "" for k, v in match.groupdict().items()}
        for key in ("s", "p"):
            if key in values:
                values[key] = _SEX[values[key]]
        if "part" in values:
            values["part"] = _MRZ_PARTS.get(values["part"], values["part"])
        if "field" in values:
            values["field"] = _FIELDS.get(values["field"], values["field"])
        if "shown" in values:
            values["shown"] = _sources(values["shown"])
        return _dates(wording.format(**values))
    return finding


def findings_in_vietnamese(value: str | list[object]) -> str:
    """A stored findings value (a list, or findings joined by ``; ``) for a page."""
    findings = value if isinstance(value, list) else str(value).split("; ")
    return "; ".join(finding_in_vietnamese(str(f)) for f in findings if str(f).strip())
