"""The photographed-pages set of ``bench/photos`` (issue 13), drawn small: no OCR runs here."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from bench import photo_report, photoset
from bench.photoset import PhotoPlan

SMALL_CAMERA = (450, 600)
SMALL_DPI = 60


def small(plan: PhotoPlan) -> PhotoPlan:
    """The same photo drawn tiny: every effect runs, in a fraction of the time."""
    return dataclasses.replace(plan, camera=SMALL_CAMERA, page_dpi=SMALL_DPI, long_side=0)


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory: pytest.TempPathFactory) -> photoset.PhotoSet:
    plans = [small(p) for p in photoset.plan_photos(8)]
    work = tmp_path_factory.mktemp("photos")
    return photoset.ensure_photoset(work, len(plans), jobs=1, plans=plans)


def test_a_quick_run_already_holds_every_form_and_damage() -> None:
    quick = photoset.plan_photos(8)
    assert {p.damage for p in quick} == set(photoset.DAMAGES)
    assert {p.container for p in quick} == {"jpeg", "webp", "heic"}
    assert {p.orientation for p in quick} == {1, 3, 6, 8}
    assert {p.orientation for p in quick if p.container == "webp"} == {1, 6}
    full = photoset.plan_photos(photoset.DEFAULT_PAGES)
    assert full[:8] == quick
    assert sum(p.container == "heic" for p in full) == 2
    assert all((p.long_side == 1600) == (p.damage == "messaging") for p in full)
    assert all(3000 <= max(p.camera) <= 4100 for p in full)
    assert len({p.name for p in full}) == len(full)


def test_cache_key_follows_the_plan_and_the_generator() -> None:
    plans = photoset.plan_photos(4)
    key = photoset.cache_key(plans, b"source")
    assert photoset.cache_key(photoset.plan_photos(4), b"source") == key
    assert photoset.cache_key(plans, b"other source") != key
    moved = (dataclasses.replace(plans[0], seed=plans[0].seed + 1), *plans[1:])
    assert photoset.cache_key(moved, b"source") != key


def test_a_photo_is_the_same_for_its_seed_and_differs_for_another() -> None:
    plan = small(photoset.plan_photos(2)[1])
    first, again = photoset.build_photo(plan), photoset.build_photo(plan)
    assert np.array_equal(np.asarray(first.image), np.asarray(again.image))
    assert first.text == again.text and first.corners == again.corners
    other = photoset.build_photo(dataclasses.replace(plan, seed=plan.seed + 100))
    assert not np.array_equal(np.asarray(first.image), np.asarray(other.image))


@pytest.mark.parametrize("damage", ["mild", "steep", "shadow"])
def test_the_sheet_corners_really_move(damage: str) -> None:
    """Every corner lands 3–12 % of the sheet's sides away from a square-on shot, and the
    sheet's pixels are where the corners say."""
    import random

    r = random.Random(f"corners:{damage}")
    sheet = Image.new("RGB", (420, 594), (255, 255, 255))
    desk = np.zeros((600, 450, 3), dtype=np.float32)
    frame, corners, square = photoset.place_sheet(sheet, desk, damage, r)
    lo, hi = photoset.CORNER_SHIFT.get(damage, photoset.DEFAULT_CORNER_SHIFT)
    side_w = square[1][0] - square[0][0]
    side_h = square[3][1] - square[0][1]
    for (x, y), (sx, sy) in zip(corners, square, strict=True):
        moved = np.hypot((x - sx) / side_w, (y - sy) / side_h)
        assert lo - 1e-9 <= moved <= hi + 1e-9
    # Find the sheet's corners in the pixels: the lit points farthest along each diagonal.
    ys, xs = np.nonzero(frame[..., 0] > 128)
    found = [
        (xs[i], ys[i])
        for i in (
            np.argmin(xs + ys),  # top left
            np.argmax(xs - ys),  # top right
            np.argmax(xs + ys),  # bottom right
            np.argmin(xs - ys),  # bottom left
        )
    ]
    for (fx, fy), (cx, cy) in zip(found, corners, strict=True):
        assert np.hypot(fx - cx, fy - cy) < 4, "the drawn sheet is not where its corners are"
    moves = [np.hypot(fx - sx, fy - sy) for (fx, fy), (sx, sy) in zip(found, square, strict=True)]
    assert min(moves) > 0.03 * min(side_w, side_h) - 4


