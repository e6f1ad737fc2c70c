"""The OCR engine failing as it does in the field, injected at the engine itself.

A ``tesseract`` stand-in first on the PATH crashes (SIGSEGV), is killed as the
OOM killer would (SIGKILL), or writes output that is not text. Each time the
page fails visibly, with a reason naming it, the command exits with its stable
code and no output is left behind; the next run with the real engine works.
"""

from __future__ import annotations

import subprocess

import pytest

from testkit import pagegen
from testkit.api_harness import clean_env
from testkit.pipeline_harness import engine_shim
from testkit.programs import SOHOA

EXIT_PAGE_FAILED = 9
EXIT_OCR_ENGINE = 10


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    path = tmp_path_factory.mktemp("scan") / "giấy tờ.png"
    pagegen.render_page(31, n_lines=5).image.save(path, dpi=(300, 300))
    return path


def _ocr(scan, out, shim: dict[str, str] | None) -> subprocess.CompletedProcess[str]:
    env = clean_env({"SOHOA_DATA_DIR": str(out.parent / "data")})
    env.update(shim or {})
    return subprocess.run(
        [str(SOHOA), "ocr", str(scan), str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("behaviour", "says"),
    [
        ("crash", "Segmentation fault"),
        ("oom", "tesseract failed"),
        ("garbage", "tesseract output is not UTF-8 text"),
    ],
)
def test_a_failing_engine_fails_the_page_visibly(scan, tmp_path, behaviour, says):
    out = tmp_path / "out.pdf"
    broken = _ocr(scan, out, engine_shim(tmp_path / "engine", behaviour))
    assert broken.returncode in (EXIT_PAGE_FAILED, EXIT_OCR_ENGINE), broken.stderr
    assert broken.stderr.startswith("sohoa: error:"), broken.stderr
    assert says in broken.stderr
    assert "Traceback" not in broken.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["engine"]

    healthy = _ocr(scan, out, None)
    assert healthy.returncode == 0, healthy.stderr
    assert out.read_bytes().startswith(b"%PDF-")
