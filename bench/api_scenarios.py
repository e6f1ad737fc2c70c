"""What ``bench/api`` sends, and what a correct answer to each request is.

Scans are real but cheap: ``tests/pagegen`` pages at 200 dpi (the lowest the pipeline
keeps as is) with a few lines, one page per file, as PDF, PNG and JPEG, each from its
own seed so no two uploads have the same bytes (the same bytes in a dossier return the
existing document, which one scenario measures on purpose). The worker really reads
them, so the downloads serve real searchable PDFs, texts and thumbnails.

Every answer is checked against something the benchmark knows independently of that
answer: an original's bytes hash to the uploaded file's SHA-256; a PDF, a text or a
page image hashes to what the document's metadata and the first fetch announced, and
comes with that SHA-256 as its ETag; a search finds words taken from the stored texts
(folded with the index's own ``storage.search_query.fold``, so a miss is a search bug, not an
OCR one). A wrong answer is an error, however fast it came.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.api_load import Call, Check, Scenario
from storage.search_query import fold
from testkit import pagegen

UNIT = "000.00.00.H26"
DOSSIER = "000.A0.01.H26-261122-0900"
API = "/api/v1"
DPI = 200
LINES = 8
FORMATS = ("pdf", "png", "jpeg")
CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}
MAGIC = {"pdf": b"%PDF-", "png": b"\x89PNG\r\n\x1a\n", "jpeg": b"\xff\xd8\xff"}
SUFFIX = {"pdf": ".pdf", "png": ".png", "jpeg": ".jpg"}
DOWNLOADS = ("pdf", "original", "text", "thumb", "page")
REVALIDATED = ("pdf", "original", "text", "thumb")
NO_HIT = "zqxjvbw"  # folds to itself and is no Vietnamese (or OCR-garbage) word


# --------------------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """One file to upload, with the truth it was drawn from."""

    seed: int
    kind: str  # pdf, png or jpeg
    name: str  # the client's file name: Vietnamese, NFC
    data: bytes
    truth: str
    sha256: str

    def part(self) -> list[tuple[str, tuple[str, bytes, str]]]:
        return [("files", (self.name, self.data, CONTENT_TYPES[self.kind]))]


def make_scans(first_seed: int, count: int) -> list[Scan]:
    """``count`` one-page scans from consecutive seeds, the formats taking turns."""
    scans = []
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-scans-") as folder:
        for index in range(count):
            seed = first_seed + index
            kind = FORMATS[index % len(FORMATS)]
            page = pagegen.render_page(seed, dpi=DPI, n_lines=LINES)
            path = Path(folder) / f"{seed}{SUFFIX[kind]}"
            if kind == "pdf":
                pagegen.save_pdf([page.image], path, DPI)
            elif kind == "png":
                pagegen.save_png(page.image, path, DPI)
            else:
                pagegen.save_jpeg(page.image, path, DPI)
            name = f"Giấy xác nhận cư trú số {seed}{SUFFIX[kind]}"
            data = path.read_bytes()
            scans.append(Scan(seed, kind, name, data, page.text, hashlib.sha256(data).hexdigest()))
    return scans


# --------------------------------------------------------------------------------------
# What the uploads answered
# --------------------------------------------------------------------------------------


class Uploads:
    """Every document id the uploads were given, by the SHA-256 of the file (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, list[tuple[str, bool]]] = {}
        self.scans: dict[str, Scan] = {}

    def record(self, scan: Scan, document_id: str, created: bool) -> None:
        with self._lock:
            self._answers.setdefault(scan.sha256, []).append((document_id, created))
            self.scans[scan.sha256] = scan

    def answers(self, scan: Scan) -> list[tuple[str, bool]]:
        with self._lock:
            return list(self._answers.get(scan.sha256, []))

    def document_of(self, scan: Scan) -> str | None:
        answers = self.answers(scan)
        return answers[0][0] if answers else None

    def documents(self) -> dict[str, Scan]:
        """Document id → the scan it was made from, for every distinct document."""
        with self._lock:
            return {
                doc: self.scans[sha] for sha, answers in self._answers.items() for doc, _ in answers
            }


def dossier_path(code: str = DOSSIER) -> str:
    return f"{API}/dossiers/{urllib.parse.quote(code, safe='')}"


