"""The 12-digit personal identification number (số định danh cá nhân): ``PPP G YY NNNNNN``.

- ``PPP``: code of the province where the birth was registered (the 63 pre-2025
  provinces; codes below);
- ``G``: century and sex: 0/1 = born 1900-1999 male/female, 2/3 = 2000s, 4/5 = 2100s,
  6/7 = 2200s, 8/9 = 2300s (even = male, odd = female);
- ``YY``: last two digits of the year of birth;
- ``NNNNNN``: a random serial.

Only the first six digits carry structure; the serial is not checked (there is no
check digit). Source of the century/sex rule: Decree 137/2015/NĐ-CP art. 7 as
detailed by Circular 07/2016/TT-BCA art. 7.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from classifiers.fields.numbers import DigitRun, find_digit_runs

# Province codes where a birth is registered, as in the appendix of Circular
# 07/2016/TT-BCA (kept by Circular 59/2021/TT-BCA) as commonly published. The 2025
# province mergers did not renumber issued ID numbers, so the old 63 codes stay valid.
PROVINCES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# First year of the century coded by the 4th digit (pairs: male, female).
CENTURY_START: dict[int, int] = {0: 1900, 1: 1900, 2: 2000, 3: 2000, 4: 2100, 5: 2100}
CENTURY_START.update({6: 2200, 7: 2200, 8: 2300, 9: 2300})

_TWELVE = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class PersonalId:
    """What a personal ID number says about its holder."""

    number: str
    province_code: str
    province: str | None
    sex: str  # 'male' | 'female'
    birth_year: int
    serial: str


def decode_personal_id(number: str) -> PersonalId | None:
    """The structure of a 12-digit number (province may be unknown); None if not 12 digits."""
    if not _TWELVE.match(number):
        return None
    code, century_sex, yy = number[:3], int(number[3]), int(number[4:6])
    return PersonalId(
        number=number,
        province_code=code,
        province=PROVINCES.get(code),
        sex="male" if century_sex % 2 == 0 else "female",
        birth_year=CENTURY_START[century_sex] + yy,
        serial=number[6:],
    )


def make_personal_id(province_code: str, birth_year: int, sex: str, serial: int) -> str:
    """Compose a number from its parts (used by tests and sample generators)."""
    starts = {start for start in CENTURY_START.values() if start <= birth_year < start + 100}
    if not starts:
        raise ValueError(f"no century code for year {birth_year}")
    start = starts.pop()
    digit = min(d for d, s in CENTURY_START.items() if s == start) + (sex_code(sex) or 0)
    return f"{province_code:0>3}{digit}{birth_year % 100:02d}{serial:06d}"


def sex_code(sex: str | None) -> int | None:
    """0 for male, 1 for female (the parity of the century digit); None if unknown."""
    if sex is None:
        return None
    key = sex.strip().lower()
    if key in ("male", "m", "nam"):
        return 0
    if key in ("female", "f", "nữ", "nu", "nư"):
        return 1
    return None


def validate_personal_id(
    number: str,
    date_of_birth: date | str | None = None,
    sex: str | None = None,
    *,
    today: date | None = None,
) -> list[str]:
    """Problems with a personal ID number; an empty list means it is valid.

    Checks the structure (12 digits, known province, a birth year not in the future)
    and, when given, agreement with the date of birth (year) and sex printed on the
    same paper. ``date_of_birth`` may be a ``date`` or an ISO string.
    """
    today = today or date.today()
    decoded = decode_personal_id(number)
    if decoded is None:
        return [f"ID number {number!r} is not 12 digits"]
    problems: list[str] = []
    if decoded.province is None:
        problems.append(f"ID number {number}: unknown province code {decoded.province_code}")
    if decoded.birth_year > today.year:
        problems.append(
            f"ID number {number}: century digit {number[3]} and year {number[4:6]} "
            f"give birth year {decoded.birth_year}, in the future"
        )
    birth = _as_date(date_of_birth)
    if birth is not None and birth.year != decoded.birth_year:
        problems.append(
            f"ID number {number} encodes birth year {decoded.birth_year}, "
            f"date of birth says {birth.year}"
        )
    wanted = sex_code(sex)
    if wanted is not None and wanted != int(number[3]) % 2:
        problems.append(
            f"ID number {number} encodes sex {decoded.sex}, the paper says "
            f"{'male' if wanted == 0 else 'female'}"
        )
    return problems


def is_structural(problem: str) -> bool:
    """True for problems of the number itself (not of its agreement with the paper)."""
    return "encodes" not in problem


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def find_personal_ids(text: str) -> list[DigitRun]:
    """12-digit runs of ``text`` (OCR look-alikes and digit groups tolerated)."""
    return find_digit_runs(text, 12)
