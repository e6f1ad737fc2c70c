"""What a generated document *is*, before anything is drawn: pages of lines with roles.

:mod:`testkit.docgen` composes documents out of :class:`Line` objects whose ``role``
says how they look (title, body paragraph, label with a filled-in value, MRZ…) and
whose ``region`` says where they sit (the left or right column of a Decree-30
header or signature row, the front or back of an ID card, the certification stamp).
The renderer only reads roles and regions, so content and layout stay apart, and the
plain text of a document is just its lines in order.

The helpers here are shared by every document type: a seeded random source that
invents people and addresses, Vietnamese numbers in words, valid 12-digit personal
identification numbers and ICAO 9303 MRZ lines, and builders for the Decree 30
header, signature rows and the certified-copy stamp.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from testkit import docgen_banks as banks

T = TypeVar("T")

NATIONAL_HEADER = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MERGER_DAY = date(2025, 7, 1)  # two-level local government: no more districts

# Regions. Lines in "left"/"right" runs are laid out as rows of two columns and must be
# emitted interleaved (left row 0, right row 0, left row 1, ...) so that the order of
# lines is the reading order; :func:`columns` does that.
FULL, LEFT, RIGHT, FRONT, BACK, CERT = "", "left", "right", "front", "back", "cert"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def cap(text: str) -> str:
    """Upper-case the first letter only (str.capitalize would lower-case names)."""
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class Line:
    """One printed line (or paragraph, for wrapped roles) and how it looks.

    ``values`` are substrings of ``text`` printed in bold: the filled-in answers of a
    form, so that label and value differ on the page as they do on real forms.
    ``cells`` holds the columns of a table row; ``text`` is then the cells joined by
    spaces, which is how OCR reads a simple table. A line with empty ``text`` is
    vertical space (a signature gap) and is not part of the document's text.
    """

    text: str
    role: str = "body"
    region: str = FULL
    values: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Page:
    """One sheet. ``layout`` is "a4", "a4_landscape" or "id_card" (an ID photocopy).

    ``card`` names the card generation on id_card pages ("cccd_2021", "cc_2024");
    ``qr`` is the payload of a QR code printed on the page (ID cards, 2024 land
    certificates), empty if there is none.
    """

    lines: tuple[Line, ...]
    layout: str = "a4"
    card: str = ""
    qr: str = ""


@dataclass(frozen=True)
class TypedDocument:
    """A generated document with its type, its pages and the values printed on it.

    ``truth_fields`` always has the keys of its type (see :data:`TRUTH_KEYS` in
    :mod:`testkit.docgen`); a value is "" when the document does not print it (e.g.
    the issue date of a card seen from the front only). Dates are ISO, names NFC
    Title Case, ``sex`` is "male"/"female".
    """

    doc_type: str
    variant: str
    seed: int
    pages: tuple[Page, ...]
    truth_fields: dict[str, str] = field(default_factory=dict)
    certified_copy: bool = False


# ---------------------------------------------------------------------------------------
# Dates and numbers as Vietnamese documents write them
# ---------------------------------------------------------------------------------------


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def dmy(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def viet_date(day: date, *, decree30: bool = True) -> str:
    """ "ngày 05 tháng 3 năm 2025": Decree 30 pads days below 10 and months below 3."""
    if decree30:
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"ngày {day.day} tháng {day.month} năm {day.year}"


_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _three_digits(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; ``full`` spells "không trăm"/"linh" inside a bigger number."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if hundreds or full:
                words.append("linh")
            words.append(_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGITS[units])
    else:
        words += [_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, _DIGITS[units]))
    return words


def number_words(n: int) -> str:
    """Vietnamese words for a non-negative integer, as amounts and dates are spelled."""
    if n == 0:
        return "không"
    groups: list[int] = []
    while n:
        groups.append(n % 1000)
        n //= 1000
    units = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ")
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            continue
        words += _three_digits(value, full=index < len(groups) - 1)
        if units[index]:
            words.append(units[index])
    return " ".join(words)


def date_words(day: date) -> str:
    """A date spelled out, as birth certificates repeat it "bằng chữ"."""
    month = {1: "một", 4: "tư"}.get(day.month, number_words(day.month))
    return f"ngày {number_words(day.day)} tháng {month} năm {number_words(day.year)}"


def money(amount: int) -> str:
    """50.000.000: Vietnamese thousands separators."""
    return f"{amount:,}".replace(",", ".")


def decimal_comma(value: float, places: int = 1) -> str:
    return f"{value:.{places}f}".replace(".", ",")


# ---------------------------------------------------------------------------------------
# Identity numbers and the MRZ
# ---------------------------------------------------------------------------------------


def century_sex_digit(sex: str, year: int) -> str:
    """Digit 4 of a personal ID number: 0/1 for 1900s male/female, 2/3 for 2000s, …"""
    base = 2 * ((year // 100) - 19)
    return str(base + (1 if sex == "female" else 0))


def make_id_number(province_code: str, sex: str, born: date, serial: int) -> str:
    """12 digits PPP G YY NNNNNN (Circular 07/2016/TT-BCA and its successors)."""
    return f"{province_code}{century_sex_digit(sex, born.year)}{born.year % 100:02d}{serial:06d}"


def id_number_problems(number: str, born: date, sex: str) -> list[str]:
    """What is wrong with an ID number for this date of birth and sex ([] if nothing)."""
    problems = []
    if len(number) != 12 or not number.isdigit():
        return ["not 12 digits"]
    if number[:3] not in banks.PROVINCE_CODES:
        problems.append(f"unknown province code {number[:3]}")
    if number[3] != century_sex_digit(sex, born.year):
        problems.append("century/sex digit disagrees")
    if number[4:6] != f"{born.year % 100:02d}":
        problems.append("birth year disagrees")
    return problems


_MRZ_VALUES = {**{str(d): d for d in range(10)}, "<": 0}
_MRZ_VALUES.update({chr(ord("A") + i): 10 + i for i in range(26)})


def icao_check_digit(data: str) -> str:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating, letters A=10…Z=35, filler 0."""
    total = sum(_MRZ_VALUES[ch] * (7, 3, 1)[i % 3] for i, ch in enumerate(data))
    return str(total % 10)


