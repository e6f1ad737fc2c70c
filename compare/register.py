"""Registration: the similarity transform that lays the copy on the original.

A copy is the same paper scanned again: shifted on the glass, turned a few
degrees, photocopied at 98 % or scanned at another resolution, with other noise
and maybe a seal and a signature on top. A similarity transform (shift, one
scale, rotation) covers all of that.

Two estimates are tried and the one whose ink agrees best wins:

* ORB features on the black print at ~150 dpi, matched with a ratio test and
  fitted with RANSAC (``cv2.estimateAffinePartial2D``). Text is full of
  repeated glyphs, but RANSAC keeps the consistent majority.
* The centres of words OCR read identically on both pages and only once on
  each, fitted the same way: independent of the image texture, so it rescues
  pages where features fail (very blurred or very sparse pages).

The quality measure does not trust either fit's own statistics: the copy's ink
is warped onto the original and the share of ink that lands near ink is
measured. A wrong transform cannot score well there.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from compare import ink
from compare.comparison_types import PageView, Registration
from ocr.words import Word

# Feature matching runs at this resolution (coarser scans are enlarged to it):
# finer costs time, coarser loses precision (at 150 dpi the fit lands within
# ~0.2 px at 200 dpi).
_FEATURE_DPI = 150.0
_ORB_FEATURES = 6000
_RATIO = 0.8
# Ink agreement is checked at this resolution with a one-pixel tolerance.
_CHECK_DPI = 75.0
# Below these the transform is not trusted and the verdict asks for a person.
MIN_INK_AGREEMENT = 0.85
MIN_INLIERS = 8
_SCALE_RANGE = (0.5, 2.0)  # copy size on paper relative to the original

_IDENTITY = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0))


@dataclass(frozen=True)
class _Fit:
    matrix: np.ndarray  # 2x3, copy -> original pixels
    method: str
    matches: int
    inliers: int
    residual_px: float


def register(original: PageView, copy: PageView) -> Registration:
    """Best transform copy -> original, with its quality; ``ok`` False when unusable."""
    grey_o = ink.print_grey(original.image)
    grey_c = ink.print_grey(copy.image)
    fits = [
        fit
        for fit in (
            _feature_fit(grey_o, grey_c, original.dpi, copy.dpi),
            _word_fit(original.words, copy.words, original.dpi),
        )
        if fit is not None
    ]
    if not fits:
        return Registration(_IDENTITY, "none", 0, 0, float("inf"), 0.0, ok=False)
    scored = [(ink_agreement(grey_o, grey_c, fit.matrix, original.dpi), fit) for fit in fits]
    agreement, best = max(scored, key=lambda pair: (pair[0], pair[1].inliers))
    # On paper, not in pixels: a 60 dpi photo of a 200 dpi scan is 3.3x in pixels.
    paper_scale = float(np.hypot(best.matrix[0, 0], best.matrix[1, 0])) * copy.dpi / original.dpi
    ok = (
        agreement >= MIN_INK_AGREEMENT
        and best.inliers >= MIN_INLIERS
        and _SCALE_RANGE[0] <= paper_scale <= _SCALE_RANGE[1]
    )
    matrix = tuple(tuple(float(v) for v in row) for row in best.matrix)
    return Registration(
        matrix=matrix,  # type: ignore[arg-type]
        method=best.method,  # type: ignore[arg-type]
        matches=best.matches,
        inliers=best.inliers,
        residual_px=best.residual_px,
        ink_agreement=agreement,
        ok=ok,
    )


def _scaling(factor: float) -> np.ndarray:
    return np.array([[factor, 0.0, 0.0], [0.0, factor, 0.0], [0.0, 0.0, 1.0]])


def _to_full(work: np.ndarray, f_original: float, f_copy: float) -> np.ndarray:
    """A transform found between downscaled images, in full-resolution pixels."""
    m = np.vstack([work, [0.0, 0.0, 1.0]])
    return (np.linalg.inv(_scaling(f_original)) @ m @ _scaling(f_copy))[:2]


def _robust_fit(
    src: np.ndarray, dst: np.ndarray, threshold: float
) -> tuple[np.ndarray, int, float]:
    """RANSAC similarity, then its inliers' median reprojection error."""
    matrix, inliers = cv2.estimateAffinePartial2D(
        src,
        dst,
        method=cv2.RANSAC,
        ransacReprojThreshold=threshold,
        maxIters=5000,
        confidence=0.999,
        refineIters=20,
    )
    if matrix is None or inliers is None:
        return np.array(_IDENTITY), 0, float("inf")
    keep = inliers.ravel().astype(bool)
    projected = src[keep] @ matrix[:, :2].T + matrix[:, 2]
    residual = float(np.median(np.linalg.norm(projected - dst[keep], axis=1))) if keep.any() else 0
    return matrix, int(keep.sum()), residual


