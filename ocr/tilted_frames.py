"""Framed blocks pressed askew on a level page: a black certification stamp, read level.

The page is deskewed as a whole, by its body text. A rubber stamp is pressed by
hand at its own angle (3–10° is common), and when its ink is black, or the
paper is a photocopy that turned a red stamp grey, it is part of the black
print: Tesseract then meets lines tilted by several degrees, breaks them, or
takes the block for a picture and reads nothing of it. The certification
(``CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH``, ``Số chứng thực``, ``Quyển số``) is
lost, and a certified copy is taken for an original.

Such stamps have a frame: a rectangle whose long sides are straight lines at
the stamp's angle. This module finds pairs of long parallel lines tilted
against the level page, crops the block they enclose, turns it level, and
reads it once more; the words come back in the page's pixels, to be settled
against the black pass's reading of the same place (``coloured_ink.settle``).
The ink pass levels coloured stamps by itself (``coloured_ink.level_stamps``);
this is the same for black ones, where there is no colour to isolate the stamp
by, so the frame does it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image

from ocr import clean
from ocr.coloured_ink import (
    FADED_GREY,
    FADED_MAX_DARKEST,
    FADED_MIN_CHROMA,
    HUE_FAMILIES,
    Turn,
    covers,
    families,
    ink_mask,
    ink_strength,
)
from ocr.words import Box, Word, read_weight

FRAME_GREY = 170
"""Grey under which a pixel is print when lines are looked for (a grey stamp's frame
on a light photocopy is ~120–160)."""

MIN_SIDE_SHARE = 0.12
"""A frame's long side is at least this share of the page's width: a stamp is 4–8 cm
wide on a 21 cm page; underlines and signature strokes are mostly shorter."""

MIN_TILT = 0.8
"""Degrees from the page's level (its long rules, else the horizontal) from which a
framed block is read again. The page's deskew leaves its own rules within ~0.3°; a
stamp pressed 1° off already loses lines under a seal (a block Tesseract takes for a
picture)."""

PAGE_RULE_TILT = 0.6
"""Long lines within this many degrees of horizontal are the page's own rules (a
table, an underline): their median angle is the page's level."""

MAX_TILT = 15.0
"""Degrees beyond which a straight line is a signature stroke or a diagonal mark,
not a stamp's side (stamps are pressed within ~10° of level)."""

SAME_ANGLE = 0.7
"""Degrees two sides of one frame may differ by (Hough's step and a frame's own wobble)."""

MIN_HEIGHT_SHARE = 0.025
"""Two parallel sides closer than this share of the page's height are one thick line
(or a double rule), not a frame holding lines of text."""

MAX_HEIGHT_SHARE = 0.40
"""… and farther apart than this they belong to different things (a table's rules)."""

RULE_TOLERANCE = 0.01
"""Share of the page's height within which two detected lines are one rule."""

MIN_OVERLAP = 0.5
"""Share of the shorter side the two sides must overlap along their length."""

PAD_SHARE = 0.04
"""Blank added around the block before turning it, as a share of its larger side, so
that no corner is cut off by the turn."""

FRAME_LINE_BASE = 200_000
"""Line numbers the framed words use before merging, apart from the other passes'."""


@dataclass(frozen=True)
class _Side:
    x1: float
    y1: float
    x2: float
    y2: float
    degrees: float

    @property
    def length(self) -> float:
        return math.hypot(self.x2 - self.x1, self.y2 - self.y1)

    def y_at(self, x: float) -> float:
        """The side's height where it passes ``x`` (extended as a straight line)."""
        slope = (self.y2 - self.y1) / (self.x2 - self.x1)
        return self.y1 + slope * (x - self.x1)


DETECT_SIDE = 1200
"""Pixels of the larger side the page is looked at for frames: a side 4 cm long is still
~200 px, and the Hough transform costs a tenth of what it does at 300 dpi."""

DETECT_STEP = np.pi / 360
"""Hough's angle step (0.5°). Each side is fitted again on the full page, so the step only
has to find it: at 0.25° Hough cost twice as much (95 against 50 ms a page, 131 pages of
the bench and unseen families) for the same frames, within 0.1° and a few pixels."""