def mrz_name(family: str, given: str) -> str:
    """Upper-case ASCII name field: "NGUYEN<<VAN<AN" (diacritics and đ folded)."""

    def fold(text: str) -> str:
        text = text.replace("Đ", "D").replace("đ", "d")
        bare = "".join(
            c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
        )
        return "<".join(bare.upper().split())

    return f"{fold(family)}<<{fold(given)}"


def td1_mrz(
    id_number: str, born: date, sex: str, expiry: date, family: str, given: str
) -> tuple[str, str, str]:
    """The three 30-character lines on the back of Vietnamese ID cards.

    Line 1 carries the last nine digits as the document number, its check digit,
    then the full 12-digit number, two fillers and that number's check digit, as
    printed on real cards; line 2 birth date, sex, expiry, nationality and the
    composite check digit; line 3 the name.
    """
    document = id_number[-9:]
    line1 = f"IDVNM{document}{icao_check_digit(document)}{id_number}<<{icao_check_digit(id_number)}"
    birth = born.strftime("%y%m%d")
    exp = expiry.strftime("%y%m%d")
    head = f"{birth}{icao_check_digit(birth)}{'M' if sex == 'male' else 'F'}"
    head += f"{exp}{icao_check_digit(exp)}VNM"
    head = head.ljust(29, "<")
    composite = line1[5:30] + head[0:7] + head[8:15] + head[18:29]
    line2 = head + icao_check_digit(composite)
    line3 = mrz_name(family, given)[:30].ljust(30, "<")
    return line1, line2, line3