def _feature_fit(grey_o: np.ndarray, grey_c: np.ndarray, dpi_o: float, dpi_c: float) -> _Fit | None:
    f_o, f_c = _FEATURE_DPI / dpi_o, _FEATURE_DPI / dpi_c
    small_o, small_c = ink.downscaled(grey_o, f_o), ink.downscaled(grey_c, f_c)
    orb = cv2.ORB_create(nfeatures=_ORB_FEATURES, fastThreshold=10)
    keys_o, desc_o = orb.detectAndCompute(small_o, None)
    keys_c, desc_c = orb.detectAndCompute(small_c, None)
    if desc_o is None or desc_c is None or len(keys_o) < 2 or len(keys_c) < 2:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(desc_c, desc_o, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < _RATIO * p[1].distance]
    if len(good) < 3:
        return None
    src = np.float32([keys_c[m.queryIdx].pt for m in good])
    dst = np.float32([keys_o[m.trainIdx].pt for m in good])
    work, inliers, residual = _robust_fit(src, dst, threshold=2.0)
    return _Fit(_to_full(work, f_o, f_c), "features", len(good), inliers, residual / f_o)


def _key(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if ch.isalnum())


def _centre(word: Word) -> tuple[float, float]:
    b = word.box
    return ((b.left + b.right) / 2.0, (b.top + b.bottom) / 2.0)


def _unique_words(words: Sequence[Word]) -> dict[str, Word]:
    """Words that occur once on the page, long enough not to be a stray match."""
    counts = Counter(_key(w.text) for w in words)
    return {_key(w.text): w for w in words if counts[_key(w.text)] == 1 and len(_key(w.text)) >= 3}


def _word_fit(original: Sequence[Word], copy: Sequence[Word], dpi_o: float) -> _Fit | None:
    unique_o, unique_c = _unique_words(original), _unique_words(copy)
    shared = sorted(unique_o.keys() & unique_c.keys())
    if len(shared) < 3:
        return None
    src = np.float32([_centre(unique_c[k]) for k in shared])
    dst = np.float32([_centre(unique_o[k]) for k in shared])
    # Box centres of one word wander by a few pixels between readings.
    matrix, inliers, residual = _robust_fit(src, dst, threshold=max(3.0, dpi_o / 50))
    return _Fit(matrix, "words", len(shared), inliers, residual)


def warp_to_original(
    image: np.ndarray, matrix: np.ndarray, shape: tuple[int, int], fill: int | tuple[int, ...]
) -> np.ndarray:
    """The copy resampled in the original's pixel grid."""
    height, width = shape
    return cv2.warpAffine(
        image,
        np.asarray(matrix, dtype=np.float64),
        (width, height),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )


def ink_agreement(grey_o: np.ndarray, grey_c: np.ndarray, matrix: np.ndarray, dpi: float) -> float:
    """Share of ink landing within a pixel (at 75 dpi) of ink on the other page.

    The better of the two directions: a copy with a line removed still covers
    the original's other ink, a copy with a stamp added is still covered by
    it, but a wrong transform fails both ways.
    """
    warped = warp_to_original(grey_c, matrix, grey_o.shape, 255)
    factor = min(1.0, _CHECK_DPI / dpi)
    ink_o = ink.downscaled(ink.black_ink(grey_o).astype(np.uint8) * 255, factor) > 64
    ink_c = ink.downscaled(ink.black_ink(warped).astype(np.uint8) * 255, factor) > 64
    total_o, total_c = int(ink_o.sum()), int(ink_c.sum())
    if not total_o or not total_c:
        return 0.0
    near_c = cv2.dilate(ink_c.astype(np.uint8), ink.disk(1)).astype(bool)
    near_o = cv2.dilate(ink_o.astype(np.uint8), ink.disk(1)).astype(bool)
    found_o = np.count_nonzero(ink_o & near_c) / total_o
    found_c = np.count_nonzero(ink_c & near_o) / total_c
    return float(max(found_o, found_c))
