"""``sohoa classifier train``: retraining on people's corrections, kept only if not worse.

The documents behind the corrections are recorded in the database with their
page text (what the pipeline stores after OCR), and the corrections go in as
``PATCH /documents/{id}`` writes them. The real CLI then retrains; the test
reads the verdict it printed and the model rows it recorded.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from classifiers.training import Example, corpus_examples, is_held_out
from core.settings import Settings
from pipeline.classification import active_classifier
from pipeline.runtime import Runtime
from storage import repository as repo
from storage.models import ClassifierModel, DocumentCorrection
from testkit import docgen
from testkit.api_harness import clean_env
from testkit.programs import SOHOA

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-261201-0777"
EXIT_NOT_BETTER = 14


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[Runtime, dict[str, str]]]:
    rt = Runtime.from_settings(Settings(_env_file=None, data_dir=tmp_path))
    active_classifier(rt)  # the base model, as a worker would install it
    yield rt, clean_env({"SOHOA_DATA_DIR": str(tmp_path)})


def record_corrections(rt: Runtime, corrected: list[tuple[str, str]]) -> None:
    """Documents with the given text, each corrected by an officer to the given type."""
    with rt.session() as s:
        repo.ensure_unit(s, UNIT)
        dossier = repo.upsert_dossier(s, UNIT, DOSSIER)
        for index, (text, document_type) in enumerate(corrected):
            sha = hashlib.sha256(f"{index}:{text}".encode()).hexdigest()
            document, _ = repo.create_document(
                s,
                dossier,
                filename=f"{index}.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=1,
                sha256=sha,
                original_key=f"x/{sha}",
                page_count=1,
            )
            for page, page_text in zip(
                repo.ensure_pages(s, document, text.count("\f") + 1),
                text.split("\f"),
                strict=True,
            ):
                page.text = page_text
            before = {"document_type": document.document_type}
            document.document_type = document_type
            s.add(
                DocumentCorrection(
                    document_id=document.id,
                    actor="key:officer",
                    unit_code=UNIT,
                    before=before,
                    after={"document_type": document_type},
                )
            )


def train(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOHOA), "classifier", "train", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def models(rt: Runtime) -> list[tuple[bool, dict]]:
    with rt.session() as s:
        rows = s.scalars(select(ClassifierModel).order_by(ClassifierModel.id))
        return [(row.active, row.metrics) for row in rows]


def training_bucket(texts: list[str]) -> list[str]:
    """Variants of the texts that fall outside the held-out split (so they are trained on)."""
    chosen = []
    for text in texts:
        for suffix in range(50):
            variant = f"{text}\n{suffix}" if suffix else text
            if not is_held_out(Example(variant, "other")):
                chosen.append(variant)
                break
    return chosen


def test_good_corrections_are_learned_and_the_new_model_used(deployment) -> None:
    rt, env = deployment
    noisy = [
        docgen.ocr_noise(docgen.text(docgen.compose("household_book", seed)), f"n{seed}")
        for seed in range(docgen.EVAL_SEED_START + 900, docgen.EVAL_SEED_START + 930)
    ]
    record_corrections(rt, [(text, "household_book") for text in noisy])
    before_version = active_classifier(rt).version
    done = train(env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["corrections"] == 30
    assert report["corpus_documents"] == len(corpus_examples())
    assert report["activated"] is True
    assert report["after"]["macro_f1"] >= report["before"]["macro_f1"]
    assert report["after"]["documents"] == report["before"]["documents"] > 100
    rows = models(rt)
    assert [active for active, _ in rows] == [False, True]
    assert rows[1][1]["corrections"] == 30
    assert active_classifier(rt).version != before_version


def test_a_worse_model_is_recorded_but_not_used(deployment) -> None:
    """Corrections that call every unrelated paper a decision: the retrained model
    then misreads the held-out unrelated papers, scores worse, and is kept aside."""
    rt, env = deployment
    others = [e.text for e in corpus_examples() if e.document_type == "other"]
    poisoned = training_bucket([f"{text}\n{n}" for n, text in enumerate(others * 3)])
    record_corrections(rt, [(text, "decision") for text in poisoned])
    before_version = active_classifier(rt).version
    done = train(env)
    assert done.returncode == EXIT_NOT_BETTER, done.stderr
    report = json.loads(done.stdout)
    assert report["activated"] is False
    before, after = report["before"], report["after"]
    assert after["macro_f1"] < before["macro_f1"] or after["accuracy"] < before["accuracy"]
    rows = models(rt)
    assert [active for active, _ in rows] == [True, False]  # base still in use, new one kept
    assert active_classifier(rt).version == before_version
