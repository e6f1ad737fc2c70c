"""The coloured-ink layer: words printed or stamped in colour, read apart from the black print.

The OCR image drops coloured ink so that a red seal over a signature does not
spoil the black text under it (``clean.drop_coloured_ink``). But what is
printed or stamped in colour matters: the certification stamp (``CHỨNG THỰC
BẢN SAO ĐÚNG VỚI BẢN CHÍNH``, ``Số chứng thực``, ``Quyển số``) in red, purple
or blue, red titles of diplomas, red serial numbers. This module makes a
second OCR image of the coloured ink alone (dark on white, everything else
blank) and turns what Tesseract reads there into words tagged with their ink
colour, merged into the page's lines at their place on the paper, so the text
layer, search and the classifier see them like any other words.

Security paper (the green or pink guilloche of birth certificates) is coloured
too, but light: ink must be both saturated and dark (``INK_MIN_CHROMA``,
``INK_MAX_DARKEST``), so the background stays blank.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image
from rapidfuzz import fuzz

from ocr.clean import estimate_skew, turn_about_centre
from ocr.words import Box, Word

INK_MIN_CHROMA = 70
"""Brightest minus darkest channel: red stamp ink ~150, violet ~100, faded blue ~75;
guilloche security paper and a phone's colour cast stay under ~45."""

INK_MAX_DARKEST = 150
"""The darkest channel of an ink pixel: ink absorbs at least one colour strongly;
light coloured backgrounds (pale green, pink) keep every channel above ~170."""

RAMP_FROM = 25
"""Chroma where the grey ink image starts to darken (full ink at ``INK_MIN_CHROMA``)."""

MIN_INK_SHARE = 0.0004
"""Below this share of the page's pixels there is no coloured text to read
(a few coloured specks, a pen tick)."""

MAX_INK_SHARE = 0.20
"""Above it an ink colour is a picture (an ID card's printed background, a photo),
not text: that colour is left out of the ink layer."""

MIN_INK_CONFIDENCE = 45.0
"""Words read on the ink layer below this are the seal's ring and star, not text."""

MARGIN_PX = 12
"""Blank kept around the ink's bounding box: Tesseract needs a border to find lines."""

STAMP_MIN_TURN = 1.0
"""Degrees from which an ink region is turned level before it is read. A stamp is
pressed by hand at any angle (often 3–10°); Tesseract breaks a line tilted by more
than a degree or two into pieces, and the attestation opener is then lost."""

REGION_JOIN_PX = 41
"""Dilation that joins one stamp's lines (15–30 px apart at 200–300 dpi) into one
region, while a title and a stamp a hand's width apart stay two."""

LEVEL_INK_GREY = 160
"""Grey under which a pixel of the ink image is ink when regions are measured."""

REGION_MIN_INK = 300
"""Ink pixels below which a region is a speck, not worth measuring its tilt."""

INK_LINE_BASE = 100_000
"""Line numbers the ink pass uses before merging, apart from the black print's."""


@dataclass(frozen=True)
class InkLayer:
    """The coloured ink of a page as a black-on-white image, cropped to where it is."""

    image: Image.Image
    left: int
    top: int


FADED_MIN_CHROMA = 32
"""A faded or photocopied stamp pad (violet ink gone greyish) is this saturated in most
of its strokes, only here and there reaching ``INK_MIN_CHROMA``."""

FADED_MAX_DARKEST = 170
"""… and at least this dark in one channel: pale security paper stays above it."""

FADED_MAX_STROKE = 120
"""Pixels across (both ways) beyond which faded colour is an area, not a letter's stroke."""

FADED_GREY = 70
"""Grey a faded ink pixel gets at most in the ink image (``_ink_strength`` would make it
pale by its weak colour)."""

FADED_MIN_SEEDS = 40
"""Fully saturated pixels a region of faded ink must hold to be ink: a photo's colour
cast or the grey edges of black print hold none."""


FAINT_MIN_CHROMA = 16
"""Thin coloured strokes in a phone's JPEG: the picture keeps colour at half resolution
(4:2:0), so a regular-weight purple line of a stamp, one or two pixels wide, keeps only
15–40 of its chroma (median 26) while its bold lines keep 100. Beside strong ink of the
same colour, this much counts."""


