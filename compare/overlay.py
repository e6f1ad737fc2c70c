"""The picture the officer looks at: the original, faded, with every finding drawn on it.

Colours: removed print red, added print blue, a box round each image region
(orange, red when it touches digits), text differences boxed in magenta
(critical ones thick, with a yellow wash), OCR-uncertain words in thin grey,
coloured ink found on one page only in dotted purple.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw

from compare.comparison_types import Box, ColourMark, ImageRegion, TextOp
from compare.imagediff import InkDiff

REMOVED = (220, 20, 20)
ADDED = (20, 90, 235)
REGION = (255, 140, 0)
CRITICAL = (230, 0, 0)
TEXT = (200, 0, 200)
UNCERTAIN = (150, 150, 150)
COLOUR_MARK = (128, 0, 160)
WASH = (255, 230, 0, 90)
# The original is drawn at this share of its contrast, so findings stand out.
_FADE = 0.3


def draw_overlay(
    diff: InkDiff,
    removed: np.ndarray,
    added: np.ndarray,
    text_ops: Sequence[TextOp],
    regions: Sequence[ImageRegion],
    colour_marks: Sequence[ColourMark],
) -> Image.Image:
    """RGB image in the original's pixels, ready to be saved as PNG.

    ``removed``/``added`` are the marks to paint: the page-wide difference plus
    the close word-level one of the confirmed text changes.
    """
    grey = diff.original_rgb.mean(axis=2)
    faded = (255 - (255 - grey) * _FADE).astype(np.uint8)
    canvas = np.repeat(faded[..., None], 3, axis=2)
    canvas[removed] = REMOVED
    canvas[added] = ADDED
    image = Image.fromarray(canvas, "RGB").convert("RGBA")
    wash = Image.new("RGBA", image.size, (0, 0, 0, 0))
    wash_draw = ImageDraw.Draw(wash)
    draw = ImageDraw.Draw(image)
    pad, thin, thick = diff.px(4), diff.px(2), diff.px(5)

    for mark in colour_marks:
        _dotted(draw, _grow(mark.box, pad), COLOUR_MARK, thin, diff.px(10))
    for op in text_ops:
        area = op.area
        if area is None or op.status == "same":
            continue
        box = _grow(area, pad)
        if op.status == "ocr_uncertain":
            draw.rectangle(box.as_list(), outline=UNCERTAIN, width=max(1, thin // 2))
        elif op.critical:
            wash_draw.rectangle(box.as_list(), fill=WASH)
            draw.rectangle(box.as_list(), outline=CRITICAL, width=thick)
        else:
            draw.rectangle(box.as_list(), outline=TEXT, width=thin * 2)
    for region in regions:
        colour = CRITICAL if region.critical else REGION
        draw.rectangle(_grow(region.box, 2 * pad).as_list(), outline=colour, width=thin)
    return Image.alpha_composite(image, wash).convert("RGB")


def _grow(box: Box, pad: int) -> Box:
    return Box(box.left - pad, box.top - pad, box.right + pad, box.bottom + pad)


def _dotted(
    draw: ImageDraw.ImageDraw, box: Box, colour: tuple[int, int, int], width: int, step: int
) -> None:
    """A dashed rectangle: coloured-ink marks are information, not findings."""
    edges = (
        ((box.left, box.top), (box.right, box.top)),
        ((box.right, box.top), (box.right, box.bottom)),
        ((box.left, box.bottom), (box.right, box.bottom)),
        ((box.left, box.top), (box.left, box.bottom)),
    )
    for (x0, y0), (x1, y1) in edges:
        length = max(abs(x1 - x0), abs(y1 - y0))
        for start in range(0, length, 2 * step):
            end = min(length, start + step)
            ax = x0 + (x1 - x0) * start / length
            ay = y0 + (y1 - y0) * start / length
            bx = x0 + (x1 - x0) * end / length
            by = y0 + (y1 - y0) * end / length
            draw.line([(ax, ay), (bx, by)], fill=colour, width=width)
