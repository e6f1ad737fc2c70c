"""Accent-insensitive search on SQLite (FTS5) and PostgreSQL (tsvector), same answers on both."""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from core.vietnamese import fold_accents
from storage import repository as repo
from storage import search as search_module
from storage.models import Document, IndexedPage
from storage.search import (
    MAX_LIMIT,
    SearchPage,
    index_document,
    remove_from_index,
    scope_token,
    search,
)
from storage.search_query import Term, fold, lexemes_query, parse_query, word_pairs
from testkit.database import BACKENDS, Db, backend_db, empty, postgres_db, sqlite_db

WARD = "000.00.00.H26"
COMMUNE = "000.00.00.H27"

# (unit, dossier, filename, document type, created (UTC), dossier received, page texts)
CORPUS = [
    (
        WARD,
        "HS-001",
        "khai-sinh.pdf",
        "giay_khai_sinh",
        datetime(2024, 3, 10, 2, 0, tzinfo=UTC),
        date(2024, 3, 9),
        [
            "GIẤY KHAI SINH\nHọ và tên: ông Nguyễn Văn Đặng, sinh ngày 12/03/1990,\n"
            "cư trú tại xã Đông Hòa, huyện Dĩ An.",
            "UỶ BAN NHÂN DÂN XÃ ĐÔNG HÒA\nNgười ký: Trần Thị Đặng",
        ],
    ),
    (
        WARD,
        "HS-002",
        "so-do.pdf",
        "giay_chung_nhan_qsdd",
        datetime(2024, 5, 1, 18, 30, tzinfo=UTC),  # 2 May, 01:30 in Vietnam
        date(2024, 4, 28),
        [
            "Văn phòng đăng ký đất đai chứng nhận ông Lê Minh Tuấn có quyền sử dụng "
            "thửa đất ở tại thôn Đặng Xá.",
        ],
    ),
    (
        COMMUNE,
        "HS-001",
        "ket-hon.tiff",
        "giay_khai_sinh",
        datetime(2024, 6, 20, 8, 0, tzinfo=UTC),
        None,
        ["Bà NGUYỄN THỊ HOA đăng ký kết hôn với ông Phạm Đức Anh <bạn & tôi>."],
    ),
    *(
        (
            COMMUNE,
            f"HS-1{n:02d}",
            f"chung-thuc-{n}.pdf",
            "ban_sao",
            datetime(2024, 7, n, 3, 0, tzinfo=UTC),
            None,
            [f"Chứng thực bản sao đúng với bản chính số {n}/2024 " + "lời chứng " * n],
        )
        for n in range(1, 8)
    ),
]


def build(db: Db) -> dict[str, str]:
    """Load the corpus and index it; filename -> document id."""
    ids = {}
    with db.session() as s:
        for unit, code, filename, kind, created, received, pages in CORPUS:
            ids[filename] = add(s, unit, code, filename, pages, kind, created, received)
    return ids


def add(
    s: Session,
    unit: str,
    code: str,
    filename: str,
    pages: list[str],
    document_type: str | None = None,
    created: datetime | None = None,
    received: date | None = None,
) -> str:
    repo.ensure_unit(s, unit)
    dossier = repo.upsert_dossier(s, unit, code, received_date=received)
    document, _ = repo.create_document(
        s,
        dossier,
        filename=filename,
        kind=filename.rsplit(".", 1)[1],
        content_type="application/octet-stream",
        size=1,
        sha256=hashlib.sha256(filename.encode()).hexdigest(),
        original_key=f"{unit}/{code}/{filename}",
        page_count=len(pages),
    )
    repo.ensure_pages(s, document, len(pages))
    for number, page_text in enumerate(pages, 1):
        repo.mark_page_done(
            s,
            document.id,
            number,
            rotation=0,
            skew=0.0,
            confidence=90.0,
            text=page_text,
            image_key=None,
            image_sha256=None,
            result_key=None,
            result_sha256=None,
        )
    document.document_type = document_type
    if created is not None:
        document.created_at = created
    index_document(s, document.id)
    return document.id


