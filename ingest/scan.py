"""Validate a scan file and describe each of its pages for rasterising.

:func:`open_scan` is the gate every input passes, on the command line and at
upload time, so it must be cheap and must refuse bad input with an
:class:`~ingest.errors.InputError` rather than a traceback. What it returns is plain,
picklable data (:class:`PageSource`) from which a worker process rasterises one page
without opening the whole document again.

Resolution (dpi) policy
-----------------------
Images are never resampled to a new resolution; ``dpi`` says what the pixels mean.

* The dpi stored in the file (JFIF/EXIF, PNG ``pHYs``, TIFF resolution tags) is
  used when plausible: between 70 and 2400, at most 3:1 between x and y, and not
  the 72/96 dpi that cameras, phones and editors write by default whatever the
  picture: 72 or 96 dpi is only believed when it makes the sheet no bigger than
  A3 (long side <= 17.5 in), since no one photographs an A0 sheet at 72 dpi.
* Otherwise the image is assumed to span an A4 page, long side 11.69 in, which
  is what clerks scan and photograph; phone photos have no real dpi.
* Non-square pixels (fax TIFFs at 204×98 dpi) are resampled to square pixels at
  the larger of the two resolutions, since OCR and the PDF page assume squares.

PDF pages are rendered at the resolution of the largest image drawn on the page
(image pixels over the inches it is drawn across, following the transformation
matrices of the content stream), rounded to a whole dpi and clamped to
``[min_dpi, max_dpi]``; ``default_dpi`` when the page draws no image. If that
would exceed ``max_pixels`` the dpi is lowered to fit, but never below
``min_dpi``: below that OCR suffers, so the page is refused as too large instead.

A PDF without pages is refused as :class:`EmptyFile`: like a 0-byte file it is a
readable file with nothing in it to digitise, and the cure is the same (rescan).

Pillow's decompression-bomb guard
---------------------------------
Pillow warns above ``Image.MAX_IMAGE_PIXELS`` (89 MP) and refuses above twice
that. Our own ``max_pixels`` check runs on the header size of every frame before
it is decoded; Pillow's warning is silenced only inside ``image_files.pillow_guard``
(``warnings.catch_warnings``, so never for other code) and its error becomes
:class:`TooLarge`. Pillow's global limit is left untouched, so it stays as a
backstop: a ``max_pixels`` above about 178 MP would also need it raised. (Before
Python 3.14 ``catch_warnings`` swaps process-wide filters, so in a threaded server
another thread may briefly share the silenced filter; nothing else is changed.)
Truncated images are only caught while ``ImageFile.LOAD_TRUNCATED_IMAGES`` keeps its
default ``False``; nothing in sohoa may set it.
"""

from __future__ import annotations

from pathlib import Path

from core.limits import DEFAULT_LIMITS, Limits, size_text
from ingest.errors import (
    EmptyFile,
    TooLarge,
)
from ingest.image_files import image_pages
from ingest.page_source import Scan
from ingest.pdf_files import pdf_pages
from ingest.sniff import sniff


def open_scan(path: Path, limits: Limits = DEFAULT_LIMITS, *, decode: bool = True) -> Scan:
    """Validate a scan file and describe its pages; raise an ``InputError`` if unfit.

    Images are decoded in full (a truncated upload must be caught now, not halfway
    through a batch); PDFs are parsed but not rendered. With ``decode=False`` (the
    API at upload time, where several uploads run at once) images are checked from
    their headers and a bounded decode instead: a PNG's compressed data is inflated
    in chunks and must fill every row, JPEGs decode at 1/8 scale as always, TIFF
    strips and tiles must lie inside the file; the worker's full decode reports
    whatever damage is left. ``OSError`` (missing or
    unreadable path) is not an ``InputError`` and propagates: it is the caller's or
    the system's fault, not the content's.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(path, "the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise TooLarge(
            path,
            f"the file is {size_text(size)}, "
            f"more than the limit of {size_text(limits.max_file_bytes)}",
        )
    kind = sniff(path)
    if kind == "pdf":
        pages = pdf_pages(path, limits)
    else:
        pages = image_pages(path, kind, limits, decode=decode)
    return Scan(path=path, kind=kind, page_count=len(pages), pages=pages)
