"""What a dossier's procedure requires (thành phần hồ sơ), and what of it is there.

The counter's question for each dossier is *what is missing?* The papers each
procedure needs are data (``procedures.toml``, or the file a province points
``SOHOA_PROCEDURES_FILE`` at), checked when loaded. :func:`evaluate` matches the
dossier's papers — a file holding several papers (``classification.parts``)
counts as each of them — against the items, most specific item first, and says
for every item whether it is present (which documents), missing, or needs a
person: an item no classifier can tell (a hospital's birth notice) until a clerk
ticks it, or one that a paper of unknown type might be. The dossier's short
status follows: ``processing`` while papers are being read, else ``missing``
(thiếu N) when a required item has nothing, else ``needs_check``, else
``complete`` (đủ).

Plain data in, plain data out: no database, so the API, the pages, the receipt
and the tests evaluate a checklist the same way.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal, Protocol

from classifiers.doctypes import BY_CODE, OTHER

DEFAULT_FILE = Path(__file__).with_name("procedures.toml")
ANY_TYPE = "*"
PENDING_STATUSES = frozenset({"queued", "processing"})

ItemStateName = Literal["present", "missing", "needs_check", "optional"]
Summary = Literal["complete", "missing", "needs_check", "processing"]


class ProceduresFileError(ValueError):
    """The procedures file cannot be used; the message names the procedure and item."""


@dataclass(frozen=True)
class ChecklistItem:
    """One paper a procedure asks for."""

    key: str
    label: str
    types: tuple[str, ...]  # () → a paper only a person can tell; ("*",) → any paper
    original: bool | None = None  # True: not a certified copy; False: a certified copy
    required: bool = True
    copies: int = 1

    def might_accept(self, paper: Paper) -> bool:
        """Whether the paper could satisfy the item once a person looks: its type or its
        certification was not made out (``other``, or no stamp decision)."""
        if self.manual or paper.status != "done":
            return False
        type_open = paper.document_type in (None, OTHER) or ANY_TYPE in self.types
        if not type_open and paper.document_type not in self.types:
            return False
        certified_open = self.original is None or paper.is_certified_copy is None
        return (type_open or certified_open) and (
            certified_open or paper.is_certified_copy != self.original
        )

    @property
    def manual(self) -> bool:
        return not self.types

    def accepts(self, paper: Paper) -> bool:
        if self.manual or paper.status != "done":
            return False
        if ANY_TYPE not in self.types and paper.document_type not in self.types:
            return False  # "other" is in no list: only an any-paper item takes it
        if self.original is not None and paper.is_certified_copy is not None:
            return paper.is_certified_copy != self.original
        return self.original is None or paper.is_certified_copy is not None


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    items: tuple[ChecklistItem, ...]


@dataclass(frozen=True)
class Paper:
    """One paper of a dossier as the checklist sees it: a document, or one part of it."""

    document_id: str
    filename: str
    status: str  # the document's status
    document_type: str | None
    is_certified_copy: bool | None
    part: int | None = None  # 1-based part of a file holding several papers

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def known(self) -> bool:
        """Read, and typed as something the checklist can match."""
        return self.status == "done" and self.document_type not in (None, OTHER)


@dataclass(frozen=True)
class ItemState:
    item: ChecklistItem
    state: ItemStateName
    documents: tuple[str, ...] = ()  # the documents that satisfy it (ids)
    marked_by: str | None = None  # the clerk who ticked it by hand
    reason: str = ""  # why it needs a person, in Vietnamese


@dataclass(frozen=True)
class Checklist:
    procedure: Procedure
    items: tuple[ItemState, ...]
    unmatched: tuple[Paper, ...]  # papers that satisfy no item (extra, unknown or failed)
    pending: int  # documents still being read

    @property
    def missing(self) -> int:
        return sum(1 for i in self.items if i.state == "missing")

    @property
    def to_check(self) -> int:
        failed = sum(1 for p in self.unmatched if p.status == "failed")
        return failed + sum(1 for i in self.items if i.state == "needs_check")

    @property
    def summary(self) -> Summary:
        if self.pending:
            return "processing"
        if self.missing:
            return "missing"
        if self.to_check:
            return "needs_check"
        return "complete"

    @property
    def summary_label(self) -> str:
        """What the dossier list shows: ``đủ``, ``thiếu 2``, ``cần kiểm tra``, ``đang xử lý 1``."""
        return {
            "processing": f"đang xử lý {self.pending}",
            "missing": f"thiếu {self.missing}",
            "needs_check": "cần kiểm tra",
            "complete": "đủ",
        }[self.summary]


@dataclass(frozen=True)
class Procedures:
    by_code: Mapping[str, Procedure] = field(default_factory=dict)

    def for_code(self, procedure_code: str | None) -> Procedure | None:
        """The procedure of a dossier's code: exact, or a known code + a province suffix
        (``2.000815.000.00.00.H55``); the longest known code wins."""
        if not procedure_code:
            return None
        code = procedure_code.strip()
        if code in self.by_code:
            return self.by_code[code]
        prefixes = [c for c in self.by_code if code.startswith(c + ".")]
        return self.by_code[max(prefixes, key=len)] if prefixes else None


def papers_of(
    document_id: str,
    filename: str,
    status: str,
    document_type: str | None,
    is_certified_copy: bool | None,
    classification: Mapping[str, Any] | None,
) -> list[Paper]:
    """The papers one stored document holds: each typed part when the file held several."""
    parts = (classification or {}).get("parts") or []
    if status == "done" and len(parts) > 1:
        return [
            Paper(
                document_id,
                filename,
                status,
                part.get("type"),
                part.get("is_certified_copy"),
                part=n,
            )
            for n, part in enumerate(parts, start=1)
        ]
    return [Paper(document_id, filename, status, document_type, is_certified_copy)]


class StoredDocument(Protocol):
    """What the checklist reads of a stored document (``storage.models.Document`` has it)."""

    id: str
    filename: str
    status: str
    document_type: str | None
    is_certified_copy: bool | None
    classification: dict[str, Any] | None


def dossier_checklist(
    procedures: Procedures,
    procedure_code: str | None,
    documents: Sequence[StoredDocument],
    marks: Mapping[str, Mapping[str, Any]] | None = None,
) -> Checklist | None:
    """A dossier's checklist against its documents; None when its procedure has none.

    One function for the API (what a dossier shows) and the pipeline (when a dossier
    is complete): the pipeline sits below the API and must not import it.
    """
    procedure = procedures.for_code(procedure_code)
    if procedure is None:
        return None
    papers = [
        paper
        for d in documents
        for paper in papers_of(
            d.id, d.filename, d.status, d.document_type, d.is_certified_copy, d.classification
        )
    ]
    return evaluate(procedure, papers, marks)


def dossier_complete(
    procedures: Procedures,
    procedure_code: str | None,
    documents: Sequence[StoredDocument],
    marks: Mapping[str, Mapping[str, Any]] | None = None,
) -> bool:
    """Every document done and, when the procedure has a checklist, that checklist ``complete``
    (đủ). A dossier with no document is not complete: nothing has been handed in."""
    if not documents or any(d.status != "done" for d in documents):
        return False
    checklist = dossier_checklist(procedures, procedure_code, documents, marks)
    return checklist is None or checklist.summary == "complete"


def evaluate(
    procedure: Procedure,
    papers: Sequence[Paper],
    marks: Mapping[str, Mapping[str, Any]] | None = None,
) -> Checklist:
    """Match ``papers`` to the procedure's items; ``marks`` are a clerk's ticks by item key.

    Items are filled most specific first (one named type before several, before any
    paper), so an ID card is not spent on "any original" while the ID item goes
    without. A ticked item is present whatever the classifier said, and the
    document named in the tick is not offered to another item.
    """
    marks = marks or {}
    used: set[tuple[str, int | None]] = set()
    for mark in marks.values():
        if mark.get("document_id"):
            used.update(
                (p.document_id, p.part) for p in papers if p.document_id == mark["document_id"]
            )
    states: dict[str, ItemState] = {}
    for item in procedure.items:
        mark = marks.get(item.key)
        if mark is not None:
            named = (mark["document_id"],) if mark.get("document_id") else ()
            states[item.key] = ItemState(item, "present", named, marked_by=mark.get("by"))
    pending = len({p.document_id for p in papers if p.pending})
    for item in sorted(procedure.items, key=_specificity):
        if item.key in states:
            continue
        found = [p for p in papers if (p.document_id, p.part) not in used and item.accepts(p)]
        taken = found[: item.copies]
        used.update((p.document_id, p.part) for p in taken)
        documents = tuple(dict.fromkeys(p.document_id for p in taken))
        maybe = any((p.document_id, p.part) not in used and item.might_accept(p) for p in papers)
        states[item.key] = _state(item, len(taken), documents, maybe=maybe)
    unmatched = tuple(p for p in papers if (p.document_id, p.part) not in used and not p.pending)
    return Checklist(procedure, tuple(states[i.key] for i in procedure.items), unmatched, pending)


def _specificity(item: ChecklistItem) -> tuple[int, int]:
    if item.manual:
        return (2, 0)
    if ANY_TYPE in item.types:
        return (1, 0)
    return (0, len(item.types))


def _state(
    item: ChecklistItem, found: int, documents: tuple[str, ...], *, maybe: bool
) -> ItemState:
    if found >= item.copies:
        return ItemState(item, "present", documents)
    if not item.required:
        return ItemState(item, "optional", documents)
    if item.manual:
        return ItemState(item, "needs_check", documents, reason="Cần người kiểm tra và đánh dấu")
    if maybe:
        return ItemState(
            item,
            "needs_check",
            documents,
            reason="Có giấy tờ chưa xác định được loại hoặc là bản chính hay bản sao: "
            "kiểm tra xem có phải giấy tờ này không",
        )
    if found:
        return ItemState(item, "missing", documents, reason=f"Cần {item.copies}, mới có {found}")
    return ItemState(item, "missing", documents)


def load_procedures(path: Path | None = None) -> Procedures:
    """The procedures of ``path`` (default: the packaged table), checked; cached per file."""
    return _load(path or DEFAULT_FILE)


@cache
def _load(path: Path) -> Procedures:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ProceduresFileError(f"{path}: {exc}") from exc
    by_code: dict[str, Procedure] = {}
    for n, raw in enumerate(data.get("procedures", []), start=1):
        procedure = _procedure(raw, f"{path}: procedure {n}")
        if procedure.code in by_code:
            raise ProceduresFileError(f"{path}: procedure {procedure.code} is listed twice")
        by_code[procedure.code] = procedure
    return Procedures(by_code)


def _procedure(raw: Mapping[str, Any], where: str) -> Procedure:
    code, name = raw.get("code"), raw.get("name")
    if not isinstance(code, str) or not code.strip() or not isinstance(name, str):
        raise ProceduresFileError(f"{where}: needs a code and a name")
    items = tuple(
        _item(r, f"{where} ({code}), item {i}") for i, r in enumerate(raw.get("items", []), 1)
    )
    keys = [i.key for i in items]
    if not items or len(set(keys)) != len(keys):
        raise ProceduresFileError(f"{where} ({code}): items missing, or a key listed twice")
    return Procedure(code.strip(), name, items)


def _item(raw: Mapping[str, Any], where: str) -> ChecklistItem:
    unknown = set(raw) - {"key", "label", "types", "original", "required", "copies"}
    if unknown:
        raise ProceduresFileError(f"{where}: unknown setting {sorted(unknown)}")
    key, label, types = raw.get("key"), raw.get("label"), raw.get("types")
    if not isinstance(key, str) or not key or not isinstance(label, str) or not label:
        raise ProceduresFileError(f"{where}: needs a key and a label")
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise ProceduresFileError(f"{where} ({key}): types must be a list of type codes")
    wrong = [t for t in types if t != ANY_TYPE and t not in BY_CODE]
    if wrong:
        raise ProceduresFileError(f"{where} ({key}): unknown document types {wrong}")
    copies = raw.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= 20:
        raise ProceduresFileError(f"{where} ({key}): copies must be a whole number 1–20")
    original = raw.get("original")
    required = raw.get("required", True)
    if (original is not None and not isinstance(original, bool)) or not isinstance(required, bool):
        raise ProceduresFileError(f"{where} ({key}): original and required are true or false")
    return ChecklistItem(key, label, tuple(types), original, required, copies)
