"""Regions of an ink difference: differing pixels grouped into marks a person can look at.

The removed and added black print of :class:`compare.imagediff.InkDiff` is
grouped by proximity into regions, each removed, added, or altered when both
kinds sit together (:func:`find_regions`). Coloured ink (seals, signatures) is
compared apart and looser, and what one page has alone is reported as a
:class:`ColourMark` with its colour named (:func:`find_colour_marks`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from compare import ink
from compare.comparison_types import Box, ColourMark, ImageRegion, RegionKind
from compare.imagediff import InkDiff

# Lengths (px) and areas (pixel counts) at 200 dpi, scaled with the page's
# resolution (``InkDiff.px``, ``InkDiff.area``).
_MERGE_PX = 12  # difference pixels this close belong to one region
_REGION_MIN_AREA = 40  # a region needs this much differing ink in total
# Coloured ink is looser: seals are blotchy and pen strokes vary between copies.
_COLOUR_TOLERANCE_PX = 6
_COLOUR_MERGE_PX = 30
_COLOUR_MIN_AREA = 300
# A region is removed (or added) when at least this share of its pixels is.
_PURE_SHARE = 0.85


@dataclass(frozen=True)
class _Group:
    box: Box
    first: int  # pixels of the first mask
    second: int  # pixels of the second mask


def _groups(first: np.ndarray, second: np.ndarray, merge: int, min_pixels: int) -> list[_Group]:
    """Pixels of both masks grouped by proximity, with their exact extent and counts."""
    both = first | second
    if not both.any():
        return []
    # A square reach is as good as a round one for grouping, and much cheaper.
    near = cv2.dilate(both.astype(np.uint8), np.ones((2 * merge + 1, 2 * merge + 1), np.uint8))
    count, labels = cv2.connectedComponents(near, connectivity=8)
    labels = np.where(both, labels, 0)
    first_counts = np.bincount(labels[first], minlength=count)
    second_counts = np.bincount(labels[second], minlength=count)
    groups = []
    for label, found in enumerate(ndimage.find_objects(labels), start=1):
        if found is None:
            continue
        a, b = int(first_counts[label]), int(second_counts[label])
        if a + b < min_pixels:
            continue
        ys, xs = found
        groups.append(_Group(Box(xs.start, ys.start, xs.stop, ys.stop), a, b))
    return sorted(groups, key=lambda g: (g.box.top, g.box.left))


def find_regions(diff: InkDiff) -> list[ImageRegion]:
    """Removed, added and altered regions of black print, top to bottom."""
    regions = []
    for group in _groups(diff.removed, diff.added, diff.px(_MERGE_PX), diff.area(_REGION_MIN_AREA)):
        regions.append(
            ImageRegion(
                kind=region_kind(group.first, group.second),
                box=group.box,
                removed_px=group.first,
                added_px=group.second,
            )
        )
    return regions


def region_kind(removed: int, added: int) -> RegionKind:
    """Removed or added when one kind makes nearly all of it, altered when both mix."""
    total = removed + added
    if removed >= _PURE_SHARE * total:
        return "removed"
    if added >= _PURE_SHARE * total:
        return "added"
    return "altered"


def find_colour_marks(diff: InkDiff) -> list[ColourMark]:
    """Coloured ink (seals, signatures) found on one page only."""
    tolerance = ink.disk(diff.px(_COLOUR_TOLERANCE_PX))
    near_o = cv2.dilate(diff.colour_original.astype(np.uint8), tolerance).astype(bool)
    near_c = cv2.dilate(diff.colour_copy.astype(np.uint8), tolerance).astype(bool)
    only_o = diff.colour_original & ~near_c
    only_c = diff.colour_copy & ~near_o
    marks = []
    for group in _groups(only_o, only_c, diff.px(_COLOUR_MERGE_PX), diff.area(_COLOUR_MIN_AREA)):
        added = group.second >= group.first
        box = group.box
        window = (slice(box.top, box.bottom), slice(box.left, box.right))
        mask = (only_c if added else only_o)[window]
        rgb = (diff.copy_rgb if added else diff.original_rgb)[window]
        marks.append(
            ColourMark(
                kind="added" if added else "removed",
                box=box,
                colour=_colour_of(rgb, mask),
                pixels=group.second if added else group.first,
            )
        )
    return marks


def _colour_of(rgb: np.ndarray, mask: np.ndarray) -> str:
    if not mask.any():
        return "other"
    red, green, blue = rgb[mask].astype(np.float64).mean(axis=0)
    if red > green + 40 and red > blue + 40:
        return "red"
    if blue > red + 40 and blue > green + 20:
        return "blue"
    return "other"
