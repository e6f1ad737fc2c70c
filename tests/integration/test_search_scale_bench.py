"""The archive-scale benchmark runs on today's schema: a small archive on both databases,
written by several connections on PostgreSQL, answers its queries and writes its report."""

from __future__ import annotations

import json
from pathlib import Path

from bench import search_scale


def test_a_small_archive_is_built_measured_and_reported(tmp_path: Path) -> None:
    code = search_scale.main(
        [
            "--documents",
            "240",
            "--backend",
            "both",
            "--index",
            "bulk",
            "--batch",
            "40",
            "--connections",
            "2",
            "--repeats",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    result = json.loads((tmp_path / "search-scale-240.json").read_text())
    for backend in ("sqlite", "postgresql"):
        found = result["backends"][backend]
        load = found["load"]
        # Bulk rows are what index_document writes, checked by re-indexing a few.
        assert load["problems"] == [] and load["bulk_checked"] >= 1
        assert load["indexed_in_bulk"] == 240
        # Every search answers what was counted outright (the bench's own check), and the
        # ID number is found in exactly its two documents.
        assert found["problems"] == []
        cases = {case["key"]: case for case in found["cases"]}
        assert cases["q2"]["result"]["total"] == found["truth"]["q2"] == 2
        assert cases["q3"]["result"]["total"] == found["truth"]["q3"] >= 1
    pg = result["backends"]["postgresql"]
    assert pg["load"]["connections"] == 2  # the GIN indexes were built after the rows
    assert "GIN index built" in pg["load"]["settle"]
    assert pg["sizes"]["stored_per_document"]["page_search GIN index (pairs)"] > 0
    report = (tmp_path / "search-scale-240.md").read_text()
    assert "# Search and listings at archive scale: 240 documents" in report
    assert result["meta"]["gc_frozen"] > 0 and "frozen out of Python's garbage" in report


def test_a_kept_archive_is_reused_and_rewritten(tmp_path: Path) -> None:
    """``--reuse`` measures a kept PostgreSQL archive without building it again, and
    ``--rewrite`` lays its rows out anew (migration 0027) with the same answers."""
    common = ["--documents", "120", "--backend", "postgresql", "--index", "bulk"]
    common += ["--batch", "40", "--repeats", "1", "--reuse", "--archive-dir", str(tmp_path)]
    assert search_scale.main([*common, "--out", str(tmp_path / "first")]) == 0
    assert search_scale.main([*common, "--rewrite", "--drop", "--out", str(tmp_path)]) == 0
    found = json.loads((tmp_path / "search-scale-120.json").read_text())["backends"]["postgresql"]
    assert found["archive"]["reused"] and found["archive"]["rewrite_s"] is not None
    assert found["problems"] == []
    stored = found["sizes"]["stored_per_document"]  # the GIN indexes were built again
    assert stored["page_search GIN index (tsv)"] > 0 and stored["page_search GIN index (pairs)"] > 0
    assert "rewritten (`VACUUM FULL page_search`)" in (tmp_path / "search-scale-120.md").read_text()