def upload_call(
    scan: Scan,
    uploads: Uploads,
    *,
    label: str = "upload",
    created: bool | None = True,
    same_as: str | None = None,
) -> Call:
    """POST one file; 202 with a document id (new, or ``same_as`` for a known file)."""

    def check(response: httpx.Response) -> str | None:
        files = response.json().get("files") or []
        if len(files) != 1:
            return f"{len(files)} file entries for one file"
        entry = files[0]
        document = entry.get("document") or {}
        if entry.get("status_code") != 202 or not document.get("id"):
            return f"file answered {entry.get('status_code')}: {entry.get('error')}"
        uploads.record(scan, document["id"], bool(document.get("created")))
        if document.get("status_url") != f"{API}/documents/{document['id']}":
            return f"status_url {document.get('status_url')!r}"
        if created is not None and document.get("created") is not created:
            return f"created is {document.get('created')}, expected {created}"
        if same_as is not None and document["id"] != same_as:
            return f"document {document['id']}, expected the existing {same_as}"
        return None

    return Call(
        label,
        "POST",
        f"{dossier_path()}/documents",
        frozenset({202}),
        files=scan.part(),
        check=check,
    )


def race_finish(groups: list[Scan], uploads: Uploads) -> Callable[[], list[str]]:
    """After a race of identical uploads: one document per file, created exactly once."""

    def finish() -> list[str]:
        problems = []
        for scan in groups:
            answers = uploads.answers(scan)
            ids = {doc for doc, _ in answers}
            made = sum(created for _, created in answers)
            if len(ids) != 1 or made != 1:
                problems.append(
                    f"{scan.name}: {len(answers)} identical uploads gave {len(ids)} document(s), "
                    f"{made} marked created (expected 1 and 1)"
                )
        return problems

    return finish


# --------------------------------------------------------------------------------------
# Documents once processed
# --------------------------------------------------------------------------------------


@dataclass
class Stored:
    """A done document as the benchmark verified it once, outside any measurement."""

    id: str
    scan: Scan
    pdf_sha256: str
    text_sha256: str
    text: str
    thumb: tuple[str, str]  # ETag, SHA-256 of the body
    page: tuple[str, str]
    problems: list[str] = field(default_factory=list)

    def path(self, tail: str = "") -> str:
        return f"{API}/documents/{self.id}{tail}"


def _etag_and_hash(response: httpx.Response) -> tuple[str, str]:
    return response.headers.get("etag", ""), hashlib.sha256(response.content).hexdigest()


def inspect_document(client: httpx.Client, document_id: str, scan: Scan) -> Stored:
    """Fetch a done document's metadata and files once, checking them all.

    What it records is what the scenarios later compare every answer with.
    """
    problems: list[str] = []
    meta = client.get(f"{API}/documents/{document_id}")
    body = meta.json() if meta.status_code == 200 else {}
    if body.get("status") != "done":
        problems.append(f"status {body.get('status')!r} (HTTP {meta.status_code})")
    checksums = body.get("checksums") or {}
    if checksums.get("original") != scan.sha256:
        problems.append("checksums.original is not the uploaded file's SHA-256")
    if body.get("progress") != {"pages_done": 1, "page_count": 1}:
        problems.append(f"progress {body.get('progress')}")
    stored = Stored(
        document_id,
        scan,
        checksums.get("pdf") or "",
        checksums.get("text") or "",
        "",
        ("", ""),
        ("", ""),
        problems,
    )
    for part, sha, magic in (
        ("/original", scan.sha256, MAGIC[scan.kind]),
        ("/pdf", stored.pdf_sha256, MAGIC["pdf"]),
        ("/text", stored.text_sha256, None),
    ):
        response = client.get(stored.path(part))
        problem = _file_problem(response, sha, magic)
        if problem:
            problems.append(f"{part}: {problem}")
        if part == "/text" and response.status_code == 200:
            stored.text = response.content.decode("utf-8", "replace")
    for size, attr in (("thumb", "thumb"), ("full", "page")):
        response = client.get(stored.path("/pages/1/image"), params={"size": size})
        tag, sha = _etag_and_hash(response)
        if response.status_code != 200 or not tag:
            problems.append(f"page image {size}: HTTP {response.status_code}, ETag {tag!r}")
        elif not response.content.startswith((MAGIC["png"], MAGIC["jpeg"])):
            problems.append(f"page image {size}: neither PNG nor JPEG")
        elif size == "thumb" and tag != f'"{sha}"':
            problems.append("thumbnail ETag is not the SHA-256 of its bytes")
        setattr(stored, attr, (tag, sha))
    return stored


