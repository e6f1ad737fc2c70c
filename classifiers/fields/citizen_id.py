"""Citizen identity cards (CCCD 2021 chip card, CĂN CƯỚC 2024), front and back.

Three readings of the same facts may be present: the printed text (OCR), the MRZ on
the back (check digits), and the QR payload on the front (exact database text). They
are merged field by field: agreement raises confidence, disagreement lowers it and is
reported in ``id_number_problems``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from rapidfuzz import fuzz

from classifiers.fields import labels
from classifiers.fields.dates import find_date
from classifiers.fields.field_types import Field
from classifiers.fields.id_card_qr import IdQr, parse_id_qr
from classifiers.fields.lines import Line, Span, any_of, find_labelled, fold_key, name_case
from classifiers.fields.mrz import Td1, find_td1, is_mrz_line
from classifiers.fields.numbers import find_digit_runs
from classifiers.fields.person_names import correct_name
from classifiers.fields.personal_id import (
    CENTURY_START,
    find_personal_ids,
    validate_personal_id,
)
from classifiers.fields.readers import (
    apply_id_checks,
    read_date,
    read_id_number,
    read_name,
    read_nationality,
    read_sex,
    read_text,
)
from classifiers.fields.reading import NEXT_LINE, PER_FIX, SAME_LINE, Document

QR_CONFIDENCE = 0.99
UNLABELLED_ID = 0.6
CONFLICT_FACTOR = 0.7

_ID_LABEL = re.compile(f"{labels.PERSONAL_ID}|{labels.CARD_NUMBER}")
_NAME = re.compile(labels.FULL_NAME)
_DOB = re.compile(labels.DATE_OF_BIRTH)
_SEX = re.compile(labels.SEX)
_NATIONALITY = re.compile(labels.NATIONALITY)
_ORIGIN = re.compile(labels.PLACE_OF_ORIGIN)
_RESIDENCE = re.compile(labels.PLACE_OF_RESIDENCE)
_EXPIRY = re.compile(labels.EXPIRY)
_ISSUE = re.compile(labels.CARD_ISSUE)
_STOPS = any_of(
    labels.PERSONAL_ID,
    labels.CARD_NUMBER,
    labels.FULL_NAME,
    labels.DATE_OF_BIRTH,
    labels.SEX,
    labels.NATIONALITY,
    labels.PLACE_OF_ORIGIN,
    labels.PLACE_OF_RESIDENCE,
    labels.EXPIRY,
    labels.CARD_ISSUE,
    labels.CARD_OTHER,
)
_NO_EXPIRY = re.compile(r"\bkhong\s*(?:thoi\s*han|co\s*thoi\s*han)\b")

# Source priority when sources disagree: the QR text, then an MRZ whose check digits
# hold, then the printed text, then an MRZ that failed its checks.
_TRUST = {"qr": 0, "mrz-checked": 1, "printed": 2, "mrz": 3}


@dataclass(frozen=True)
class Reading:
    """One source's value of one field."""

    source: str  # 'printed' | 'mrz' | 'mrz-checked' | 'qr'
    field: Field

    @property
    def checked(self) -> bool:
        return self.source == "mrz-checked"


# ---------------------------------------------------------------- printed text


def _expiry(doc: Document) -> Field | None:
    """``Có giá trị đến``: a date, or ``Không thời hạn`` (no expiry) -> ``none``."""
    found = find_labelled(
        doc.lines,
        _EXPIRY,
        _STOPS,
        accept=lambda v: bool(_NO_EXPIRY.search(fold_key(v))) or find_date(v) is not None,
    )
    if found is None:
        return None
    if _NO_EXPIRY.search(fold_key(found.value)):
        return doc.found("none", found)
    return read_date(doc, _EXPIRY, _STOPS)


def _unlabelled_id(doc: Document) -> Field | None:
    """A structurally valid 12-digit number anywhere on the card (outside the MRZ)."""
    for line in doc.lines:
        if is_mrz_line(line.text):
            continue
        for run in find_personal_ids(line.text):
            if not validate_personal_id(run.digits):
                span = Span(line, run.start, run.end)
                return doc.field(run.digits, UNLABELLED_ID - 0.05 * run.fixes, [span])
    return None


_OLD_CARD_LABEL = re.compile(r"^\W*so\b|\bcmnd\b|\bchung\s*minh\s*nhan\s*dan\s*so\b")


