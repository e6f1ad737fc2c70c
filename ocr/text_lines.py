"""Text lines found by a neural detector, for pages Tesseract's layout analysis loses.

On phone photos Tesseract mostly fails to *find* the text, not to read it: uneven
light, a textured background, a stamp or a table make its page-layout analysis
take blocks of text for pictures. The PP-OCR text-line detector that ships inside
the ``rapidocr`` wheel (PP-OCRv6 small, Apache-2.0, its weights in the wheel, run
by onnxruntime on the CPU) finds the lines; Tesseract then reads each line as a
single line (``ocr.tesseract_api.recognise_lines``). RapidOCR's own recogniser is
not used: its character set lacks most Vietnamese letters (ắ ặ ế ộ ữ …).

Only the default models are named, the ones in the wheel: any other choice makes
RapidOCR download weights at run time, which this service never does.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from ocr.words import Box

DETECT_LONG_SIDE = 1600
"""The page is searched at this size. Body text of an A4 page is then ~14 px high,
plenty for the detector, and its time and memory stay bounded whatever the photo's
size (a 12 MP photo at full size took ~1 GB)."""

MIN_LINE_HEIGHT = 6
"""Lines lower than this (page pixels at detection size) are specks, not text."""

SAME_ROW = 0.5
"""Two lines are on one row when their centres are closer than this share of the
lower one's height: the two-column header of an administrative paper (issuing
body left, national motto right) is one row, read left piece first."""


@dataclass(frozen=True, slots=True)
class _Detector:
    """RapidOCR with only its detector: its classifier and recogniser are never loaded."""

    ocr: object
    lock: threading.Lock


@cache
def _detector(pid: int) -> _Detector:
    """One detector per process (``pid`` keys the cache: a forked child builds its own)."""
    from rapidocr import RapidOCR  # imported here: onnxruntime is heavy and only this needs it

    ocr = RapidOCR(
        params={
            "Global.use_cls": False,
            "Global.use_rec": False,
            "Global.log_level": "error",
            # one thread: pages run in parallel, one per core (as Tesseract does)
            "EngineConfig.onnxruntime.intra_op_num_threads": 1,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )
    return _Detector(ocr, threading.Lock())


def detect_lines(image: Image.Image) -> list[Box]:
    """Boxes of the text lines of a page image, in reading order, in its pixels."""
    scale = min(1.0, DETECT_LONG_SIDE / max(image.size))
    small = image.convert("RGB")
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        small = small.resize(size, Image.Resampling.BILINEAR)
    detector = _detector(os.getpid())
    with detector.lock:  # one inference session, not shared by two threads at once
        found = detector.ocr(np.asarray(small), use_det=True, use_cls=False, use_rec=False)
    quads = getattr(found, "boxes", None)
    if quads is None or len(quads) == 0:
        return []
    boxes = []
    for quad in np.asarray(quads, dtype=float):
        (left, top), (right, bottom) = quad.min(axis=0), quad.max(axis=0)
        if bottom - top < MIN_LINE_HEIGHT:
            continue
        boxes.append(
            Box(
                max(0, int(left / scale)),
                max(0, int(top / scale)),
                min(image.width, int(np.ceil(right / scale))),
                min(image.height, int(np.ceil(bottom / scale))),
            )
        )
    return reading_order(boxes)


def reading_order(boxes: list[Box]) -> list[Box]:
    """Rows top to bottom, and within a row left to right."""
    rows: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.top + b.bottom) / 2):
        if rows:
            last = rows[-1][-1]
            gap = abs((box.top + box.bottom) / 2 - (last.top + last.bottom) / 2)
            if gap < SAME_ROW * min(box.height, last.height):
                rows[-1].append(box)
                continue
        rows.append([box])
    return [box for row in rows for box in sorted(row, key=lambda b: b.left)]
