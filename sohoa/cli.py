"""``sohoa``: the command line. It parses, calls ``pipeline``, and maps errors to exit codes."""

from __future__ import annotations

import signal
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from core.settings import get_settings
from ingest.errors import InputError
from ocr.tesseract import TesseractError
from pipeline.local_run import OutputNotWritable, PageFailed, digitise_file
from pipeline.stage_data import PAGE_WARNINGS, OcrOptions, ocr_options
from storage.private import keep_private, private_dir

# Exit codes beyond the input errors' own (3–8, see ingest.errors).
EXIT_PAGE_FAILED = 9
EXIT_OCR_ENGINE = 10
EXIT_OUTPUT = 11
EXIT_REFUSED = 12  # `ingest`: at least one file was refused (the others were taken)
EXIT_NOT_FOUND = 13
EXIT_USAGE = 2  # as click's own usage errors: the command or its settings are wrong


# Commands whose files are the user's own outputs, made under the user's umask;
# every other command is the service and keeps what it creates private.
_USER_OUTPUT_COMMANDS = frozenset({"ocr", "classify"})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sohoa")
@click.pass_context
def main(ctx: click.Context) -> None:
    """sohoa: số hóa hồ sơ — digitise commune dossiers into searchable Vietnamese PDF/A."""
    if ctx.invoked_subcommand not in _USER_OUTPUT_COMMANDS:
        keep_private()
    try:
        get_settings()
    except ValidationError as exc:  # a wrong SOHOA_* value: say which, no traceback
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        _fail(f"configuration: {problems}", EXIT_USAGE)


@main.command()
@click.argument(
    "input_files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@click.argument("output_pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sidecar",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the text (UTF-8, NFC, pages split by form feed).",
)
@click.option(
    "--json",
    "report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write per-page details: rotation, skew, confidence, word boxes, timings.",
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Pages processed at once.")
@click.option("--lang", "-l", help="Tesseract languages (default: vie).")
@click.option("--force-ocr", is_flag=True, help="OCR pages that already carry text.")
def ocr(
    input_files: tuple[Path, ...],
    output_pdf: Path,
    sidecar: Path | None,
    report: Path | None,
    jobs: int | None,
    lang: str | None,
    force_ocr: bool,
) -> None:
    """Digitise INPUT_FILES into a searchable PDF/A OUTPUT_PDF.

    One file: a PDF, TIFF, JPEG, PNG, WebP or HEIC. Several: pictures of one paper's
    pages, in order, made into one document.
    """
    _stop_on_signals()
    input_file = input_files[0]
    try:
        options = ocr_options(get_settings(), jobs=jobs, lang=lang, force_ocr=force_ocr or None)
        with _one_file(input_files, options) as source:
            result = digitise_file(source, output_pdf, options, sidecar=sidecar, report=report)
    except Interrupted as exc:
        _fail_interrupted(exc.signum)
    except InputError as exc:
        _fail(str(exc), exc.exit_code)
    except PageFailed as exc:
        _fail(str(exc), EXIT_PAGE_FAILED)
    except TesseractError as exc:
        _fail(f"{input_file.name}: {exc}", EXIT_OCR_ENGINE)
    except OutputNotWritable as exc:
        _fail(f"cannot write output: {exc}", EXIT_OUTPUT)
    pages = len(result.pages)
    kept = sum(p.kept for p in result.pages)
    note = f" ({kept} already had text, kept)" if kept else ""
    click.echo(f"{output_pdf}: {pages} page(s){note}", err=True)
    for page in result.pages:
        # Pictures bound into one document: each page is named by its own picture.
        where = (
            f"{input_files[page.number - 1].name}"
            if len(input_files) > 1
            else f"{input_file.name}: page {page.number}"
        )
        for code in page.warnings:
            click.echo(f"sohoa: warning: {where}: {PAGE_WARNINGS[code]} [{code}]", err=True)


@contextmanager
def _one_file(files: tuple[Path, ...], options: OcrOptions) -> Iterator[Path]:
    """The file to digitise: the one given, or the pictures given bound into one PDF."""
    if len(files) == 1:
        yield files[0]
        return
    from ingest.bundle import Picture, bind_pictures

    with tempfile.TemporaryDirectory(prefix="sohoa-pictures-") as folder:
        name = f"{files[0].stem} ({len(files)} ảnh).pdf"
        pictures = [Picture(path, path.name) for path in files]
        yield bind_pictures(pictures, Path(folder) / name, options.limits)


@main.command()
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
)
@click.option(
    "--dossier", "-d", required=True, help="Dossier code, e.g. 000.A0.01.H26-210212-9090."
)
@click.option("--unit", "-u", help="Unit (commune/ward) code; default SOHOA_DEFAULT_UNIT.")
@click.option(
    "--one-document",
    is_flag=True,
    help="The files are pictures of one paper's pages, in order: make them one document.",
)
def ingest(files: tuple[Path, ...], dossier: str, unit: str | None, one_document: bool) -> None:
    """Store scans in a dossier and queue them for digitising; prints document ids."""
    from ingest.bundle import Picture
    from pipeline.intake import ingest_file, ingest_pictures
    from pipeline.runtime import runtime

    rt = runtime()
    unit = unit or rt.settings.default_unit
    refused = 0
    together = one_document and len(files) > 1
    for path in files[:1] if together else files:
        try:
            if together:
                pictures = [Picture(p, p.name) for p in files]
                done = ingest_pictures(rt, pictures, dossier=dossier, unit=unit)
            else:
                done = ingest_file(rt, path, dossier=dossier, unit=unit)
        except InputError as exc:
            click.echo(f"sohoa: refused: {exc} [{exc.code}]", err=True)
            refused += 1
            continue
        except ValueError as exc:  # an invalid dossier or unit code
            _fail(str(exc), 2)
        note = "" if done.created else " (already in this dossier)"
        if done.created and not done.queued:
            note = " (stored; queued when a worker starts)"
        click.echo(f"{done.document_id}\t{path.name}\t{done.status}{note}")
    if refused:
        sys.exit(EXIT_REFUSED)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, writable=True, path_type=Path))