def ink_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of saturated, dark coloured ink (bool), with the faded strokes around them.

    Strong ink (``INK_MIN_CHROMA``) seeds a region (ink joined by ``REGION_JOIN_PX``);
    in a region holding enough seeds, weaker coloured ink (``FADED_MIN_CHROMA``) counts
    too. Without it a faded violet stamp is read as a few broken letters: its strokes
    are colour enough to be dropped from the black print, not enough to be ink here.
    """
    r, g, b = cv2.split(rgb)
    brightest = cv2.max(cv2.max(r, g), b)
    darkest = cv2.min(cv2.min(r, g), b)
    chroma = cv2.subtract(brightest, darkest)
    strong = (chroma >= INK_MIN_CHROMA) & (darkest <= INK_MAX_DARKEST)
    if not strong.any():  # most pages: no faded stroke is looked at without a seed
        return strong
    faded = (chroma >= FADED_MIN_CHROMA) & (darkest <= FADED_MAX_DARKEST) & ~strong
    if not faded.any():
        return strong
    # Regions are found only around the coloured pixels (a seal and a signature are a few
    # per cent of a page): beyond ``REGION_JOIN_PX`` of them nothing joins, so the
    # regions, their seeds and the faded blobs are those of the whole page, found at a
    # fraction of the cost.
    x, y, w, h = cv2.boundingRect((strong | faded).view(np.uint8))
    reach = REGION_JOIN_PX // 2
    window = (
        slice(max(0, y - reach), min(rgb.shape[0], y + h + reach)),
        slice(max(0, x - reach), min(rgb.shape[1], x + w + reach)),
    )
    mask = strong.copy()
    mask[window] |= _faded_strokes(strong[window], faded[window])
    _add_faint_strokes(rgb, mask, chroma, darkest)
    return mask


def _add_faint_strokes(
    rgb: np.ndarray, mask: np.ndarray, chroma: np.ndarray, darkest: np.ndarray
) -> None:
    """Add to ``mask`` the dark pixels of weak colour (``FAINT_MIN_CHROMA``) in a region
    (joined by ``REGION_JOIN_PX``) that holds strong ink, where they share that ink's
    colour: the thin lines of a stamp whose colour a JPEG halved. Black print has no
    colour of its own, and a photo's colour cast is not the stamp's hue beside a stamp.
    """
    x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
    reach = REGION_JOIN_PX
    window = (
        slice(max(0, y - reach), min(rgb.shape[0], y + h + reach)),
        slice(max(0, x - reach), min(rgb.shape[1], x + w + reach)),
    )
    inked = mask[window]
    faint = (chroma[window] >= FAINT_MIN_CHROMA) & (darkest[window] <= INK_MAX_DARKEST) & ~inked
    if not faint.any():
        return
    joined = cv2.dilate(
        (inked | faint).view(np.uint8), np.ones((REGION_JOIN_PX, REGION_JOIN_PX), np.uint8)
    )
    count, labels = cv2.connectedComponents(joined)
    kinds = families(rgb[window])
    # Per region, its ink pixels of each colour: a faint pixel joins in a colour the region
    # holds as ink (a purple stamp under a red seal is one region of two colours).
    per_colour = np.bincount(
        labels[inked] * len(HUE_FAMILIES) + kinds[inked], minlength=count * len(HUE_FAMILIES)
    ).reshape(count, len(HUE_FAMILIES))
    held = per_colour >= FADED_MIN_SEEDS
    held[0] = False
    mask[window] |= faint & held[labels, kinds]


def _faded_strokes(strong: np.ndarray, faded: np.ndarray) -> np.ndarray:
    """The faded pixels (bool) that are strokes in a region holding enough strong ink."""
    # Strokes only: a large blob of faded colour is a shadow or the desk around a photo.
    _, labels, stats, _ = cv2.connectedComponentsWithStats(faded.astype(np.uint8))
    blob = (stats[:, cv2.CC_STAT_WIDTH] > FADED_MAX_STROKE) & (
        stats[:, cv2.CC_STAT_HEIGHT] > FADED_MAX_STROKE
    )
    blob[0] = False
    faded = faded & ~blob[labels]
    joined = cv2.dilate(
        (strong | faded).astype(np.uint8), np.ones((REGION_JOIN_PX, REGION_JOIN_PX), np.uint8)
    )
    count, labels = cv2.connectedComponents(joined)
    seeds = np.bincount(labels[strong], minlength=count)
    inked = seeds >= FADED_MIN_SEEDS
    inked[0] = False
    return faded & inked[labels]


HUE_FAMILIES = (
    ("red", ((0, 12), (160, 180))),
    ("purple", ((120, 160),)),
    ("blue", ((90, 120),)),
    ("green", ((35, 90),)),
    ("other", ((12, 35),)),
)
"""Ink colours by OpenCV hue (0–180): what stamps, titles and backgrounds are printed in."""


def _family_of_hue() -> np.ndarray:
    """``HUE_FAMILIES`` index of every 8-bit hue (a hue in no range counts as red)."""
    hue = np.arange(256)
    family = np.zeros(hue.shape, np.uint8)
    for index, (_, ranges) in enumerate(HUE_FAMILIES):
        for low, high in ranges:
            family[(hue >= low) & (hue < high)] = index
    return family


_FAMILY_OF_HUE = _family_of_hue()


def families(rgb: np.ndarray) -> np.ndarray:
    """Index into ``HUE_FAMILIES`` of every pixel's hue (one table lookup per pixel)."""
    hue = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)[..., 0]
    return _FAMILY_OF_HUE[hue]


