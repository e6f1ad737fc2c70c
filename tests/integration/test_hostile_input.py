"""Hostile input files: each is refused (or processed) within stated memory and time.

The files are built by :mod:`testkit.hostile`. Memory is measured on the real
processes: ``sohoa ocr`` run under a small wrapper that reports the peak resident
size of its children (``getrusage(RUSAGE_CHILDREN)``), and a live ``sohoa serve``
whose peak is read from ``/proc`` (``VmHWM``). Each run is also capped with
``prlimit --as`` so that a regression fails the test instead of taking the machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.errors import CorruptFile, TooLarge
from ingest.scan import open_scan
from testkit import hostile
from testkit.api_harness import ApiServer, clean_env, embedded_settings
from testkit.programs import SOHOA

MIB = 1024 * 1024
GIB = 1024 * MIB

#: Address-space cap of a process under test: far above the bounds asserted, far
#: below what the unbounded code reached (18 GB), so a regression fails, not swaps.
SAFETY_AS_BYTES = 6 * GIB

#: What ``sohoa ocr`` may use on a 1 GiB-inflating page (the issue's ceiling).
CLI_CEILING_BYTES = 1 * GIB

#: What the API may add to its resident peak while refusing a 50 MiB-inflating page;
#: before the fix it took 5.5 GB.
API_GROWTH_BYTES = 200 * MIB

UNIT = "000.00.00.H31"
DOSSIER = "000.A0.01.H31-261203-0001"

_PEAK_OF_CHILD = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": done.returncode, "stderr": done.stderr,
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def run_measured(*args: object, env: dict[str, str] | None = None) -> tuple[int, str, int]:
    """Run a command (capped at ``SAFETY_AS_BYTES``); its exit code, stderr and peak RSS."""
    command = ["prlimit", f"--as={SAFETY_AS_BYTES}", *map(str, args)]
    wrapper = [sys.executable, "-c", _PEAK_OF_CHILD, *command]
    done = subprocess.run(wrapper, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return report["rc"], report["stderr"], report["peak_kib"] * 1024


# --- Content-stream bomb -------------------------------------------------------------


def test_content_bomb_is_refused_by_sohoa_ocr_in_bounded_memory(tmp_path: Path) -> None:
    bomb = hostile.content_bomb_pdf(tmp_path / "bomb.pdf", 1 * GIB)
    assert bomb.stat().st_size < 3 * MIB  # 1 GiB of instructions in a small upload

    rc, stderr, peak = run_measured(SOHOA, "ocr", bomb, tmp_path / "out.pdf")

    assert rc == TooLarge.exit_code, stderr
    assert "bomb.pdf: page 1: its drawing instructions inflate to more than" in stderr
    assert "32.0 MiB" in stderr
    assert peak <= CLI_CEILING_BYTES, f"peak resident {peak / MIB:.0f} MiB"
    assert not (tmp_path / "out.pdf").exists()


def test_content_limit_is_a_setting(tmp_path: Path) -> None:
    """A 20 MiB page passes the default and is refused under SOHOA_MAX_PAGE_CONTENT_MB=8."""
    page = hostile.content_bomb_pdf(tmp_path / "dense.pdf", 20 * MIB)
    assert open_scan(page).page_count == 1
    env = clean_env({"SOHOA_MAX_PAGE_CONTENT_MB": "8", "SOHOA_DATA_DIR": str(tmp_path)})
    rc, stderr, _ = run_measured(SOHOA, "ocr", page, tmp_path / "out.pdf", env=env)
    assert rc == TooLarge.exit_code, stderr
    assert "more than the limit of 8.0 MiB" in stderr


def test_bomb_inside_a_form_drawn_by_the_page_is_refused(tmp_path: Path) -> None:
    bomb = hostile.content_bomb_pdf(tmp_path / "form.pdf", 64 * MIB, in_form=True)
    with pytest.raises(TooLarge, match="drawing instructions inflate to more than"):
        open_scan(bomb)


def test_a_form_drawn_many_times_counts_every_time(tmp_path: Path) -> None:
    """1 MiB drawn 40 times is 40 MiB for a renderer: over the 32 MiB default."""
    once = hostile.content_bomb_pdf(tmp_path / "once.pdf", 1 * MIB, in_form=True, draws=1)
    assert open_scan(once).page_count == 1
    many = hostile.content_bomb_pdf(tmp_path / "many.pdf", 1 * MIB, in_form=True, draws=40)
    with pytest.raises(TooLarge, match="drawing instructions"):
        open_scan(many)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    data = tmp_path_factory.mktemp("hostile-api")
    # A deployment with memory for a 150 MP page (the 12200² PNG below: 149 MP).
    settings = embedded_settings(data, SOHOA_PAGE_MEMORY_MB="6144")
    server = ApiServer(settings, data / "serve.log").start()
    yield server
    server.stop()


def reset_peak(pid: int) -> None:
    """Start a new ``VmHWM`` measurement (``clear_refs`` 5 resets the peak to now)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def peak_resident_bytes(pid: int) -> int:
    """``VmHWM`` of a live process: the most it has been resident since the last reset."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmHWM for process {pid}")


# Runs before the bomb upload: a server whose heap once grew keeps those pages
# resident, and a later decode reusing them would not raise the peak.
def test_upload_validation_checks_a_big_png_without_decoding_it(
    api: ApiServer, tmp_path: Path
) -> None:
    """12200×12200 RGB is 450 MB decoded; the API checks it in a few MB and stores it."""
    png = hostile.png_of_size(tmp_path / "a0.png", 12_200, 12_200).read_bytes()
    truncated = png[: len(png) // 2]
    assert api.process is not None
    clerk = api.client(api.create_key("clerk", UNIT))
    code = urllib.parse.quote(DOSSIER, safe="")
    assert clerk.put(f"/api/v1/dossiers/{code}", json={"unit": UNIT}).status_code in (200, 201)
    reset_peak(api.process.pid)
    before = peak_resident_bytes(api.process.pid)

    def send(name: str, data: bytes) -> httpx.Response:
        return clerk.post(
            f"/api/v1/dossiers/{code}/documents", files=[("files", (name, data, "image/png"))]
        )

    accepted = send("a0.png", png)
    refused = send("cut.png", truncated)

    assert accepted.status_code == 202, accepted.text
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "corrupt_file"
    growth = peak_resident_bytes(api.process.pid) - before
    assert growth <= API_GROWTH_BYTES, f"the API grew by {growth / MIB:.0f} MiB"


def test_content_bomb_upload_is_refused_with_the_api_memory_bounded(
    api: ApiServer, tmp_path: Path
) -> None:
    bomb = hostile.content_bomb_pdf(tmp_path / "bomb.pdf", 50 * MIB).read_bytes()
    assert api.process is not None
    clerk = api.client(api.create_key("clerk", UNIT))
    code = urllib.parse.quote(DOSSIER, safe="")
    assert clerk.put(f"/api/v1/dossiers/{code}", json={"unit": UNIT}).status_code in (200, 201)
    reset_peak(api.process.pid)
    before = peak_resident_bytes(api.process.pid)

    answer = clerk.post(
        f"/api/v1/dossiers/{code}/documents",
        files=[("files", ("bản đồ.pdf", bomb, "application/pdf"))],
    )

    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"
    message = answer.json()["files"][0]["error"]["message"]
    assert message.startswith("bản đồ.pdf: page 1: its drawing instructions inflate to more than")
    growth = peak_resident_bytes(api.process.pid) - before
    assert growth <= API_GROWTH_BYTES, f"the API grew by {growth / MIB:.0f} MiB"
    assert httpx.get(f"{api.base_url}/healthz", timeout=5).status_code == 200


# --- Pages that cost more than they hold ---------------------------------------------


def test_a_jpeg_too_small_for_its_declared_size_is_refused(tmp_path: Path) -> None:
    """A few hundred bytes claiming 12000×12000: libjpeg would pad 144 MP of grey."""
    bomb = hostile.jpeg_claiming(tmp_path / "blank.jpg", 12_000, 12_000)
    assert bomb.stat().st_size < 1000
    with pytest.raises(CorruptFile, match="declares 12000×12000 pixels but holds only"):
        open_scan(bomb)
    with pytest.raises(CorruptFile, match="most of the picture is missing"):
        open_scan(bomb, decode=False)


def test_a_page_nested_too_deep_is_corrupt_not_empty(tmp_path: Path) -> None:
    path = hostile.nested_arrays_pdf(tmp_path / "nested.pdf", 100_000)
    with pytest.raises(CorruptFile, match=r"page list is damaged .*nested"):
        open_scan(path)


# --- Pages too big for the memory of one page -----------------------------------------


def test_a_page_over_the_memory_budget_is_refused_at_once(tmp_path: Path) -> None:
    """A 416-byte PDF with a 60-inch page took 3.8 GB and a minute for a blank page."""
    huge = hostile.huge_page_pdf(tmp_path / "poster.pdf", 60)
    assert huge.stat().st_size < 1024
    env = clean_env({"SOHOA_DATA_DIR": str(tmp_path)})
    rc, stderr, peak = run_measured(SOHOA, "ocr", huge, tmp_path / "out.pdf", env=env)
    assert rc == 8 and "megapixels" in stderr, stderr
    assert peak < 300 * MIB
    assert not (tmp_path / "out.pdf").exists()


def test_a_page_within_the_budget_is_processed_within_it(tmp_path: Path) -> None:
    """The budget is a promise: a page just under it is digitised in no more memory.

    A 15-inch square page renders at 300 dpi to 20 MP; a 700 MiB budget allows
    23 MP. The largest process (page worker, Tesseract) must stay under 700 MiB.
    """
    budget_mb = 700
    page = hostile.huge_page_pdf(tmp_path / "plan.pdf", 15)
    env = clean_env({"SOHOA_DATA_DIR": str(tmp_path), "SOHOA_PAGE_MEMORY_MB": str(budget_mb)})
    out = tmp_path / "plan-ocr.pdf"
    rc, stderr, peak = run_measured(SOHOA, "ocr", "--jobs", "1", page, out, env=env)
    assert rc == 0, stderr
    assert out.exists()
    assert peak <= budget_mb * MIB, f"peak {peak / MIB:.0f} MiB over the {budget_mb} MiB budget"
    # 400 MiB: 13 MP, so the page is rendered at ~240 dpi instead of 300, still archival.
    report = tmp_path / "report.json"
    smaller = clean_env({"SOHOA_DATA_DIR": str(tmp_path), "SOHOA_PAGE_MEMORY_MB": "400"})
    rc, stderr, _ = run_measured(
        SOHOA, "ocr", page, tmp_path / "lower.pdf", "--json", report, env=smaller
    )
    assert rc == 0, stderr
    dpi = json.loads(report.read_text())["pages"][0]["dpi"]
    assert 200 <= dpi < 300, dpi
    # 200 MiB: under 200 dpi, the floor of the digitisation rules: refused.
    smallest = clean_env({"SOHOA_DATA_DIR": str(tmp_path), "SOHOA_PAGE_MEMORY_MB": "200"})
    rc, stderr, _ = run_measured(SOHOA, "ocr", page, tmp_path / "refused.pdf", env=smallest)
    assert rc == 8 and "megapixels" in stderr, stderr