DETECT_COVER = 64
"""Grey (of 255) a reduced pixel must reach, as a share of print in it, to be print: a
2-pixel line reduced 2.5 times still shows."""


def _sides(gray: np.ndarray) -> list[_Side]:
    """Long, nearly horizontal straight lines (within ``MAX_TILT``), in the page's pixels.

    Found on the page reduced to ``DETECT_SIDE`` (cheap), then each fitted again to
    the full page's pixels along it: the reduced page thickens lines, and its angles
    are off by up to a degree, as much as a stamp's tilt.
    """
    # 255 where print (grey under FRAME_GREY), in one pass; ``_fitted`` reads it as a mask.
    _, print_mask = cv2.threshold(gray, FRAME_GREY - 1, 255, cv2.THRESH_BINARY_INV)
    scale = min(1.0, DETECT_SIDE / max(gray.shape))
    small = print_mask
    if scale < 1.0:
        small = cv2.resize(small, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        small = np.where(small >= DETECT_COVER, 255, 0).astype(np.uint8)
    # Print thicker than a rule (a shadowed region taken for print, a blur of noise) is
    # no side, and Hough's time grows with the print it is given: keep the thin part.
    solid = cv2.morphologyEx(small, cv2.MORPH_OPEN, np.ones((SOLID_REACH, 1), np.uint8))
    small = cv2.subtract(small, solid)
    width = small.shape[1]
    shortest = MIN_SIDE_SHARE * width
    found = cv2.HoughLinesP(
        small,
        1,
        DETECT_STEP,
        threshold=round(0.6 * shortest),
        minLineLength=round(shortest),
        maxLineGap=max(3, round(width / 400)),
    )
    sides = []
    for x1, y1, x2, y2 in found.reshape(-1, 4) if found is not None else ():
        if x2 == x1:
            continue
        if x2 < x1:
            x1, y1, x2, y2 = x2, y2, x1, y1
        if abs(math.degrees(math.atan2(y2 - y1, x2 - x1))) > MAX_TILT + 1:
            continue
        if _solid_bar(small, x1, y1, x2, y2):
            continue
        side = _fitted(print_mask, *(float(v) / scale for v in (x1, y1, x2, y2)))
        if side is not None and abs(side.degrees) <= MAX_TILT:
            sides.append(side)
    return sides


SOLID_REACH = 15
"""Reduced-page pixels of print one above another that make a region solid: a shadowed
part of the page taken for print, or a blur of noise (text lines are ~9 high)."""

BAR_REACH = 3
"""Reduced-page pixels above and below a segment looked at for print on both sides …"""

BAR_SHARE = 0.5
"""… along at least this share of it: a line of text (a bar on the reduced page), or a
noisy page's blur of print, not a rule. Only the segments left are fitted on the full
page, which cost 2–3 s a page when every text line of a noisy scan was fitted."""


def _solid_bar(small: np.ndarray, x1: int, y1: int, x2: int, y2: int) -> bool:
    """Is the reduced page's segment the middle of a thick bar rather than a thin line?"""
    count = max(2, int(x2 - x1) + 1)
    xs = np.linspace(x1, x2, count).round().astype(int)
    ys = np.linspace(y1, y2, count)
    last = small.shape[0] - 1

    def print_at(shift: int) -> np.ndarray:
        return small[np.clip((ys + shift).round().astype(int), 0, last), xs] > 0

    return float(np.mean(print_at(-BAR_REACH) & print_at(BAR_REACH))) >= BAR_SHARE


ROUGH_DEGREES = 1.5
"""How far the reduced page's angle of a line may be off: the band searched around it."""

FIT_BAND = 3.0
"""Pixels either side of the first fit that the second fit takes (a frame's stroke)."""

RULE_COVER = 0.7
"""Share of its length a frame's side is print along (a seal or a worn pad breaks it)."""

BESIDE_BAND = 10.0
"""Pixels from the line within which print beside it is counted …"""

RULE_BESIDE = 0.6
"""… and may be at most this share of the print on it: a line of text is not thin."""


def _fitted(mask: np.ndarray, x1: float, y1: float, x2: float, y2: float) -> _Side | None:
    """The straight line through the print along a rough segment: a wide band allowing
    for the rough angle, then a narrow one around the first fit (glyphs that touch the
    line weigh little there)."""
    height, width = mask.shape
    band = 4 + (x2 - x1) * math.tan(math.radians(ROUGH_DEGREES)) / 2
    left, right = max(0, int(x1)), min(width, int(x2) + 1)
    top = max(0, int(min(y1, y2) - band))
    bottom = min(height, int(max(y1, y2) + band) + 1)
    ys, xs = np.nonzero(mask[top:bottom, left:right])
    xs, ys = xs + left, ys + top
    slope, intercept = (y2 - y1) / (x2 - x1), y1 - (y2 - y1) / (x2 - x1) * x1
    for reach in (band, FIT_BAND):
        near = np.abs(ys - (slope * xs + intercept)) <= reach
        if np.count_nonzero(near) < 0.5 * (x2 - x1):
            return None
        slope, intercept = np.polyfit(xs[near], ys[near], 1)
    # A rule is thin and unbroken; a line of text (which the reduced page also shows
    # as a bar) has gaps between its letters and ink above and below its middle.
    offset = np.abs(ys - (slope * xs + intercept))
    on_line = offset <= FIT_BAND
    covered = len(np.unique(xs[on_line])) / max(1.0, x2 - x1)
    beside = np.count_nonzero((offset > FIT_BAND + 1) & (offset <= BESIDE_BAND))
    if covered < RULE_COVER or beside > RULE_BESIDE * np.count_nonzero(on_line):
        return None
    degrees = math.degrees(math.atan(slope))
    return _Side(x1, float(slope * x1 + intercept), x2, float(slope * x2 + intercept), degrees)


def _level(sides: list[_Side]) -> float:
    """The page's level: the median angle of its own long rules, 0 without any."""
    rules = [s.degrees for s in sides if abs(s.degrees) < PAGE_RULE_TILT]
    return float(np.median(rules)) if rules else 0.0


@dataclass
class _Frame:
    left: float
    top: float
    right: float
    bottom: float
    degrees: float
    rules: list[float]  # where its sides cross the page's middle, one per detection
    sides: list[_Side]

    def overlaps(self, other: _Frame) -> bool:
        return (
            self.left <= other.right
            and other.left <= self.right
            and self.top <= other.bottom
            and other.top <= self.bottom
        )

    def absorb(self, other: _Frame) -> None:
        weight = len(self.rules) / (len(self.rules) + len(other.rules))
        self.degrees = weight * self.degrees + (1 - weight) * other.degrees
        self.left, self.top = min(self.left, other.left), min(self.top, other.top)
        self.right, self.bottom = max(self.right, other.right), max(self.bottom, other.bottom)
        self.rules += other.rules
        self.sides += other.sides


@dataclass(frozen=True)
class FramedBlock:
    """A framed block to read level: where, how far it is turned, and its ink."""

    turn: Turn
    ink: str | None  # the frame's ink colour (``HUE_FAMILIES``), None for black or grey
    top: _Side  # its upper and lower sides (as straight lines, however much was detected)
    bottom: _Side
    left: float  # how far its sides were seen to reach
    right: float

    def holds(self, box: Box) -> bool:
        """The box's centre lies inside the frame (between its sides, as tilted)."""
        x, y = (box.left + box.right) / 2, (box.top + box.bottom) / 2
        return self.left <= x <= self.right and self.top.y_at(x) < y < self.bottom.y_at(x)


def tilted_frames(gray: np.ndarray) -> list[_Frame]:
    """Frames of two parallel sides tilted against the level page (a grey image).

    Frames that overlap are one; a group of more than two parallel rules is a
    table seen in perspective, not a stamp, and is left to the page's pass.
    ``framed_blocks`` turns each into the padded block to read level.
    """
    height, width = gray.shape
    sides = _sides(gray)
    level = _level(sides)
    tilted = [s for s in sides if abs(s.degrees - level) >= MIN_TILT]
    frames: list[_Frame] = []
    for i, a in enumerate(tilted):
        for b in tilted[i + 1 :]:
            if abs(a.degrees - b.degrees) > SAME_ANGLE:
                continue
            left, right = max(a.x1, b.x1), min(a.x2, b.x2)
            if right - left < MIN_OVERLAP * min(a.x2 - a.x1, b.x2 - b.x1):
                continue
            middle = (left + right) / 2
            gap = abs(a.y_at(middle) - b.y_at(middle))
            if not MIN_HEIGHT_SHARE * height <= gap <= MAX_HEIGHT_SHARE * height:
                continue
            xs, ys = (a.x1, a.x2, b.x1, b.x2), (a.y1, a.y2, b.y1, b.y2)
            rules = [a.y_at(width / 2), b.y_at(width / 2)]
            degrees = (a.degrees + b.degrees) / 2
            frames.append(_Frame(min(xs), min(ys), max(xs), max(ys), degrees, rules, [a, b]))
    return [f for f in _joined(frames) if _distinct(f.rules, RULE_TOLERANCE * height) <= 2]


def framed_blocks(rgb: np.ndarray) -> list[FramedBlock]:
    """Every tilted framed block of a level page (RGB), padded, with its frame's ink.

    Frames are looked for in every ink: a purple stamp pressed askew with a red
    seal over it is as lost to the coloured-ink pass (which measures the tilt of
    stamp and seal together) as a black one is to the page's pass.
    """
    height, width = rgb.shape[:2]
    blocks = []
    for frame in tilted_frames(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)):
        pad = PAD_SHARE * max(frame.right - frame.left, frame.bottom - frame.top)
        box = Box(
            max(0, round(frame.left - pad)),
            max(0, round(frame.top - pad)),
            min(width, round(frame.right + pad)),
            min(height, round(frame.bottom + pad)),
        )
        middle = (frame.left + frame.right) / 2
        top = min(frame.sides, key=lambda side: side.y_at(middle))
        bottom = max(frame.sides, key=lambda side: side.y_at(middle))
        ink = _frame_ink(rgb, frame.sides)
        turn = Turn(box, frame.degrees)
        blocks.append(FramedBlock(turn, ink, top, bottom, frame.left, frame.right))
    return blocks


