"""SQLite's candidates ranked on their fold (``storage.search._ranked_on_sqlite``)."""

from __future__ import annotations

from storage.search import _ranked_on_sqlite
from storage.search_query import parse_query


def _order(pages: dict[str, str], query: str) -> list[str]:
    rows = [(name, 1, folded, at) for at, (name, folded) in enumerate(pages.items())]
    ranked = _ranked_on_sqlite(rows, parse_query(query))
    return [name for name, *_ in sorted(ranked, key=lambda r: -r[2])]


FILLER = " ".join(["ubnd xa lam binh"] * 20)


def test_more_occurrences_rank_higher_and_saturate() -> None:
    pages = {f"{n}x": f"{'thua dat so 12 ' * n}{FILLER}" for n in (1, 3, 2)}
    assert _order(pages, "thửa") == ["3x", "2x", "1x"]
    scores = sorted(r[2] for r in _ranked_on_sqlite(
        [(k, 1, v, 0) for k, v in pages.items()], parse_query("thửa")))  # fmt: skip
    assert scores[2] - scores[1] < scores[1] - scores[0]  # each more occurrence adds less


def test_a_short_page_outranks_a_long_one_with_as_many_occurrences() -> None:
    pages = {"long": f"nguyen van an {FILLER} {FILLER}", "short": f"nguyen van an {FILLER}"}
    assert _order(pages, "nguyen van") == ["short", "long"]


def test_phrases_and_prefixes_are_counted_as_the_index_matches_them() -> None:
    pages = {
        "once": f"nguyen thi huong {FILLER} nguyen thi hoa",
        "twice": f"nguyen thi huong {FILLER} nguyen thi huong",
        # Only where punctuation split it (``Nguyễn, Thị Hương``): it matched, so it counts once.
        "split": f"nguyen  thi huong {FILLER} nguyen thi hoa",
    }
    assert _order(pages, '"nguyễn thị hương"') == ["twice", "once", "split"]
    scores = [r[2] for r in _ranked_on_sqlite(
        [(k, 1, v, 0) for k, v in pages.items()], parse_query('"nguyễn thị hương"'))]  # fmt: skip
    assert abs(scores[2] - scores[0]) < 0.01  # one character longer, the same count
    prefixed = {"two": f"huongdan huong {FILLER}", "one": f"huong {FILLER} hoa"}
    assert _order(prefixed, "hươ*") == ["two", "one"]
    assert _order({"a": "", "b": ""}, "x") == ["a", "b"]  # empty folds: no division by zero