@pytest.fixture(scope="module")
def pg() -> Iterator[Db]:
    with postgres_db() as db:
        yield db


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Db, dict[str, str]]]:
    """The corpus, built once per backend (in its own database) for the read-only tests."""
    if request.param == "sqlite":
        db = sqlite_db(tmp_path_factory.mktemp("corpus") / "sohoa.db")
        yield db, build(db)
        db.engine.dispose()
    else:
        with postgres_db() as db:
            yield db, build(db)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    """An empty database, for tests that change the index."""
    with backend_db(request.param, tmp_path, request) as database:
        yield database


def found(corpus: tuple[Db, dict[str, str]], query: str, **filters: object) -> list[str]:
    """Filenames of the hits, best first."""
    db, _ = corpus
    with db.sessions() as s:
        return [hit.filename for hit in search(s, query, limit=MAX_LIMIT, **filters).hits]


# ------------------------------------------------------------------ the fold


def test_fold_is_length_preserving_and_agrees_with_fold_accents() -> None:
    letters = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"
    sample = letters + letters.upper() + " Ông Nguyễn Văn Đặng, 12/03/1990 — xã Đông Hòa!"
    expected = "".join(c if c.isalnum() else " " for c in fold_accents(sample).lower())
    assert fold(sample) == expected
    assert fold(sample).split()[-10:] == [
        "ong",
        "nguyen",
        "van",
        "dang",
        "12",
        "03",
        "1990",
        "xa",
        "dong",
        "hoa",
    ]
    assert fold("Đặng đặng ĐẶNG") == "dang dang dang"
    assert fold("000.A0.01.H26-210212") == "000 a0 01 h26 210212"
    odd = "İ ß ﬁ ǅ \u0309x 中文 ²"
    assert len(fold(odd)) == len(odd)


def test_query_parsing_is_sanitised() -> None:
    assert [t.words for t in parse_query('nguyễn "Văn  Đặng" H26-210212')] == [
        ("nguyen",),
        ("van", "dang"),
        ("h26", "210212"),
    ]
    assert [(t.words, t.prefix) for t in parse_query("ngu* a* nguyen")] == [
        (("ngu",), True),
        (("a",), False),
        (("nguyen",), False),
    ]
    assert parse_query('"unbalanced phrase') == parse_query('"unbalanced phrase"')
    assert parse_query("") == parse_query('   " " * : - ( ) ') == []
    assert len(parse_query(" ".join(f"w{i}" for i in range(500)))) == 32
    assert parse_query("x" * 300) == []


def test_word_pairs_asked_beside_phrases() -> None:
    """A phrase's adjacent plain words as ``a_b`` (each once), nothing for single words or
    words PostgreSQL's parser might spell otherwise; the units as one alternative."""
    terms = parse_query('"nguyễn thị hương" "thị hương" H26-210212 lan')
    assert word_pairs(terms) == ["nguyen_thi", "thi_huong", "h26_210212"]
    assert word_pairs([Term(("ab", "ωω", "cd"))]) == []  # not plain ASCII
    assert word_pairs([Term(("ab", "cd", "ef"), prefix=True)]) == ["ab_cd"]
    assert lexemes_query(["a_b"], ["u31", "u32"]) == "'a_b' & ('u31' | 'u32')"
    assert lexemes_query([], ["u31"]) == "('u31')"
    assert lexemes_query([]) is None


# ------------------------------------------------------------------ matching


@pytest.mark.parametrize(
    "query",
    [
        "nguyen van dang",
        "Nguyễn Văn Đặng",
        unicodedata.normalize("NFD", "Nguyễn Văn Đặng"),
        "NGUYEN VAN DANG",
        "nGuYễN vĂn đẶnG",
        '"nguyen van dang"',
        "nguy* văn*",
    ],
)
def test_accents_and_case_do_not_matter(corpus: tuple[Db, dict[str, str]], query: str) -> None:
    assert found(corpus, query) == ["khai-sinh.pdf"]


def test_d_with_stroke(corpus: tuple[Db, dict[str, str]]) -> None:
    for query in ("Đức", "đức", "ĐỨC", "duc", "DUC", "Đuc"):
        assert found(corpus, query) == ["ket-hon.tiff"], query
    # Accent-insensitive both ways: Đặng (a name) and đăng (ký) are one word to search.
    everywhere = {"khai-sinh.pdf", "so-do.pdf", "ket-hon.tiff"}
    for query in ("Đặng", "đăng", "ĐẶNG", "dang"):
        assert set(found(corpus, query)) == everywhere, query


