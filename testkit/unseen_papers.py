"""Commune papers in layout families the classifier and its field rules never saw (issue 12).

``testkit.docgen`` draws the families the model is trained on and the rules were tuned
on; a benchmark on those alone measures memory, not reading. This generator was written
without reading either the seen families or the extraction rules: every type code of
``classifiers.doctypes`` (but ``other``) gets one or more *new* arrangements — ruled
label|value tables, values under their labels, bilingual labels, landscape sheets,
spouses or parties side by side, ID cards photocopied front and back on one A4 page,
the old 9-digit ``GIẤY CHỨNG MINH NHÂN DÂN``, green guilloche birth certificates with a
red title, land titles with their serial and ``Số vào sổ cấp GCN``.

About half of the documents are certified copies: photocopied, then stamped
"CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH" in red, purple, blue or black ink, rotated a few
degrees, numbers sometimes handwritten, with the round red seal. Every page is then
damaged as a scanner or a phone would (rotation, blur, uneven light, noise, JPEG,
perspective for photos).

``generate(doc_type, seed)`` is deterministic per (type, seed); its truth holds the
values the page printed, NFC, names in title case, dates ISO, sex ``male``/``female``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from PIL import Image

from testkit import pagegen
from testkit.unseen_papers_admin import (
    application_form,
    contract,
    decision,
    minutes,
    official_letter,
    power_of_attorney,
)
from testkit.unseen_papers_base import TODAY, Drawn, Gen, UnseenGen, officer
from testkit.unseen_papers_cards import citizen_id
from testkit.unseen_papers_civil import (
    birth_certificate,
    birth_extract,
    death_extract,
    marital_status,
    marriage_certificate,
)
from testkit.unseen_papers_draw import nfc
from testkit.unseen_papers_ink import certification_stamp, phone_photo, photocopy, scan_damage, seal
from testkit.unseen_papers_property import (
    business_household_registration,
    diploma,
    household_book,
    land_use_certificate,
)

GENERATORS: dict[str, Callable[[Gen, int], Drawn]] = {
    "citizen_id": citizen_id,
    "birth_certificate": birth_certificate,
    "birth_extract": birth_extract,
    "marriage_certificate": marriage_certificate,
    "marital_status": marital_status,
    "death_extract": death_extract,
    "land_use_certificate": land_use_certificate,
    "household_book": household_book,
    "application_form": application_form,
    "contract": contract,
    "power_of_attorney": power_of_attorney,
    "diploma": diploma,
    "business_household_registration": business_household_registration,
    "decision": decision,
    "minutes": minutes,
    "official_letter": official_letter,
}
"""One drawing function per type code (``other`` has no layout of its own to test)."""

DPIS = (200, 200, 250, 300)


@dataclass(frozen=True)
class UnseenDocument:
    """One generated paper: what it is, how it looks and what it says."""

    doc_type: str
    family: str
    seed: int
    pages: tuple[Image.Image, ...]
    dpi: int
    is_certified_copy: bool
    truth: dict[str, str]
    photo: bool  # a phone photo (store as JPEG), not a scan
    damage: str  # what was done to the pages, for the report
    stamp_ink: str = ""  # the certification stamp's ink, when certified


def generate(
    doc_type: str, seed: int, *, certified: bool | None = None, dpi: int | None = None
) -> UnseenDocument:
    """Draw one document of ``doc_type``; ``certified``/``dpi`` default to seeded picks."""
    if doc_type not in GENERATORS:
        raise ValueError(f"no unseen layout for {doc_type!r}")
    g = UnseenGen(f"unseen:{doc_type}:{seed}", seed)
    finish = random.Random(f"unseen-finish:{doc_type}:{seed}")
    dpi = dpi or finish.choice(DPIS)
    certified = finish.random() < 0.5 if certified is None else certified
    drawn = GENERATORS[doc_type](g, dpi)
    pages = [sheet.img.convert("RGB") for sheet in drawn.sheets]
    for page_no, x, y in drawn.pen:
        sheet = drawn.sheets[page_no]
        pages[page_no] = pagegen.ink_signature(
            pages[page_no], finish.randrange(1 << 30), (sheet.px(x), sheet.px(y)), dpi=dpi
        )
    for page_no, x, y in drawn.seals:
        sheet = drawn.sheets[page_no]
        centre = (sheet.px(x), sheet.px(y))
        pages[page_no] = seal(
            pages[page_no], finish.randrange(1 << 30), centre, dpi, drawn.seal_text
        )
    ink = ""
    if certified:
        pages, ink = _certify(pages, drawn, dpi, finish, g)
    photo = drawn.photo_ok and not certified and finish.random() < 0.8
    if photo:  # both sides of a card laid on the desk together: one photo, one file
        pages = [_side_by_side(pages)]
    elif drawn.photo_ok and not certified:
        pages = [_cards_on_a4(pages, dpi, finish)]  # a plain photocopy of the card
    damaged, notes = [], []
    for page in pages:
        if photo:
            page, note = phone_photo(page, finish)
        else:
            page, note = scan_damage(page, finish)
        damaged.append(page)
        notes.append(note)
    return UnseenDocument(
        doc_type=doc_type,
        family=drawn.family,
        seed=seed,
        pages=tuple(damaged),
        dpi=dpi,
        is_certified_copy=certified,
        truth={k: nfc(v) for k, v in drawn.truth.items()},
        photo=photo,
        damage=";".join(notes),
        stamp_ink=ink,
    )


def _certify(
    pages: list[Image.Image], drawn: Drawn, dpi: int, r: random.Random, g: Gen
) -> tuple[list[Image.Image], str]:
    """Photocopy every page (cards are small: both sides go on one A4 page first), then
    stamp the attestation and the commune's seal on the last one."""
    if drawn.photo_ok:
        pages = [_cards_on_a4(pages, dpi, r)]
    pages = [photocopy(p, r) for p in pages]
    when = TODAY - timedelta(days=r.randint(0, 400))
    number = r.randint(1, 4800)
    book = f"{r.randint(1, 12):02d}/{when.year}-SCT/BS"
    last = pages[-1]
    stamp_at = (
        round(r.uniform(0.04, 0.4) * last.width),
        round(r.uniform(0.62, 0.74) * last.height),
    )
    last, ink = certification_stamp(last, dpi, r, when, number, book, officer(g), stamp_at)
    unit = dpi / 25.4
    centre = (stamp_at[0] + round(r.uniform(55, 85) * unit), stamp_at[1] + round(40 * unit))
    last = seal(last, r.randrange(1 << 30), centre, dpi, "ỦY BAN NHÂN DÂN XÃ - CHỨNG THỰC")
    pages[-1] = last
    return pages, ink


def _cards_on_a4(sides: list[Image.Image], dpi: int, r: random.Random) -> Image.Image:
    """Both sides of a card photocopied on one A4 sheet, as the counter makes them."""
    page = Image.new("RGB", (round(210 * dpi / 25.4), round(297 * dpi / 25.4)), (255, 255, 255))
    scale = 2 / 3  # the card was drawn at 1.5 × dpi
    x = round(r.uniform(25, 60) * dpi / 25.4)
    for i, side in enumerate(sides):
        small = side.resize((round(side.width * scale), round(side.height * scale)))
        page.paste(small, (x, round((25 + i * 75) * dpi / 25.4)))
    return page


def _side_by_side(sides: list[Image.Image]) -> Image.Image:
    """Card sides one above the other with a little desk between them."""
    gap = sides[0].height // 8
    width = max(side.width for side in sides) + 2 * gap
    height = sum(side.height for side in sides) + gap * (len(sides) + 1)
    board = Image.new("RGB", (width, height), (245, 245, 240))
    y = gap
    for side in sides:
        board.paste(side, (gap, y))
        y += side.height + gap
    return board
