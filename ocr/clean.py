"""Page cleaning: the small image operations between a raw scan and OCR.

Two images leave cleaning. The *page image* is what goes into the legal
digitised copy: only geometric fixes (quarter turns, deskew), speckle removal
and a global white balance, because that copy must match the paper (Circular
05/2025: colour as the original). The *OCR image* is for Tesseract only and is
bent freely: coloured ink (red seals) dropped, shadows flattened locally.
Both share one geometry, so word boxes found on the OCR image fit the page image.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

# A page is "coloured" when this share of its pixels is clearly chromatic. A red
# seal ring covers well over 0.1% of an A4 page; JPEG noise on grey paper stays
# under the chroma floor.
_CHROMA_FLOOR = 60
_COLOUR_PIXEL_SHARE = 0.0005

# Below this a deskew rotation would only blur the page for no gain.
MIN_DESKEW_DEGREES = 0.25

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


@dataclass(frozen=True, slots=True)
class LineStructure:
    """How strongly a page shows horizontal text lines, and at which tilt."""

    angle: float  # counter-clockwise degrees that make the lines horizontal
    strength: float  # variance of the detrended ink row profile at that angle
    strength_level: float  # the same without any rotation


_TREND = np.ones(41, np.float32) / 41


INK_LEVEL = 140
"""Grey below which a pixel of a flattened page is ink. Fixed, not Otsu's: on a nearly
empty page Otsu calls a shadow ink."""


def _ink_of(flat: np.ndarray, on: int = 1) -> np.ndarray:
    """Ink pixels (``on``, else 0) of a grey page whose background was flattened first, so
    that paper is white wherever it is lit or shaded."""
    _, ink = cv2.threshold(flat, INK_LEVEL, on, cv2.THRESH_BINARY_INV)
    return ink


def _ink_mask(gray: np.ndarray) -> np.ndarray:
    """~100 dpi ink mask: plenty to see text lines, cheap to rotate 60 times."""
    scale = 900.0 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return _ink_of(flatten_background(small))


def glyph_height(gray: np.ndarray) -> float | None:
    """Median height in pixels of the page's pieces of ink the size of letters, or None.

    Measured on the pixels, not on a reading: where text is too small to read, OCR's
    word boxes are as wrong as its words (lines merged into one box). Paper is evened
    out first and ink taken below a fixed level, as for the text lines; pieces taller
    than a twentieth of the page (rules, frames, photos) or far wider than tall (lines
    of touching letters, underlines) are not letters.
    """
    ink = _ink_of(flatten_background(gray), 255)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height, width = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    area = stats[1:, cv2.CC_STAT_AREA]
    letters = (
        (area >= 3) & (height >= 2) & (height <= gray.shape[0] / 20) & (width <= 4 * height + 4)
    )
    return float(np.median(height[letters])) if letters.any() else None


LINE_ART_MIN_SPAN = 0.2
"""Share of the page's larger side from which one connected piece of ink may be line art."""

LINE_ART_MAX_FILL = 0.15
"""… when it fills less than this share of its bounding box: a frame, a table's grid, a
page border. Letters are small; a line of letters run together on a blurred photo is
long but dense."""


ART_AGREES = 1.0
"""Degrees within which the text's own tilt confirms the tilt measured with the line
art: then the latter stands (a table's rules measure a page's tilt most precisely)."""


def _text_skew(ink: np.ndarray, measured: LineStructure, max_angle: float = 15.0) -> float:
    """The page's deskew angle, checked against its text alone.

    A certification stamp's frame pressed 5° askew is one long straight outline;
    on a page of few lines its sides outweigh the text in the projection
    profiles, and the page was turned to the stamp's angle instead of its own.
    Where the text alone disagrees by more than ``ART_AGREES``, the text wins.
    """
    skew = _skew_of(measured)
    text = _without_line_art(ink)
    if text is ink:
        return skew
    text_skew = _skew_of(line_structure(text, max_angle))
    return skew if abs(skew - text_skew) <= ART_AGREES else text_skew


