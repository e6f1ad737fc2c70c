"""What the pipeline stores for one page (``pages/<n>-<sha256>.json``): encoded and read here only.

A stored page is what every later stage needs without the scan: its text and
words (assembly, search, fields, comparison), how its image is encoded (to put
the image in the PDF or show it), and the marks its image showed (classification).
Its bytes are a function of the page alone, never of when or where it ran
(no timings, no clock), so a page done twice is stored twice as the same bytes
under the same content-derived name: a late duplicate cannot leave a row and an
object that disagree.

Format 1 (before marks were stored) is still read: its marks are None, and the
classify stage reads them from the page image instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from classifiers.marks import PageMarks
from ocr.pdf import EncodedImage
from ocr.words import Box, Word
from pipeline.stage_data import PageResult

FORMAT = 2
"""Bumped when a field changes meaning; a reader refuses formats it does not know."""

_IMAGE_FIELDS = ("width", "height", "colorspace", "filter", "decode_parms")


class StoredPageCorrupt(ValueError):
    """The stored bytes are not a page this version can read."""


@dataclass(frozen=True)
class ImageFormat:
    """How a page image's stored bytes are encoded: what a PDF image stream says of them."""

    width: int
    height: int
    colorspace: str
    filter: str
    decode_parms: dict[str, Any] | None = None

    def with_data(self, data: bytes) -> EncodedImage:
        return EncodedImage(
            data=data,
            width=self.width,
            height=self.height,
            colorspace=self.colorspace,
            filter=self.filter,
            decode_parms=self.decode_parms,
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _IMAGE_FIELDS}


@dataclass(frozen=True)
class StoredPage:
    """One page as stored; ``image`` is None for a page kept with its own text."""

    result: PageResult  # without image bytes, thumbnail or timings
    image: ImageFormat | None
    marks: PageMarks | None

    @property
    def number(self) -> int:
        return self.result.number

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def words(self) -> tuple[Word, ...]:
        return self.result.words

    @property
    def kept(self) -> bool:
        return self.result.kept

    @classmethod
    def of(cls, result: PageResult) -> StoredPage:
        """What a page stage's result stores (its image bytes and thumbnail go apart)."""
        image = result.image
        fmt = None
        if image is not None:
            fmt = ImageFormat(
                image.width, image.height, image.colorspace, image.filter, image.decode_parms
            )
        return cls(result=result, image=fmt, marks=result.marks)

    def public(self) -> dict[str, Any]:
        """The page as the document's pages report shows it (``pages.json``)."""
        report = self.result.report()
        del report["timings"]
        report["text"] = self.text
        if self.marks is not None:
            report["marks"] = self.marks.as_dict()
        return report

    def to_bytes(self) -> bytes:
        body = {"format": FORMAT, **self.public()}
        if self.image is not None:
            body["image"] = self.image.as_dict()
        return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> StoredPage:
        try:
            body = json.loads(data)
            return cls._decode(body)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoredPageCorrupt(f"not a stored page: {exc}") from exc

    @classmethod
    def _decode(cls, body: Any) -> StoredPage:
        if not isinstance(body, dict):
            raise TypeError("a stored page is a JSON object")
        version = body.get("format", 1)
        if version not in (1, FORMAT):
            raise ValueError(f"stored page format {version} is newer than this version reads")
        number = int(body["page"])
        result = PageResult(
            number=number,
            kept=bool(body["kept_existing_text"]),
            width=body["width_px"],
            height=body["height_px"],
            dpi=float(body["dpi"]),
            rotation=body["rotation"],
            skew=body["skew"],
            colour=body["colour"],
            speckles_removed=body["speckles_removed"],
            confidence=float(body["mean_confidence"]),
            words=tuple(_word(w) for w in body.get("words", ())),
            text=body["text"],
            marks=PageMarks.from_dict(number, body["marks"]) if body.get("marks") else None,
            warnings=tuple(str(code) for code in body.get("warnings", ())),
        )
        image = ImageFormat(**body["image"]) if body.get("image") else None
        return cls(result=result, image=image, marks=result.marks)


def _word(w: dict[str, Any]) -> Word:
    ink = w.get("ink")
    return Word(
        text=w["text"],
        confidence=w["confidence"],
        box=Box(*w["box"]),
        line=w["line"],
        ink=ink if isinstance(ink, str) else None,
    )
