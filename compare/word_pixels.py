"""The close look at one text change: do the pixels of that word differ on the two pages?

The page-wide ink difference (:mod:`compare.imagediff`) tolerates two pixels
of play, which hides the one stroke that turns a 6 into an 8. So each change
OCR reports is looked at again in a window of its own, re-aligned on its own
and compared at one pixel of tolerance (:func:`word_evidence`); the engine
(:mod:`compare.engine`) judges the text change by what is found there.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from compare import ink
from compare.comparison_types import Box
from compare.imagediff import InkDiff, dilated, drop_specks, print_trace

# The close look at one text change: window margin, re-alignment reach,
# tolerance and speck size (at 200 dpi); too much of the window under
# coloured ink and the pixels are not asked.
_WORD_PAD_PX = 4
_WORD_SEARCH_PX = 3
_WORD_TOLERANCE_PX = 1
_WORD_SPECK_AREA = 3
_BLIND_SHARE = 0.2


@dataclass(frozen=True)
class WordEvidence:
    """The pixels of one text change compared closely, in a window of the original.

    ``pixels`` is ``None`` when much of the window lies under coloured ink
    (seal, signature): there the pixels cannot tell print from ink, and OCR
    alone must decide. Smaller blind parts are just left out of the count.
    """

    pixels: int | None
    window: Box
    removed: np.ndarray
    added: np.ndarray

    @property
    def changed_box(self) -> Box | None:
        """Extent of the differing pixels, in original pixels."""
        ys, xs = np.nonzero(self.removed | self.added)
        if xs.size == 0:
            return None
        w = self.window
        return Box(
            w.left + int(xs.min()),
            w.top + int(ys.min()),
            w.left + int(xs.max()) + 1,
            w.top + int(ys.max()) + 1,
        )


def word_evidence(diff: InkDiff, area: Box) -> WordEvidence:
    """Do the two pages' pixels differ inside ``area``? Checked closer than page-wide.

    The window is re-aligned on its own (whole-pixel shifts up to 3 px at 200
    dpi), which lines glyphs up exactly, so a one-pixel tolerance suffices and
    a single changed digit (6 -> 8 adds one short stroke) is seen.
    """
    h, w = diff.grey_original.shape
    pad, search = diff.px(_WORD_PAD_PX), diff.px(_WORD_SEARCH_PX)
    x0, y0 = max(0, area.left - pad), max(0, area.top - pad)
    x1, y1 = min(w, area.right + pad), min(h, area.bottom + pad)
    window = Box(x0, y0, max(x0, x1), max(y0, y1))
    empty = np.zeros((window.height, window.width), dtype=bool)
    if window.width == 0 or window.height == 0:
        return WordEvidence(0, window, empty, empty)
    if diff.blind[y0:y1, x0:x1].mean() > _BLIND_SHARE:
        return WordEvidence(None, window, empty, empty)
    grey_o = diff.grey_original[y0:y1, x0:x1]
    grey_c = np.pad(diff.grey_copy, search, constant_values=255)[
        y0 : y1 + 2 * search, x0 : x1 + 2 * search
    ]
    colour_c = np.pad(diff.colour_copy, search)[y0 : y1 + 2 * search, x0 : x1 + 2 * search]
    ink_o = ink.black_ink(grey_o, diff.level_original)
    faint_o = print_trace(grey_o, diff.level_original, diff.colour_original[y0:y1, x0:x1])
    ink_c = ink.black_ink(grey_c, diff.level_copy)
    faint_c = print_trace(grey_c, diff.level_copy, colour_c)
    dy, dx = _best_shift(ink_o, ink_c, search)
    ink_c = ink_c[dy : dy + window.height, dx : dx + window.width]
    faint_c = faint_c[dy : dy + window.height, dx : dx + window.width]
    tolerance = diff.px(_WORD_TOLERANCE_PX)
    speck = diff.area(_WORD_SPECK_AREA)
    blind = diff.blind[y0:y1, x0:x1]
    removed = drop_specks(ink_o & ~dilated(faint_c, tolerance) & ~blind, speck)
    added = drop_specks(ink_c & ~dilated(faint_o, tolerance) & ~blind, speck)
    return WordEvidence(int(removed.sum() + added.sum()), window, removed, added)


def _best_shift(reference: np.ndarray, moving: np.ndarray, search: int) -> tuple[int, int]:
    """Offset of ``reference`` inside the larger ``moving`` window where ink overlaps most."""
    centre = (search, search)
    if reference.sum() < 4 or moving.sum() < 4:
        return centre
    ref = cv2.GaussianBlur(reference.astype(np.float32), (0, 0), 1.0)
    mov = cv2.GaussianBlur(moving.astype(np.float32), (0, 0), 1.0)
    score = cv2.matchTemplate(mov, ref, cv2.TM_CCORR_NORMED)
    if not np.isfinite(score).all():
        return centre
    dy, dx = np.unravel_index(int(np.argmax(score)), score.shape)
    if score[dy, dx] <= score[centre] + 1e-4:
        return centre
    return int(dy), int(dx)