FRAME_INK_SHARE = 0.5
"""Share of a frame's dark pixels that must be coloured ink for the frame to be coloured."""


STROKE_REACH = 3
"""Pixels either side of a fitted side where its stroke's core is looked for."""


def _frame_ink(rgb: np.ndarray, sides: list[_Side]) -> str | None:
    """The colour the frame is drawn in, from the pixels along its sides."""
    height, width = rgb.shape[:2]
    points = []
    for side in sides:
        steps = max(2, round(side.length / 4))
        for t in np.linspace(0.0, 1.0, steps):
            x = round(side.x1 + t * (side.x2 - side.x1))
            y = round(side.y1 + t * (side.y2 - side.y1))
            if 0 <= x < width and 0 <= y < height:
                points.append((y, x))
    if not points:
        return None
    ys, xs = np.array(points).T
    # The darkest pixel across the stroke at each point: the fitted line may run a pixel
    # beside a thin stroke's core, where a photocopied stamp's colour is faint.
    across = np.clip(ys[:, None] + np.arange(-STROKE_REACH, STROKE_REACH + 1), 0, height - 1)
    window = rgb[across, xs[:, None]]  # points × offsets × 3
    darkest = window.min(axis=2).argmin(axis=1)
    pixels = window[np.arange(len(xs)), darkest].reshape(-1, 1, 3).astype(np.int16)
    # A frame is one stroke: coloured as a worn pad's strokes are (``FADED_MIN_CHROMA``),
    # with no strong ink around to vouch for them as ``ink_mask`` wants.
    chroma = pixels.max(axis=2) - pixels.min(axis=2)
    inked = ((chroma >= FADED_MIN_CHROMA) & (pixels.min(axis=2) <= FADED_MAX_DARKEST)).ravel()
    pixels = pixels.astype(np.uint8)
    if inked.mean() < FRAME_INK_SHARE:
        return None
    kinds = families(pixels[inked.reshape(-1, 1)].reshape(-1, 1, 3)).ravel()
    return HUE_FAMILIES[int(np.bincount(kinds).argmax())][0]