@click.option("--unit", "-u", help="Unit (commune/ward) code; default SOHOA_DEFAULT_UNIT.")
@click.option(
    "--settle",
    type=click.FloatRange(min=0.5),
    help="Seconds a file must stay unchanged before it is taken (default 5).",
)
@click.option("--once", is_flag=True, help="Take what is in the folder now, then exit.")
def watch(folder: Path, unit: str | None, settle: float | None, once: bool) -> None:
    """File what the scanner saves into FOLDER: split at cover sheets, then done/ or refused/.

    A PDF with QR cover sheets is split into its dossiers; another file goes to the
    dossier its subfolder names (FOLDER/<dossier code>/scan.pdf).
    """
    from pipeline.hot_folder import SETTLE_SECONDS, HotFolder, Outcome
    from pipeline.runtime import runtime

    _stop_on_signals()
    folder.mkdir(parents=True, exist_ok=True)
    rt = runtime()
    try:
        hot = HotFolder(
            rt, folder, unit or rt.settings.default_unit, settle=settle or SETTLE_SECONDS
        )
    except ValueError as exc:  # an invalid unit code
        _fail(str(exc), EXIT_USAGE)

    def report(outcome: Outcome) -> None:
        name = outcome.source.name
        if outcome.refusal is not None:
            refusal = outcome.refusal
            click.echo(f"refused\t{name}\t{refusal.code}: {refusal.reason}", err=True)
            return
        for filed in outcome.filed:
            note = "" if filed.created else " (already in this dossier)"
            click.echo(f"{filed.document_id}\t{name}\t{filed.dossier}\t{filed.pages}{note}")

    click.echo(f"sohoa: watching {hot.root} for unit {hot.unit}", err=True)
    try:
        if once:
            hot.run_until_idle(report)
        else:
            hot.run(lambda: False, report)
    except Interrupted as exc:
        _fail_interrupted(exc.signum)
    except RuntimeError as exc:  # another watcher holds the folder
        _fail(str(exc), EXIT_USAGE)


