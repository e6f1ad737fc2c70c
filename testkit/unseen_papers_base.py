"""What every unseen layout family shares: the drawn result, invented people and places,
date and number formats.

People and places come from ``testkit.docgen_model``'s banks (names are assembled at
random, so nobody real appears); only the *layouts* must be new, not the vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from testkit import docgen_banks as banks
from testkit.docgen_model import Gen, Locale, Person
from testkit.unseen_papers_draw import Sheet, nfc

__all__ = ["Drawn", "Gen", "Locale", "Person", "banks"]

TODAY = date(2026, 12, 4)


@dataclass
class Drawn:
    """One document as drawn, before copying, stamping and damage."""

    family: str
    sheets: list[Sheet]
    truth: dict[str, str]
    seals: list[tuple[int, float, float]] = field(default_factory=list)  # page, x mm, y mm
    seal_text: str = "ỦY BAN NHÂN DÂN XÃ LÂM BÌNH"
    photo_ok: bool = False  # a card: may arrive as a phone photo
    pen: list[tuple[int, float, float]] = field(default_factory=list)  # signatures

    def __post_init__(self) -> None:
        self.truth = {k: nfc(v) for k, v in self.truth.items() if v}


class UnseenGen(Gen):
    """``Gen`` that also knows which of a type's families to draw: ``variant`` rotates
    through them (seed 0, 1, 2… → family 0, 1, 2…), so a few seeds cover every family."""

    def __init__(self, key: str, variant: int) -> None:
        super().__init__(key)
        self.variant = variant


def family_of(g: Gen, families: tuple[str, ...]) -> str:
    """The family to draw: rotated by the variant when there is one, else seeded."""
    variant = getattr(g, "variant", None)
    return families[variant % len(families)] if variant is not None else g.pick(families)


def hospital(g: Gen, loc: Locale) -> str:
    return g.pick(banks.HOSPITALS).format(
        commune=loc.commune, province=loc.province, district=loc.district
    )


def iso(d: date) -> str:
    return d.isoformat()


def dmy(d: date, sep: str = "/") -> str:
    return f"{d.day:02d}{sep}{d.month:02d}{sep}{d.year}"


def long_date(d: date) -> str:
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


def place_date(place: str, d: date) -> str:
    return f"{place}, {long_date(d)}"


def sex_vi(p: Person) -> str:
    return "Nam" if p.sex == "male" else "Nữ"


def commune_issuer(loc: Locale) -> tuple[str, str]:
    return ("ỦY BAN NHÂN DÂN", f"{loc.commune_full.upper()}")


def seal_text(loc: Locale) -> str:
    return f"ỦY BAN NHÂN DÂN {loc.commune_full.upper()} - {loc.province_full.upper()}"


def issued(g: Gen, start: int = 2016, end: date = date(2026, 11, 20)) -> date:
    return g.day(date(start, 1, 1), end)


def officer(g: Gen) -> str:
    return g.person(TODAY).full_name


def chairman_role(g: Gen) -> list[str]:
    return [g.pick(("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH")), g.pick(("CHỦ TỊCH", "PHÓ CHỦ TỊCH"))]


def cccd_number(p: Person) -> str:
    """The 12-digit personal number, consistent with birth year and sex."""
    return p.id_number


def spaced_id(number: str) -> str:
    return f"{number[:3]} {number[3:6]} {number[6:]}" if len(number) == 12 else number