def block_image(level: Image.Image, ink: str | None) -> Image.Image:
    """The grey image a framed block is read from: its black print (coloured ink dropped,
    so a red seal over a black stamp fades), or only the frame's own ink colour (so a
    red seal over a purple stamp is blank)."""
    if ink is None:
        return Image.fromarray(clean.flatten_background(clean.drop_coloured_ink(level)), "L")
    rgb = np.asarray(level)
    grey = ink_strength(rgb)
    inked = ink_mask(rgb)  # with the faded strokes of a worn pad, as the ink pass reads them
    grey[inked] = np.minimum(grey[inked], FADED_GREY)
    names = [name for name, _ in HUE_FAMILIES]
    grey[families(rgb) != names.index(ink)] = 255
    return Image.fromarray(grey, "L")


def _joined(frames: list[_Frame]) -> list[_Frame]:
    """Overlapping frames as one (a frame's sides pair up several times over)."""
    joined: list[_Frame] = []
    for frame in sorted(frames, key=lambda f: (f.top, f.left)):
        host = next((other for other in joined if other.overlaps(frame)), None)
        if host is None:
            joined.append(frame)
        else:
            host.absorb(frame)
    return joined


def _distinct(positions: list[float], tolerance: float) -> int:
    """How many separate rules the detected positions are."""
    count, last = 0, -math.inf
    for position in sorted(positions):
        if position - last > tolerance:
            count += 1
        last = position
    return count


