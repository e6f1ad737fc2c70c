"""What the page image shows beyond its text: red seals and portrait photos.

A red seal means an authority stamped the paper (every official document and
every certified copy carries one); a portrait photo in a card-sized frame is
the mark of an ID card. Both are cheap to find with colour and shape alone, on
the page image the archive keeps (colour is kept where the paper has colour),
without a face detector: the OpenCV wheel we use ships no cascades, and a
photocopied ID photo is too poor for one anyway.

Boxes are pixels of the image given (the cleaned page image, the same geometry
as the OCR word boxes).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

WORK_WIDTH = 800
"""Images are analysed at this width: seals and photos are large, and an A4 page at
800 px wide keeps a 4 cm seal about 130 px across."""


@dataclass(frozen=True)
class Region:
    box: tuple[int, int, int, int]  # left, top, right, bottom in the given image's pixels
    score: float  # 0..1, how typical the shape is

    def as_dict(self) -> dict[str, object]:
        return {"box": list(self.box), "score": round(self.score, 2)}


@dataclass(frozen=True)
class PageCues:
    page: int
    seals: tuple[Region, ...] = ()
    photos: tuple[Region, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "page": self.page,
            "red_seals": [r.as_dict() for r in self.seals],
            "portrait_photos": [r.as_dict() for r in self.photos],
        }


def page_cues(page: int, image: Image.Image) -> PageCues:
    small, scale = _working_copy(image)
    return PageCues(page, _red_seals(small, scale), _portrait_photos(small, scale))


def _working_copy(image: Image.Image) -> tuple[np.ndarray, float]:
    rgb = image.convert("RGB")
    scale = rgb.width / WORK_WIDTH if rgb.width > WORK_WIDTH else 1.0
    if scale != 1.0:
        rgb = rgb.resize((WORK_WIDTH, max(1, round(rgb.height / scale))), Image.Resampling.BOX)
    return np.asarray(rgb), scale


def _to_page(box: tuple[int, int, int, int], scale: float) -> tuple[int, int, int, int]:
    return tuple(round(v * scale) for v in box)  # type: ignore[return-value]


def red_mask(rgb: np.ndarray) -> np.ndarray:
    """Pixels of seal ink: red hue, clearly saturated, not too dark (black text is not red)."""
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    red = ((hue <= 10) | (hue >= 165)) & (sat >= 70) & (val >= 70)
    return red.astype(np.uint8)


def _red_seals(rgb: np.ndarray, scale: float) -> tuple[Region, ...]:
    """Round red marks of seal size: about 3–5 cm across on paper.

    Sizes are relative to the page width, so a card scanned alone and an A4
    page are judged alike: a seal spans 5–45% of the width (the small seal of an ID
    card photocopied on A4 is about 7%).
    """
    mask = red_mask(rgb)
    width = rgb.shape[1]
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    regions = []
    for index in range(1, count):
        left, top, w, h, _area = (int(v) for v in stats[index])
        if not (0.05 * width <= max(w, h) <= 0.45 * width):
            continue
        aspect = w / h
        if not 0.7 <= aspect <= 1.4:
            continue
        ink = mask[top : top + h, left : left + w].mean()
        if ink < 0.05:
            continue
        roundness = 1.0 - min(1.0, abs(1.0 - aspect))
        regions.append(
            Region(_to_page((left, top, left + w, top + h), scale), round(0.5 + roundness / 2, 2))
        )
    return _outermost(regions)


def _outermost(regions: list[Region]) -> tuple[Region, ...]:
    """Drop regions inside another: a seal's inner ring or star is the same seal."""

    def inside(a: Region, b: Region) -> bool:
        return (
            a is not b
            and b.box[0] <= a.box[0]
            and b.box[1] <= a.box[1]
            and a.box[2] <= b.box[2]
            and a.box[3] <= b.box[3]
        )

    return tuple(r for r in regions if not any(inside(r, other) for other in regions))


def _portrait_photos(rgb: np.ndarray, scale: float) -> tuple[Region, ...]:
    """Upright rectangles of continuous tone: a photo is mid-grey throughout, text is not.

    Text strokes have mid-grey anti-aliased edges but are thin: an opening
    with a kernel wider than any stroke removes them and leaves solid mid-tone
    areas. Of those, a portrait photo is taller than wide (ID photos are 3×4 or
    2×3) and fills its bounding box.
    """
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    mid = ((grey > 25) & (grey < 225)).astype(np.uint8)
    mid[red_mask(rgb) > 0] = 0  # a seal's tinted paper is not a photo
    width = rgb.shape[1]
    kernel = max(3, round(width * 0.012))
    solid = cv2.morphologyEx(mid, cv2.MORPH_OPEN, np.ones((kernel, kernel), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(solid, connectivity=8)
    regions = []
    for index in range(1, count):
        left, top, w, h, area = (int(v) for v in stats[index])
        if w < 0.05 * width or w > 0.5 * width:
            continue
        aspect = w / h
        fill = area / (w * h)
        if not 0.55 <= aspect <= 0.95 or fill < 0.6:
            continue
        patch = grey[top : top + h, left : left + w]
        if patch.std() < 12:  # a flat grey box (a shaded form field) has no picture in it
            continue
        regions.append(Region(_to_page((left, top, left + w, top + h), scale), round(fill, 2)))
    return tuple(regions)
