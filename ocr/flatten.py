"""A photographed paper found in its photo and flattened: perspective undone, background cut.

Two thirds of dossiers arrive as phone photos: the paper lies on a desk, seen at an
angle, so the archived copy kept the desk and a trapezoid page, and Tesseract read
slanted, shrinking lines. Here the paper's four corners are found and the paper is
warped onto an upright rectangle of its own proportions, as a scanner would have
seen it.

A scan must never be cropped: its paper fills the image, and a frame printed on a
form (a large ruled rectangle) must not be taken for the paper's edge. So a
quadrilateral is accepted only when it looks like paper on a background: large
but not the whole picture, convex, corners not too sharp, and clearly brighter
inside than along the outside of its edges (white paper on a desk; a printed frame
has the same white paper on both sides).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from ocr.clean import glyph_height, to_gray

DETECT_LONG_SIDE = 1000
"""The photo is searched at this size: edges of a sheet need no more, and it keeps
the search to a few milliseconds."""

MIN_PAPER_SHARE = 0.2
"""A smaller quadrilateral is a detail of the page (a photo, a table), not the paper."""
MAX_PAPER_SHARE = 0.96
"""A larger one leaves too little background to be sure of: the paper fills the image.
Phone photos of a sheet are framed tightly (88–95 % of the picture is paper)."""
MIN_CORNER_DEGREES = 45.0
"""Corners of a sheet seen at an angle stay well above this; a sliver is no sheet."""
MIN_BRIGHTNESS_STEP = 30
"""Paper must be this much brighter (0–255) than the ring of background around it."""
RING = 0.02
"""Width of the inside and outside rings compared, as a share of the image's long side."""

ID_CARD_ASPECT = (1.5, 1.7)
"""ID-1 cards are 85.6 × 54 mm (1.586): a flattened shape in this range is a card."""
CARD_LONG_SIDE_IN = 3.370
A4_LONG_SIDE_IN = 11.69


@dataclass(frozen=True)
class Paper:
    """The paper's corners in the photo's pixels (top-left, top-right, bottom-right,
    bottom-left, clockwise) and the size of the flattened page."""

    corners: tuple[tuple[float, float], ...]
    width: int
    height: int

    @property
    def is_card(self) -> bool:
        long, short = max(self.width, self.height), min(self.width, self.height)
        return ID_CARD_ASPECT[0] <= long / max(1, short) <= ID_CARD_ASPECT[1]

    def dpi(self) -> float:
        """The flattened page's resolution if the paper is an ID card or an A4 sheet."""
        inches = CARD_LONG_SIDE_IN if self.is_card else A4_LONG_SIDE_IN
        return round(max(self.width, self.height) / inches, 1)


def _ordered(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    by_sum = points.sum(axis=1)
    by_diff = np.diff(points, axis=1).ravel()
    return np.array(
        [
            points[np.argmin(by_sum)],
            points[np.argmin(by_diff)],
            points[np.argmax(by_sum)],
            points[np.argmax(by_diff)],
        ],
        dtype=np.float32,
    )


def _corner_angles(quad: np.ndarray) -> list[float]:
    angles = []
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        angles.append(float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))))
    return angles


def _ring_means(gray: np.ndarray, quad: np.ndarray, width: int) -> tuple[float, float]:
    """Mean brightness just inside and just outside the quadrilateral's edges."""
    inside = np.zeros(gray.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 255)
    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    inner = cv2.subtract(inside, cv2.erode(inside, kernel))
    outer = cv2.subtract(cv2.dilate(inside, kernel), inside)
    if not inner.any() or not outer.any():
        return 0.0, 255.0
    return float(gray[inner > 0].mean()), float(gray[outer > 0].mean())