@dataclass(frozen=True)
class FramedReading:
    """What was read inside one framed block, level, boxes in the page's pixels."""

    block: FramedBlock
    words: tuple[Word, ...]

    @property
    def weight(self) -> float:
        return read_weight(self.words)


def read_framed_words(
    image: Image.Image, recognise: Callable[[Image.Image], list[Word]]
) -> list[FramedReading]:
    """Every tilted framed block of the level page ``image``, read level.

    ``recognise`` reads a grey image of one block (dark print on white). Only
    words inside the frame are kept: the padding around it shows the page's
    own print, which the page's pass reads at its right angle.
    """
    if image.mode != "RGB":
        image = image.convert("RGB")
    readings = []
    for number, block in enumerate(framed_blocks(np.asarray(image))):
        box = block.turn.box
        crop = image.crop((box.left, box.top, box.right, box.bottom))
        level = crop.rotate(
            block.turn.degrees, resample=Image.Resampling.BICUBIC, fillcolor="white"
        )
        words = []
        for word in recognise(block_image(level, block.ink)):
            if not any(c.isalnum() for c in word.text):
                continue
            on_page = Box(
                word.box.left + box.left,
                word.box.top + box.top,
                word.box.right + box.left,
                word.box.bottom + box.top,
            )
            placed = block.turn.put_back(on_page)
            if block.holds(placed):
                line = FRAME_LINE_BASE + number * 1000 + word.line
                words.append(replace(word, box=placed, line=line, ink=block.ink))
        readings.append(FramedReading(block, tuple(words)))
    return readings


def swap_in(
    page: Sequence[Word], readings: Sequence[FramedReading]
) -> tuple[list[Word], list[Word], list[Box]]:
    """The page's words with each frame's inside replaced by its level reading: the page's
    words kept, the frames' words to add, and the blocks whose reading stands (the
    coloured-ink pass leaves those alone, and reads the others as usual).

    Word by word settling (``coloured_ink.settle``) would keep the page pass's
    broken pieces beside the level words; inside a frame one reading stands, the
    one that read more (``read_weight``): a frame found where nothing is tilted (a
    boxed paragraph on a photo in perspective) keeps the page's reading.
    """
    kept = list(page)
    added: list[Word] = []
    used: list[Box] = []
    for reading in readings:
        holds = reading.block.holds
        if reading.block.ink is None:
            inside = [w for w in kept if holds(w.box)]
            if read_weight(inside) >= reading.weight:
                continue
            kept = [w for w in kept if not holds(w.box)]
        else:
            # A coloured stamp is in the page's reading only as ghosts of its darkest
            # strokes, which give way; the black print inside its frame (a serial the
            # stamp was pressed over) stays.
            kept = [
                w
                for w in kept
                if not (holds(w.box) and any(covers(w.box, f.box) for f in reading.words))
            ]
        added += reading.words
        used.append(reading.block.turn.box)
    return kept, added, used
