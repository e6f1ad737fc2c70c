"""Black print and coloured ink, told apart.

An original and its certified copy are compared on black (and dark grey) print
only: the copy legitimately carries a red seal, a blue signature and the
attestation stamp that the original lacks. The brightest of the three channels
separates the two: black print is dark in every channel, also where a red seal
is stamped over it, while red or blue ink is bright in at least one channel.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from ocr import clean

# Chroma (max - min channel) above which a pixel is coloured ink; JPEG noise on
# grey paper stays well below it (ocr.clean uses 40–60 for the same purpose).
_CHROMA_INK = 50
_CHROMA_WEAK = 18
_SATURATION_PERCENT = 15
# A coloured pixel whose darkest channel is above this is a background tint
# (the pink guilloche of a land title), not ink.
_TINT_MIN = 180
# The flattened brightest channel is ink below this, but Otsu may move it
# between the bounds (a soft, blurred copy has lighter strokes).
_INK_DEFAULT = 150
_INK_MIN, _INK_MAX = 110, 190
# The faint level lies this share of the way from the ink threshold to white.
_FAINT_SHARE = 0.6


def plain(image: Image.Image) -> Image.Image:
    """8-bit grey or RGB: bi-level (CCITT) pages, palettes and alpha made ordinary."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("1", "I", "I;16", "F", "LA"):
        return image.convert("L")
    return image.convert("RGB")


def print_grey(image: Image.Image) -> np.ndarray:
    """Grey image of black print with coloured ink faded to paper and shadows divided out."""
    arr = np.asarray(plain(image))
    grey = arr if arr.ndim == 2 else _brightest(arr)
    return clean.flatten_background(np.ascontiguousarray(grey, dtype=np.uint8))


def _brightest(rgb: np.ndarray) -> np.ndarray:
    """Per-pixel maximum of R, G and B (OpenCV: several times faster than numpy's max)."""
    r, g, b = cv2.split(np.ascontiguousarray(rgb[..., :3]))
    return cv2.max(cv2.max(r, g), b)


def ink_threshold(grey: np.ndarray) -> int:
    """Otsu on the flattened page, clamped: an almost empty page has no bimodal histogram."""
    if grey.size == 0 or int(grey.min()) > _INK_MAX:
        return _INK_DEFAULT
    level, _ = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(min(max(level, _INK_MIN), _INK_MAX))


def black_ink(grey: np.ndarray, level: int | None = None) -> np.ndarray:
    """Boolean mask of black print on a :func:`print_grey` image."""
    return grey < (ink_threshold(grey) if level is None else level)


def faint_ink(grey: np.ndarray, level: int | None = None) -> np.ndarray:
    """Anything darker than paper: the lenient side of a two-level (hysteresis) test.

    A hairline rule or a thin serif may fade below the ink threshold in one scan
    and not the other; a mark only counts as missing when not even a trace of
    it is left. ``level`` is the page's ink threshold.
    """
    level = ink_threshold(grey) if level is None else level
    return grey < round(level + (255 - level) * _FAINT_SHARE)


def colour_ink(image: Image.Image) -> np.ndarray:
    """Boolean mask of coloured ink (seals, pen, stamps); all False on grey pages.

    Strongly coloured pixels, and also weakly coloured ones whose colour is a
    fair share of their ink: JPEG's halved colour resolution leaves a thin
    ballpoint line only faintly blue (``(108, 110, 148)``) and a purple stamp
    greyish (``(131, 127, 152)``), yet neither is print. Black print stays out,
    also when a photo left it a little warm (``(60, 55, 40)``): its colour is a
    small share of a lot of ink.
    """
    arr = np.asarray(plain(image))
    if arr.ndim == 2:
        return np.zeros(arr.shape, dtype=bool)
    rgb = np.ascontiguousarray(arr)
    chroma = clean.chroma(rgb).astype(np.int32)
    brightest = _brightest(rgb).astype(np.int32)
    darkest = brightest - chroma
    depth = 255 - darkest  # how much ink there is at all
    saturated = (chroma > _CHROMA_WEAK) & (chroma * 100 > _SATURATION_PERCENT * depth)
    # Ink is dark in at least one channel; a pastel background tint is not.
    return ((chroma > _CHROMA_INK) | saturated) & (brightest >= 60) & (darkest < _TINT_MIN)


def downscaled(mask_or_grey: np.ndarray, factor: float) -> np.ndarray:
    """Area-averaged resize, for the cheap page-level checks."""
    if abs(factor - 1.0) < 1e-6:
        return mask_or_grey
    h, w = mask_or_grey.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(mask_or_grey, size, interpolation=interpolation)


def disk(radius: int) -> np.ndarray:
    size = 2 * max(0, radius) + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