def _refined(quad: np.ndarray, outline: np.ndarray) -> np.ndarray:
    """Corners as the crossings of lines fitted to each side's outline points.

    The polygon's vertices are outline points, off by a pixel or two where a
    corner is rounded by blur or JPEG; a line fitted through the hundreds of
    points along the middle of each side, then intersected, is not.
    """
    points = outline.reshape(-1, 2).astype(np.float32)
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        side = b - a
        length = float(np.linalg.norm(side))
        if length < 8:
            return quad
        along = (points - a) @ side / length**2
        offset = points - a
        across = np.abs(side[0] * offset[:, 1] - side[1] * offset[:, 0]) / length
        near = points[(along > 0.1) & (along < 0.9) & (across < max(3.0, 0.01 * length))]
        if len(near) < 10:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    corners = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        matrix = np.array([d1, -d2]).T
        if abs(np.linalg.det(matrix)) < 1e-6:
            return quad
        t = np.linalg.solve(matrix, p2 - p1)
        corners.append(p1 + t[0] * d1)
    return np.array(corners, dtype=np.float32)


def _candidates(gray: np.ndarray) -> list[np.ndarray]:
    """Four-cornered outlines of bright regions, largest first."""
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    _, bright = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    edges = cv2.dilate(cv2.Canny(blurred, 40, 120), np.ones((3, 3), np.uint8))
    quads = []
    for mask in (bright, edges):
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
            hull = cv2.convexHull(contour)
            approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
            if len(approx) == 4:
                quad = _ordered(approx.reshape(4, 2).astype(np.float32))
                quads.append(_refined(quad, contour))
    return quads


SAME_SHEET = 0.9
"""Two outlines whose areas are within this ratio are two tracings of one sheet."""

MAX_FORESHORTENING = 1.35
"""How far a sheet's true proportions may lie from those of its outline in the photo.
A phone held even 40° off square foreshortens a sheet by less; an outline whose
corners imply more is no sheet (one side of it is a shadow's edge, or a fold), or
its corners are too near a frontal view for the focal length to be recovered."""

KNOWN_ASPECTS = (2**0.5, 85.6 / 54.0)
"""Height ÷ width of an A-series sheet and of an ID-1 card (either way up): a measured
shape within SNAP of one is that paper."""
SNAP = 0.06


def _aspect(corners: np.ndarray, centre: tuple[float, float]) -> float | None:
    """The paper's true height ÷ width from its corners in a photo (None if unknown).

    Zhang and He's whiteboard rectification: with square pixels and the principal point
    at the image centre, the four corners of a rectangle fix the camera's focal length
    and so the rectangle's proportions, which foreshortening hides from the sides'
    lengths. Near a frontal view the focal length cannot be recovered and the sides'
    ratio is right anyway.
    """
    tl, tr, br, bl = (np.array([x - centre[0], y - centre[1], 1.0]) for x, y in corners)
    m1, m2, m3, m4 = tl, tr, bl, br
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2, n3 = k2 * m2 - m1, k3 * m3 - m1
    if abs(n2[2] * n3[2]) < 1e-9:
        return None
    f2 = -(n2[0] * n3[0] + n2[1] * n3[1]) / (n2[2] * n3[2])
    if f2 <= 0:
        return None
    width = np.sqrt(n2[0] ** 2 / f2 + n2[1] ** 2 / f2 + n2[2] ** 2)
    height = np.sqrt(n3[0] ** 2 / f2 + n3[1] ** 2 / f2 + n3[2] ** 2)
    return float(height / width) if width > 0 else None


def _flat_size(corners: np.ndarray, centre: tuple[float, float]) -> tuple[int, int] | None:
    """Width and height of the flattened page: the longer of each pair of opposite sides
    sets the scale, the paper's proportions the shape (a known sheet's when close).
    None when the corners imply proportions no photo of a sheet gives."""
    tl, tr, br, bl = corners
    side_w = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    side_h = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    seen = side_h / side_w
    aspect = _aspect(corners, centre) or seen
    if not 1 / MAX_FORESHORTENING <= aspect / seen <= MAX_FORESHORTENING:
        return None
    for known in KNOWN_ASPECTS:
        for shape in (known, 1 / known):
            if abs(aspect / shape - 1) <= SNAP:
                aspect = shape
    if aspect >= side_h / side_w:
        return round(side_h / aspect), round(side_h)
    return round(side_w), round(side_w * aspect)