def ink_layer(image: Image.Image, read_apart: Sequence[Box] = ()) -> InkLayer | None:
    """The page's coloured ink alone, or None when there is none to read.

    Judged per ink colour: an old ID card's blue-green guilloche covers the
    card (a picture, not text, and too much of it to read) while its title is
    red; the red is read and the guilloche left out.
    """
    if image.mode != "RGB":
        return None
    rgb = np.asarray(image)
    mask = ink_mask(rgb)
    for box in read_apart:
        mask[box.top : box.bottom, box.left : box.right] = False
    if np.count_nonzero(mask) < MIN_INK_SHARE * mask.size:
        return None
    # Hues of the ink's pixels only, then of the crop around the chosen ones: a page's
    # worth of HSV is the dearest part of this pass, and the hues elsewhere are not used.
    ys, xs = np.nonzero(mask)
    hues = families(rgb[ys, xs].reshape(1, -1, 3)).ravel()
    counts = np.bincount(hues, minlength=len(HUE_FAMILIES)) / mask.size
    kept = [i for i, share in enumerate(counts) if MIN_INK_SHARE <= share <= MAX_INK_SHARE]
    if not kept:
        return None
    chosen = np.isin(hues, kept)
    ys, xs = ys[chosen], xs[chosen]
    left = max(0, int(xs.min()) - MARGIN_PX)
    top = max(0, int(ys.min()) - MARGIN_PX)
    right = min(mask.shape[1], int(xs.max()) + 1 + MARGIN_PX)
    bottom = min(mask.shape[0], int(ys.max()) + 1 + MARGIN_PX)
    piece = rgb[top:bottom, left:right]
    crop = ink_strength(piece)
    # Faded strokes as dark as their depth allows, not as pale as their colour.
    inked = mask[top:bottom, left:right]
    crop[inked] = np.minimum(crop[inked], FADED_GREY)
    blank = ~np.isin(families(piece), kept)
    for box in read_apart:  # in the crop's pixels
        blank[
            max(0, box.top - top) : max(0, box.bottom - top),
            max(0, box.left - left) : max(0, box.right - left),
        ] = True
    crop[blank] = 255
    return InkLayer(Image.fromarray(crop, mode="L"), left, top)


def ink_strength(rgb: np.ndarray) -> np.ndarray:
    """Grey image of the ink: dark where saturated and dark, fading with its edges.

    A hard mask would cut the thin strokes and serifs of printed letters (their
    anti-aliased pixels are half ink, half paper) and Tesseract then reads
    ``CHƯNG`` for ``CHỨNG``; a ramp keeps them as grey.
    """
    r, g, b = cv2.split(rgb)
    brightest = cv2.max(cv2.max(r, g), b).astype(np.float32)
    darkest = cv2.min(cv2.min(r, g), b).astype(np.float32)
    saturation = np.clip((brightest - darkest - RAMP_FROM) / (INK_MIN_CHROMA - RAMP_FROM), 0, 1)
    depth = np.clip((255 - darkest) / (255 - INK_MAX_DARKEST), 0, 1)
    return (255 - 255 * saturation * depth).astype(np.uint8)


def ink_colour(rgb: np.ndarray, box: Box) -> str:
    """The colour of the ink inside ``box``: red, purple, blue, green or other."""
    region = rgb[box.top : box.bottom, box.left : box.right]
    if region.size == 0:
        return "other"
    pixels = region[ink_mask(region)]
    if len(pixels) == 0:
        return "other"
    kinds = families(pixels.reshape(-1, 1, 3).astype(np.uint8)).ravel()
    return HUE_FAMILIES[int(np.bincount(kinds).argmax())][0]


