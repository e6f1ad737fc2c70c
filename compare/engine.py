"""Compare an original paper with the copy presented: "bản sao đúng với bản chính"?

A certification officer must confirm that a copy says exactly what the
original says. This package does the looking for them, as pure functions on
plain data (no I/O): :func:`compare_pages` takes both pages as they leave the
pipeline (cleaned image, OCR words, dpi) and returns

1. the registration: the similarity transform laying the copy on the original
   (:mod:`compare.register`), with its quality;
2. a word-level text diff of the two OCR readings (:mod:`compare.textdiff`),
   changes touching digits (ID numbers, dates, amounts) marked critical;
3. the image difference of the black print (:mod:`compare.imagediff`):
   marks removed, added or altered, grouped into regions (:mod:`compare.ink_regions`);
   coloured ink (seals, signatures, which a certified copy legitimately adds)
   reported apart;
4. a verdict (:mod:`compare.verdict`): ``identical``, ``differences``
   (with a count) or ``manual_check`` when the comparison cannot be trusted,
   and an overlay image showing everything on the original.

The text and the pixels check each other. OCR reads two scans of one page a
little differently ("TỈNH" and "TÍNH"), so a text change only counts when the
pixels of that word differ too on the aligned pages (:mod:`compare.word_pixels`);
otherwise it is recorded as ``ocr_uncertain``, and many of those send the page
to a person. A pixel change that OCR did not notice still counts, as an image
region.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np
from PIL import Image

from compare.comparison_types import (
    CharSpan,
    ColourMark,
    DocumentComparison,
    ImageRegion,
    PageComparison,
    PageView,
    Registration,
    TextOp,
)
from compare.imagediff import InkDiff, ink_diff
from compare.ink_regions import find_colour_marks, find_regions, region_kind
from compare.overlay import draw_overlay
from compare.register import register
from compare.textdiff import diff_words, judge
from compare.verdict import LOW_WORD_CONFIDENCE, Evidence, decide, decide_document
from compare.word_pixels import WordEvidence, word_evidence
from ocr.words import Box, Word

__all__ = [
    "CharSpan",
    "ColourMark",
    "DocumentComparison",
    "ImageRegion",
    "PageComparison",
    "PageView",
    "Registration",
    "TextOp",
    "compare_documents",
    "compare_pages",
    "register",
]

# Copy print beyond the original's page edges (at 200 dpi) that counts as a difference.
_OUTSIDE_MIN_PX = 200


def compare_pages(original: PageView, copy: PageView, *, overlay: bool = True) -> PageComparison:
    """Compare one page of the original with the matching page of the copy.

    ``overlay=False`` skips drawing the picture (it is the slowest output and
    an API may only want the JSON).
    """
    registration = register(original, copy)
    ops = diff_words(original.words, copy.words, registration if registration.ok else None)
    if not registration.ok:
        return _finish(original, copy, registration, [judge(op, None, 1.0) for op in ops])
    diff = ink_diff(original, copy, registration)
    scale = (original.dpi / 200.0) ** 2
    evidence: dict[int, WordEvidence] = {}
    judged = []
    for index, op in enumerate(ops):
        area = op.area
        if op.kind != "equal" and area is not None:
            evidence[index] = word_evidence(diff, area)
            op = judge(op, evidence[index].pixels, scale)
            op = replace(op, under_colour=evidence[index].pixels is None)
        judged.append(op)
    confirmed = {i: ev for i, ev in evidence.items() if judged[i].status == "difference"}
    regions = _link_regions(find_regions(diff), judged, original.words, diff.px(3))
    regions = _with_word_regions(regions, judged, confirmed)
    marks = find_colour_marks(diff)
    picture = None
    if overlay:
        removed, added = _painted(diff, regions, confirmed.values())
        picture = draw_overlay(diff, removed, added, judged, regions, marks)
    return _finish(original, copy, registration, judged, regions, marks, diff, picture)


def _digits(words: Sequence[Word]) -> bool:
    return any(ch.isdigit() for w in words for ch in w.text)


def _under_colour_share(words: Sequence[Word], diff: InkDiff | None) -> float:
    """Share of the original's words mostly covered by the blind (coloured-ink) zone."""
    if diff is None or not words:
        return 0.0
    covered = 0
    for w in words:
        window = diff.blind[max(0, w.box.top) : w.box.bottom, max(0, w.box.left) : w.box.right]
        covered += bool(window.size and window.mean() > 0.5)
    return covered / len(words)