def test_turned_files_carry_their_exif_tag_and_show_upright(tiny_set: photoset.PhotoSet) -> None:
    turned = [e for e in tiny_set.photos if e["orientation"] != 1]
    assert {e["orientation"] for e in turned} == {3, 6, 8}
    for entry in tiny_set.photos:
        path = tiny_set.root / entry["path"]
        with Image.open(path) as img:
            tag = img.getexif().get(photoset.ORIENTATION_TAG)
            shown = ImageOps.exif_transpose(img).convert("RGB")
            stored = img.size
        if entry["orientation"] == 1:
            assert tag in (None, 1)
        else:
            assert tag == entry["orientation"]
        upright = photoset.build_photo(small(photoset.plan_photos(8)[entry["index"]])).image
        assert shown.size == upright.size
        if entry["orientation"] in (6, 8):
            assert stored == upright.size[::-1]
        diff = np.abs(np.asarray(shown, np.int16) - np.asarray(upright, np.int16)).mean()
        assert diff < 8, f"{path.name} does not show upright ({diff:.1f})"
        with Image.open(tiny_set.root / entry["png"]) as png:
            assert png.size == upright.size


def test_webp_and_heic_files_open_with_pillow(tiny_set: photoset.PhotoSet) -> None:
    formats = {}
    for entry in tiny_set.photos:
        with Image.open(tiny_set.root / entry["path"]) as img:
            img.load()
            formats[entry["container"]] = img.format
            assert list(img.size) == entry["stored_size"]
    assert formats == {"jpeg": "JPEG", "webp": "WEBP", "heic": "HEIF"}


def test_manifest_holds_the_truth_and_is_reused(tiny_set: photoset.PhotoSet) -> None:
    from testkit import pagegen

    assert len(tiny_set.files) == len(tiny_set.pages) == 8
    for item, entry in zip(tiny_set.files, tiny_set.photos, strict=True):
        (page,) = item.pages
        assert page.text.strip() and page.text == unicodedata.normalize("NFC", page.text)
        assert page.degradation == entry["damage"]
        assert item.path.exists() and page.png.exists()
        drawn = pagegen.render_page(entry["seed"], dpi=SMALL_DPI, font_pt=entry["font_pt"])
        assert page.text == drawn.text
        assert len(photo_report.words(page.text)) > 100
    manifest = tiny_set.root / "manifest.json"
    stamp = manifest.stat().st_mtime_ns
    plans = [small(p) for p in photoset.plan_photos(8)]
    again = photoset.ensure_photoset(tiny_set.root.parent, 8, jobs=1, plans=plans)
    assert again.key == tiny_set.key and manifest.stat().st_mtime_ns == stamp


def test_word_recall_counts_a_multiset_with_exact_marks() -> None:
    truth = "Xã Từ Sơn, ngày 07 tháng 10 năm 2025. Từ Sơn"
    assert photo_report.words(truth)[:3] == ["Xã", "Từ", "Sơn"]
    full = photo_report.word_recall(truth, truth.replace(",", ""))
    assert (full.found, full.total) == (11, 11)
    once = photo_report.word_recall(truth, "Xa Từ Sơn ngày 07 tháng 10 nam 2025")
    assert (once.found, once.total) == (7, 11)  # "Xa", "nam" lose their marks; one "Từ Sơn"
    assert photo_report.word_recall(truth, "").found == 0
    decomposed = unicodedata.normalize("NFD", truth)
    assert photo_report.word_recall(truth, decomposed).found == 11


def test_stored_pixels_turn_the_way_exif_turns_back() -> None:
    upright = Image.new("RGB", (30, 20), (255, 255, 255))
    upright.putpixel((0, 0), (255, 0, 0))
    for orientation in (3, 6, 8):
        stored = photoset.stored_pixels(upright, orientation)
        exif = Image.Exif()
        exif[photoset.ORIENTATION_TAG] = orientation
        stored.info["exif"] = exif.tobytes()
        shown = ImageOps.exif_transpose(stored)
        assert shown.size == upright.size and shown.getpixel((0, 0)) == (255, 0, 0)


def test_photo_names_say_damage_and_turn() -> None:
    names = [p.name for p in photoset.plan_photos(8)]
    assert names[0] == "01-mild.jpg" and names[1] == "02-shadow-o6.jpg"
    assert all(Path(n).suffix in {".jpg", ".webp", ".heic"} for n in names)
