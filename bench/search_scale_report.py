"""The Markdown of ``bench.search_scale``: queries × backends, load, bytes per document.

Latencies are nearest-rank percentiles in milliseconds of ``--repeats`` timed runs after
3 untimed ones, each run a whole transaction (session opened, query, commit), as the API
does per request. "Bare" is the full-text match alone on the same terms, in the same
run: FTS5 ``MATCH`` on SQLite, ``tsv @@ to_tsquery`` on PostgreSQL, counting pages; the
ratio is the search's p50 over the bare count's p50 — what ranking, grouping by document,
filters, snippets and metadata cost on top of finding the pages.
"""

from __future__ import annotations

import math
from typing import Any

NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _ms(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _by_key(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in result["cases"]}


def _answer(case: dict[str, Any] | None) -> str:
    if case is None:
        return "–"
    found = case["result"] or {}
    if "total" in found:
        shown = (
            f" ({found['hits']} shown)"
            if "hits" in found
            else f" ({found['rows']} rows)"
            if "rows" in found
            else ""
        )
        if found.get("more"):  # counted up to a cap: the caller says "more than"
            return f"> {found['total'] - 1:,}{shown}"
        bound = "" if found.get("exact", True) else "≥ "
        return f"{bound}{found['total']:,}{shown}"
    if "pages" in found:
        return f"{found['pages']:,} pages"
    if "rows" in found:
        return f"{found['rows']} rows"
    return str(found)


def _truth_key(key: str) -> str:
    return "q4" if key.startswith("q6") else key


def _bare_key(terms: str | None) -> str | None:
    return f"c{terms[1]}" if terms else None


def query_table(results: dict[str, Any], group: str) -> list[str]:
    backends = list(results)
    header = "| # | Query | Answer |"
    rule = "|---|---|---:|"
    if group == "search":
        header += " Matching documents |"
        rule += "---:|"
    for b in backends:
        name = NAMES[b]
        header += f" {name} p50 | {name} p95 |"
        rule += "---:|---:|"
        if group == "search":
            header += f" {name} bare count p50 | {name} ratio |"
            rule += "---:|---:|"
        elif group == "api":
            header += f" {name} storage p50 |"
            rule += "---:|"
    lines = [header, rule]
    first = _by_key(results[backends[0]])
    keys = [c["key"] for c in results[backends[0]]["cases"] if c["group"] == group]
    for b in backends[1:]:
        keys += [
            c["key"] for c in results[b]["cases"] if c["group"] == group and c["key"] not in keys
        ]
    for key in keys:
        case = first.get(key) or next(_by_key(results[b]).get(key) for b in backends[1:])
        answers = {_answer(_by_key(results[b]).get(key)) for b in backends}
        row = f"| {key} | {case['label']} | {' / '.join(sorted(answers))} |"
        if group == "search":
            real = {results[b].get("truth", {}).get(_truth_key(key)) for b in backends} - {None}
            row += f" {' / '.join(f'{r:,}' for r in sorted(real)) or '–'} |"
        for b in backends:
            mine = _by_key(results[b])
            here = mine.get(key)
            row += f" {_ms(here and here['p50_ms'])} | {_ms(here and here['p95_ms'])} |"
            if group == "search":
                bare = mine.get(_bare_key(here and here["terms"]) or "")
                ratio = (
                    f"{here['p50_ms'] / bare['p50_ms']:.1f}×"
                    if here and bare and bare["p50_ms"]
                    else "–"
                )
                row += f" {_ms(bare and bare['p50_ms'])} | {ratio} |"
            elif group == "api":
                storage = mine.get(f"q{key[1]}") if key[1] in "1245" else None
                row += f" {_ms(storage and storage['p50_ms'])} |"
        lines.append(row)
    return lines


def bare_table(results: dict[str, Any]) -> list[str]:
    lines = [
        "| Terms | Backend | Matching pages | `LIMIT 20` p50 | p95 | `count(*)` p50 | p95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for backend, result in results.items():
        mine = _by_key(result)
        for n in "1234":
            first, count = mine.get(f"b{n}"), mine.get(f"c{n}")
            if first is None or count is None:
                continue
            terms = first["label"].split(":q = ")[-1]
            lines.append(
                f"| {terms} | {NAMES[backend]} | {_answer(count)} | {_ms(first['p50_ms'])} "
                f"| {_ms(first['p95_ms'])} | {_ms(count['p50_ms'])} | {_ms(count['p95_ms'])} |"
            )
    return lines


def load_lines(results: dict[str, Any], documents: int) -> list[str]:
    lines = [
        "| Backend | Archive | Rows s | Index s | Settle s | Load total | Documents/s "
        "| index_document ms/doc | Bytes/document |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for backend, result in results.items():
        load, archive = result["load"], result["archive"]
        where = archive["label"]
        if archive["reused"]:
            where += f", reused (built {archive['built_at']})"
        if archive.get("schema_built") and archive["schema_built"] != archive.get("schema"):
            where += (
                f", migrated {archive['schema_built']} → {archive['schema']} in "
                f"{archive['migrate_s']:.0f} s"
            )
        if archive.get("rewrite_s") is not None:
            where += f", rewritten (`VACUUM FULL page_search`) in {archive['rewrite_s']:.0f} s"
        total = load["total_s"]
        lines.append(
            f"| {NAMES[backend]} | {where} | {load['rows_s']:.0f} | {load['index_s']:.0f} "
            f"| {load['settle_s']:.0f} | {total / 60:.1f} min | {documents / total:.0f} "
            f"| {_ms(load.get('index_document_ms'))} | {result['sizes']['bytes_per_document']:,} |"
        )
    lines.append("")
    for backend, result in results.items():
        load = result["load"]
        lines.append(
            f"- {NAMES[backend]}: index written by {load['index_how']}; then {load['settle']}."
        )
        if load.get("connections"):
            lines.append(
                f"  Bulk batches written by {load['connections']} connections at once: their "
                "rows and index seconds overlap (alone, the load total is the wall time)."
            )
        if load.get("indexed_in_bulk"):
            lines.append(
                f"  Bulk rows checked: {load['bulk_checked']} document(s) re-indexed with "
                "`index_document` gave the same `page_search` and `person_index` rows."
            )
    gen = next((r.get("generator_s") for r in results.values() if r.get("generator_s")), None)
    if gen:
        lines.append(f"- Generating the text (Python, not counted above): {gen:.0f} s.")
    return lines


def size_lines(results: dict[str, Any]) -> list[str]:
    backends = list(results)
    tables: list[str] = []
    for b in backends:
        tables += [t for t in results[b]["sizes"]["tables_per_document"] if t not in tables]
    lines = [
        "| Table (with its indexes) | " + " | ".join(f"{NAMES[b]} B/doc" for b in backends) + " |",
        "|---|" + "---:|" * len(backends),
    ]
    small = []
    for table in tables:
        if all(
            results[b]["sizes"]["tables_per_document"].get(table, 0)
            < results[b]["sizes"]["bytes_per_document"] / 1000
            for b in backends
        ):
            small.append(table)
            continue
        sizes = [results[b]["sizes"]["tables_per_document"].get(table) for b in backends]
        cells = " | ".join("–" if size is None else f"{size:,}" for size in sizes)
        lines.append(f"| {table} | {cells} |")
    cells = " | ".join(
        f"{sum(v for k, v in results[b]['sizes']['tables_per_document'].items() if k[0] != '('):,}"
        for b in backends
    )
    lines.append(f"| all tables | {cells} |")
    cells = " | ".join(f"**{results[b]['sizes']['bytes_per_document']:,}**" for b in backends)
    lines.append(f"| **whole archive** (SQLite file, `pg_database_size`) | {cells} |")
    if small:
        lines += ["", f"Under 0.1 % each, not shown: {', '.join(small)}."]
    migrated = [
        NAMES[b]
        for b in backends
        if results[b]["archive"].get("schema_built")
        and results[b]["archive"]["schema_built"] != results[b]["archive"].get("schema")
    ]
    if migrated:
        lines += [
            "",
            f"Migrated since built ({', '.join(migrated)}): the sizes are of the migrated "
            "archive; a dropped column's space is not given back (SQLite: free pages; "
            "PostgreSQL: until the table is rewritten). Build anew for a new schema's sizes.",
        ]
    lines += ["", "Page text per document (UTF-8 bytes as written; PostgreSQL also as stored):", ""]
    labels: list[str] = []
    for b in backends:
        s = results[b]["sizes"]
        for label in (*s["text_per_document"], *s["stored_per_document"]):
            if label not in labels:
                labels.append(label)
    lines += [
        "| Column | " + " | ".join(f"{NAMES[b]}" for b in backends) + " |",
        "|---|" + "---:|" * len(backends),
    ]
    for label in labels:
        cells = []
        for b in backends:
            s = results[b]["sizes"]
            raw, stored = s["text_per_document"].get(label), s["stored_per_document"].get(label)
            cell = f"{raw:,}" if raw is not None else ""
            if stored is not None:
                cell += (" → " if cell else "") + f"{stored:,} stored"
            cells.append(cell or "–")
        lines.append(f"| {label} | {' | '.join(cells)} |")
    return lines


def render_markdown(meta: dict[str, Any], results: dict[str, Any]) -> str:
    m, facts = meta["machine"], meta["facts"]
    q = facts["queries"]
    any_sizes = next(iter(results.values()))["sizes"]
    lines = [
        f"# Search and listings at archive scale: {meta['documents']:,} documents",
        "",
        f"- Date: {meta['date']}; `{meta['command']}`",
        f"- Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}; "
        f"load average {meta['loadavg_at_start']} at the start, {meta['loadavg_at_end']} at the "
        "end (1, 5, 15 min)",
        f"- Archive (`{meta['generator']}`, seed {meta['seed']}): {meta['documents']:,} "
        f"documents in {facts['dossiers']:,} dossiers of 50 units over 3 years, "
        f"{any_sizes['pages']:,} pages "
        f"({any_sizes['pages'] / meta['documents']:.2f} per document), "
        f"{any_sizes['page_text_bytes_mean']:,} bytes of text per page on average (UTF-8, NFC)",
        f"- Queries: common name `{q['q1']}`; ID number `{q['q2']}` (applicant of dossier "
        f"{facts['id_dossier']}, printed in its 2 documents); phrase `{q['q3']}`; the word "
        f"`{q['q4']}` (put in 30 % of the documents as `{facts['common_word']} đất số …`); unit "
        f"{facts['unit']} ({facts.get('unit_documents', '?'):,} documents, "
        f"{facts.get('unit_dossiers', '?'):,} dossiers)",
        f"- Each query: 3 untimed runs, then {meta['repeats']} timed; p50/p95 are nearest-rank, "
        "in ms, each run one transaction (session, query, commit)"
        + (
            f"; the benchmark's own {meta['gc_frozen']:,} objects frozen out of Python's "
            "garbage collection first (its pauses are not the query's)."
            if meta.get("gc_frozen")
            else "."
        ),
        "- Code measured (sha256, first 12 hex digits): "
        + ", ".join(f"`{k}` {v}" for k, v in meta["code"].items())
        + "; `search` "
        + ("has an `after=` cursor" if meta["search_has_after"] else "has no `after=` parameter")
        + (
            f", ranks at most `CANDIDATES` = {meta['search_candidates']:,} matching pages "
            + (
                f"(`NARROW_CANDIDATES` = {meta['search_narrow_candidates']:,} for a phrase "
                "or within units) "
                if meta.get("search_narrow_candidates")
                else ""
            )
            + "(a total marked ≥ is a lower bound)"
            if meta.get("search_candidates")
            else ""
        ),
        "",
        "## Searches (`storage.search.search`, limit 20)",
        "",
        *query_table(results, "search"),
        "",
        "Answer: `total` (hits returned). Matching documents: counted outright, untimed. "
        "Bare count: `count(*)` of the full-text match on the same terms (pages, not "
        "documents; table below); ratio: search p50 ÷ bare count p50.",
        "",
        "## Listings (`storage.repository`, limit 50)",
        "",
        *query_table(results, "listing"),
        "",
        "Answer: `total` (rows returned); `> N`: counted up to `list_dossiers`' `count_up_to`. "
        "A keyset page (`after=`) starts after the last row of the page before it.",
        "",
        "## Bare full-text match, same run",
        "",
        *bare_table(results),
        "",
        "## Through the API (in-process `TestClient`, admin key unless said)",
        "",
        *query_table(results, "api"),
        "",
        "Storage p50: the same query called on `storage.search` directly (above). The API "
        "adds authentication, the audit event a search or document listing writes, JSON, and "
        "the TestClient's thread hop.",
        "",
        "## Load and size",
        "",
        *load_lines(results, meta["documents"]),
        "",
        *size_lines(results),
        "",
        "## Machine load during the measurements",
        "",
    ]
    for backend, result in results.items():
        cpu, wall = result["cpu_s"], result["wall_s"]
        others = cpu.get("other processes", 0.0)
        shares = ", ".join(f"{k} {v:.0f} s" for k, v in cpu.items())
        lines.append(
            f"- {NAMES[backend]}: {wall:.0f} s of measuring; CPU: {shares} (other processes "
            f"≈ {others / max(wall, 1e-9):.2f} cores busy on average); load average "
            f"{result['loadavg_before']} → {result['loadavg_after']}"
        )
    problems = [f"- {NAMES[b]}: {p}" for b, r in results.items() for p in r["problems"]]
    lines += ["", "## Problems", "", *(problems or ["None: every answer had the expected count."])]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Render a saved run again: ``python -m bench.search_scale_report search-scale-<N>.json``."""
    import json
    import sys
    from pathlib import Path

    saved = json.loads(Path(sys.argv[1]).read_text())
    print(render_markdown(saved["meta"], saved["backends"]), end="")


if __name__ == "__main__":
    main()