def test_exact_phrase_needs_adjacent_words(corpus: tuple[Db, dict[str, str]]) -> None:
    # so-do.pdf has "Văn phòng … Đặng Xá": both words, far apart.
    assert set(found(corpus, "van dang")) == {"khai-sinh.pdf", "so-do.pdf"}
    assert found(corpus, '"ong le minh"') == ["so-do.pdf"]
    assert found(corpus, '"van dang"') == ["khai-sinh.pdf"]
    assert found(corpus, '"dang van"') == []
    # Punctuation and line breaks between words do not break a phrase.
    assert found(corpus, '"1990 cu tru"') == ["khai-sinh.pdf"]


def test_dossier_code_like_tokens(corpus: tuple[Db, dict[str, str]]) -> None:
    assert found(corpus, "12/03/1990") == ["khai-sinh.pdf"]
    assert found(corpus, "03-12-1990") == []


def test_matched_pages_and_ranking(corpus: tuple[Db, dict[str, str]]) -> None:
    db, ids = corpus
    with db.sessions() as s:
        hits = search(s, "đặng", units=[WARD]).hits  # also "đăng" (ký) on so-do.pdf
        by_file = {hit.filename: hit for hit in hits}
        assert by_file["khai-sinh.pdf"].pages == [1, 2]
        assert by_file["so-do.pdf"].pages == [1]
        hit = search(s, "Trần Thị").hits[0]
        assert (hit.page, hit.pages, hit.document_id) == (2, [2], ids["khai-sinh.pdf"])
        assert (hit.dossier_code, hit.unit_code) == ("HS-001", WARD)
        assert hit.document_type == "giay_khai_sinh"
        # More occurrences rank higher.
        ranked = [h.filename for h in search(s, "lời chứng", limit=3).hits]
        assert ranked == ["chung-thuc-7.pdf", "chung-thuc-6.pdf", "chung-thuc-5.pdf"]
        scores = [h.score for h in search(s, "lời chứng").hits]
        assert scores == sorted(scores, reverse=True)


def test_backends_agree(pg: Db, tmp_path: Path) -> None:
    """The same queries give the same documents, in the same order, on SQLite and PostgreSQL."""
    lite = sqlite_db(tmp_path / "sohoa.db")
    try:
        build(lite)
        build(pg)
        queries = ["dang", '"van dang"', "chung thuc", "ban sao 3", "xa dong hoa", "ngu*", "hoa"]
        for query in queries:
            assert sorted(found((lite, {}), query)) == sorted(found((pg, {}), query)), query
        assert found((lite, {}), "lời chứng") == found((pg, {}), "lời chứng")
    finally:
        lite.engine.dispose()
        empty(pg)


PHRASE_WORDS = ["Nguyễn", "Văn", "Thị", "Hương", "Đặng", "Hoa", "Minh", "xã", "số", "12", "H26"]
GAPS = [" ", ", ", "\n", " - ", ". ", " (", ") "]


def _phrase_oracle(page: str, words: list[str]) -> bool:
    """Whether the page's folded words hold ``words`` in a row."""
    page_words = fold(page).split()
    n = len(words)
    return any(page_words[i : i + n] == words for i in range(len(page_words) - n + 1))


def test_phrases_find_exactly_the_pages_holding_the_words_in_order(db: Db) -> None:
    """Phrases of two to four words over pages made of few words (so most pages hold a
    phrase's words out of order): each backend finds exactly the pages an oracle finds.
    On PostgreSQL this proves the word pairs asked for beside a phrase (migration 0026)
    never hide a page that holds it."""
    rng = random.Random(2612)
    pages = [
        "".join(rng.choice(PHRASE_WORDS) + rng.choice(GAPS) for _ in range(rng.randint(3, 30)))
        for _ in range(40)
    ]
    with db.session() as s:
        for n, page in enumerate(pages):
            add(s, WARD, f"HS-P{n:02d}", f"p{n}.pdf", [page])
    tried = found_some = 0
    for _ in range(120):
        if rng.random() < 0.5:  # a run of words from a page: found at least there
            words = fold(rng.choice(pages)).split()
            start = rng.randrange(max(1, len(words) - 1))
            words = words[start : start + rng.randint(2, 4)]
        else:
            words = [fold(rng.choice(PHRASE_WORDS)) for _ in range(rng.randint(2, 4))]
        if len(words) < 2:
            continue
        query = '"' + " ".join(words) + '"'
        expected = {f"p{n}.pdf" for n, page in enumerate(pages) if _phrase_oracle(page, words)}
        assert set(found((db, {}), query)) == expected, query
        # Capped, the newest matches are kept (the pages were added in order); on
        # PostgreSQL the listed pages are then read back over several chunks.
        cap = rng.randint(1, 4)
        newest = sorted(expected, key=lambda name: int(name[1:-4]))[-cap:]
        with db.sessions() as s:
            capped = search(s, query, limit=100, candidates=cap)
        assert {h.filename for h in capped.hits} == set(newest), (query, cap)
        assert capped.total_exact == (len(expected) < cap)
        tried += 1
        found_some += bool(expected)
    assert tried > 100 and found_some > 50