def _file_problem(response: httpx.Response, sha: str, magic: bytes | None) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    tag, got = _etag_and_hash(response)
    if not sha:
        return "no checksum announced for it"
    if tag != f'"{sha}"':
        return f"ETag {tag!r}, expected the SHA-256 {sha[:12]}…"
    if got != sha:
        return f"body SHA-256 {got[:12]}… is not {sha[:12]}…"
    if magic is not None and not response.content.startswith(magic):
        return f"body does not start like a {magic!r} file"
    return None


# --------------------------------------------------------------------------------------
# Read calls
# --------------------------------------------------------------------------------------


def _file_check(sha: str, magic: bytes | None) -> Check:
    return lambda response: _file_problem(response, sha, magic)


def _image_check(expected: tuple[str, str]) -> Check:
    def check(response: httpx.Response) -> str | None:
        if _etag_and_hash(response) != expected:
            return "page image differs (ETag or bytes) from its first fetch"
        return None

    return check


def document_call(doc: Stored) -> Call:
    def check(response: httpx.Response) -> str | None:
        body = response.json()
        if body.get("id") != doc.id or body.get("status") != "done":
            return f"document {body.get('id')} status {body.get('status')!r}"
        checksums = body.get("checksums") or {}
        wanted = {"original": doc.scan.sha256, "pdf": doc.pdf_sha256, "text": doc.text_sha256}
        if checksums != wanted:
            return f"checksums {checksums} differ from the verified ones"
        return None

    return Call("document", "GET", doc.path(), check=check)


def download_call(doc: Stored, what: str, *, label: str | None = None) -> Call:
    """``what``: pdf, original, text, thumb (page 1, small PNG) or page (page 1, full)."""
    name = label or what
    if what == "pdf":
        return Call(name, "GET", doc.path("/pdf"), check=_file_check(doc.pdf_sha256, MAGIC["pdf"]))
    if what == "original":
        check = _file_check(doc.scan.sha256, MAGIC[doc.scan.kind])
        return Call(name, "GET", doc.path("/original"), check=check)
    if what == "text":
        return Call(name, "GET", doc.path("/text"), check=_file_check(doc.text_sha256, None))
    size, expected = ("thumb", doc.thumb) if what == "thumb" else ("full", doc.page)
    return Call(
        name,
        "GET",
        doc.path("/pages/1/image"),
        params={"size": size},
        check=_image_check(expected),
    )


def revalidate_call(doc: Stored, what: str) -> Call:
    """A conditional GET naming the current ETag: 304, no body, the same ETag back."""
    tags = {
        "pdf": f'"{doc.pdf_sha256}"',
        "original": f'"{doc.scan.sha256}"',
        "text": f'"{doc.text_sha256}"',
        "thumb": doc.thumb[0],
    }
    plain = download_call(doc, what)

    def check(response: httpx.Response) -> str | None:
        if response.content:
            return f"304 with a {len(response.content)}-byte body"
        if response.headers.get("etag") != tags[what]:
            return f"ETag {response.headers.get('etag')!r} on the 304"
        return None

    return Call(
        f"{what} 304",
        "GET",
        plain.path,
        frozenset({304}),
        params=plain.params,
        headers={"If-None-Match": tags[what]},
        check=check,
    )


def unauthenticated_call(doc: Stored, wrong_key: bool) -> Call:
    def check(response: httpx.Response) -> str | None:
        code = (response.json().get("error") or {}).get("code")
        return None if code == "unauthorized" else f"error code {code!r}"

    return Call(
        "wrong key" if wrong_key else "no key",
        "GET",
        doc.path(),
        frozenset({401}),
        check=check,
        auth="wrong" if wrong_key else "none",
    )


# --------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------


