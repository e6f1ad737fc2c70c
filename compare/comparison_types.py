"""Plain data of a page comparison: what goes in, what comes out.

Everything is frozen and free of I/O so the engine runs the same in a test, a
worker or an API request. Coordinates are pixels; anything said about the copy
is also given in the *original's* pixels (the copy mapped through the
registration), so a viewer can draw every finding on the original page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from PIL import Image

from ocr.pdf import EncodedImage, decode_image
from ocr.words import Box, Word

Verdict = Literal["identical", "differences", "manual_check"]
OpKind = Literal["equal", "insert", "delete", "replace"]
OpStatus = Literal["same", "difference", "ocr_uncertain"]
RegionKind = Literal["added", "removed", "altered"]


@dataclass(frozen=True)
class PageView:
    """One side of the comparison: the cleaned page image and its OCR words.

    ``words`` are in ``image``'s pixel geometry, which is what the pipeline
    stores per page (``PageResult.image`` and ``PageResult.words``). Only the
    black print's words are kept: words read on the coloured-ink layer (the
    certification stamp, a seal's ring) are what a certified copy legitimately
    adds, and coloured ink is compared apart, as ink (``compare.imagediff``).
    """

    image: Image.Image
    words: tuple[Word, ...]
    dpi: float

    def __post_init__(self) -> None:
        if any(w.ink is not None for w in self.words):
            object.__setattr__(self, "words", tuple(w for w in self.words if w.ink is None))

    @classmethod
    def from_encoded(cls, image: EncodedImage, words: tuple[Word, ...], dpi: float) -> PageView:
        """From what a worker stores for a page (``PageResult.image``/``words``/``dpi``)."""
        return cls(image=decode_image(image), words=tuple(words), dpi=float(dpi))

    def low_confidence_share(self, below: float) -> float:
        """Share of the words OCR read with a confidence under ``below``."""
        if not self.words:
            return 0.0
        return sum(1 for w in self.words if w.confidence < below) / len(self.words)

    @property
    def mean_confidence(self) -> float:
        """Character-weighted like the pipeline's, so punctuation does not sway it."""
        total = sum(len(w.text) for w in self.words)
        if not total:
            return 0.0
        return sum(w.confidence * len(w.text) for w in self.words) / total


@dataclass(frozen=True)
class Registration:
    """The similarity transform taking copy pixels to original pixels, and how far to trust it.

    ``matrix`` is the 2x3 affine ``[[a, -b, tx], [b, a, ty]]``. ``ink_agreement``
    is measured after warping: the share of each page's ink that lands near ink
    of the other (the smaller of the two), so a wrong transform cannot look good
    however many feature matches voted for it.
    """

    matrix: tuple[tuple[float, float, float], tuple[float, float, float]]
    method: Literal["features", "words", "none"]
    matches: int
    inliers: int
    residual_px: float
    ink_agreement: float
    ok: bool

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.matrix, dtype=np.float64)

    @property
    def scale(self) -> float:
        m = self.array
        return float(np.hypot(m[0, 0], m[1, 0]))

    @property
    def rotation_deg(self) -> float:
        """Counter-clockwise degrees the copy is turned by to lie on the original."""
        m = self.array
        return float(np.degrees(np.arctan2(-m[1, 0], m[0, 0])))

    def apply(self, points: np.ndarray) -> np.ndarray:
        """Copy pixel coordinates (N x 2) to original pixel coordinates."""
        m = self.array
        return np.asarray(points, dtype=np.float64) @ m[:, :2].T + m[:, 2]

    def map_box(self, box: Box) -> Box:
        """A copy box in original pixels: the bounding box of its four mapped corners."""
        corners = np.array(
            [
                [box.left, box.top],
                [box.right, box.top],
                [box.left, box.bottom],
                [box.right, box.bottom],
            ]
        )
        mapped = self.apply(corners)
        x0, y0 = np.floor(mapped.min(axis=0)).astype(int)
        x1, y1 = np.ceil(mapped.max(axis=0)).astype(int)
        return Box(int(x0), int(y0), int(x1), int(y1))

    def to_json(self) -> dict[str, Any]:
        m = self.array
        return {
            "matrix": [[round(float(v), 6) for v in row] for row in m],
            "scale": round(self.scale, 5),
            "rotation_deg": round(self.rotation_deg, 3),
            "shift_px": [round(float(m[0, 2]), 2), round(float(m[1, 2]), 2)],
            "method": self.method,
            "matches": self.matches,
            "inliers": self.inliers,
            "residual_px": _finite(self.residual_px, 3),
            "ink_agreement": round(self.ink_agreement, 4),
            "ok": self.ok,
        }


@dataclass(frozen=True)
class CharSpan:
    """A piece of a character-level diff inside a replaced word pair."""

    op: Literal["equal", "replace", "insert", "delete"]
    original: str
    copy: str


