"""The page stages' faster arithmetic decides exactly what the plain arithmetic did.

Issue 13 cut the cost of our own stages (``ocr.clean``, ``ocr.coloured_ink``) by
computing the same numbers more cheaply: a lookup table for background flattening,
byte canvases and OpenCV row sums for the line sweep, labels without statistics for
specks, and the coloured-ink regions measured only around the coloured pixels. Each
test here compares the fast path with the straightforward computation it replaced, on
generated benchmark pages, so that no speed-up can shift a decision unnoticed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr import clean, coloured_ink
from ocr.words import Box
from testkit import pagegen

DPI = 150  # a quarter of a 300 dpi page's pixels: the same shapes, four times faster


@pytest.fixture(scope="module")
def page() -> pagegen.RenderedPage:
    return pagegen.render_page(7105, dpi=DPI, n_lines=20)


def _flatten_plain(gray: np.ndarray) -> np.ndarray:
    """``clean.flatten_background`` as it was computed before, in float32 over the page."""
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    background = cv2.dilate(small, np.ones((7, 7), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), sigmaX=6)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    background = np.maximum(background, 1).astype(np.float32)
    flat = gray.astype(np.float32) * (255.0 / background)
    return np.clip(flat, 0, 255).astype(np.uint8)


def _line_strength_plain(ink: np.ndarray, angle: float) -> float:
    """One angle of ``clean.line_structure``'s sweep on a float32 canvas, as before."""
    side = int(np.hypot(*ink.shape)) + 2
    pad_y, pad_x = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    canvas = np.zeros((side, side), np.float32)
    canvas[pad_y : pad_y + ink.shape[0], pad_x : pad_x + ink.shape[1]] = ink
    matrix = cv2.getRotationMatrix2D((side / 2.0, side / 2.0), angle, 1.0)
    profile = cv2.warpAffine(canvas, matrix, (side, side), flags=cv2.INTER_NEAREST).sum(axis=1)
    trend = np.ones(41, np.float32) / 41
    return float(np.var(profile - np.convolve(profile, trend, mode="same")))


def test_flattening_by_table_is_the_float_arithmetic(page: pagegen.RenderedPage) -> None:
    rng = np.random.default_rng(3)
    noise = rng.integers(0, 256, (301, 217), dtype=np.uint8)
    assert np.array_equal(clean.flatten_background(noise), _flatten_plain(noise))
    for name in ("clean", "shadow", "combined"):
        gray = clean.to_gray(pagegen.DEGRADATIONS[name](page.image, 7105))
        assert np.array_equal(clean.flatten_background(gray), _flatten_plain(gray)), name


@pytest.mark.parametrize("name", ["clean", "skew+5", "rot90", "combined"])
def test_the_line_sweep_scores_as_on_a_float_canvas(page: pagegen.RenderedPage, name) -> None:
    ink = clean._ink_mask(clean.to_gray(pagegen.DEGRADATIONS[name](page.image, 7105)))
    # The coarse sweep's angles are whole degrees, the same numbers on both sides.
    found = clean.line_structure(ink, max_angle=3.0, refine=False)
    assert found.strength_level == _line_strength_plain(ink, 0.0)
    assert found.strength == _line_strength_plain(ink, found.angle)
    down = clean.line_structure(np.ascontiguousarray(ink.T), max_angle=3.0, refine=False)
    assert down.strength == _line_strength_plain(np.ascontiguousarray(ink.T), down.angle)


def test_specks_are_counted_as_with_full_statistics(page: pagegen.RenderedPage) -> None:
    for name in ("clean", "salt_pepper", "jpeg40"):
        gray = clean.to_gray(pagegen.DEGRADATIONS[name](page.image, 7105))
        marked = (gray < clean.SPECK_GREY).astype(np.uint8)
        _, _, stats, _ = cv2.connectedComponentsWithStats(marked, connectivity=8)
        specks = np.count_nonzero(stats[1:, cv2.CC_STAT_AREA] <= clean.SPECK_MAX_AREA)
        assert clean.speck_density(gray) == specks * 1e6 / gray.size, name


def test_hue_families_by_table_are_the_hue_ranges(page: pagegen.RenderedPage) -> None:
    hsv = np.stack(
        np.meshgrid(np.arange(180), np.arange(40, 256, 24), np.arange(40, 256, 24)), axis=-1
    ).reshape(1, -1, 3)
    swatches = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    sealed = np.asarray(pagegen.red_seal(page.image, 7105))
    for rgb in (swatches, sealed):
        hue = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 0]
        plain = np.zeros(hue.shape, np.uint8)
        for index, (_, ranges) in enumerate(coloured_ink.HUE_FAMILIES):
            for low, high in ranges:
                plain[(hue >= low) & (hue < high)] = index
        assert np.array_equal(coloured_ink.families(rgb), plain)