def _old_card_number(doc: Document) -> Field | None:
    """The old card's nine-digit number (``GIẤY CHỨNG MINH NHÂN DÂN`` / ``Số 025814736``).

    Exactly nine digits, so a chip card's twelve-digit number is never taken
    for it; on the label's line or, when the label stands alone, the next.
    """
    lines = doc.lines
    for at, line in enumerate(lines):
        match = _OLD_CARD_LABEL.search(line.key)
        if match is None or is_mrz_line(line.text):
            continue
        candidates = [(line, match.end(), SAME_LINE)]
        if at + 1 < len(lines) and lines[at + 1].page == line.page:
            candidates.append((lines[at + 1], 0, NEXT_LINE))
        for where, start, confidence in candidates:
            runs = find_digit_runs(where.text[start:], 9)
            if runs:
                run = runs[0]
                span = Span(where, start + run.start, start + run.end)
                return doc.field(run.digits, confidence - PER_FIX * run.fixes, [span])
    return None


_OLD_CARD_TITLE = re.compile(r"\bchung\s*minh\s*nhan\s*dan\b")
_OLD_CARD_WORDS = "chung minh nhan dan"
_DATELINE = re.compile(r"\bn[gq][au][yv]\s*\d{1,2}\s*\W*\s*t[hb]ang\b")
_NAME_WORD = re.compile(r"[^\W\d_]{1,7}")
OLD_CARD_LINES = 3
"""Lines under the old card's title in which its number is printed (``Số 227 784 088``),
and under the number in which its holder's name and birth date follow."""
UNLABELLED = 0.55
"""Confidence of an old card's value found by its place, its label unreadable."""


OLD_CARD_TITLE_MIN = 85.0
"""rapidfuzz score at which a short line is the old card's title as OCR broke it
(``GIẤY CHỨNG NIINH NHÂN DÂN``)."""


def _old_card_title(doc: Document) -> int | None:
    for at, line in enumerate(doc.lines):
        if _ID_LABEL.search(line.key):
            continue
        if _OLD_CARD_TITLE.search(line.key):
            return at
        folded = " ".join(re.findall(r"[a-z]+", line.key))
        if len(folded) <= 2 * len(_OLD_CARD_WORDS) and (
            fuzz.partial_ratio(_OLD_CARD_WORDS, folded) >= OLD_CARD_TITLE_MIN
        ):
            return at
    return None


def old_card_fields(doc: Document, printed: dict[str, Field]) -> dict[str, Field]:
    """What the old nine-digit card (``GIẤY CHỨNG MINH NHÂN DÂN``) prints where its labels
    were lost: a photocopied or photographed old card often reads ``Hộ »`` for ``Họ tên``
    and ``sminay`` for ``Sinh ngày``, and its red ``Số`` vanishes with the red ink. The
    card's order is fixed (title, number, name, birth date), so each value is taken by
    its place under the title: nine digits, then a line of capitals, then a date.
    """
    title = _old_card_title(doc)
    if title is None:
        return {}
    lines = doc.lines[title + 1 : title + 1 + OLD_CARD_LINES]
    found: dict[str, Field] = {}
    number_at = None
    if "old_id_number" not in printed:
        for offset, line in enumerate(lines):
            runs = find_digit_runs(line.text, 9)
            if runs and len(runs[0].digits) == 9:
                run = runs[0]
                span = Span(line, run.start, run.end)
                found["old_id_number"] = doc.field(
                    run.digits, UNLABELLED - PER_FIX * run.fixes, [span]
                )
                number_at = title + 1 + offset
                break
    after = doc.lines[(number_at or title) + 1 : (number_at or title) + 1 + OLD_CARD_LINES]
    if "full_name" not in printed:
        for line in after:
            name = _capitals_name(line)
            if name is not None:
                reading = correct_name(name_case(name.text) or "")
                found["full_name"] = doc.field(reading.name, UNLABELLED, [name])
                break
    if "date_of_birth" not in printed:
        for line in after:
            date = find_date(line.text)
            if date is not None:
                span = Span(line, date.start, date.end)
                found["date_of_birth"] = doc.field(date.value.isoformat(), UNLABELLED, [span])
                break
    return found


def _capitals_name(line: Line) -> Span | None:
    """The run of two to six capitalised words a line ends with (a label's remains before it)."""
    words = list(_NAME_WORD.finditer(line.text))
    run: list[re.Match[str]] = []
    for word in reversed(words):
        if not word.group().isupper():
            break
        run.insert(0, word)
    if not 2 <= len(run) <= 6:
        return None
    span = Span(line, run[0].start(), run[-1].end())
    return span if name_case(span.text) is not None else None