@dataclass(frozen=True)
class TextOp:
    """One step of the word diff, with the words and boxes on both sides.

    ``status`` is ``same`` for equal runs (including a word read as two pieces
    on one page), ``difference`` when the text and the pixels both say the
    copy differs (or, where pixels cannot tell, confident OCR alone), and
    ``ocr_uncertain`` when OCR read the two differently but the pixels there
    match, or OCR was unsure: never counted as a difference, but many of them
    send the page to a person.
    """

    kind: OpKind
    original: tuple[Word, ...]
    copy: tuple[Word, ...]
    # The copy words' boxes in original pixels; empty when the pages could not
    # be registered (then no copy box can be placed on the original).
    copy_boxes: tuple[Box, ...]
    status: OpStatus
    critical: bool = False
    # Differing ink pixels found by the close look at the op's area (original
    # pixels); None when the pixels could not be asked (no registration, or
    # the area lies mostly under coloured ink).
    pixel_diff: int | None = None
    chars: tuple[CharSpan, ...] = ()
    # The op's area lies mostly under coloured ink (a seal, a signature) of
    # either page, where pixels cannot tell print from ink: OCR alone decided.
    under_colour: bool = False

    @property
    def original_text(self) -> str:
        return " ".join(w.text for w in self.original)

    @property
    def copy_text(self) -> str:
        return " ".join(w.text for w in self.copy)

    @property
    def unverified(self) -> bool:
        """A change OCR saw that the pixels could not confirm or clear."""
        return self.status != "same" and self.pixel_diff is None

    @property
    def colour_mark_text(self) -> bool:
        """Unsure words read on one page only, inside coloured ink.

        That is the text of a seal or stamp (or a signature read as letters),
        which OCR reads differently each time, not the paper's printed text.
        """
        one_side = self.kind in ("insert", "delete")
        return one_side and self.status == "ocr_uncertain" and self.under_colour

    @property
    def area(self) -> Box | None:
        """Where the op sits on the original page: its words and the mapped copy words."""
        return union_box([w.box for w in self.original] + list(self.copy_boxes))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "op": self.kind,
            "status": self.status,
            "critical": self.critical,
            "original": [_word_json(w) for w in self.original],
            "copy": [
                {**_word_json(w), "box_in_original": b.as_list() if b else None}
                for w, b in zip(self.copy, self.copy_boxes or (None,) * len(self.copy), strict=True)
            ],
        }
        if self.kind != "equal":
            data["original_text"] = self.original_text
            data["copy_text"] = self.copy_text
            data["pixel_diff"] = self.pixel_diff
            data["under_colour"] = self.under_colour
            area = self.area
            data["box"] = area.as_list() if area else None
        if self.chars:
            data["chars"] = [
                {"op": c.op, "original": c.original, "copy": c.copy} for c in self.chars
            ]
        return data


@dataclass(frozen=True)
class ImageRegion:
    """A group of marks present on one page and not on the other, in original pixels.

    ``text_op`` is the index (in ``PageComparison.text_ops``) of the text
    difference this region shows, if any; such a region is not counted again.
    """

    kind: RegionKind
    box: Box
    removed_px: int
    added_px: int
    critical: bool = False
    text_op: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "box": self.box.as_list(),
            "removed_px": self.removed_px,
            "added_px": self.added_px,
            "critical": self.critical,
            "text_op": self.text_op,
        }


@dataclass(frozen=True)
class ColourMark:
    """Coloured ink (seal, signature, stamp) on one side only: reported, never counted.

    A certified copy legitimately carries a red seal and a signature that the
    original does not, so coloured ink is kept out of the mark comparison and
    listed here for the officer to see.
    """

    kind: Literal["added", "removed"]
    box: Box
    colour: Literal["red", "blue", "other"]
    pixels: int

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "box": self.box.as_list(),
            "colour": self.colour,
            "pixels": self.pixels,
        }


@dataclass(frozen=True)
class PageComparison:
    """Everything the officer and the API need about one original/copy page pair."""

    verdict: Verdict
    reason: str  # English code: identical, differences, registration_failed, low_ocr_confidence…
    verdict_line: str  # Vietnamese, for the officer
    difference_count: int
    registration: Registration
    text_ops: tuple[TextOp, ...]
    regions: tuple[ImageRegion, ...]
    colour_marks: tuple[ColourMark, ...]
    scores: dict[str, float]
    notes: tuple[str, ...] = ()
    size: tuple[int, int] = (0, 0)  # the original page's width and height: the frame of all boxes
    dpi: float = 0.0  # the original page's resolution
    overlay: Image.Image | None = field(default=None, repr=False, compare=False)

    @property
    def differences(self) -> tuple[TextOp, ...]:
        return tuple(op for op in self.text_ops if op.status == "difference")

    @property
    def uncertain(self) -> tuple[TextOp, ...]:
        return tuple(op for op in self.text_ops if op.status == "ocr_uncertain")

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "verdict_line": self.verdict_line,
            "difference_count": self.difference_count,
            "width": self.size[0],
            "height": self.size[1],
            "dpi": round(self.dpi, 2),
            "critical_count": sum(1 for op in self.differences if op.critical)
            + sum(1 for r in self.regions if r.critical and r.text_op is None),
            "ocr_uncertain_count": len(self.uncertain),
            "scores": {k: _finite(v, 4) for k, v in self.scores.items()},
            "notes": list(self.notes),
            "transform": self.registration.to_json(),
            "text_ops": [op.to_json() for op in self.text_ops],
            "regions": [r.to_json() for r in self.regions],
            "colour_marks": [m.to_json() for m in self.colour_marks],
        }


@dataclass(frozen=True)
class DocumentComparison:
    """Page comparisons of a whole document, with one verdict for all of them."""

    verdict: Verdict
    reason: str
    verdict_line: str
    difference_count: int
    pages: tuple[PageComparison, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reason": self.reason,
            "verdict_line": self.verdict_line,
            "difference_count": self.difference_count,
            "pages": [{"page": i + 1, **p.to_json()} for i, p in enumerate(self.pages)],
        }


def union_box(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return Box(
        min(b.left for b in boxes),
        min(b.top for b in boxes),
        max(b.right for b in boxes),
        max(b.bottom for b in boxes),
    )


def _finite(value: float, digits: int) -> float | None:
    """JSON has no infinity: an unmeasured quantity is ``null``."""
    return round(float(value), digits) if math.isfinite(value) else None


def _word_json(word: Word) -> dict[str, Any]:
    return {
        "text": word.text,
        "confidence": round(word.confidence, 2),
        "box": word.box.as_list(),
        "line": word.line,
    }