def find_paper(image: Image.Image) -> Paper | None:
    """The sheet of paper in a photo, or None when the image is the paper (a scan) or no
    sheet stands out clearly enough to crop to.

    Of the outlines that pass, the largest is the sheet: a shadow cast across a photo
    splits the paper's bright part off along the shadow's edge, and that part passes
    for a sheet of its own.
    """
    gray = np.asarray(image.convert("L"))
    height, width = gray.shape
    scale = min(1.0, DETECT_LONG_SIDE / max(width, height))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    area = small.shape[0] * small.shape[1]
    ring = max(2, round(RING * max(small.shape)))
    passed: list[tuple[np.ndarray, tuple[int, int]]] = []
    for quad in _candidates(small):
        share = cv2.contourArea(quad) / area
        if not MIN_PAPER_SHARE <= share <= MAX_PAPER_SHARE:
            continue
        if not cv2.isContourConvex(quad.astype(np.int32)):
            continue
        if min(_corner_angles(quad)) < MIN_CORNER_DEGREES:
            continue
        inner, outer = _ring_means(small, quad, ring)
        if inner - outer < MIN_BRIGHTNESS_STEP:
            continue
        size = _flat_size(quad / scale, (width / 2, height / 2))
        if size is not None:
            passed.append((quad, size))
    if not passed:
        return None
    # The first found of those as large as the largest: the bright region's outline
    # fits the paper's edge more closely than the (dilated) edge map's outline of it.
    largest = max(cv2.contourArea(quad) for quad, _ in passed)
    quad, (out_w, out_h) = next(
        (q, size) for q, size in passed if cv2.contourArea(q) >= SAME_SHEET * largest
    )
    points = tuple((float(x), float(y)) for x, y in quad / scale)
    return Paper(points, out_w, out_h)


def flatten(image: Image.Image, paper: Paper) -> Image.Image:
    """The paper warped onto an upright rectangle (colour kept), nothing of the background."""
    source = np.array(paper.corners, dtype=np.float32)
    target = np.array(
        [[0, 0], [paper.width - 1, 0], [paper.width - 1, paper.height - 1], [0, paper.height - 1]],
        dtype=np.float32,
    )
    matrix = cv2.getPerspectiveTransform(source, target)
    pixels = np.asarray(image)
    flat = cv2.warpPerspective(
        pixels,
        matrix,
        (paper.width, paper.height),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_REPLICATE,
    )
    return Image.fromarray(flat, mode=image.mode)


CARD_MIN_GLYPH_MM = 0.8
"""Letters (``clean.glyph_height``) on an ID card are 1.0–1.2 mm (its 6–9 pt print); on a
sheet of 12 pt print 2.3 mm. A sheet whose outline passed for a card's shape (a steep
photo foreshortens an A4 sheet's 1.41 towards a card's 1.59) shows its letters at a
third of that, ~0.7 mm, if measured as a card: no card is printed that small."""


def as_sheet(paper: Paper) -> Paper:
    """The same outline flattened to an A-series sheet's proportions, its long side kept."""
    long = max(paper.width, paper.height)
    short = round(long / KNOWN_ASPECTS[0])
    if paper.width < paper.height:
        return Paper(paper.corners, short, long)
    return Paper(paper.corners, long, short)


def flatten_checked(image: Image.Image, paper: Paper) -> tuple[Paper, Image.Image]:
    """Flatten, and check a card by its print: letters too small for any card mean a
    sheet taken for one, which would otherwise be archived at a third of its resolution
    (its dpi computed for 3.4 inches instead of 11.7) and squeezed to a card's shape."""
    flat = flatten(image, paper)
    if not paper.is_card:
        return paper, flat
    letters = glyph_height(to_gray(flat))
    if letters is None or letters / paper.dpi() * 25.4 >= CARD_MIN_GLYPH_MM:
        return paper, flat
    sheet = as_sheet(paper)
    return sheet, flatten(image, sheet)