def _card_dateline(doc: Document) -> Field | None:
    """The date an old card was issued: ``Ngày 21 tháng 07 năm 2014`` over the issuer's title."""
    for line in doc.lines:
        match = _DATELINE.search(line.key)
        if match is None:
            continue
        # ``Ngùy 26 tháng …``: the word read wrong, the date after it whole.
        word_end = match.start() + len(match.group().split()[0])
        date = find_date("ngày" + line.text[word_end:])
        if date is not None:
            span = Span(line, match.start(), word_end - len("ngày") + date.end)
            return doc.field(date.value.isoformat(), UNLABELLED - PER_FIX, [span])
    return None


def printed_fields(doc: Document) -> dict[str, Field]:
    """Fields read from the printed labels of the card."""
    readers: dict[str, Callable[[], Field | None]] = {
        "id_number": lambda: read_id_number(doc, _ID_LABEL, _STOPS) or _unlabelled_id(doc),
        "full_name": lambda: read_name(doc, _NAME, _STOPS),
        "date_of_birth": lambda: read_date(doc, _DOB, _STOPS),
        "sex": lambda: read_sex(doc, _SEX, _STOPS),
        "nationality": lambda: read_nationality(doc, _NATIONALITY, _STOPS),
        "place_of_origin": lambda: read_text(doc, _ORIGIN, _STOPS, continuation=True),
        "place_of_residence": lambda: read_text(doc, _RESIDENCE, _STOPS, continuation=True),
        "expiry_date": lambda: _expiry(doc),
        "issue_date": lambda: read_date(doc, _ISSUE, _STOPS),
        "old_id_number": lambda: _old_card_number(doc),
    }
    fields = {}
    for name, read in readers.items():
        value = read()
        if value is not None:
            fields[name] = value
    fields.update(old_card_fields(doc, fields))
    if "old_id_number" in fields and "id_number" not in fields:
        fields["id_number"] = fields["old_id_number"]  # the old card's only number
    if "issue_date" not in fields and "old_id_number" in fields:
        dateline = _card_dateline(doc)
        if dateline is not None:
            fields["issue_date"] = dateline
    return fields


# ---------------------------------------------------------------- MRZ


def find_mrz(doc: Document) -> tuple[Td1, list[Line]] | None:
    """The TD1 MRZ of the card and the three lines it was read from."""
    pages: dict[int, list[Line]] = {}
    for line in doc.lines:
        if line.text.strip():
            pages.setdefault(line.page, []).append(line)
    for lines in pages.values():
        found = find_td1([line.text for line in lines])
        if found is not None:
            at, td1 = found
            return td1, lines[at : at + 3]
    return None


def _century(*numbers: str | None) -> int | None:
    for number in numbers:
        if number and len(number) == 12 and number.isdigit():
            return CENTURY_START[int(number[3])]
    return None


def mrz_fields(
    doc: Document, td1: Td1, lines: Sequence[Line], printed_id: str | None
) -> tuple[dict[str, Reading], list[str]]:
    """Readings from the MRZ, with their check-digit confidence, and MRZ problems."""
    spans = [Span(line, 0, len(line.text)) for line in lines]
    problems = td1.problems
    any_failed = bool(problems)

    def reading(value: str, check: str | None, span: Span, confident: float) -> Reading:
        ok = check is None or td1.checks.get(check, True)
        if check is not None and ok and not any_failed:
            return Reading("mrz-checked", doc.field(value, 1.0, [span]))
        confidence = confident if ok else 0.3
        if any_failed:
            confidence = min(confidence, 0.5)
        return Reading("mrz", doc.field(value, confidence, [span]))

    readings: dict[str, Reading] = {}
    number = td1.id_number
    if number:
        id_check = "ID number" if "ID number" in td1.checks else "composite"
        readings["id_number"] = reading(number, id_check, spans[0], 0.9)
        if td1.document_number and td1.document_number != number[-9:]:
            problems.append(
                f"id_number: MRZ document number {td1.document_number} is not the last "
                f"9 digits of {number}"
            )
    birth = td1.birth_date(_century(number, printed_id))
    if birth is not None:
        readings["date_of_birth"] = reading(birth.isoformat(), "date of birth", spans[1], 0.9)
    if td1.sex in "MF":
        readings["sex"] = reading("male" if td1.sex == "M" else "female", None, spans[1], 0.95)
    expiry = td1.expiry_date()
    if expiry is not None or td1.no_expiry:
        value = expiry.isoformat() if expiry else "none"
        readings["expiry_date"] = reading(value, "date of expiry", spans[1], 0.9)
    name = name_case(td1.full_name)
    if name:
        readings["full_name"] = reading(name, None, spans[2], 0.9)
    return readings, problems