def mrz_problems(lines: Sequence[str]) -> list[str]:
    """Check a TD1 MRZ the way a reader would: lengths, every check digit, composite."""
    if len(lines) != 3 or any(len(line) != 30 for line in lines):
        return ["not three lines of 30 characters"]
    l1, l2, _ = lines
    checks = {
        "document number": (l1[5:14], l1[14]),
        "optional data": (l1[15:27], l1[29]),
        "birth date": (l2[0:6], l2[6]),
        "expiry date": (l2[8:14], l2[14]),
        "composite": (l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
    }
    problems = [name for name, (data, digit) in checks.items() if icao_check_digit(data) != digit]
    if not l1.startswith("IDVNM"):
        problems.append("does not start with IDVNM")
    return problems


# ---------------------------------------------------------------------------------------
# Invented people and places
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Locale:
    """Where a document is issued: a commune (or ward) and its district and province."""

    commune: str
    district: str
    province: str
    ward: bool = False
    two_level: bool = False  # after the 2025 merger: no district

    @property
    def commune_kind(self) -> str:
        return "phường" if self.ward else "xã"

    @property
    def province_kind(self) -> str:
        return "thành phố" if self.province in banks.CITIES else "tỉnh"

    @property
    def commune_full(self) -> str:
        return f"{self.commune_kind} {self.commune}"

    @property
    def province_full(self) -> str:
        return f"{self.province_kind} {self.province}"

    @property
    def district_full(self) -> str:
        return f"huyện {self.district}"

    def address(self) -> str:
        """ "xã Lâm Bình, huyện Yên Sơn, tỉnh Tuyên Quang" (no district after 2025)."""
        parts = [self.commune_full]
        if not self.two_level:
            parts.append(self.district_full)
        parts.append(self.province_full)
        return ", ".join(parts)

    def short(self) -> str:
        """The card style: "Lâm Bình, Yên Sơn, Tuyên Quang"."""
        parts = [self.commune] + ([] if self.two_level else [self.district])
        return ", ".join([*parts, self.province])


@dataclass(frozen=True)
class Person:
    family: str
    middle: str
    given: str
    sex: str
    born: date
    ethnicity: str
    birth_code: str  # province code of birth registration
    origin: Locale  # quê quán
    home: Locale  # residence
    village: str  # "thôn Nà Tông"
    id_number: str

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.family, self.middle, self.given) if p)

    @property
    def upper(self) -> str:
        return self.full_name.upper()

    @property
    def title(self) -> str:
        """ "Ông" or "Bà", as documents address adults."""
        return "Ông" if self.sex == "male" else "Bà"

    @property
    def sex_vi(self) -> str:
        return "Nam" if self.sex == "male" else "Nữ"

    @property
    def given_names(self) -> str:
        return f"{self.middle} {self.given}".strip()

    def residence(self) -> str:
        return f"{cap(self.village)}, {self.home.address()}"

    def residence_short(self) -> str:
        return f"{cap(self.village)}, {self.home.short()}"


class Gen:
    """Seeded choices for one document; ``random.Random`` seeded with a string is stable."""

    def __init__(self, key: str) -> None:
        self.r = random.Random(key)

    def pick(self, items: Sequence[T]) -> T:
        return self.r.choice(items)

    def sample(self, items: Sequence[T], k: int) -> list[T]:
        return self.r.sample(list(items), k)

    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def num(self, low: int, high: int) -> int:
        return self.r.randint(low, high)

    def digits(self, n: int) -> str:
        return "".join(str(self.r.randrange(10)) for _ in range(n))

    def phone(self) -> str:
        """A mobile number with a prefix that exists (03, 05, 07, 08, 09)."""
        return f"0{self.pick('35789')}{self.digits(8)}"

    def id_paper(self, p: Person, issued: date) -> tuple[str, str, str]:
        """(short kind, long kind, number) of the ID paper someone held on ``issued``.

        9-digit CMND before 2016, 12-digit CCCD until June 2024, "thẻ căn cước" after.
        """
        if issued < date(2016, 1, 1):
            return "CMND", "Chứng minh nhân dân", self.digits(9)
        if issued < date(2024, 7, 1):
            return "CCCD", "Căn cước công dân", p.id_number
        return "Căn cước", "Thẻ căn cước", p.id_number

    def day(self, start: date, end: date) -> date:
        return start + timedelta(days=self.r.randrange((end - start).days + 1))

    def shuffled(self, items: Iterable[T]) -> list[T]:
        out = list(items)
        self.r.shuffle(out)
        return out

    def locale(self, when: date, *, ward: bool | None = None) -> Locale:
        two_level = when >= MERGER_DAY
        province = self.pick(
            banks.PROVINCES_2025 if two_level else tuple(banks.PROVINCE_CODES.values())
        )
        is_ward = self.chance(0.2) if ward is None else ward
        commune = self.pick(banks.WARDS if is_ward else banks.COMMUNES)
        return Locale(commune, self.pick(banks.DISTRICTS), province, is_ward, two_level)

    def village(self) -> str:
        kind = self.pick(banks.VILLAGE_KINDS)
        if kind in ("tổ dân phố", "khối"):
            return f"{kind} {self.num(1, 15)}"
        if self.chance(0.15):
            return f"{kind} {self.num(1, 12)}"
        return f"{kind} {self.pick(banks.VILLAGES)}"

    def street_address(self) -> str:
        lane = f"ngõ {self.num(2, 180)}, " if self.chance(0.4) else ""
        return f"Số {self.num(1, 250)}, {lane}đường {self.pick(banks.STREETS)}"

    def name(self, sex: str) -> tuple[str, str, str]:
        family = self.pick(banks.FAMILY_NAMES)
        middle = self.pick(banks.MIDDLE_MALE if sex == "male" else banks.MIDDLE_FEMALE)
        given = self.pick(banks.GIVEN_MALE if sex == "male" else banks.GIVEN_FEMALE)
        if middle == "A" and sex == "female":
            middle = "Thị"
        return family, middle, given

    def person(
        self,
        when: date,
        *,
        sex: str | None = None,
        age: tuple[int, int] = (18, 75),
        family: str | None = None,
        home: Locale | None = None,
    ) -> Person:
        """An adult (by default) alive at ``when``, with a consistent ID number."""
        sex = sex or self.pick(("male", "female"))
        fam, middle, given = self.name(sex)
        latest = date(when.year - age[0], when.month, min(when.day, 28))
        earliest = date(when.year - age[1], 1, 1)
        born = self.day(earliest, latest)
        code = self.pick(tuple(banks.PROVINCE_CODES))
        origin = Locale(
            self.pick(banks.COMMUNES),
            self.pick(banks.DISTRICTS),
            banks.PROVINCE_CODES[code],
        )
        return Person(
            family=family or fam,
            middle=middle,
            given=given,
            sex=sex,
            born=born,
            ethnicity=self.pick(banks.ETHNICITIES),
            birth_code=code,
            origin=origin,
            home=home or self.locale(when),
            village=self.village(),
            id_number=make_id_number(code, sex, born, self.r.randrange(10**6)),
        )

    def child_of(self, mother: Person, father: Person | None, born: date, sex: str) -> Person:
        family = father.family if father else mother.family
        _, middle, given = self.name(sex)
        return Person(
            family=family,
            middle=middle,
            given=given,
            sex=sex,
            born=born,
            ethnicity=(father or mother).ethnicity,
            birth_code=mother.birth_code,
            origin=(father or mother).origin,
            home=mother.home,
            village=mother.village,
            id_number=make_id_number(mother.birth_code, sex, born, self.r.randrange(10**6)),
        )


