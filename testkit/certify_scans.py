"""Scans for certifying: an original birth certificate printing the child's personal ID
number, faithful rescans of it, and a copy with one digit of that number changed.

Drawn by ``testkit.docgen`` (no real person's paper), as PNG at 200 dpi, for the tests
that compare and certify through a live server and a worker.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from PIL import Image

from testkit import docgen, pagegen


def altered(doc: docgen.TypedDocument, old: str, new: str) -> docgen.TypedDocument:
    """The same document with ``old`` replaced by ``new`` wherever it is printed."""
    pages = tuple(
        dataclasses.replace(
            page,
            lines=tuple(
                dataclasses.replace(
                    line,
                    text=line.text.replace(old, new),
                    values=tuple(v.replace(old, new) for v in line.values),
                    cells=tuple(c.replace(old, new) for c in line.cells),
                )
                for line in page.lines
            ),
        )
        for page in doc.pages
    )
    return dataclasses.replace(doc, pages=pages)


def as_png(image: Image.Image, path: Path) -> bytes:
    return pagegen.save_png(image, path, 200).read_bytes()


def birth_certificate_scans(folder: Path, seed: int) -> dict[str, bytes | str]:
    """``original``, ``faithful`` and ``second`` (two rescans), ``forged`` (one digit of the
    ID number changed) as PNG bytes, and the ID ``number`` printed on them."""
    for candidate in range(seed, seed + 50):
        doc = docgen.compose("birth_certificate", candidate)
        found = re.search(r"\b\d{12}\b", docgen.text(doc))
        if found:
            break
    assert found, "no birth certificate with a personal ID number in 50 seeds"
    number = found.group()
    changed = number[:7] + str((int(number[7]) + 3) % 10) + number[8:]
    original = docgen.render(doc, dpi=200)[0].image
    rescan = pagegen.salt_and_pepper(original.rotate(0.8, fillcolor="white"), 0.005, 7)
    forged = docgen.render(altered(doc, number, changed), dpi=200)[0].image
    return {
        "original": as_png(original, folder / "original.png"),
        "faithful": as_png(rescan, folder / "faithful.png"),
        "second": as_png(original.rotate(-0.5, fillcolor="white"), folder / "second.png"),
        "forged": as_png(forged, folder / "forged.png"),
        "number": number,
    }