def _sealed(page: pagegen.RenderedPage) -> np.ndarray:
    """A sealed and signed page whose seal strokes are partly faded (weak colour)."""
    image = pagegen.ink_signature(pagegen.red_seal(page.image, 7105), 7105)
    rgb = np.array(image)
    faded = rgb.astype(np.int16)
    grey = faded.mean(axis=2, keepdims=True)
    # Pull the lower half's colour halfway to grey: strokes between the two chroma floors.
    half = slice(rgb.shape[0] // 2, None)
    rgb[half] = np.clip(grey[half] + (faded[half] - grey[half]) * 0.45, 0, 255).astype(np.uint8)
    return rgb


def test_ink_regions_found_around_the_ink_are_the_whole_pages(page) -> None:
    rgb = _sealed(page)
    r, g, b = cv2.split(rgb)
    chroma = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    darkest = cv2.min(cv2.min(r, g), b)
    strong = (chroma >= coloured_ink.INK_MIN_CHROMA) & (darkest <= coloured_ink.INK_MAX_DARKEST)
    faded = (
        (chroma >= coloured_ink.FADED_MIN_CHROMA)
        & (darkest <= coloured_ink.FADED_MAX_DARKEST)
        & ~strong
    )
    assert strong.any() and faded.any()
    whole_page = strong | coloured_ink._faded_strokes(strong, faded)
    whole_page |= _faint_strokes_plain(rgb, whole_page, chroma, darkest)
    assert np.array_equal(coloured_ink.ink_mask(rgb), whole_page)


def _faint_strokes_plain(
    rgb: np.ndarray, mask: np.ndarray, chroma: np.ndarray, darkest: np.ndarray
) -> np.ndarray:
    """``coloured_ink._add_faint_strokes`` over the whole page, region by region."""
    faint = (
        (chroma >= coloured_ink.FAINT_MIN_CHROMA)
        & (darkest <= coloured_ink.INK_MAX_DARKEST)
        & ~mask
    )
    side = coloured_ink.REGION_JOIN_PX
    joined = cv2.dilate((mask | faint).astype(np.uint8), np.ones((side, side), np.uint8))
    count, labels = cv2.connectedComponents(joined)
    kinds = coloured_ink.families(rgb)
    added = np.zeros_like(mask)
    for region in range(1, count):
        inside = labels == region
        for colour in range(len(coloured_ink.HUE_FAMILIES)):
            if np.count_nonzero(mask & inside & (kinds == colour)) >= coloured_ink.FADED_MIN_SEEDS:
                added |= faint & inside & (kinds == colour)
    return added


def _ink_layer_plain(image: Image.Image, read_apart: tuple[Box, ...]) -> np.ndarray | None:
    """``coloured_ink.ink_layer``'s crop computed with the hues of the whole page."""
    rgb = np.asarray(image)
    mask = coloured_ink.ink_mask(rgb)
    for box in read_apart:
        mask[box.top : box.bottom, box.left : box.right] = False
    hues = coloured_ink.families(rgb)
    counts = np.bincount(hues[mask], minlength=len(coloured_ink.HUE_FAMILIES)) / mask.size
    kept = [
        i
        for i, share in enumerate(counts)
        if coloured_ink.MIN_INK_SHARE <= share <= coloured_ink.MAX_INK_SHARE
    ]
    if not kept:
        return None
    chosen = np.isin(hues, kept)
    for box in read_apart:
        chosen[box.top : box.bottom, box.left : box.right] = False
    ys, xs = np.nonzero(mask & chosen)
    margin = coloured_ink.MARGIN_PX
    top, left = max(0, ys.min() - margin), max(0, xs.min() - margin)
    bottom, right = ys.max() + 1 + margin, xs.max() + 1 + margin
    crop = coloured_ink.ink_strength(rgb[top:bottom, left:right])
    inked = mask[top:bottom, left:right]
    crop[inked] = np.minimum(crop[inked], coloured_ink.FADED_GREY)
    crop[~chosen[top:bottom, left:right]] = 255
    return crop


def test_the_ink_layer_is_cut_as_from_the_whole_pages_hues(page) -> None:
    image = Image.fromarray(_sealed(page))
    w, h = image.size
    for read_apart in ((), (Box(w // 3, h // 2, w, h),), (Box(0, 0, w, h // 4),)):
        layer = coloured_ink.ink_layer(image, read_apart)
        plain = _ink_layer_plain(image, read_apart)
        assert layer is not None and plain is not None
        assert np.array_equal(np.asarray(layer.image), plain), read_apart


def test_colour_is_judged_as_on_a_resized_array(page) -> None:
    """``clean.has_colour`` on Pillow's 4 × 4 block averages decides as the array resized by
    OpenCV did, on every degradation of a page and on the page with a seal and signature."""

    def plain(image: Image.Image) -> bool:
        arr = np.asarray(image)
        small = cv2.resize(
            arr, (arr.shape[1] // 4, arr.shape[0] // 4), interpolation=cv2.INTER_AREA
        )
        share = np.count_nonzero(clean.chroma(small) > clean._CHROMA_FLOOR) / small[..., 0].size
        return bool(share > clean._COLOUR_PIXEL_SHARE)

    images = [Image.fromarray(_sealed(page), "RGB")] + [
        degrade(page.image, 7105).convert("RGB") for degrade in pagegen.DEGRADATIONS.values()
    ]
    decisions = [clean.has_colour(image) for image in images]
    assert decisions == [plain(image) for image in images]
    assert decisions[0]  # the seal is colour