def compare_documents(
    pairs: Iterable[tuple[PageView, PageView]], *, overlay: bool = True
) -> DocumentComparison:
    """Compare page pairs (original, copy) in order; one verdict for the whole document.

    Pairing pages is the caller's business (page n with page n, usually); a
    document whose copy lacks pages should be told so before calling.
    """
    pages = tuple(compare_pages(original, copy, overlay=overlay) for original, copy in pairs)
    decision = decide_document(pages)
    return DocumentComparison(
        verdict=decision.verdict,
        reason=decision.reason,
        verdict_line=decision.line,
        difference_count=sum(p.difference_count for p in pages),
        pages=pages,
    )


def _overlaps(a: Box, b: Box, pad: int) -> bool:
    return (
        a.left - pad < b.right
        and b.left < a.right + pad
        and a.top - pad < b.bottom
        and b.top < a.bottom + pad
    )


def _overlap_area(a: Box, b: Box) -> int:
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.bottom, b.bottom) - max(a.top, b.top)
    return max(0, w) * max(0, h)


def _link_regions(
    regions: Sequence[ImageRegion], ops: Sequence[TextOp], words: Sequence[Word], pad: int
) -> list[ImageRegion]:
    """Tie each region to the text difference it shows, and flag those touching digits."""
    digit_boxes = [w.box for w in words if _digits([w])]
    linked = []
    for region in regions:
        candidates = [
            (_overlap_area(region.box, area), index)
            for index, op in enumerate(ops)
            if op.status == "difference"
            and (area := op.area) is not None
            and _overlaps(region.box, area, pad)
        ]
        text_op = max(candidates)[1] if candidates else None
        critical = (text_op is not None and ops[text_op].critical) or any(
            _overlaps(region.box, box, 0) for box in digit_boxes
        )
        linked.append(replace(region, text_op=text_op, critical=critical))
    return linked


def _with_word_regions(
    regions: Sequence[ImageRegion], ops: Sequence[TextOp], confirmed: dict[int, WordEvidence]
) -> list[ImageRegion]:
    """A region for each confirmed text change the page-wide comparison was too coarse for.

    The page-wide pass tolerates two pixels of play, which hides a stroke added
    to turn a 6 into an 8; the close look at the word saw it, so the image
    difference shows it too.
    """
    shown = {r.text_op for r in regions}
    extra = []
    for index, ev in confirmed.items():
        box = ev.changed_box
        if index in shown or box is None:
            continue
        removed, added = int(ev.removed.sum()), int(ev.added.sum())
        extra.append(
            ImageRegion(
                kind=region_kind(removed, added),
                box=box,
                removed_px=removed,
                added_px=added,
                critical=ops[index].critical,
                text_op=index,
            )
        )
    return sorted([*regions, *extra], key=lambda r: (r.box.top, r.box.left))


def _painted(
    diff: InkDiff, regions: Sequence[ImageRegion], evidence: Iterable[WordEvidence]
) -> tuple[np.ndarray, np.ndarray]:
    """The marks to paint: those of reported regions and of confirmed text changes.

    Specks below the reporting threshold are left out, so everything coloured
    in the picture is something the officer is told about.
    """
    removed, added = np.zeros_like(diff.removed), np.zeros_like(diff.added)
    for region in regions:
        window = (
            slice(region.box.top, region.box.bottom),
            slice(region.box.left, region.box.right),
        )
        removed[window] |= diff.removed[window]
        added[window] |= diff.added[window]
    for ev in evidence:
        w = ev.window
        removed[w.top : w.bottom, w.left : w.right] |= ev.removed
        added[w.top : w.bottom, w.left : w.right] |= ev.added
    return removed, added


