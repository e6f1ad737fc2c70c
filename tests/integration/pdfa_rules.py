"""The PDF/A-2b rules the tests check on any PDF, signed or not.

No PDF/A validator (veraPDF) is installable here (``test_pdf.test_pdfa_2b_markers``
says the same), so, as that test does, check what a validator would check, with
pikepdf and fontTools, plus qpdf's structural check and Ghostscript reading the file.
Written for files with more than the OCR writer's glyphless font (the attestation
page's fonts, the signature appearance's), so fonts are checked by what PDF/A asks of
every font: embedded, and /W widths that agree with the embedded program.
"""

from __future__ import annotations

import io
import subprocess
from datetime import datetime
from pathlib import Path

import pikepdf
from fontTools.ttLib import TTFont
from pikepdf.models.metadata import decode_pdf_date
from PIL import ImageCms

FORBIDDEN_ANNOTATION_FLAGS = 1 | 2 | 32  # Invisible, Hidden, NoView (ISO 19005-2 §6.3.2)
PRINT_FLAG = 4


def _widths(w_array: pikepdf.Array) -> dict[int, float]:
    """CID → width from a /W array (ISO 32000-1 §9.7.4.3)."""
    widths: dict[int, float] = {}
    items = list(w_array)
    i = 0
    while i < len(items):
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        else:
            last, width = int(items[i + 1]), float(items[i + 2])
            widths.update(dict.fromkeys(range(first, last + 1), width))
            i += 3
    return widths


def _font_problems(name: str, font: pikepdf.Object) -> list[str]:
    problems = []
    descendants = font.get("/DescendantFonts")
    fonts = list(descendants) if descendants is not None else [font]
    for each in fonts:
        descriptor = each.get("/FontDescriptor")
        if descriptor is None or not any(
            key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
        ):
            problems.append(f"font {name} not embedded")
            continue
        if "/FontFile2" in descriptor and "/W" in each:
            tt = TTFont(io.BytesIO(descriptor.FontFile2.read_bytes()))
            scale = 1000 / tt["head"].unitsPerEm
            order = tt.getGlyphOrder()
            gid_map = each.get("/CIDToGIDMap")
            mapping = None
            if isinstance(gid_map, pikepdf.Stream):
                raw = gid_map.read_bytes()
                mapping = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            for cid, width in _widths(each.W).items():
                if cid == 0:
                    continue  # .notdef: drawn by no text (veraPDF checks glyphs used)
                gid = mapping[cid] if mapping is not None else cid
                advance = tt["hmtx"][order[gid]][0] * scale
                if abs(advance - width) > 1:
                    problems.append(f"font {name}: CID {cid} /W {width} but glyph {advance:.0f}")
                    break
    return problems


def pdfa_2b_problems(path: Path) -> list[str]:
    """Every PDF/A-2b rule ``path`` breaks among those checked; [] when none."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        if pdf.is_encrypted:
            problems.append("encrypted")
        ids = pdf.trailer.get("/ID")
        if ids is None or len(ids) != 2:
            problems.append("no /ID in the trailer")
        intents = pdf.Root.get("/OutputIntents", [])
        if len(intents) != 1 or intents[0].S != pikepdf.Name.GTS_PDFA1:
            problems.append("no single GTS_PDFA1 output intent")
        else:
            icc = intents[0].DestOutputProfile.read_bytes()
            ImageCms.ImageCmsProfile(io.BytesIO(icc))
        metadata = pdf.Root.get("/Metadata")
        if metadata is None or "/Filter" in metadata:
            problems.append("XMP missing or filtered")
        with pdf.open_metadata() as meta:
            if meta.pdfa_status != "2B":
                problems.append(f"pdfaid says {meta.pdfa_status!r}")
            info = pdf.docinfo
            for key, xmp_key in (
                ("/Title", "dc:title"),
                ("/Creator", "xmp:CreatorTool"),
                ("/Producer", "pdf:Producer"),
            ):
                if key in info and str(info[key]) != meta.get(xmp_key):
                    problems.append(f"{key} {info[key]!s} != {xmp_key} {meta.get(xmp_key)}")
            for key, xmp_key in (
                ("/CreationDate", "xmp:CreateDate"),
                ("/ModDate", "xmp:ModifyDate"),
            ):
                if key in info and (
                    xmp_key not in meta
                    or decode_pdf_date(str(info[key])) != datetime.fromisoformat(meta[xmp_key])
                ):
                    problems.append(f"{key} disagrees with {xmp_key}")
        if "/Names" in pdf.Root and "/JavaScript" in pdf.Root.Names:
            problems.append("JavaScript")
        if "/OpenAction" in pdf.Root:
            problems.append("OpenAction")
        form = pdf.Root.get("/AcroForm")
        if form is not None and form.get("/NeedAppearances", False):
            problems.append("NeedAppearances")
        for number, page in enumerate(pdf.pages, 1):
            if "/Group" in page:
                problems.append(f"page {number}: transparency group")
            fonts = dict(page.Resources.get("/Font", {}).items())
            for name, xobject in page.Resources.get("/XObject", {}).items():
                if "/SMask" in xobject:
                    problems.append(f"page {number}: soft mask on {name}")
            for annotation in page.get("/Annots", []):
                flags = int(annotation.get("/F", 0))
                if not flags & PRINT_FLAG or flags & FORBIDDEN_ANNOTATION_FLAGS:
                    problems.append(f"page {number}: annotation flags {flags}")
                appearance = annotation.get("/AP")
                if appearance is not None:
                    if set(appearance.keys()) != {"/N"}:
                        problems.append(f"page {number}: appearance keys {list(appearance.keys())}")
                    normal = appearance.N
                    fonts.update(normal.get("/Resources", {}).get("/Font", {}).items())
                    for inner in normal.get("/Resources", {}).get("/XObject", {}).values():
                        fonts.update(inner.get("/Resources", {}).get("/Font", {}).items())
            for name, font in fonts.items():
                problems += [f"page {number}: {p}" for p in _font_problems(name, font)]
    checked = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    if checked.returncode != 0 or "No syntax or stream encoding errors" not in checked.stdout:
        problems.append("qpdf: " + checked.stdout + checked.stderr)
    options = ["-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=txtwrite", "-sOutputFile=-"]
    read = subprocess.run(["gs", *options, str(path)], capture_output=True)
    if read.returncode != 0 or b"rror" in read.stderr or b"arning" in read.stderr:
        problems.append("ghostscript: " + read.stderr.decode(errors="replace"))
    return problems