@dataclass(frozen=True)
class Turn:
    """An ink region read after turning it level: where it is in the layer, and how far."""

    box: Box
    degrees: float

    def back(self, x: float, y: float) -> tuple[float, float]:
        """A point of the levelled image back on the page as printed."""
        cx, cy = (self.box.left + self.box.right) / 2, (self.box.top + self.box.bottom) / 2
        matrix = cv2.getRotationMatrix2D((cx, cy), -self.degrees, 1.0)
        return (
            matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2],
            matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2],
        )

    def put_back(self, box: Box) -> Box:
        """A word's box read on the levelled image, moved (not turned) to where its centre
        is printed: a word's own tilt is a few pixels, its place on the page is not."""
        cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
        x, y = self.back(cx, cy)
        dx, dy = round(x - cx), round(y - cy)
        return Box(box.left + dx, box.top + dy, box.right + dx, box.bottom + dy)


def level_stamps(gray: np.ndarray) -> tuple[np.ndarray, list[Turn]]:
    """The ink layer with every tilted region (a stamp pressed askew) turned level.

    Each region (ink joined by ``REGION_JOIN_PX``) is measured on its own: a red
    title printed straight and a stamp pressed at 6° on the same page each end
    up level. The turned region is pasted back where it was, so one OCR call
    still reads the whole layer; ``Turn.back`` puts its words where they are
    printed.
    """
    ink = (gray < LEVEL_INK_GREY).astype(np.uint8)
    joined = cv2.dilate(ink, np.ones((REGION_JOIN_PX, REGION_JOIN_PX), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
    out = gray.copy()
    turns: list[Turn] = []
    height, width = gray.shape
    for index in range(1, count):
        x, y, w, h = (int(v) for v in stats[index, :4])
        region = gray[y : y + h, x : x + w]
        if np.count_nonzero(region < LEVEL_INK_GREY) < REGION_MIN_INK:
            continue
        degrees = estimate_skew(region)
        if abs(degrees) < STAMP_MIN_TURN:
            continue
        pad = round(0.1 * max(w, h))
        box = Box(
            max(0, x - pad), max(0, y - pad), min(width, x + w + pad), min(height, y + h + pad)
        )
        padded = np.full((box.bottom - box.top, box.right - box.left), 255, np.uint8)
        padded[y - box.top : y - box.top + h, x - box.left : x - box.left + w] = region
        turned = turn_about_centre(padded, degrees)
        out[y : y + h, x : x + w] = 255
        window = out[box.top : box.bottom, box.left : box.right]
        np.minimum(window, turned, out=window)
        turns.append(Turn(box, degrees))
    return out, turns


def _placed(word: Word, turns: Sequence[Turn]) -> Box:
    """The word's box on the layer as printed (moved back if it was read turned)."""
    box = word.box
    cx, cy = (box.left + box.right) / 2, (box.top + box.bottom) / 2
    for turn in turns:
        t = turn.box
        if t.left <= cx < t.right and t.top <= cy < t.bottom:
            return turn.put_back(box)
    return box


def read_ink_words(
    image: Image.Image,
    recognise: Callable[[Image.Image], list[Word]],
    read_apart: Sequence[Box] = (),
) -> list[Word]:
    """Words of the coloured ink (``settle`` decides where the black pass read them too).

    ``recognise`` reads a grey image into words (``ocr.tesseract.recognise_words``
    with the page's language and resolution). Boxes come back in the page's
    pixels, each word tagged with its ``ink``. ``read_apart``: parts of the page already
    read on their own (``ocr.tilted_frames``), left blank here.
    """
    layer = ink_layer(image, read_apart)
    if layer is None:
        return []
    rgb = np.asarray(image)
    levelled, turns = level_stamps(np.asarray(layer.image))
    found = []
    for word in recognise(Image.fromarray(levelled, mode="L")):
        if word.confidence < MIN_INK_CONFIDENCE or not any(c.isalnum() for c in word.text):
            continue
        placed = _placed(word, turns)
        box = Box(
            placed.left + layer.left,
            placed.top + layer.top,
            placed.right + layer.left,
            placed.bottom + layer.top,
        )
        found.append(
            replace(word, box=box, line=INK_LINE_BASE + word.line, ink=ink_colour(rgb, box))
        )
    return found


DISPLACE_MARGIN = 10.0
"""Confidence points an ink word must beat the black words under it by to replace them."""


def settle(black: Sequence[Word], ink: Sequence[Word]) -> tuple[list[Word], list[Word]]:
    """Which reading of a place both passes read stands: the black words kept, the ink
    words added.

    Ink dark enough to survive the dropout is read by the black pass, and the ink
    word there adds nothing. But what the dropout only half erased (a red title
    over speckles, a seal's edge) leaves a ghost the black pass reads as garbage
    (``HỨN NG : NHẬT Ñ``); where the ink pass read the same place clearly, its words
    replace the ghost's.
    """
    displaced: set[int] = set()
    added: list[Word] = []
    for word in ink:
        under = [i for i, b in enumerate(black) if covers(b.box, word.box)]
        if not under:
            added.append(word)
            continue
        ghost = sum(black[i].confidence for i in under) / len(under)
        margin = 0.0 if _read_twice(word, [black[i] for i in under]) else DISPLACE_MARGIN
        if word.confidence >= ghost + margin:
            displaced.update(under)
            added.append(word)
    kept = [w for i, w in enumerate(black) if i not in displaced]
    return kept, added


SAME_WORD = 75.0
"""rapidfuzz score from which the ink word and the one black word under it are the same
word read twice (``808781`` and ``808761``), not black print under a coloured stamp."""


def _read_twice(ink: Word, under: Sequence[Word]) -> bool:
    """The black pass read this same coloured word from the half of it the dropout left:
    the ink pass, which read its whole strokes, is the better reading at equal confidence
    (a red serial ``GK 808781`` came back ``808761`` from the ghost)."""
    return len(under) == 1 and fuzz.ratio(ink.text, under[0].text) >= SAME_WORD


def covers(black: Box, ink: Box) -> bool:
    """The two words are one place on the paper: more than half of the smaller lies on
    the other (a ghost's fragment ``1Ñ`` is small and lies inside the ink's ``SAO``)."""
    width = min(black.right, ink.right) - max(black.left, ink.left)
    height = min(black.bottom, ink.bottom) - max(black.top, ink.top)
    area = max(1, min(ink.width * ink.height, black.width * black.height))
    return width > 0 and height > 0 and width * height > area / 2


def merge_lines(black: Sequence[Word], ink: Sequence[Word], join_rows: bool = True) -> list[Word]:
    """All words, lines renumbered in reading order with the ink lines at their height.

    The black print keeps Tesseract's order (it knows columns); each ink line
    goes before the first black line that starts below it, so a red title is
    read first and a stamp at the foot of the page last. ``join_rows``: an ink
    line on a black line's row joins it (the rest of a title half read in black);
    a block read on its own (a framed stamp) keeps its lines apart.
    """
    black, ink = settle(black, ink)
    if not ink:
        return list(black)
    black_lines = _lines(black)
    ink_lines = []
    for line in sorted(_lines(ink), key=_top):
        host = next((b for b in black_lines if join_rows and _same_row(b, line)), None)
        if host is None:
            ink_lines.append(line)
        else:  # the rest of a line the black pass read in part (``GIẤY CHỨNG MINH NHÂN`` + ``DÂN``)
            host[:] = sorted([*host, *line], key=lambda w: w.box.left)
    merged: list[list[Word]] = []
    pending = list(ink_lines)
    for line in black_lines:
        while pending and _top(pending[0]) < _top(line):
            merged.append(pending.pop(0))
        merged.append(line)
    merged += pending
    return [replace(w, line=number) for number, line in enumerate(merged) for w in line]


def _lines(words: Sequence[Word]) -> list[list[Word]]:
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    return [lines[k] for k in sorted(lines)]


SAME_ROW = 0.6
"""Share of the shorter line's height two lines must share to be one row of print."""


def _same_row(black: Sequence[Word], ink: Sequence[Word]) -> bool:
    """The ink line stands on the black line's row, beside its words (not over them)."""
    top = max(_top(black), _top(ink))
    bottom = min(_bottom(black), _bottom(ink))
    shorter = min(_bottom(black) - _top(black), _bottom(ink) - _top(ink))
    if shorter <= 0 or bottom - top < SAME_ROW * shorter:
        return False
    return not any(covers(b.box, w.box) for b in black for w in ink)


def _bottom(line: Sequence[Word]) -> int:
    return max(w.box.bottom for w in line)


def _top(line: Sequence[Word]) -> int:
    return min(w.box.top for w in line)