def _notes(
    ops: Sequence[TextOp], marks: Sequence[ColourMark], diff: InkDiff | None, outside: bool
) -> tuple[str, ...]:
    """Vietnamese remarks for the officer about what was left out of the count, and why."""
    notes = []
    uncertain = [op for op in ops if op.status == "ocr_uncertain"]
    checked = sum(1 for op in uncertain if not op.unverified)
    under_colour = sum(1 for op in uncertain if op.under_colour and not op.colour_mark_text)
    unaligned = sum(1 for op in uncertain if op.unverified and not op.under_colour)
    mark_text = sum(1 for op in uncertain if op.colour_mark_text)
    if checked:
        notes.append(f"{checked} chỗ OCR đọc khác nhau nhưng ảnh giống nhau (không tính)")
    if under_colour:
        notes.append(
            f"{under_colour} chỗ OCR đọc khác nhau dưới dấu/chữ ký màu, "
            "không đối chiếu được bằng ảnh"
        )
    if unaligned:
        notes.append(
            f"{unaligned} chỗ OCR đọc khác nhau không đối chiếu được bằng ảnh "
            "(hai trang không căn chỉnh được)"
        )
    if mark_text:
        notes.append(f"{mark_text} chữ trong dấu/chữ ký màu chỉ đọc được trên một bản (không tính)")
    added = sum(1 for m in marks if m.kind == "added")
    removed = len(marks) - added
    if added:
        notes.append(f"{added} dấu/chữ ký màu chỉ có trên bản sao (không tính là khác biệt)")
    if removed:
        notes.append(f"{removed} dấu/chữ ký màu chỉ có trên bản chính (không tính là khác biệt)")
    if diff is not None and diff.colour_ignored:
        notes.append("Bản sao đen trắng: vùng dấu màu của bản chính không được so sánh nét")
    if outside:
        notes.append("Bản sao có nội dung nằm ngoài khổ giấy của bản chính")
    return tuple(notes)


def _finish(
    original: PageView,
    copy: PageView,
    registration: Registration,
    ops: Sequence[TextOp],
    regions: Sequence[ImageRegion] = (),
    marks: Sequence[ColourMark] = (),
    diff: InkDiff | None = None,
    picture: Image.Image | None = None,
) -> PageComparison:
    outside = diff is not None and diff.copy_ink_outside >= diff.area(_OUTSIDE_MIN_PX)
    text_differences = [op for op in ops if op.status == "difference"]
    image_only = [r for r in regions if r.text_op is None]
    count = len(text_differences) + len(image_only) + int(outside)
    critical = sum(1 for op in text_differences if op.critical) + sum(
        1 for r in image_only if r.critical
    )
    uncertain = [op for op in ops if op.status == "ocr_uncertain" and not op.colour_mark_text]
    decision = decide(
        Evidence(
            registration_ok=registration.ok,
            confidence_original=original.mean_confidence,
            confidence_copy=copy.mean_confidence,
            low_word_share=max(
                original.low_confidence_share(LOW_WORD_CONFIDENCE),
                copy.low_confidence_share(LOW_WORD_CONFIDENCE),
            ),
            words_original=len(original.words),
            words_copy=len(copy.words),
            uncertain=len(uncertain),
            differences=count,
            critical=critical,
            unverified_critical=sum(
                1 for op in uncertain if op.unverified and _digits(op.original)
            ),
            text_under_colour=_under_colour_share(original.words, diff),
        )
    )
    return PageComparison(
        verdict=decision.verdict,
        reason=decision.reason,
        verdict_line=decision.line,
        difference_count=count,
        registration=registration,
        text_ops=tuple(ops),
        regions=tuple(regions),
        colour_marks=tuple(marks),
        scores=_scores(original, copy, registration, ops, diff),
        notes=_notes(ops, marks, diff, outside),
        size=original.image.size,
        dpi=original.dpi,
        overlay=picture,
    )


def _scores(
    original: PageView,
    copy: PageView,
    registration: Registration,
    ops: Sequence[TextOp],
    diff: InkDiff | None,
) -> dict[str, float]:
    equal = sum(len(op.original) for op in ops if op.kind == "equal")
    compared = sum(max(len(op.original), len(op.copy)) for op in ops)
    scores = {
        "ocr_confidence_original": original.mean_confidence,
        "ocr_confidence_copy": copy.mean_confidence,
        "low_confidence_words_original": original.low_confidence_share(LOW_WORD_CONFIDENCE),
        "low_confidence_words_copy": copy.low_confidence_share(LOW_WORD_CONFIDENCE),
        "words_original": float(len(original.words)),
        "words_copy": float(len(copy.words)),
        "text_agreement": equal / compared if compared else 0.0,
        "ocr_uncertain": float(sum(1 for op in ops if op.status == "ocr_uncertain")),
        "ink_agreement": registration.ink_agreement,
        "registration_residual_px": registration.residual_px,
    }
    if diff is not None:
        ink = max(1, int(diff.original_ink.sum()))
        scores["ink_changed_share"] = float(diff.changed.sum()) / ink
        scores["text_under_colour"] = _under_colour_share(original.words, diff)
    return scores
