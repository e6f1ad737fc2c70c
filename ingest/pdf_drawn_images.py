"""The resolution of the images a PDF page draws, read from its content streams
within a budget (a small file can inflate to gigabytes of drawing instructions)."""

from __future__ import annotations

import math
from pathlib import Path

import pikepdf

from core.limits import DEFAULT_LIMITS, Limits, size_text
from ingest.content import UnreadableStream, decoded_length
from ingest.errors import (
    CorruptFile,
    TooLarge,
)

_MAX_FORM_DEPTH = 4


#: The only operators the walk needs; pikepdf drops every other instruction while
#: parsing, so a page of millions of path operators yields a handful of objects.
_WALKED_OPERATORS = "q Q cm Do BI ID EI"


class _ContentBudget:
    """Bytes of drawing instructions a reader may interpret for one page.

    Every content stream and every drawing of a form XObject is charged its
    inflated size before it is parsed (a form drawn 1000 times costs 1000 times,
    as it does a renderer), so a page over the limit is refused before anything
    large is decoded, and the walk's time is bounded by the same number.
    """

    def __init__(self, path: Path, index: int, limit: int) -> None:
        self.path, self.index, self.limit = path, index, limit
        self.remaining = limit
        self._lengths: dict[tuple[int, int], int] = {}
        self._parsed: dict[tuple[int, int], list] = {}

    def charge(self, stream: pikepdf.Object) -> None:
        if not isinstance(stream, pikepdf.Stream):
            return
        key = stream.objgen
        length = self._lengths.get(key)
        if length is None:
            try:
                length = decoded_length(stream, self.remaining)
            except UnreadableStream as err:
                raise CorruptFile(
                    self.path, f"page {self.index + 1}: {err}, which cannot be drawn"
                ) from err
            self._lengths[key] = length
        if length > self.remaining:
            raise TooLarge(
                self.path,
                f"page {self.index + 1}: its drawing instructions inflate to more than "
                f"the limit of {size_text(self.limit)}",
            )
        self.remaining -= length

    def instructions(self, stream: pikepdf.Object) -> list:
        """The walked operators of a charged form XObject, parsed once however often drawn."""
        key = stream.objgen
        if key not in self._parsed:
            self._parsed[key] = _instructions(stream)
        return self._parsed[key]


def _content_streams(page: pikepdf.Object) -> list[pikepdf.Object]:
    contents = page.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return list(contents)
    return [contents] if contents is not None else []


def largest_image_dpi(
    page: pikepdf.Page, limits: Limits = DEFAULT_LIMITS, *, path: Path = Path(), index: int = 0
) -> float | None:
    """Resolution of the image drawn over the largest area of the page, if any.

    Walks the content stream keeping the current transformation matrix, into form
    XObjects, because scanner software often wraps the page image in one. Inline
    images count only when no image XObject is drawn: they are rare in scans.
    (``pikepdf.get_objects_with_ctm`` is not used: it concatenates ``cm`` matrices
    in the wrong order, which swaps axes on rotated pages.) Raises ``TooLarge`` when
    the instructions walked inflate past ``limits.max_page_content_bytes``.
    """
    budget = _ContentBudget(path, index, limits.max_page_content_bytes)
    for stream in _content_streams(page.obj):
        budget.charge(stream)
    found: list[tuple[float, float]] = []  # (drawn area in pt², dpi)
    inline: list[tuple[float, float]] = []
    page_instructions = _instructions(page.obj)
    _walk(
        page_instructions,
        page.obj.get("/Resources"),
        pikepdf.Matrix(),
        (found, inline),
        0,
        frozenset(),
        budget,
    )
    found = found or inline
    if not found:
        return None
    return max(found)[1]


def _walk(
    instructions: list,
    resources: pikepdf.Object | None,
    ctm: pikepdf.Matrix,
    found: tuple[list[tuple[float, float]], list[tuple[float, float]]],
    depth: int,
    seen: frozenset[tuple[int, int]],
    budget: _ContentBudget,
) -> None:
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    stack: list[pikepdf.Matrix] = []
    for instruction in instructions:
        op = str(instruction.operator)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(instruction.operands) == 6:
            ctm = _matrix(instruction.operands) @ ctm
        elif op == "INLINE IMAGE":
            image = instruction.iimage
            _record(image.width, image.height, ctm, found[1])
        elif op == "Do" and isinstance(xobjects, pikepdf.Dictionary):
            xobject = xobjects.get(str(instruction.operands[0]))
            if not isinstance(xobject, pikepdf.Stream):
                continue
            subtype = xobject.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                _record(xobject.get("/Width"), xobject.get("/Height"), ctm, found[0])
            elif subtype == pikepdf.Name.Form and depth < _MAX_FORM_DEPTH:
                key = xobject.objgen
                if key in seen:
                    continue
                budget.charge(xobject)
                matrix = xobject.get("/Matrix")
                form_ctm = _matrix(matrix) @ ctm if matrix is not None else ctm
                form_resources = xobject.get("/Resources", resources)
                form = budget.instructions(xobject)
                _walk(form, form_resources, form_ctm, found, depth + 1, seen | {key}, budget)


def _matrix(values: object) -> pikepdf.Matrix:
    return pikepdf.Matrix(*(float(v) for v in values))


def _instructions(stream: pikepdf.Object) -> list:
    """The walked operators of a page or stream whose size was charged; [] if unparsable."""
    try:
        return pikepdf.parse_content_stream(stream, _WALKED_OPERATORS)
    except pikepdf.PdfError:
        return []


def _record(
    width: object, height: object, ctm: pikepdf.Matrix, found: list[tuple[float, float]]
) -> None:
    """Note an image's drawn area and dpi: pixels over the length of its drawn edges."""
    try:
        width_px, height_px = float(width), float(height)
    except (TypeError, ValueError):
        return
    drawn_w = math.hypot(ctm.a, ctm.b) / 72
    drawn_h = math.hypot(ctm.c, ctm.d) / 72
    if width_px <= 0 or height_px <= 0 or drawn_w <= 0 or drawn_h <= 0:
        return
    area = abs(ctm.a * ctm.d - ctm.b * ctm.c)
    found.append((area, max(width_px / drawn_w, height_px / drawn_h)))