def search_terms(docs: Iterable[Stored], count: int) -> list[str]:
    """Queries that must find something: words of the stored texts, in the index's fold.

    Taken from words in at least two documents, spread from the commonest to the
    rarest; asked in turn as the folded word (``nguyen``), the accented word as the
    text has it (``Nguyễn``), a prefix (``nguy*``) and a two-word phrase.
    """
    frequency: Counter[str] = Counter()
    originals: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for doc in docs:
        folded = fold(doc.text)
        words = _spans(folded)
        seen = set()
        for index, (start, end) in enumerate(words):
            word = folded[start:end]
            if len(word) < 4 or not word.isalpha():
                continue
            seen.add(word)
            originals.setdefault(word, doc.text[start:end])
            if index + 1 < len(words):
                nxt = folded[words[index + 1][0] : words[index + 1][1]]
                phrases.setdefault(word, f'"{word} {nxt}"')
        frequency.update(seen)
    shared = sorted((w for w, n in frequency.items() if n >= 2), key=lambda w: (-frequency[w], w))
    if not shared:
        return []
    step = max(1, len(shared) // max(1, count))
    picked = shared[::step][:count]
    forms = (
        lambda w: w,
        lambda w: originals[w],
        lambda w: w[:4] + "*",
        lambda w: phrases.get(w, w),
    )
    return [forms[i % len(forms)](word) for i, word in enumerate(picked)]


def _spans(folded: str) -> list[tuple[int, int]]:
    spans, start = [], None
    for index, char in enumerate(folded + " "):
        if char != " " and start is None:
            start = index
        elif char == " " and start is not None:
            spans.append((start, index))
            start = None
    return spans


def search_call(term: str) -> Call:
    """A query of our unit: hits for a word of the texts, none for ``NO_HIT``."""
    hit = term != NO_HIT

    def check(response: httpx.Response) -> str | None:
        body = response.json()
        hits = body.get("hits") or []
        if not hit:
            return None if body.get("total") == 0 and not hits else f"{body.get('total')} hits"
        if not body.get("total") or not hits:
            return f"no hit for {term!r}"
        for found in hits:
            if found.get("unit") != UNIT or "<mark>" not in found.get("snippet", ""):
                return f"hit {json.dumps(found, ensure_ascii=False)[:160]}"
        return None

    label = "search" if hit else "search, no hit"
    return Call(label, "GET", f"{API}/search", params={"q": term, "unit": UNIT}, check=check)


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


def _nth(docs: list[Stored], kinds: tuple[str, ...], index: int) -> tuple[Stored, str]:
    """The index-th (document, file) pair: each document's files in turn, then the next."""
    return docs[(index // len(kinds)) % len(docs)], kinds[index % len(kinds)]


def spread(calls: list[Call], total: int) -> list[Call]:
    """``total`` calls taking the given ones in turn (round robin)."""
    return [calls[i % len(calls)] for i in range(total)] if calls else []


def read_scenarios(docs: list[Stored], requests: int, concurrency: int) -> list[Scenario]:
    """Everything that reads done documents; ``requests`` is the size of the big ones."""
    small = max(1, requests // 2)
    terms = search_terms(docs, 24)
    queries = []
    for index, term in enumerate(terms):
        queries.append(search_call(term))
        if index % 7 == 6:  # now and then a word nobody wrote: the cheap, empty answer
            queries.append(search_call(NO_HIT))
    return [
        Scenario(
            "document",
            "GET /documents/{id}: status, pages, checksums",
            spread([document_call(d) for d in docs], requests),
            concurrency,
        ),
        Scenario(
            "download",
            "GET /pdf, /original, /text, /pages/1/image?size=thumb|full in turn",
            [download_call(*_nth(docs, DOWNLOADS, i)) for i in range(requests)],
            concurrency,
        ),
        Scenario(
            "revalidate",
            "the same with If-None-Match: the current ETag → 304",
            [revalidate_call(*_nth(docs, REVALIDATED, i)) for i in range(small)],
            concurrency,
        ),
        Scenario(
            "search",
            f"GET /search?q=…&unit=…: {len(terms)} queries from the texts, some with no hit",
            spread(queries, small),
            concurrency,
        ),
        Scenario(
            "unauthenticated",
            "GET /documents/{id} with no key or an unknown one → 401 (each audited)",
            [unauthenticated_call(docs[i % len(docs)], bool(i % 2)) for i in range(small)],
            concurrency,
        ),
    ]


def mixed_calls(scans: list[Scan], docs: list[Stored], uploads: Uploads, reads: int) -> list[Call]:
    """New uploads spread evenly among ``reads`` downloads of done documents."""
    downloads = [download_call(*_nth(docs, DOWNLOADS, i), label="download") for i in range(reads)]
    calls: list[Call] = []
    every = max(1, round(len(downloads) / max(1, len(scans))))
    pending = list(scans)
    for index, call in enumerate(downloads):
        if index % every == 0 and pending:
            calls.append(upload_call(pending.pop(0), uploads))
        calls.append(call)
    calls.extend(upload_call(scan, uploads) for scan in pending)
    return calls