@pytest.mark.parametrize(
    "windows", [(4, 4, 256), (1, 2, 2), (64, 4, 256)], ids=["default", "narrow", "wide"]
)
def test_capped_searches_keep_the_newest_matches_across_windows(
    db: Db, windows: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A phrase on every seventh page, a word in one unit's pages: for every cap from 1
    to 14 the newest ``cap`` matches are found, no more, no fewer. On PostgreSQL both
    are read window by window of eras (``_pg_windows``), each sized by what the ones
    before it matched: the pages' ids are spread over 46 eras, three pages to an era and
    six eras empty, so that windows begin and end on matching pages and on none; with
    narrow windows a search crosses many of them, a wide one reads every era at once."""
    for name, value in zip(("WINDOW_FIRST", "WINDOW_GROWTH", "WINDOW_MAX"), windows, strict=True):
        monkeypatch.setattr(search_module, name, value)
    era = 1 << search_module.ERA_BITS
    with db.session() as s:
        for n in range(120):
            if db.backend == "postgresql":  # the id the next page takes
                next_id = era * (n // 3 + (n // 30) * 2) + n % 3
                s.execute(
                    text("SELECT setval('page_search_id_seq', :v, false)"), {"v": next_id + 1}
                )
            words = "Nguyễn Thị Hương" if n % 7 == 3 else "Hương Thị Nguyễn"
            unit = WARD if n % 3 == 0 else COMMUNE
            add(s, unit, f"HS-W{n:03d}", f"w{n}.pdf", [f"Bà {words} cư trú tại xã {n}"])
    if db.backend == "postgresql":
        with db.sessions() as s:
            eras = s.scalar(
                text("SELECT count(DISTINCT id >> :b) FROM page_search"),
                {"b": search_module.ERA_BITS},
            )
        assert eras == 40
    phrase = [f"w{n}.pdf" for n in range(120) if n % 7 == 3]
    in_ward = [f"w{n}.pdf" for n in range(120) if n % 3 == 0]
    both = [f"w{n}.pdf" for n in range(120) if n % 21 == 3]
    with db.sessions() as s:
        for cap in range(1, 15):
            for query, units, expected in (
                ('"nguyễn thị hương"', None, phrase),
                ("hương", [WARD], in_ward),
                ('"nguyễn thị hương"', [WARD], both),
            ):
                got = search(s, query, units=units, limit=100, candidates=cap)
                assert {h.filename for h in got.hits} == set(expected[-cap:]), (query, units, cap)
                assert got.total_exact == (len(expected) < cap), (query, units, cap)


def test_postgresql_vector_holds_word_pairs_and_unit(pg: Db) -> None:
    """``pairs`` has each two adjacent words as ``a_b``, ``tsv`` the unit's token (0026)."""
    try:
        ids = build(pg)
        with pg.sessions() as s:

            def holds(filename: str, column: str, lexemes: str) -> bool:
                return s.execute(
                    text(
                        f"SELECT bool_or({column} @@ CAST(:q AS tsquery)) FROM page_search "
                        "WHERE document_id = :d"
                    ),
                    {"q": lexemes, "d": ids[filename]},
                ).scalar_one()

            ward, commune = scope_token(WARD), scope_token(COMMUNE)
            assert holds("khai-sinh.pdf", "pairs", "'nguyen_van' & 'van_dang'")
            assert holds("khai-sinh.pdf", "pairs", "'1990_cu' & 'cu_tru'")  # across punctuation
            assert not holds("khai-sinh.pdf", "pairs", "'dang_van'")
            assert not holds("khai-sinh.pdf", "tsv", "'nguyen_van'")  # not in the ranked vector
            assert holds("khai-sinh.pdf", "tsv", f"'{ward}' & 'nguyen'")
            assert not holds("khai-sinh.pdf", "tsv", f"'{commune}'")
            assert holds("ket-hon.tiff", "pairs", "'thi_hoa'")
            assert holds("ket-hon.tiff", "tsv", f"'{commune}'")
    finally:
        empty(pg)


# ------------------------------------------------------------------ filters and pages


def test_filters(corpus: tuple[Db, dict[str, str]]) -> None:
    everywhere = {"khai-sinh.pdf", "so-do.pdf", "ket-hon.tiff"}
    assert set(found(corpus, "ông")) == everywhere
    assert set(found(corpus, "ông", units=[WARD])) == {"khai-sinh.pdf", "so-do.pdf"}
    assert set(found(corpus, "ông", units=[WARD, COMMUNE])) == everywhere
    assert found(corpus, "ông", units=[]) == []
    assert found(corpus, "ông", units=["000.00.00.H99"]) == []
    assert set(found(corpus, "ông", dossier="HS-001")) == {"khai-sinh.pdf", "ket-hon.tiff"}
    assert found(corpus, "ông", dossier="HS-001", units=[COMMUNE]) == ["ket-hon.tiff"]
    assert set(found(corpus, "ông", document_type="giay_khai_sinh")) == {
        "khai-sinh.pdf",
        "ket-hon.tiff",
    }
    assert found(corpus, "ông", document_type="giay_chung_nhan_qsdd") == ["so-do.pdf"]


def test_the_dossier_not_the_index_decides_a_units_view(db: Db) -> None:
    """A page whose index row names another unit (a token gone wrong) is never shown to
    that unit: the unit's search may list it as a candidate, the dossier removes it."""
    with db.session() as s:
        add(s, WARD, "HS-T1", "phuong.pdf", ["Giấy xác nhận tình trạng hôn nhân"])
        add(s, COMMUNE, "HS-T2", "xa.pdf", ["Giấy xác nhận tình trạng hôn nhân"])
        s.execute(
            update(IndexedPage)
            .where(IndexedPage.folded.contains("hon nhan"))
            .values(scope=scope_token(COMMUNE))
        )
    with db.sessions() as s:
        for query in ("hôn nhân", '"tình trạng hôn nhân"'):
            assert [h.filename for h in search(s, query, units=[COMMUNE]).hits] == ["xa.pdf"]
            assert [h.filename for h in search(s, query, units=[WARD]).hits] == []
            assert len(search(s, query).hits) == 2


def test_date_filters(corpus: tuple[Db, dict[str, str]]) -> None:
    # Upload days in Vietnam time: 10 March, 2 May (18:30 UTC on 1 May), 20 June.
    assert found(corpus, "ông", date_from=date(2024, 3, 10), date_to=date(2024, 3, 10)) == [
        "khai-sinh.pdf"
    ]
    assert found(corpus, "ông", date_from=date(2024, 5, 2), date_to=date(2024, 5, 2)) == [
        "so-do.pdf"
    ]
    assert found(corpus, "ông", date_to=date(2024, 5, 1)) == ["khai-sinh.pdf"]
    assert set(found(corpus, "ông", date_from=date(2024, 5, 2))) == {"so-do.pdf", "ket-hon.tiff"}
    assert found(corpus, "ông", date_from=date(2024, 7, 1), date_to=date(2024, 1, 1)) == []
    # On the dossier's received date instead; dossiers without one are left out.
    received = {"date_field": "received"}
    assert found(
        corpus, "ông", date_from=date(2024, 3, 9), date_to=date(2024, 3, 9), **received
    ) == ["khai-sinh.pdf"]
    assert set(found(corpus, "ông", date_from=date(2024, 1, 1), **received)) == {
        "khai-sinh.pdf",
        "so-do.pdf",
    }


def test_pagination(corpus: tuple[Db, dict[str, str]]) -> None:
    db, _ = corpus
    with db.sessions() as s:
        everything = search(s, "chứng thực", limit=100)
        assert everything.total == 7 == len(everything.hits)
        pages = [search(s, "chứng thực", limit=3, offset=o) for o in (0, 3, 6, 9)]
        assert [p.total for p in pages] == [7, 7, 7, 7]
        assert [len(p.hits) for p in pages] == [3, 3, 1, 0]
        assert [h.document_id for p in pages for h in p.hits] == [
            h.document_id for h in everything.hits
        ]
        counted = search(s, "chứng thực", limit=0)
        assert (counted.total, counted.hits) == (7, [])
        assert len(search(s, "chứng thực", limit=10_000).hits) == 7
        assert search(s, "chứng thực", limit=-5, offset=-5).total == 7


def test_cursor_pages_follow_the_ranking_without_gaps_or_repeats(
    corpus: tuple[Db, dict[str, str]],
) -> None:
    db, _ = corpus
    with db.sessions() as s:
        everything = [h.document_id for h in search(s, "chứng thực", limit=100).hits]
        seen, after = [], None
        for _ in range(4):
            page = search(s, "chứng thực", limit=3, after=after)
            seen += [h.document_id for h in page.hits]
            after = page.next_after
            if after is None:
                break
        assert seen == everything and after is None
        assert search(s, "chứng thực", limit=7).next_after is None  # nothing after the last


def test_candidates_are_capped_newest_first_and_the_total_says_so(
    corpus: tuple[Db, dict[str, str]],
) -> None:
    """Past the cap only the newest matching pages are ranked, and the total is a lower
    bound (``total_exact`` false); under it everything is ranked and counted exactly."""
    db, ids = corpus
    with db.sessions() as s:
        whole = search(s, "chứng thực", limit=100)
        assert whole.total_exact and whole.total == 7
        capped = search(s, "chứng thực", limit=100, candidates=3)
        assert not capped.total_exact and capped.total == 3
        newest = {ids[f"chung-thuc-{n}.pdf"] for n in (5, 6, 7)}  # indexed last
        assert {h.document_id for h in capped.hits} == newest
        # A filter is applied inside the cut: the capped pages are all the unit's.
        ward = search(s, "ông", units=[WARD], limit=100, candidates=1)  # newest: COMMUNE's
        assert [h.unit_code for h in ward.hits] == [WARD] and not ward.total_exact


def test_a_narrowed_search_ranks_fewer_candidates(
    corpus: tuple[Db, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exact phrase, or a search within units, is capped at ``NARROW_CANDIDATES``; a
    search across every unit at ``CANDIDATES`` (both made small here, read per call)."""
    db, ids = corpus
    monkeypatch.setattr(search_module, "CANDIDATES", 5)
    monkeypatch.setattr(search_module, "NARROW_CANDIDATES", 2)
    every_unit = [WARD, COMMUNE]
    with db.sessions() as s:
        assert search(s, "chứng thực", limit=100, candidates=100).total == 7  # uncapped
        words = search(s, "chứng thực", limit=100)
        phrase = search(s, '"chứng thực"', limit=100)
        within = search(s, "chứng thực", units=every_unit, limit=100)
        assert (words.total, words.total_exact) == (5, False)
        assert (phrase.total, phrase.total_exact) == (2, False)
        assert (within.total, within.total_exact) == (2, False)
        newest = {ids[f"chung-thuc-{n}.pdf"] for n in (6, 7)}  # indexed last
        assert {h.document_id for h in phrase.hits} == newest
        assert {h.document_id for h in within.hits} == newest


# ------------------------------------------------------------------ snippets


def test_snippet_marks_the_original_accented_words(corpus: tuple[Db, dict[str, str]]) -> None:
    db, _ = corpus
    with db.sessions() as s:
        hit = search(s, "nguyen van dang").hits[0]
        assert "ông <mark>Nguyễn Văn Đặng</mark>, sinh ngày" in hit.snippet
        assert "\n" not in hit.snippet
        hit = search(s, '"dong hoa" huyen', dossier="HS-001", units=[WARD]).hits[0]
        assert "xã <mark>Đông Hòa</mark>, <mark>huyện</mark> Dĩ An" in hit.snippet
        assert search(s, "ngu*").hits[0].snippet.count("<mark>") >= 1


def test_snippet_escapes_html(corpus: tuple[Db, dict[str, str]]) -> None:
    db, _ = corpus
    with db.sessions() as s:
        snippet = search(s, "bạn tôi").hits[0].snippet
    assert "&lt;<mark>bạn</mark> &amp; <mark>tôi</mark>&gt;" in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_snippet_is_cut_around_the_match(db: Db) -> None:
    long_text = "mở đầu " * 100 + "ông Nguyễn Văn Đặng cư trú " + "kết thúc " * 100
    with db.session() as s:
        add(s, WARD, "HS-9", "dai.pdf", [long_text])
    with db.sessions() as s:
        snippet = search(s, "Đặng").hits[0].snippet
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>Đặng</mark>" in snippet
    assert len(snippet) < 300
    words = snippet.removeprefix("… ").removesuffix(" …").split()
    assert words[0] in ("mở", "đầu") and words[-1] in ("kết", "thúc")  # cut at spaces


# ------------------------------------------------------------------ hostile input


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    '"""',
    "*",
    "**",
    "a*",
    ":",
    "-",
    "(",
    ")",
    "'",
    "\\",
    "NEAR(nguyen van)",
    "nguyen OR van",
    "AND",
    "^nguyen",
    "{nguyen}",
    "nguyen:*",
    "!nguyen & | <->",
    "nguyen\x00van",
    "\ud800 nguyen",
    "'; DROP TABLE documents; --",
    "%_%",
    "😀 🇻🇳",
    "中文 ١٢٣ Ωμέγα",
    "x" * 100_000,
    "nguyen " * 5_000,
    "\t\n\r",
    unicodedata.normalize("NFD", '"Đặng" -Văn (Hòa*)'),
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_break(corpus: tuple[Db, dict[str, str]], query: str) -> None:
    db, _ = corpus
    with db.sessions() as s:
        result = search(s, query)
        assert isinstance(result, SearchPage)
        assert result.total >= len(result.hits)
        s.execute(text("SELECT 1"))  # the transaction is still usable


def test_hostile_filters_never_break(corpus: tuple[Db, dict[str, str]]) -> None:
    for value in ("\x00", "\ud800", "a/b", "x" * 10_000, ""):
        assert found(corpus, "ông", dossier=value) == []
        assert found(corpus, "ông", units=[value]) == []
        assert found(corpus, "ông", document_type=value) == []
    assert found(corpus, "ông", units=WARD) == found(corpus, "ông", units=[WARD])  # type: ignore[arg-type]


# ------------------------------------------------------------------ index upkeep


def _index_rows(db: Db, document_id: str) -> int:
    with db.sessions() as s:
        return s.scalar(
            select(func.count())
            .select_from(IndexedPage)
            .where(IndexedPage.document_id == document_id)
        )


def test_reindexing_replaces_never_duplicates(db: Db) -> None:
    with db.session() as s:
        document_id = add(s, WARD, "HS-1", "a.pdf", ["Nguyễn Văn Đặng", "", "trang ba"])
    for _ in range(3):
        with db.session() as s:
            index_document(s, document_id)
    assert _index_rows(db, document_id) == 2  # the empty page is not indexed
    with db.sessions() as s:
        result = search(s, "dang")
        assert (result.total, result.hits[0].pages) == (1, [1])
    with db.session() as s:
        page = repo.get_document(s, document_id).pages[0]
        page.text = "Lê Thị Hồng"
        index_document(s, document_id)
    with db.sessions() as s:
        assert search(s, "dang").total == 0
        assert search(s, "hong").hits[0].snippet == "Lê Thị <mark>Hồng</mark>"


def test_removal_and_cascade(db: Db) -> None:
    with db.session() as s:
        kept = add(s, WARD, "HS-1", "a.pdf", ["Nguyễn Văn Đặng"])
        removed = add(s, WARD, "HS-1", "b.pdf", ["Trần Văn Đặng"])
        deleted = add(s, WARD, "HS-2", "c.pdf", ["Phạm Văn Đặng"])
    with db.session() as s:
        remove_from_index(s, removed)
        remove_from_index(s, removed)
        remove_from_index(s, "no-such-document")
        s.execute(delete(Document).where(Document.id == deleted))
    with db.sessions() as s:
        result = search(s, "văn đặng")
        assert [h.document_id for h in result.hits] == [kept]
    assert _index_rows(db, deleted) == 0
    if db.backend == "sqlite":  # the FTS5 shadow index followed the cascade
        with db.engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO page_fts(page_fts) VALUES ('integrity-check')")
    with db.session() as s, pytest.raises(LookupError):
        index_document(s, "no-such-document")
