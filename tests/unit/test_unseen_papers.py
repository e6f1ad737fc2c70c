"""The unseen-layout generator (issue 12's benchmark set): deterministic, complete, and
its truth is what the page prints — a benchmark whose truth drifts from its pixels would
blame the classifier for the generator's mistakes."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pytest

from classifiers.doctypes import KNOWN_TYPES
from testkit.unseen_papers import GENERATORS, generate
from testkit.unseen_papers_base import UnseenGen, family_of

DPI = 120  # small pages: the tests draw, they do not read


def test_every_type_but_other_has_a_generator() -> None:
    assert set(GENERATORS) == set(KNOWN_TYPES)


@pytest.mark.parametrize("doc_type", sorted(GENERATORS))
def test_each_type_draws_rgb_pages_and_nfc_truth(doc_type: str) -> None:
    doc = generate(doc_type, 0, dpi=DPI)
    assert doc.doc_type == doc_type and doc.family
    assert doc.pages and all(p.mode == "RGB" and min(p.size) > 300 for p in doc.pages)
    assert doc.truth
    for key, value in doc.truth.items():
        assert value == unicodedata.normalize("NFC", value), key
        assert value == value.strip() and "{" not in value, (key, value)
    for key in ("date_of_birth", "issue_date"):
        if key in doc.truth:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.truth[key])
    if "sex" in doc.truth:
        assert doc.truth["sex"] in ("male", "female")


def test_same_seed_same_document_other_seed_other_document() -> None:
    a = generate("marriage_certificate", 4, dpi=DPI)
    b = generate("marriage_certificate", 4, dpi=DPI)
    c = generate("marriage_certificate", 5, dpi=DPI)
    assert (
        a.truth == b.truth and a.family == b.family and a.is_certified_copy == b.is_certified_copy
    )
    assert np.array_equal(np.asarray(a.pages[0]), np.asarray(b.pages[0]))
    assert a.truth != c.truth


def test_seeds_rotate_through_the_families() -> None:
    g = UnseenGen("x", 0)
    families = ("a", "b", "c")
    assert [family_of(UnseenGen("x", v), families) for v in range(4)] == ["a", "b", "c", "a"]
    assert family_of(g, families) == "a"
    seen = {generate("citizen_id", seed, dpi=DPI, certified=False).family for seed in range(3)}
    assert seen == {"chip_card_a4_photocopy", "cancuoc_2024_photo", "cmnd_9digit_a4"}


def test_id_cards_truth_matches_their_kind() -> None:
    for seed in range(3):
        doc = generate("citizen_id", seed, dpi=DPI, certified=False)
        if doc.family == "cmnd_9digit_a4":
            assert re.fullmatch(r"\d{9}", doc.truth["id_number"])
            assert doc.truth["old_id_number"] == doc.truth["id_number"]
        else:
            number = doc.truth["id_number"]
            assert re.fullmatch(r"\d{12}", number)
            assert number[4:6] == doc.truth["date_of_birth"][2:4]  # PPP G YY NNNNNN
            assert int(number[3]) % 2 == (doc.truth["sex"] == "female")
        # Printed in capitals, written back in title case.
        name = doc.truth["full_name"]
        assert name != name.upper()
        assert all(w[:1].isupper() and w[1:] == w[1:].lower() for w in name.split())


def test_land_titles_print_a_serial_and_a_registry_number() -> None:
    for seed in range(2):
        truth = generate("land_use_certificate", seed, dpi=DPI).truth
        assert re.fullmatch(r"[A-Z]{2} (\d{6}|\d{8})", truth["serial"])
        assert truth["document_number"] == truth["registry_number"]
        assert re.fullmatch(r"[A-Z]{2} \d{5}", truth["registry_number"])


def test_certified_copy_is_stamped_in_colour_and_original_is_not() -> None:
    copy = generate("decision", 1, dpi=DPI, certified=True)
    original = generate("decision", 1, dpi=DPI, certified=False)
    assert copy.is_certified_copy and copy.stamp_ink in ("red", "purple", "blue", "black")
    assert not original.is_certified_copy and not original.stamp_ink
    assert copy.truth == original.truth  # the copy says what the original says


def test_every_seal_lands_on_the_page() -> None:
    """The seal is strongly red: some pixel of an original page must be."""
    doc = generate("official_letter", 0, dpi=DPI, certified=False)
    rgb = np.asarray(doc.pages[0]).astype(int)
    red = (rgb[..., 0] > 150) & (rgb[..., 1] < 110) & (rgb[..., 2] < 110)
    assert red.sum() > 50
