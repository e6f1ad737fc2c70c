"""A document's journey: its stages, in order, as plain functions on plain data.

    open the original → every page (in parallel) → assemble → classify → index
    open_original        run_page                  assemble   classify   (storage.search)

Each stage takes and returns plain data (paths, ``PageJob``/``PageResult``,
``StoredPage``); none knows about Celery, the database or the object store.
Runners call these stages and add only where the data lives and who runs what:

- ``sohoa ocr`` (``pipeline.local_run``): pages in a local process pool, outputs
  written as files, all at once or not at all;
- ``sohoa classify`` (``pipeline.classification.classify_file``): the same,
  then ``classify``; nothing is stored;
- the Celery tasks (``pipeline.tasks``): one task per stage, each claimed in the
  database so it has one effect however often it is delivered; pages and
  outputs go to the object store, the step reached to the document's row.

``STEPS`` is the order the Celery runner records (``documents.step``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from core.limits import Limits
from core.vietnamese import nfc
from ingest.page_source import Scan
from ingest.poppler import pdftoppm_page, pdftotext_page
from ingest.scan import open_scan
from ocr.pdf import KeptPage, OcrPage, assemble_searchable_pdf, decode_image
from pipeline.page import process_page, thumbnail_png
from pipeline.stage_data import PageJob, PageResult

if TYPE_CHECKING:  # the classifiers load their models (~0.6 s): only ``classify`` needs them
    from classifiers.classify import Classification, Classifier

# The document-level steps, in order, as the distributed runner records them:
# "pages" lasts until every page is done or failed; the others are one task each.
PAGES, ASSEMBLE, CLASSIFY, INDEX, DONE = "pages", "assemble", "classify", "index", "done"
STEPS = (PAGES, ASSEMBLE, CLASSIFY, INDEX, DONE)
# Pages kept with their own text are rendered this coarsely for their thumbnail.
KEPT_THUMB_DPI = 30


def next_step(step: str) -> str:
    """The step after ``step`` (``done`` stays ``done``)."""
    return STEPS[min(STEPS.index(step) + 1, len(STEPS) - 1)]


def open_original(path: Path, limits: Limits) -> Scan:
    """Validate the scan and describe its pages: an ``InputError`` says why it is unfit."""
    return open_scan(path, limits)


def run_page(job: PageJob) -> PageResult:
    """One page, everything about it that needs its image: OCR, thumbnail, marks, kept text.

    A page that already carries real text (a born-digital PDF) is kept as it is:
    its own text is read here (that page alone, not the whole file) and a
    thumbnail rendered from it. Picklable in and out, so it runs in a process pool
    or a Celery worker alike.
    """
    result = process_page(job)
    if not result.kept:
        return result
    path, number = job.source.path, result.number
    rendered = Image.open(io.BytesIO(pdftoppm_page(path, number, KEPT_THUMB_DPI)))
    text = nfc(pdftotext_page(path, number)).strip()
    return replace(result, text=text, thumbnail=thumbnail_png(rendered))


def pdf_page(scan_path: Path, page: PageResult) -> OcrPage | KeptPage:
    """How one page enters the searchable PDF: copied from the original, or image under words."""
    if page.kept or page.image is None:
        return KeptPage(source=scan_path, index=page.number - 1)
    return OcrPage(image=page.image, dpi=page.dpi, words=page.words)


def assemble(
    scan_path: Path,
    pages: Sequence[PageResult],
    output: Path,
    *,
    title: str,
    created: datetime | None = None,
) -> str:
    """Write the searchable PDF/A of ``pages`` (in order) to ``output``; return the text.

    ``created`` is the document's own date: with it the PDF's bytes depend on
    the pages alone, so assembling twice writes the same file.
    """
    parts = [pdf_page(scan_path, page) for page in pages]
    assemble_searchable_pdf(parts, output, title=nfc(title), when=created)
    return document_text(pages)


def document_text(pages: Sequence[PageResult]) -> str:
    """Pages separated by form feeds, as OCRmyPDF's sidecar does."""
    return "\f".join(p.text for p in pages)


def classify(classifier: Classifier, pages: Sequence[PageResult]) -> Classification:
    """Type, fields and image cues of the document made of ``pages``.

    Marks come from the page stage; a page stored before marks were (its image
    given instead) has them read here.
    """
    from classifiers.classify import ClassifierPage
    from classifiers.marks import read_marks

    classifier_pages = []
    for page in pages:
        marks = page.marks
        if marks is None and page.image is not None:
            marks = read_marks(page.number, decode_image(page.image), page.words)
        classifier_pages.append(ClassifierPage(page.number, page.text, page.words, marks))
    return classifier.classify(classifier_pages)
