"""Image difference: which marks one page has and the other lacks, in original pixels.

The copy is warped onto the original with the registration and both are
reduced to black print (:mod:`compare.ink`), so the seal and signature a
certified copy legitimately adds do not count; coloured ink is compared on its
own and reported separately as :class:`ColourMark`.

Two scans of one page never line up to the pixel: the fit is off by a pixel
here and there, a photocopy stretches a little unevenly, and blur or toner
make strokes a pixel thicker. So the page is cut into tiles that may each
shift by a couple of pixels to fit best, and a mark only counts as removed when
not even a faint trace of ink of the other page lies within a small tolerance
of it (and vice versa for added). What is left is cleaned of specks; the
result (:class:`InkDiff`) is grouped into regions by :mod:`compare.ink_regions`.

That page-wide pass is deliberately tolerant, which hides the one stroke that
turns a 6 into an 8. Text changes OCR reports are therefore looked at again
closely, on the same masks (:mod:`compare.word_pixels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from compare import ink
from compare.comparison_types import PageView, Registration
from compare.register import warp_to_original

# All lengths (px) and areas (pixel counts) are given at 200 dpi and scaled with
# the page's resolution.
_REFERENCE_DPI = 200.0
_TOLERANCE_PX = 2  # ink within this distance of ink on the other page is "the same"
_TILE_PX = 160  # local re-alignment tiles
_TILE_SEARCH_PX = 2  # how far a tile may shift
_SPECK_AREA = 8  # difference blobs smaller than this are noise
_EDGE_INCH = 0.12  # page edges (scanner borders, warp seams) are not compared
_BLIND_MARGIN_PX = 4  # black print this close to coloured ink is not judged
_HAIRLINE_PX = 2  # differences thinner than this are not marks
# A page "has colour" when this share of its pixels is coloured ink.
_COLOUR_SHARE = 0.0005


@dataclass(frozen=True)
class InkDiff:
    """Black-print masks of both pages in the original's pixels, and what differs.

    ``grey_copy`` is the copy warped onto the original; ``copy_ink`` is its ink
    further re-aligned tile by tile. ``compared`` is where both pages could be
    compared (inside both frames, away from the edges, outside ``blind``).
    ``blind`` is where black print cannot be judged: on and round coloured ink
    of either page (see :func:`_blind_zone`).
    """

    dpi: float
    grey_original: np.ndarray
    grey_copy: np.ndarray
    level_original: int
    level_copy: int
    original_ink: np.ndarray
    copy_ink: np.ndarray
    removed: np.ndarray
    added: np.ndarray
    compared: np.ndarray
    blind: np.ndarray
    colour_original: np.ndarray
    colour_copy: np.ndarray
    copy_rgb: np.ndarray  # the warped copy, for naming the colour of its marks
    original_rgb: np.ndarray
    colour_ignored: bool  # original coloured, copy grey (its seal photocopied grey)
    copy_ink_outside: int  # copy ink pixels that fall outside the original's frame

    @property
    def changed(self) -> np.ndarray:
        return self.removed | self.added

    def px(self, length: float) -> int:
        """A length given at 200 dpi, at this page's resolution."""
        return max(1, round(length * self.dpi / _REFERENCE_DPI))

    def area(self, pixels: float) -> int:
        """An area given at 200 dpi, at this page's resolution."""
        return max(1, round(pixels * (self.dpi / _REFERENCE_DPI) ** 2))


def _rgb(page: PageView) -> np.ndarray:
    return np.asarray(page.image.convert("RGB"))


def _has_colour(mask: np.ndarray) -> bool:
    return bool(mask.mean() > _COLOUR_SHARE)


def dilated(mask: np.ndarray, radius: int) -> np.ndarray:
    """``mask`` grown by ``radius`` px all round: what lies within that distance of it."""
    return cv2.dilate(mask.astype(np.uint8), ink.disk(radius)).astype(bool)


def print_trace(grey: np.ndarray, level: int, colour: np.ndarray) -> np.ndarray:
    """Any trace of print: faint ink, but not light coloured ink.

    Seal ink is lighter than print yet darker than paper, so it must not pass
    for a trace of print; print under a seal is as dark as ever (only its
    edges pick up a red tint), so dark coloured pixels still count.
    """
    return ink.faint_ink(grey, level) & ~(colour & (grey >= level))


def _blind_zone(colour_o: np.ndarray, colour_c: np.ndarray, scale: float) -> np.ndarray:
    """Where black print is not judged: on and round coloured ink of either page.

    A pen line crossing a seal prints black, a photocopied seal turns grey, and
    print under a seal loses its edges to the red: there the pixels cannot
    tell print from ink, so the text diff (OCR drops coloured ink) decides alone.
    """
    return dilated(colour_o | colour_c, max(2, round(_BLIND_MARGIN_PX * scale)))


def drop_hairlines(mask: np.ndarray, width: int) -> np.ndarray:
    """Differences thinner than ``width`` px removed (an opening with a square).

    Hairline rules one pixel thick survive one scan and vanish in the next
    (the pipeline's speckle filter removes them), which says nothing about
    the paper; real marks are strokes, several pixels thick.
    """
    if width < 2 or not mask.any():
        return mask
    kernel = np.ones((width, width), np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, kernel).astype(bool)


