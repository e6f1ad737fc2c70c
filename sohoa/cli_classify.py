"""``sohoa classify`` and ``sohoa classifier``: what a paper is, and retraining on corrections."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

# As sohoa.cli's (which imports this module, so they are not imported from there).
EXIT_PAGE_FAILED = 9
EXIT_OCR_ENGINE = 10
EXIT_NOT_BETTER = 14


@click.command()
@click.argument(
    "input_file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Pages processed at once.")
def classify(input_file: Path, as_json: bool, jobs: int | None) -> None:
    """OCR INPUT_FILE and say what document it is, with its key fields; stores nothing."""
    from ingest.errors import InputError
    from ocr.tesseract import TesseractError
    from pipeline.classification import classify_file
    from pipeline.local_run import PageFailed
    from pipeline.runtime import runtime
    from pipeline.stage_data import ocr_options

    rt = runtime()
    try:
        result = classify_file(rt, input_file, ocr_options(rt.settings, jobs=jobs))
    except InputError as exc:
        _fail(str(exc), exc.exit_code)
    except PageFailed as exc:
        _fail(str(exc), EXIT_PAGE_FAILED)
    except TesseractError as exc:
        _fail(f"{input_file.name}: {exc}", EXIT_OCR_ENGINE)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
        return
    from classifiers.doctypes import label  # the type table only where it is shown

    click.echo(f"type:        {result.document_type} ({label(result.document_type)})")
    click.echo(f"confidence:  {result.confidence:.2f}")
    click.echo(f"certified copy: {'yes' if result.is_certified_copy else 'no'}")
    click.echo(f"red seal:    {'yes' if result.red_seal else 'no'}")
    click.echo(f"photo:       {'yes' if result.portrait_photo else 'no'}")
    for name, field in result.fields.items():
        click.echo(f"  {name}: {field.value}  ({field.confidence:.2f}, page {field.page})")


@click.group()
def classifier() -> None:
    """The document classifier's model: retrain it on people's corrections."""


@classifier.command("train")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--force", is_flag=True, help="Use the new model even if it scores worse.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def train(seed: int, force: bool, as_json: bool) -> None:
    """Retrain from the corpus plus corrections; use the new model only if it is not worse.

    Old and new model are scored on the same held-out documents. Exit 14 when
    the new model scored worse and was kept aside (recorded, not used).
    """
    from pipeline.classification import retrain
    from pipeline.runtime import runtime

    report = retrain(runtime(), actor=_actor(), seed=seed, force=force)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
    else:
        before = report.before
        click.echo(
            f"training documents: {report.corpus_documents} corpus + "
            f"{report.corrections} corrections"
        )
        if before is not None:
            click.echo(
                f"before: accuracy {before.accuracy:.4f}, macro-F1 {before.macro_f1:.4f} "
                f"on {before.documents} held-out documents"
            )
        after = report.after
        click.echo(
            f"after:  accuracy {after.accuracy:.4f}, macro-F1 {after.macro_f1:.4f} "
            f"on {after.documents} held-out documents"
        )
        verdict = "new model in use" if report.activated else "new model is worse: kept the old one"
        click.echo(f"{verdict} (version {report.version})")
    if not report.activated:
        sys.exit(EXIT_NOT_BETTER)


def _actor() -> str:
    import getpass

    return f"cli:{getpass.getuser()}"


def _fail(message: str, code: int) -> None:
    click.echo(f"sohoa: error: {message}", err=True)
    sys.exit(code)