# ---------------------------------------------------------------------------------------
# Layout builders shared by the document types
# ---------------------------------------------------------------------------------------


def lv(label: str, value: str, role: str = "label_value", region: str = FULL) -> Line:
    """ "Label: value" with the value printed bold."""
    text = f"{label}: {value}" if value else f"{label}:"  # a blank stays blank
    return Line(nfc(text), role, region, values=(nfc(value),) if value else ())


def lvs(
    *pairs: tuple[str, str], role: str = "label_value", region: str = FULL, sep: str = "; "
) -> Line:
    """Several label/value pairs on one line, as forms put sex, ethnicity, nationality."""
    text = sep.join(f"{label}: {value}" if value else f"{label}:" for label, value in pairs)
    values = tuple(nfc(value) for _, value in pairs if value)
    return Line(nfc(text), role, region, values=values)


def line(text: str, role: str = "body", region: str = FULL) -> Line:
    return Line(nfc(text), role, region)


def space(region: str = FULL) -> Line:
    return Line("", "space", region)


def columns(left: Sequence[Line], right: Sequence[Line]) -> list[Line]:
    """Interleave two columns row by row (left first), which is their reading order."""
    out: list[Line] = []
    for row in range(max(len(left), len(right))):
        if row < len(left):
            out.append(_with_region(left[row], LEFT))
        if row < len(right):
            out.append(_with_region(right[row], RIGHT))
    return out


def _with_region(item: Line, region: str) -> Line:
    return Line(item.text, item.role, region, item.values, item.cells)


def decree30_header(
    issuer: Sequence[str],
    number: str | None,
    place_date: str | None,
    *,
    parent: str | None = None,
    abstract: Sequence[str] = (),
) -> list[Line]:
    """Issuing body and "Số:" top left, national header and place/date top right.

    ``issuer`` lines are bold, a ``parent`` body above them regular; the place/date
    line is put on the row of the number; ``abstract`` ("V/v …" of a công văn) goes
    under the number in the left column.
    """
    left = [line(parent, "issuer_parent")] if parent else []
    left += [line(text, "issuer") for text in issuer]
    number_row = len(left)
    left.append(line(number, "number") if number else space())
    left += [line(text, "vv") for text in abstract]
    right = [line(NATIONAL_HEADER, "national"), line(MOTTO, "motto")]
    right += [space()] * max(0, number_row - len(right))
    if place_date:
        right.append(line(place_date, "place_date"))
    return columns(left, right)


def centred_header(place_date: str | None = None) -> list[Line]:
    """The national header centred over the page, as citizens' forms and contracts have."""
    out = [line(NATIONAL_HEADER, "national"), line(MOTTO, "motto")]
    if place_date:
        out.append(line(place_date, "place_date_right"))
    return out