# ---------------------------------------------------------------- QR


def qr_fields(qr: IdQr, page: int) -> dict[str, Field]:
    """Fields of a decoded ID-card QR payload (confidence 0.99; no box: not text)."""
    values = {
        "id_number": qr.id_number,
        "old_id_number": qr.old_id_number,
        "full_name": name_case(qr.full_name) if qr.full_name else None,
        "date_of_birth": qr.date_of_birth.isoformat() if qr.date_of_birth else None,
        "sex": qr.sex,
        "place_of_residence": qr.address,
        "issue_date": qr.issue_date.isoformat() if qr.issue_date else None,
    }
    return {
        name: Field(value, QR_CONFIDENCE, page, None, qr.raw)
        for name, value in values.items()
        if value
    }


# ---------------------------------------------------------------- merging


def _compact(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold_key(value))


def _agree(name: str, a: str, b: str) -> bool:
    """Same value? Names and addresses compare without tone marks (the MRZ has none)."""
    if name == "full_name":
        ka, kb = _compact(a), _compact(b)
        # A long name is truncated in the 30-character MRZ line.
        return ka == kb or (
            min(len(ka), len(kb)) >= 25 and (ka.startswith(kb) or kb.startswith(ka))
        )
    if name in ("place_of_residence", "place_of_origin"):
        ka, kb = _compact(a), _compact(b)
        return ka in kb or kb in ka or SequenceMatcher(None, ka, kb).ratio() >= 0.85
    return a == b


def merge(name: str, readings: Sequence[Reading]) -> tuple[Field | None, str | None]:
    """One field from several sources, and a conflict message when they disagree."""
    if not readings:
        return None, None
    ordered = sorted(readings, key=lambda r: _TRUST[r.source])
    best = ordered[0]
    printed = next((r.field for r in readings if r.source == "printed"), None)
    where = printed or next((r.field for r in ordered if r.field.box), best.field)
    if len(ordered) == 1:
        return best.field, None
    if all(_agree(name, best.field.value, r.field.value) for r in ordered[1:]):
        value = best.field.value
        if name == "full_name" and best.source.startswith("mrz") and printed is not None:
            value = printed.value  # same name, but the printed one has its tone marks
        if any(r.checked for r in ordered):
            confidence = 1.0
        else:
            confidence = min(0.99, max(r.field.confidence for r in ordered) + 0.1)
        return Field(value, confidence, where.page, where.box, where.raw), None
    shown = ", ".join(f"{r.source.replace('-checked', '')} {r.field.value!r}" for r in ordered)
    confidence = round(best.field.confidence * CONFLICT_FACTOR, 3)
    field = Field(best.field.value, confidence, best.field.page, best.field.box, best.field.raw)
    return field, f"{name}: sources disagree ({shown})"


def _date_order_problems(fields: dict[str, Field], today: date | None = None) -> list[str]:
    today = today or date.today()

    def get(name: str) -> date | None:
        field = fields.get(name)
        if field is None or field.value == "none":
            return None
        try:
            return date.fromisoformat(field.value)
        except ValueError:
            return None

    birth, issue, expiry = get("date_of_birth"), get("issue_date"), get("expiry_date")
    problems = []
    if birth and birth > today:
        problems.append(f"date_of_birth {birth} is in the future")
    if birth and issue and issue < birth:
        problems.append(f"issue_date {issue} is before the date of birth {birth}")
    if issue and expiry and expiry <= issue:
        problems.append(f"expiry_date {expiry} is not after the issue date {issue}")
    if birth and expiry and expiry <= birth:
        problems.append(f"expiry_date {expiry} is not after the date of birth {birth}")
    return problems


def check_citizen_id(fields: dict[str, Field], *, today: date | None = None) -> list[str]:
    """Problems visible in a card's final fields: ID number structure, its agreement
    with date of birth and sex, and the order of birth, issue and expiry dates.

    (Disagreements between printed text, MRZ and QR are found while merging and are
    reported by ``citizen_id_fields`` in ``id_number_problems`` together with these.)
    """
    problems: list[str] = []
    number = fields.get("id_number")
    if number is not None:
        problems += validate_personal_id(
            number.value,
            fields["date_of_birth"].value if "date_of_birth" in fields else None,
            fields["sex"].value if "sex" in fields else None,
            today=today,
        )
    return problems + _date_order_problems(fields, today)