@main.command()
@click.argument("document_id")
def status(document_id: str) -> None:
    """Show a document's status, progress and failure reason."""
    from pipeline.runtime import runtime
    from storage import repository as repo

    with runtime().session() as s:
        document = repo.get_document(s, document_id)
        if document is None:
            _fail(f"no document {document_id}", EXIT_NOT_FOUND)
        click.echo(f"document:  {document.id}")
        click.echo(f"dossier:   {document.dossier.code} ({document.dossier.unit_code})")
        click.echo(f"file:      {document.filename} ({document.kind}, {document.size} bytes)")
        click.echo(f"status:    {document.status}")
        click.echo(f"progress:  {document.pages_done}/{document.page_count} pages")
        click.echo(f"type:      {document.document_type or '-'}")
        if document.failure_reason:
            click.echo(f"reason:    {document.failure_reason}")
        for page in sorted(document.pages, key=lambda p: p.number):
            if page.status == "failed":
                click.echo(f"  page {page.number}: failed: {page.failure_reason}")


@main.command()
@click.argument("query")
@click.option("--unit", "-u", multiple=True, help="Only these units.")
@click.option("--dossier", "-d", help="Only this dossier code.")
@click.option("--type", "document_type", help="Only this document type.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Uploaded on/after.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Uploaded on/before.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 200))
def search(
    query: str,
    unit: tuple[str, ...],
    dossier: str | None,
    document_type: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    limit: int,
) -> None:
    """Search the text of digitised documents, with or without accents."""
    from pipeline.runtime import runtime
    from storage.search import search as run_search

    with runtime().session() as s:
        found = run_search(
            s,
            query,
            units=list(unit) or None,
            dossier=dossier,
            document_type=document_type,
            date_from=date_from.date() if date_from else None,
            date_to=date_to.date() if date_to else None,
            limit=limit,
        )
    click.echo(f"{found.total} result(s)")
    for hit in found.hits:
        click.echo(f"{hit.document_id}\t{hit.dossier_code}\t{hit.filename}")
        click.echo(f"    {_plain(hit.snippet)}")


@main.command()
@click.argument("document_id")
def reprocess(document_id: str) -> None:
    """Queue a document again: its failed pages, or all pages if none failed."""
    from pipeline.intake import reprocess as run_reprocess
    from pipeline.runtime import runtime

    try:
        queued = run_reprocess(runtime(), document_id)
    except LookupError:
        _fail(f"no document {document_id}", EXIT_NOT_FOUND)
    click.echo(f"{document_id}\t{'queued' if queued else 'reset; queued when a worker starts'}")


@main.command()
def purge() -> None:
    """Remove from the object store what deleted documents left: their derived files, and
    their originals once SOHOA_RETAIN_ORIGINALS_DAYS have passed (workers do it too)."""
    from pipeline.deletion import purge as run_purge
    from pipeline.runtime import runtime

    click.echo(f"{run_purge(runtime())} deletion(s) finished")


@main.command()
@click.option("--concurrency", "-c", type=click.IntRange(min=1), help="Tasks at once.")
@click.option("--loglevel", default="INFO", show_default=True)
@click.option("--name", help="Node name, e.g. worker1@%h (default celery@hostname).")
def worker(concurrency: int | None, loglevel: str, name: str | None) -> None:
    """Run a pipeline worker (Celery) on the configured broker."""
    from pipeline.celery_app import QUEUES, app
    from pipeline.runtime import runtime

    runtime()  # migrate and connect before taking tasks
    args = ["worker", f"--loglevel={loglevel}", f"--queues={','.join(QUEUES)}"]
    if concurrency:
        args.append(f"--concurrency={concurrency}")
    if name:
        args.append(f"--hostname={name}")
    app.worker_main(args)


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from core.settings import get_settings
    from storage.db import migrate as run_migrate

    settings = get_settings()
    private_dir(settings.data_dir)
    run_migrate(settings.resolved_database_url)
    click.echo("database is up to date")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Serve the HTTP API. On a first start with no keys, prints an admin key once."""
    import uvicorn

    from api.app import create_app
    from api.security import ensure_admin_key
    from pipeline.runtime import runtime

    _announce_admin_key(ensure_admin_key(runtime()))
    uvicorn.run(create_app(runtime()), host=host, port=port)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--concurrency", "-c", type=click.IntRange(min=1), help="Worker tasks at once.")
def run(host: str, port: int, concurrency: int | None) -> None:
    """Everything on one machine: the API and a worker (what `make run` starts)."""
    import subprocess

    import uvicorn

    from api.app import create_app
    from api.security import ensure_admin_key
    from pipeline.runtime import runtime

    _announce_admin_key(ensure_admin_key(runtime()))
    command = [sys.executable, "-m", "sohoa", "worker", "--loglevel", "WARNING"]
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    # uvicorn, once it has shut down on SIGTERM/SIGINT, raises the signal again
    # for the handler it found installed: with Python's default for SIGTERM the
    # process died on the spot and its worker ran on. Ours unwinds instead, so
    # the worker is stopped below; and should this process be killed outright,
    # the kernel tells the worker (its parent-death signal) to stop too.
    _stop_on_signals()
    worker_process = subprocess.Popen(command, preexec_fn=_die_with_parent)
    click.echo(
        f"sohoa: API on http://{host}:{port}/docs, worker pid {worker_process.pid}", err=True
    )
    watcher = _start_watcher(runtime().settings)
    try:
        uvicorn.run(create_app(runtime()), host=host, port=port)
    except Interrupted as exc:
        _stop_worker(worker_process)
        _fail_interrupted(exc.signum)
    finally:
        _stop_worker(worker_process)
        if watcher is not None:
            _stop_worker(watcher)


def _start_watcher(settings: Any) -> Any:
    """``sohoa watch`` of SOHOA_HOT_FOLDER beside the API, or None when it is not set.

    A process of its own, like the worker: it renders pages and would stall the
    API's event loop, and it dies with ``sohoa run`` like the worker does.
    """
    import subprocess

    if settings.hot_folder is None:
        return None
    command = [sys.executable, "-m", "sohoa", "watch", str(settings.hot_folder)]
    command += ["--unit", settings.hot_folder_unit or settings.default_unit]
    process = subprocess.Popen(command, preexec_fn=_die_with_parent)
    click.echo(f"sohoa: hot folder {settings.hot_folder}, watcher pid {process.pid}", err=True)
    return process


# Seconds a worker has to finish its current tasks (a warm shutdown) before it is
# killed; a killed worker's tasks are not lost: they are not acknowledged, and
# their pages' leases run out (see pipeline.tasks).
WORKER_STOP_SECONDS = 60


def _stop_worker(process: Any) -> None:
    """SIGTERM (Celery's warm shutdown), then SIGKILL if it does not end in time."""
    import subprocess

    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=WORKER_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _die_with_parent() -> None:
    """In the worker before it starts: SIGTERM when ``sohoa run`` dies (Linux prctl)."""
    import ctypes

    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def _announce_admin_key(key: str | None) -> None:
    if key is None:
        return
    click.echo("Khóa quản trị (admin API key) — shown once, keep it safe:", err=True)
    click.echo(key)


def _plain(snippet: str) -> str:
    import html

    return html.unescape(snippet.replace("<mark>", "[").replace("</mark>", "]"))


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM as an exception: SIGTERM then runs every clean-up Ctrl-C runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop_on_signals() -> None:
    """Make SIGINT and SIGTERM stop the command the same way: by unwinding, cleaning up.

    Python's default SIGTERM kills the process on the spot, leaving its page
    workers, their Tesseract and every partial file behind. Once a stop has
    begun, further signals are ignored: a second Ctrl-C would only cut the
    clean-up short, and the stop itself takes a moment.
    """

    def stop(signum: int, frame: object) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Interrupted(signum)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)


def _fail_interrupted(signum: int) -> None:
    # The shell's convention for a process ended by a signal: 128 + its number.
    click.echo("sohoa: interrupted", err=True)
    sys.exit(128 + signum)


def _fail(message: str, code: int) -> None:
    click.echo(f"sohoa: error: {message}", err=True)
    sys.exit(code)


from sohoa.cli_classify import classifier, classify  # noqa: E402
from sohoa.cli_keys import keys  # noqa: E402

main.add_command(keys)
main.add_command(classify)
main.add_command(classifier)