def signature(
    roles: Sequence[str],
    name: str,
    *,
    note: str | None = None,
    official: bool = True,
    place_date: str | None = None,
    left: Sequence[Line] = (),
    gap: int = 3,
) -> list[Line]:
    """A signature block in the right column; ``left`` fills the left column beside it.

    ``official`` marks a signer whose name gets the body's red seal when rendered.
    """
    right = [line(place_date, "place_date")] if place_date else []
    right += [line(text, "signer") for text in roles]
    if note:
        right.append(line(note, "signer_note"))
    right += [space()] * gap
    right.append(line(name, "official_name" if official else "signer_name"))
    return columns(left, right)


def two_signatures(
    left_roles: Sequence[str],
    left_name: str,
    right_roles: Sequence[str],
    right_name: str,
    *,
    note: str | None = "(Ký, ghi rõ họ tên)",
    gap: int = 3,
    place_date: str | None = None,
) -> list[Line]:
    """Two parties signing side by side (contracts, minutes, spouses)."""

    def block(roles: Sequence[str], name: str) -> list[Line]:
        out = [line(text, "signer") for text in roles]
        if note:
            out.append(line(note, "signer_note"))
        return [*out, *([space()] * gap), line(name, "signer_name")]

    head = [line(place_date, "place_date_right")] if place_date else []
    return head + columns(block(left_roles, left_name), block(right_roles, right_name))


def recipients(items: Sequence[str]) -> list[Line]:
    """ "Nơi nhận:" and its list, the left half beside a Decree 30 signature."""
    return [line("Nơi nhận:", "recipients_head"), *(line(f"- {i}", "recipients") for i in items)]


def certification_block(g: Gen, when: date, locale: Locale) -> list[Line]:
    """The attestation that a copy matches its original (Decree 23/2015), in wording variants.

    It is the trap of the corpus: it may sit at the bottom of any document type.
    """
    officer = g.person(when, age=(25, 58))
    number = g.num(1, 4800)
    book = f"{g.num(1, 12):02d}/{when.year}-SCT/BS"
    title = g.pick(
        (
            "Chứng thực bản sao đúng với bản chính",
            "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH",
            "Chứng thực bản sao đúng với bản chính.",
        )
    )
    lines = [line(title, "cert_title", CERT)]
    if g.chance(0.5):
        lines.append(line(f"Số chứng thực: {number} Quyển số: {book}", "cert", CERT))
    else:
        lines.append(line(f"Số chứng thực: {number}", "cert", CERT))
        lines.append(line(f"Quyển số: {book}", "cert", CERT))
    day_line = viet_date(when)
    if g.chance(0.4):
        day_line = f"{cap(locale.commune_full)}, {day_line}"
    lines.append(line(cap(day_line), "cert", CERT))
    lines.append(line("Người thực hiện chứng thực", "cert_title", CERT))
    if g.chance(0.5):
        lines.append(line("(Ký, ghi rõ họ tên, đóng dấu)", "cert_note", CERT))
    lines.append(space(CERT))
    lines.append(line(officer.full_name, "cert_name", CERT))
    if g.chance(0.4):
        lines.append(line(g.pick(("Phó Chủ tịch", "Công chức Tư pháp - Hộ tịch")), "cert", CERT))
    return lines


def estimate_rows(item: Line, chars_per_row: int = 88) -> float:
    """Rough rendered height of a line in body rows, to split long documents into pages."""
    if item.role == "space":
        return 1.0
    if item.role in ("title",):
        return 1.3 * (1 + len(item.text) // 60)
    if item.region in (LEFT, RIGHT):
        return 0.5  # a row is shared with the other column
    return 1 + len(item.text) // chars_per_row + 0.15


def paginate(lines: Sequence[Line], capacity: float = 40.0) -> list[list[Line]]:
    """Split a long document between lines, never inside a two-column run."""
    # Group two-column runs so they stay together.
    groups: list[list[Line]] = []
    for item in lines:
        side = item.region in (LEFT, RIGHT)
        if side and groups and groups[-1] and groups[-1][-1].region in (LEFT, RIGHT):
            groups[-1].append(item)
        else:
            groups.append([item])
    pages: list[list[Line]] = [[]]
    used = 0.0
    for group in groups:
        height = sum(estimate_rows(item) for item in group)
        # Headings and "Điều n." lines should not be orphaned at a page foot.
        keep_with_next = group[-1].role in ("heading", "article") and used + height + 3 > capacity
        if pages[-1] and (used + height > capacity or keep_with_next):
            pages.append([])
            used = 0.0
        pages[-1].extend(group)
        used += height
    return pages