def citizen_id_fields(doc: Document, common: dict[str, Field] | None = None) -> dict[str, Field]:
    """All fields of an ID card from its pages, MRZ and QR payloads (``doc.qr_payloads``;
    only an ID card's own QR is used)."""
    printed = printed_fields(doc)
    sources: dict[str, list[Reading]] = {n: [Reading("printed", f)] for n, f in printed.items()}
    problems: list[str] = []
    mrz = find_mrz(doc)
    if mrz is not None:
        printed_id = printed["id_number"].value if "id_number" in printed else None
        readings, mrz_problems = mrz_fields(doc, *mrz, printed_id)
        problems += mrz_problems
        _name_under_mrz(doc, readings, sources, mrz[1])
        for name, reading in readings.items():
            sources.setdefault(name, []).append(reading)
    qr = next((q for q in map(parse_id_qr, doc.qr_payloads) if q is not None), None)
    if qr is not None:
        page = printed["id_number"].page if "id_number" in printed else _first_page(doc)
        for name, field in qr_fields(qr, page).items():
            sources.setdefault(name, []).append(Reading("qr", field))
    fields: dict[str, Field] = {}
    for name, readings in sources.items():
        field, conflict = merge(name, readings)
        if field is not None:
            fields[name] = field
        if conflict:
            problems.append(conflict)
    _one_date_two_labels(fields)
    apply_id_checks(fields, problems + _date_order_problems(fields))
    return fields


MRZ_NAME_MIN = 0.85
"""Similarity (``SequenceMatcher`` ratio of the names without marks or spaces) at which a
printed line of capitals is the name the MRZ spells: one letter in eight may differ (a
filler read as a letter, ``HAUÚ<<``), not a different person's name."""
MRZ_NAMED = 0.8
"""Confidence of the printed name found by the MRZ's spelling, its label unreadable."""


def _name_under_mrz(
    doc: Document,
    readings: dict[str, Reading],
    sources: dict[str, list[Reading]],
    zone: Sequence[Line],
) -> None:
    """The card's printed name, found by the MRZ's spelling when its label was not read
    (``Họ. chứ đệm và tên kluk sinh / Fuổi name``, unseen draw 16000) or gave something
    else: the line of capitals that spells the MRZ's name is the name with its marks. When
    the two agree only nearly, the printed line is taken and the MRZ's reading dropped (the
    zone has no marks, and a near miss there is an OCR slip, not another name)."""
    mrz = readings.get("full_name")
    if mrz is None:
        return
    wanted = _compact(mrz.field.value)
    printed = sources.get("full_name", [])
    if printed and _compact(printed[0].field.value) == wanted:
        return
    best: tuple[float, Span] | None = None
    for line in doc.lines:
        if line in zone:
            continue
        span = _capitals_name(line)
        if span is None:
            continue
        ratio = SequenceMatcher(None, wanted, _compact(span.text)).ratio()
        if ratio >= MRZ_NAME_MIN and (best is None or ratio > best[0]):
            best = (ratio, span)
    if best is None:
        return
    name = correct_name(name_case(best[1].text) or "").name
    sources["full_name"] = [Reading("printed", doc.field(name, MRZ_NAMED, [best[1]]))]
    if best[0] < 1.0:
        del readings["full_name"]


def _one_date_two_labels(fields: dict[str, Field], today: date | None = None) -> None:
    """A card's issue and expiry dates stand side by side under their labels (``Ngày cấp
    | Ngày hết hạn``); when OCR lost one of the two values, the other is read under
    both. A card never expires the day it is issued, so one label is wrong: the date
    is the expiry when the MRZ confirmed it or when it is still to come (no card is
    issued in the future), the issue date otherwise."""
    issue, expiry = fields.get("issue_date"), fields.get("expiry_date")
    if issue is None or expiry is None or issue.value != expiry.value:
        return
    try:
        when = date.fromisoformat(expiry.value)
    except ValueError:
        return
    if expiry.confidence >= 1.0 or when > (today or date.today()):
        del fields["issue_date"]
    else:
        del fields["expiry_date"]


def _first_page(doc: Document) -> int:
    return doc.lines[0].page if doc.lines else 1