def ink_diff(original: PageView, copy: PageView, registration: Registration) -> InkDiff:
    """Compare the black print of both pages after laying the copy on the original."""
    dpi = original.dpi
    scale = dpi / _REFERENCE_DPI
    matrix = registration.array
    shape = (original.image.height, original.image.width)
    rgb_o = _rgb(original)
    rgb_c = warp_to_original(_rgb(copy), matrix, shape, (255, 255, 255))
    grey_o = ink.print_grey(original.image)
    grey_copy_own = ink.print_grey(copy.image)
    grey_c = warp_to_original(grey_copy_own, matrix, shape, 255)
    level_o, level_c = ink.ink_threshold(grey_o), ink.ink_threshold(grey_c)
    colour_o = ink.colour_ink(original.image)
    colour_c = warp_to_original(ink.colour_ink(copy.image).astype(np.uint8), matrix, shape, 0) > 0
    ink_o, ink_c = ink.black_ink(grey_o, level_o), ink.black_ink(grey_c, level_c)
    faint_o = print_trace(grey_o, level_o, colour_o)
    faint_c = print_trace(grey_c, level_c, colour_c)

    edge = max(2, round(_EDGE_INCH * dpi))
    inner = _inner(shape, edge)
    coverage = _copy_coverage(copy, matrix, shape, edge)
    blind = _blind_zone(colour_o, colour_c, scale)
    compared = coverage & inner & ~blind

    ink_c, faint_c = align_tiles(
        ink_o, ink_c, round(_TILE_PX * scale), round(_TILE_SEARCH_PX * scale), also=faint_c
    )
    tolerance = max(1, round(_TOLERANCE_PX * scale))
    speck = max(2, round(_SPECK_AREA * scale * scale))
    hairline = max(2, round(_HAIRLINE_PX * scale))
    # Original print the copy does not cover at all (cropped off) is removed too.
    removed = ink_o & ~dilated(faint_c, tolerance) & inner & ~blind
    added = ink_c & ~dilated(faint_o, tolerance) & compared
    removed, added = drop_hairlines(removed, hairline), drop_hairlines(added, hairline)
    return InkDiff(
        dpi=dpi,
        grey_original=grey_o,
        grey_copy=grey_c,
        level_original=level_o,
        level_copy=level_c,
        original_ink=ink_o,
        copy_ink=ink_c,
        removed=drop_specks(removed, speck),
        added=drop_specks(added, speck),
        compared=compared,
        blind=blind,
        colour_original=colour_o,
        colour_copy=colour_c,
        copy_rgb=rgb_c,
        original_rgb=rgb_o,
        colour_ignored=_has_colour(colour_o) and not _has_colour(colour_c),
        copy_ink_outside=_ink_outside(grey_copy_own, matrix, shape, edge),
    )


def _inner(shape: tuple[int, int], edge: int) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    mask[edge : shape[0] - edge, edge : shape[1] - edge] = True
    return mask


def _copy_coverage(
    copy: PageView, matrix: np.ndarray, shape: tuple[int, int], edge: int
) -> np.ndarray:
    """Where the copy's frame (less its edge band) lands on the original."""
    frame = _inner((copy.image.height, copy.image.width), edge).astype(np.uint8)
    return warp_to_original(frame, matrix, shape, 0) > 0


def _ink_outside(grey: np.ndarray, matrix: np.ndarray, shape: tuple[int, int], edge: int) -> int:
    """Copy print (``grey`` in the copy's own pixels) landing outside the original's page."""
    mask = ink.black_ink(grey) & _inner(grey.shape, edge)
    ys, xs = np.nonzero(mask)
    if xs.size == 0:
        return 0
    points = np.column_stack([xs, ys]).astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
    h, w = shape
    outside = (points[:, 0] < 0) | (points[:, 1] < 0) | (points[:, 0] >= w) | (points[:, 1] >= h)
    return int(outside.sum())


def align_tiles(
    reference: np.ndarray, moving: np.ndarray, tile: int, search: int, also: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``moving`` (and ``also`` with it) with each tile shifted up to ``search`` px to fit.

    Absorbs what one global similarity cannot: uneven photocopier stretch and
    the last pixel of registration error. Tiles with little ink on either side
    stay where the global transform put them.
    """
    if search < 1:
        return moving, also
    h, w = reference.shape
    ref = cv2.GaussianBlur(reference.astype(np.float32), (0, 0), 1.0)
    mov = cv2.GaussianBlur(moving.astype(np.float32), (0, 0), 1.0)
    mov_padded = cv2.copyMakeBorder(mov, search, search, search, search, cv2.BORDER_CONSTANT, 0)
    raw_padded, also_padded = np.pad(moving, search), np.pad(also, search)
    out, out_also = moving.copy(), also.copy()
    min_ink = max(8, tile // 4)
    for y0 in range(0, h, tile):
        for x0 in range(0, w, tile):
            y1, x1 = min(h, y0 + tile), min(w, x0 + tile)
            template = ref[y0:y1, x0:x1]
            window = mov_padded[y0 : y1 + 2 * search, x0 : x1 + 2 * search]
            if template.sum() < min_ink or window.sum() < min_ink:
                continue
            score = cv2.matchTemplate(window, template, cv2.TM_CCORR_NORMED)
            dy, dx = np.unravel_index(int(np.argmax(score)), score.shape)
            if score[dy, dx] <= score[search, search] + 1e-4:
                continue
            out[y0:y1, x0:x1] = raw_padded[y0 + dy : y1 + dy, x0 + dx : x1 + dx]
            out_also[y0:y1, x0:x1] = also_padded[y0 + dy : y1 + dy, x0 + dx : x1 + dx]
    return out, out_also


def drop_specks(mask: np.ndarray, min_pixels: int) -> np.ndarray:
    """Connected blobs smaller than ``min_pixels`` removed (dust, JPEG edges, noise)."""
    if not mask.any():
        return mask
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), 8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_pixels
    keep[0] = False
    return keep[labels]