def _without_line_art(ink: np.ndarray) -> np.ndarray:
    """The ink mask without frames and grids (itself when it has none)."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    fill = stats[:, cv2.CC_STAT_AREA] / np.maximum(1, width * height)
    art = (np.maximum(width, height) > LINE_ART_MIN_SPAN * max(ink.shape)) & (
        fill < LINE_ART_MAX_FILL
    )
    art[0] = False
    if not art.any():
        return ink
    return np.where(art[labels], 0, ink).astype(ink.dtype)


def line_structure(ink: np.ndarray, max_angle: float = 15.0, refine: bool = True) -> LineStructure:
    """Projection profiles: at the right angle, lines and gaps make row sums swing hardest.

    A coarse 1° sweep then (``refine``) a 0.1° refinement, on a padded square so
    no ink is cut off at any angle.

    The mask (0 and 1) is turned as bytes: nearest-neighbour turning only moves values,
    so the row sums (whole numbers, exact in float32 in any order of addition) are the
    very numbers a float32 canvas gave, while a byte canvas turns three times faster
    and OpenCV sums its rows ten times faster than numpy (this sweep was most of the
    orientation stage: ~80 turns a page).
    """
    side = int(np.hypot(*ink.shape)) + 2
    pad_y, pad_x = (side - ink.shape[0]) // 2, (side - ink.shape[1]) // 2
    canvas = np.zeros((side, side), np.uint8)
    canvas[pad_y : pad_y + ink.shape[0], pad_x : pad_x + ink.shape[1]] = ink
    centre = (side / 2.0, side / 2.0)

    def score(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rotated = cv2.warpAffine(canvas, matrix, (side, side), flags=cv2.INTER_NEAREST)
        profile = cv2.reduce(rotated, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32F).ravel()
        # Lines repeat every ~15 rows here; shadows and dark borders are broad.
        # Subtracting a moving average keeps the former and drops the latter.
        return float(np.var(profile - np.convolve(profile, _TREND, mode="same")))

    coarse = {round(a, 1): score(a) for a in np.arange(-max_angle, max_angle + 0.5, 1.0)}
    best = max(coarse, key=coarse.__getitem__)
    if not refine:
        return LineStructure(angle=float(best), strength=coarse[best], strength_level=coarse[0.0])
    fine = {round(a, 2): score(a) for a in np.arange(best - 1.0, best + 1.01, 0.1)}
    best = max(fine, key=fine.__getitem__)
    return LineStructure(angle=float(best), strength=fine[best], strength_level=coarse[0.0])


def _skew_of(found: LineStructure) -> float:
    """Pages where turning barely helps come back as 0 rather than a guess."""
    if found.strength < 1.05 * found.strength_level and abs(found.angle) > 0.3:
        return 0.0
    return round(found.angle, 2)


def estimate_skew(gray: np.ndarray, max_angle: float = 15.0) -> float:
    """Counter-clockwise rotation in degrees that makes text lines horizontal."""
    ink = _ink_mask(gray)
    if ink.mean() < 0.002:
        return 0.0
    return _text_skew(ink, line_structure(ink, max_angle), max_angle)


@dataclass(frozen=True, slots=True)
class TextLines:
    sideways: bool  # lines run up and down: the page needs a quarter turn
    skew: float  # deskew angle, meaningful when not sideways


def find_text_lines(gray: np.ndarray) -> TextLines:
    """Line direction and tilt in one pass over one ink mask.

    Comparing the line structure of the page with that of its transpose costs a
    tenth of Tesseract's orientation detection, so OSD is only asked about pages
    that need it. A wrong "upright" here is caught later by low OCR confidence.
    """
    ink = _ink_mask(gray)
    if ink.mean() < 0.002:
        return TextLines(sideways=False, skew=0.0)
    across = line_structure(ink)
    down = line_structure(np.ascontiguousarray(ink.T), refine=False)
    return TextLines(sideways=down.strength > 1.3 * across.strength, skew=_text_skew(ink, across))


UPSIDE_DOWN_DPI_SIDE = 1800
"""Pixels of the larger side the page is looked at for its lines' shape (~200 dpi on A4):
tone marks are still apart from their letters."""

UPSIDE_DOWN_RATIO = 0.6
"""Ink above the lines' cores over ink below them, under which a page is upside down.
Vietnamese print has tone marks and capitals above nearly every word and few descenders
below: the benchmark's upright pages measure 1.5-3.1 and its turned ones 0.35-0.40;
bilingual papers of the unseen families (English lines in italics) come down to 0.74
upright, and their turned pages are not told (1.28): those stay with the reading's own
test."""

UPSIDE_DOWN_LINE_SHARE = 0.75
"""… and this share of its lines must each say so: a noisy page's few merged bands, or
one heavy block of underlined cells, must not outvote the rest."""

UPSIDE_DOWN_MIN_LINES = 5
"""Lines a page must have for their shape to say anything (a card's few lines do not)."""


def upside_down(gray: np.ndarray, skew: float) -> bool:
    """Is the level page (once turned by ``skew``) upside down?

    Tesseract reads a page turned half round as garbage, and finding out from the
    reading costs a whole reading (~1.4 s). The shape of the lines tells it for ~30 ms
    (a 300 dpi A4 page: reduction, flattening and line-art removal ~9 ms each).
    Only a guess: a page read badly in the turn chosen is still read in the others.
    """
    return head_first(gray, skew) is True


def head_first(gray: np.ndarray, skew: float) -> bool | None:
    """Do the level page's lines (once turned by ``skew``) stand head first, upright, or
    can their shape not tell (``None``)?

    In each line the ink above its core (tone marks, capitals, ascenders) is weighed
    against the ink below (descenders). Head first needs the ink above under
    ``UPSIDE_DOWN_RATIO`` of the ink below; upright, the reverse (the ink below under
    that share of the ink above): between the two, or with too few lines or lines that
    disagree, the shape says nothing and the caller asks Tesseract.
    """
    scale = min(1.0, UPSIDE_DOWN_DPI_SIDE / max(gray.shape))
    small = flatten_background(
        cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    )
    if abs(skew) >= MIN_DESKEW_DEGREES:
        # The grey is turned, not the mask: a turned mask's jagged strokes smear the
        # lines' profile (a page 4° askew measured 0.62 turned, against 0.44 level).
        small = turn_about_centre(small, skew)
    ink = _without_line_art(_ink_of(small))
    profile = cv2.reduce(ink, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32F).ravel()
    inked = np.concatenate(([False], profile > 0.002 * ink.shape[1], [False]))
    edges = np.flatnonzero(np.diff(inked.astype(np.int8)))
    above = below = 0.0
    lines = turned = level = 0
    for top, bottom in zip(edges[::2], edges[1::2], strict=True):
        band = profile[top:bottom]
        if len(band) < 5:  # a rule, a speck: no line of text
            continue
        core = np.flatnonzero(band >= 0.5 * band.max())
        line_above, line_below = float(band[: core[0]].sum()), float(band[core[-1] + 1 :].sum())
        above, below = above + line_above, below + line_below
        lines += 1
        turned += line_below > line_above
        level += line_above > line_below
    if lines < UPSIDE_DOWN_MIN_LINES:
        return None
    if turned >= UPSIDE_DOWN_LINE_SHARE * lines and (above + 1) / (below + 1) < UPSIDE_DOWN_RATIO:
        return True
    if level >= UPSIDE_DOWN_LINE_SHARE * lines and (below + 1) / (above + 1) < UPSIDE_DOWN_RATIO:
        return False
    return None


COLOURED_INK_SHARE = 0.001
"""Share of a page's pixels the coloured-ink dropout must change before the black print's
lines are measured apart: a seal, a stamp or a coloured title, not a few tinted specks."""


def black_print_lines(image: Image.Image, gray: np.ndarray) -> TextLines:
    """``find_text_lines`` of the page, or of its black print alone where coloured ink
    changes the answer (by more than ``ART_AGREES`` or by the lines' direction).

    A stamp pressed 3° askew on a page of few lines (a photocopied card) sets the page's
    tilt to its own and can make its lines look sideways. Where the two agree, the whole
    page's measure stands: a tenth of a degree moves Tesseract's columns on some layouts.
    """
    lines = find_text_lines(gray)
    black = _black_print(image, gray)
    if black is None:
        return lines
    alone = find_text_lines(black)
    if alone.sideways != lines.sideways or abs(alone.skew - lines.skew) > ART_AGREES:
        return alone
    return lines


def black_print_skew(image: Image.Image, gray: np.ndarray | None = None) -> float:
    """``estimate_skew`` of the page, or of its black print alone where coloured ink
    changes it by more than ``ART_AGREES`` (as :func:`black_print_lines`). ``gray`` is
    the page's ``to_gray`` when the caller already has it."""
    gray = to_gray(image) if gray is None else gray
    skew = estimate_skew(gray)
    black = _black_print(image, gray)
    if black is None:
        return skew
    alone = estimate_skew(black)
    return alone if abs(alone - skew) > ART_AGREES else skew


INK_SAMPLE_STEP = 4
"""Every this many rows and columns are looked at first for coloured ink: a sixteenth of
the page tells a page with none (most scans kept in colour) without the full dropout
(~25 ms at 300 dpi), and a stamp spans hundreds of such samples."""


def _black_print(image: Image.Image, gray: np.ndarray) -> np.ndarray | None:
    """The page with its coloured ink faded to paper, or None when it has next to none."""
    if image.mode != "RGB":
        return None
    # Nearest-neighbour: the pixels themselves (averaging would pale thin strokes).
    size = (max(1, image.width // INK_SAMPLE_STEP), max(1, image.height // INK_SAMPLE_STEP))
    sample = chroma(np.asarray(image.resize(size, Image.Resampling.NEAREST)))
    # A quarter of the share that decides below: the sample's count is an estimate.
    if np.count_nonzero(sample > _INK_CHROMA) <= COLOURED_INK_SHARE / 4 * sample.size:
        return None
    black = drop_coloured_ink(image)
    changed = np.count_nonzero(cv2.compare(black, gray, cv2.CMP_NE))
    return black if changed > COLOURED_INK_SHARE * gray.size else None


def rotate_small_angle(image: Image.Image, degrees: float) -> Image.Image:
    """Deskew by rotating about the centre, same size, corners filled with paper.

    OpenCV's bilinear warp: ten times faster than Pillow's bicubic on a 300 dpi
    page, and indistinguishable at these angles once the page is JPEG-encoded.
    """
    if abs(degrees) < MIN_DESKEW_DEGREES:
        return image
    arr = np.asarray(image)
    return Image.fromarray(turn_about_centre(arr, degrees, paper_colour(arr)), mode=image.mode)


def turn_about_centre(
    arr: np.ndarray, degrees: float, fill: float | tuple[float, ...] = 255
) -> np.ndarray:
    """``arr`` turned ``degrees`` counter-clockwise about its centre, same size, bilinear,
    the corners it uncovers filled with ``fill`` (paper)."""
    h, w = arr.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), degrees, 1.0)
    return cv2.warpAffine(
        arr,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )


def _sample(arr: np.ndarray) -> np.ndarray:
    """Every 4th pixel each way: page-level statistics need no more."""
    return arr[::4, ::4]


def paper_colour(arr: np.ndarray) -> tuple[int, ...]:
    """The brightest common colour, per channel (95th percentile of a sample)."""
    sample = _sample(arr)
    if sample.ndim == 2:
        return (int(np.percentile(sample, 95)),)
    return tuple(int(v) for v in np.percentile(sample.reshape(-1, sample.shape[2]), 95, axis=0))


def speckle_share(gray: np.ndarray) -> float:
    diff = cv2.absdiff(gray, cv2.medianBlur(gray, 3))
    return float(np.count_nonzero(diff > _SPECKLE_DIFF)) / diff.size


SPECK_MAX_AREA = 4
"""Pixels of a dark blob that is a speck, not a letter's part (an ``i``'s dot at
200 dpi is about 9)."""

SPECK_GREY = 200
"""Grey level under which a pixel counts as marked: a photocopier's or a phone's
grey dust is light, far from the black of print, and still misleads Tesseract's
own thresholding."""

SPECKS_PER_MEGAPIXEL = 1600
"""Above this many specks a page is dusted. Clean pages of the unseen layout
families measured up to 1,420 (broken strokes of faint print count too), the
OCR bench's pages none; dusted photocopies 1,880 to 8,800. A faint page taken
for dusty loses little: the 3x3 median keeps 200 dpi strokes, and one such page
(5,050) read better for it."""


def speck_density(gray: np.ndarray) -> float:
    """Dark blobs of at most ``SPECK_MAX_AREA`` pixels per megapixel.

    Only the blobs' areas are needed: labels alone and a count of the marked pixels per
    label cost a third of OpenCV's full statistics (boxes, centroids) on a 300 dpi page.
    """
    _, marked = cv2.threshold(gray, SPECK_GREY - 1, 1, cv2.THRESH_BINARY_INV)
    count, labels = cv2.connectedComponents(marked, connectivity=8)
    area = np.bincount(labels[labels > 0], minlength=count)
    specks = int(np.count_nonzero(area[1:] <= SPECK_MAX_AREA))
    return specks * 1e6 / max(1, gray.size)


def has_speckles(gray: np.ndarray) -> bool:
    """Salt and pepper (pixels far from their neighbours), or a dusting of light specks
    (many tiny blobs) that the first test misses because each speck is faint."""
    return bool(speckle_share(gray) > _SPECKLE_SHARE or speck_density(gray) > SPECKS_PER_MEGAPIXEL)


def remove_speckles(image: Image.Image) -> Image.Image:
    arr = np.asarray(image)
    return Image.fromarray(cv2.medianBlur(arr, 3), mode=image.mode)


def white_balance(image: Image.Image) -> Image.Image:
    """Scale each channel so the paper is white: global, so photos keep their tones."""
    white = paper_colour(np.asarray(image))
    # Only lift, and not beyond 1.6x: a page that is already white is left
    # exactly as it is, and a dark photo is not blown out.
    gains = [min(max(255.0 / max(v, 1), 1.0), 1.6) for v in white]
    if all(g == 1.0 for g in gains):
        return image
    lut: list[int] = []
    for gain in gains:
        lut += [min(255, round(v * gain)) for v in range(256)]
    return image.point(lut)


def _max_min(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r, g, b = cv2.split(rgb)
    return cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b)


def chroma(rgb: np.ndarray) -> np.ndarray:
    brightest, darkest = _max_min(rgb)
    return cv2.subtract(brightest, darkest)


def has_colour(image: Image.Image) -> bool:
    """Judged on a quarter-resolution copy: a seal or a photo is far bigger than that.

    Pillow averages the 4 × 4 blocks itself (``reduce``): a third of the time of copying the
    page into an array and resizing it there (24 against 77 ms on an A4 page at 300 dpi)."""
    if image.mode != "RGB":
        return False
    small = np.asarray(image.reduce(4))
    share = np.count_nonzero(chroma(small) > _CHROMA_FLOOR) / (small.shape[0] * small.shape[1])
    return bool(share > _COLOUR_PIXEL_SHARE)


_INK_CHROMA = 40
"""Channel spread (brightest − darkest) from which a pixel is coloured ink to drop."""


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
    brightest, darkest = _max_min(rgb)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    coloured = cv2.subtract(brightest, darkest) > _INK_CHROMA
    np.copyto(gray, brightest, where=coloured)
    return gray


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
    # Grey and background are both bytes: one lookup per pixel in the table of every
    # (background, grey) pair, rather than float arithmetic over the full page. Plain
    # indexing, not ``np.take`` (which checks every index): 13 against 21 ms a page.
    index = background.astype(np.uint16)
    index <<= 8
    index |= gray
    return _FLATTENED[index]


def _flattened_table() -> np.ndarray:
    """``_FLATTENED[background << 8 | grey]``: the grey lifted so the background is white,
    computed in float32 as a whole page once was (grey × 255 / background, truncated)."""
    background = np.maximum(np.arange(256), 1).astype(np.float32)
    grey = np.arange(256, dtype=np.float32)
    flat = grey[None, :] * (255.0 / background)[:, None]
    return np.clip(flat, 0, 255).astype(np.uint8).ravel()


_FLATTENED = _flattened_table()


# Dotted leaders (``Họ và tên: ..........``) are on nearly every Vietnamese form, and a
# value typed or written over them is read by Tesseract as a line of garbage, label and
# value with it. A leader is a run of tiny dots on one baseline at a regular pitch; the
# dots of letters (the dot of ``i``, the ``nặng`` tone mark under ``ạ``, ``ệ``) stand alone
# or a letter apart, never eight in a row a few pixels apart.
DOT_MAX_INCHES = 0.03
"""A leader dot's largest side (9 px at 300 dpi); letters' own dots are as small, so
size alone never decides."""
LEADER_MIN_DOTS = 8
"""Dots in a row that make a leader."""
LEADER_MAX_PITCH = 6.0
"""Most distance between two dots of one leader, in dot widths (centre to centre)."""
LEADER_BASELINE = 0.25
"""Largest difference in height between dots of one leader, in dot heights (+1 px)."""


def remove_dotted_leaders(gray: np.ndarray, dpi: float) -> np.ndarray:
    """The grey page with every dotted leader turned to paper; nothing else touched."""
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    largest = max(2, round(DOT_MAX_INCHES * dpi))
    width, height, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, 4]
    small = np.flatnonzero(
        (width <= largest) & (height <= largest) & (area >= 1) & (np.arange(count) > 0)
    )
    if len(small) < LEADER_MIN_DOTS:
        return gray
    order = small[np.lexsort((centroids[small, 0], np.round(centroids[small, 1] / largest)))]
    leaders: list[int] = []
    run: list[int] = [order[0]]
    for index in order[1:]:
        last = run[-1]
        pitch = centroids[index, 0] - centroids[last, 0]
        same_line = abs(centroids[index, 1] - centroids[last, 1]) <= (
            LEADER_BASELINE * max(height[last], height[index]) + 1
        )
        if same_line and 0 < pitch <= LEADER_MAX_PITCH * max(width[last], width[index], 2):
            run.append(index)
            continue
        if len(run) >= LEADER_MIN_DOTS:
            leaders += run
        run = [index]
    if len(run) >= LEADER_MIN_DOTS:
        leaders += run
    if not leaders:
        return gray
    # A table of labels, not ``np.isin`` over every pixel's label (which sorts them).
    is_leader = np.zeros(count, bool)
    is_leader[leaders] = True
    cleaned = gray.copy()
    cleaned[is_leader[labels]] = 255
    return cleaned
