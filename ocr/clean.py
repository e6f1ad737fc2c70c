"""Page cleaning: the small image operations between a raw scan and OCR.

Two images leave cleaning. The *page image* is what goes into the legal
digitised copy: only geometric fixes (quarter turns, deskew), speckle removal
and a global white balance, because that copy must match the paper (Circular
05/2025: colour as the original). The *OCR image* is for Tesseract only and is
bent freely: coloured ink (red seals) dropped, shadows flattened locally.
Both share one geometry, so word boxes found on the OCR image fit the page image.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# A page is "coloured" when this share of its pixels is clearly chromatic. A red
# seal ring covers well over 0.1% of an A4 page; JPEG noise on grey paper stays
# under the chroma floor.
_CHROMA_FLOOR = 60
_COLOUR_PIXEL_SHARE = 0.0005

# Salt-and-pepper shows up as isolated pixels that a 3x3 median removes; clean
# 200–400 dpi text loses almost nothing to it (strokes are wider than 1 px).
_SPECKLE_DIFF = 96
_SPECKLE_SHARE = 0.004


def to_gray(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"))


def rotate_quadrant(image: Image.Image, clockwise_degrees: int) -> Image.Image:
    """Lossless quarter turn: PIL rotates counter-clockwise, OSD speaks clockwise."""
    turns = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    transpose = turns.get(clockwise_degrees % 360)
    return image.transpose(transpose) if transpose is not None else image


def estimate_skew(gray: np.ndarray, max_angle: float = 15.0) -> float:
    """Counter-clockwise rotation in degrees that makes text lines horizontal.

    Projection profiles: rotated to the right angle, text lines and the gaps
    between them make row sums of ink swing hardest. Scored on a ~100 dpi ink
    mask, a coarse 1° sweep then a 0.1° refinement, so a page costs ~60 warps of
    a small image. Pages with too little text to judge come back as 0.
    """
    scale = 900.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, ink = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if ink.mean() < 0.002:
        return 0.0
    side = int(np.hypot(*ink.shape)) + 2
    pad_y, pad_x = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    canvas = np.zeros((side, side), np.float32)
    canvas[pad_y : pad_y + ink.shape[0], pad_x : pad_x + ink.shape[1]] = ink
    centre = (side / 2.0, side / 2.0)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(canvas, matrix, (side, side), flags=cv2.INTER_NEAREST)
        return float(np.var(rotated.sum(axis=1)))

    coarse = {a: score(a) for a in np.arange(-max_angle, max_angle + 0.5, 1.0)}
    best = max(coarse, key=coarse.get)
    fine = {a: score(a) for a in np.arange(best - 1.0, best + 1.01, 0.1)}
    best = max(fine, key=fine.get)
    if fine[best] < 1.05 * coarse.get(0.0, score(0.0)) and abs(best) > 0.3:
        # Barely better than leaving it: likely a page without real text lines.
        return 0.0
    return round(float(best), 2)


def rotate_small_angle(image: Image.Image, degrees: float) -> Image.Image:
    """Deskew by rotating about the centre, same size, corners filled with paper."""
    if abs(degrees) < 0.05:
        return image
    fill = paper_colour(image)
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


def paper_colour(image: Image.Image) -> int | tuple[int, ...]:
    """The brightest common colour: what to fill corners with after rotating."""
    arr = np.asarray(image)
    if arr.ndim == 2:
        return int(np.percentile(arr, 95))
    return tuple(int(np.percentile(arr[..., c], 95)) for c in range(arr.shape[2]))


def speckle_share(gray: np.ndarray) -> float:
    diff = cv2.absdiff(gray, cv2.medianBlur(gray, 3))
    return float(np.count_nonzero(diff > _SPECKLE_DIFF)) / diff.size


def has_speckles(gray: np.ndarray) -> bool:
    return speckle_share(gray) > _SPECKLE_SHARE


def remove_speckles(image: Image.Image) -> Image.Image:
    arr = np.asarray(image)
    return Image.fromarray(cv2.medianBlur(arr, 3), mode=image.mode)


def white_balance(image: Image.Image) -> Image.Image:
    """Scale each channel so the paper is white: global, so photos keep their tones."""
    arr = np.asarray(image).astype(np.float32)
    if arr.ndim == 2:
        white = max(np.percentile(arr, 95), 1.0)
    else:
        white = np.maximum(np.percentile(arr.reshape(-1, arr.shape[2]), 95, axis=0), 1.0)
    # Only lift: a page that is already white is left exactly as it is.
    gain = np.clip(255.0 / white, 1.0, 1.6)
    out = np.clip(arr * gain, 0, 255).astype(np.uint8)
    return Image.fromarray(out, mode=image.mode)


def chroma(rgb: np.ndarray) -> np.ndarray:
    return (rgb.max(axis=2).astype(np.int16) - rgb.min(axis=2)).astype(np.uint8)


def has_colour(image: Image.Image) -> bool:
    if image.mode != "RGB":
        return False
    share = np.count_nonzero(chroma(np.asarray(image)) > _CHROMA_FLOOR) / (
        image.width * image.height
    )
    return share > _COLOUR_PIXEL_SHARE


def drop_coloured_ink(image: Image.Image) -> np.ndarray:
    """Grey OCR image in which red and other light coloured ink fades to paper.

    Seals are red and sit on top of text. Taking the brightest channel makes red
    (and any light coloured) ink nearly as light as paper, while black print —
    dark in every channel, also where a seal is printed over it — stays dark.
    Plain grey pixels keep their ordinary luminance.
    """
    if image.mode != "RGB":
        return to_gray(image)
    rgb = np.asarray(image)
    gray = np.asarray(image.convert("L"))
    brightest = rgb.max(axis=2)
    return np.where(chroma(rgb) > 40, brightest, gray).astype(np.uint8)


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """Divide out shadows and uneven lighting, estimated at low resolution.

    The background is the page with the text removed: a max filter over a
    window wider than a stroke, smoothed, at 1/8 scale so it costs little.
    """
    h, w = gray.shape
    small = cv2.resize(gray, (max(1, w // 8), max(1, h // 8)), interpolation=cv2.INTER_AREA)
    background = cv2.dilate(small, np.ones((7, 7), np.uint8))
    background = cv2.GaussianBlur(background, (0, 0), sigmaX=6)
    background = cv2.resize(background, (w, h), interpolation=cv2.INTER_LINEAR)
    background = np.maximum(background, 1).astype(np.float32)
    flat = gray.astype(np.float32) * (255.0 / background)
    return np.clip(flat, 0, 255).astype(np.uint8)


def remove_faint_marks(gray: np.ndarray, level: int = 200) -> np.ndarray:
    """Paper-white anything lighter than ``level``: faded seal ink, stains, bleed."""
    out = gray.copy()
    out[out >= level] = 255
    return out
