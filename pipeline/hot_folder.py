"""The hot folder: a counter's scanner saves into a folder, sohoa files what lands there.

``sohoa watch DIR --unit U`` (and ``sohoa run`` when ``SOHOA_HOT_FOLDER`` is set)
runs :class:`HotFolder`. What it does with a file:

* It takes a file only once it is complete: its size and modification time
  unchanged for ``settle`` seconds, and no process holding it open for writing
  (asked of the kernel with a read lease, ``fcntl(F_SETLEASE)``, which Linux
  refuses while a writer has the file open; where leases are not available,
  e.g. on a network share, the settle time alone decides). Dotfiles and
  ``*.part``/``*.tmp`` (names scanners and copy tools write under) are never taken.
* A PDF with QR cover sheets (``ingest.cover_sheets``) is split at them: each
  dossier's pages, cut at blank separator sheets into documents, are copied
  byte for byte into PDFs of their own and filed in the dossier the cover names
  (created in the watcher's unit if new, as ``sohoa ingest`` does). A file
  without cover sheets goes whole to the dossier its subfolder names
  (``DIR/<dossier code>/scan.pdf``), or is refused.
* Every document goes through the intake (``pipeline.intake.ingest_file``):
  the original is stored before anything is processed.
* Then, and only then, the file is moved to ``DIR/done/`` (or to
  ``DIR/refused/`` with ``<name>.reason.txt``: an English code and reason and a
  Vietnamese sentence for the clerk).

Nothing is lost and nothing is doubled: a file is moved (one atomic rename)
only after every part of it is committed, so a watcher killed at any moment
finds the file again when it restarts and files it again; its parts come out
byte-identical (``write_part`` is deterministic), and the intake does not
store the same bytes twice in one dossier. A file is refused as a whole, before
anything of it is filed, when any part of it cannot be filed: "in ``done/``"
means all of it is filed, "in ``refused/``" none of it.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core.codes import validate_code
from core.vietnamese import nfc
from ingest.cover_sheets import (
    REFUSALS,
    BatchPart,
    has_cover_sheets,
    page_span,
    split_batch,
    write_part,
)
from ingest.errors import InputError
from ingest.scan import open_scan
from ingest.sniff import sniff
from pipeline.intake import ingest_file
from pipeline.runtime import Runtime
from storage import repository as repo

log = logging.getLogger(__name__)

ACTOR = "hot-folder"
"""Who the audit trail says filed a document taken from the hot folder."""

DONE = "done"
REFUSED = "refused"

SETTLE_SECONDS = 5.0
"""How long a file's size and modification time must stay unchanged before it is
taken. A sheet-fed scanner writes a page every second or two and a network copy
keeps growing; the lease check catches a writer that pauses longer, where leases work."""

POLL_SECONDS = 1.0
"""How often the folder is looked at: a clerk sees the scan filed seconds after it lands."""

RETRY_SECONDS = 30.0
"""After a failure that is not the file's (database or object store unreachable)
the file is left where it is and tried again after this long."""

IGNORED_SUFFIXES = (".part", ".tmp")
"""Names a file carries while it is still being written by scanners and copy tools."""

LOCK_NAME = ".sohoa-watch.lock"
"""Held (``flock``) by the one watcher of a folder: two would race to move the same file."""

REASON_SUFFIX = ".reason.txt"

MAX_AUDIT_ID = 255
"""The audit table's ``object_id`` column is 255 characters; a longer path is cut."""

VIETNAMESE = {
    "unsupported_type": "Loại tệp không được nhận: chỉ nhận PDF, TIFF, JPEG, PNG, WebP, HEIC.",
    "too_large": "Tệp quá lớn (dung lượng, số trang hoặc số điểm ảnh).",
    "empty_file": "Tệp rỗng.",
    "corrupt_file": "Tệp bị hỏng hoặc không đọc được: hãy quét lại.",
    "password_protected": "Tệp PDF có mật khẩu.",
    "encrypted_pdf": "Tệp PDF bị mã hóa hoặc hạn chế quyền.",
    "no_dossier": (
        "Tệp không có tờ bìa và không nằm trong thư mục mang mã hồ sơ: hãy quét kèm tờ bìa "
        "hồ sơ, hoặc đặt tệp vào thư mục có tên là mã hồ sơ."
    ),
    "invalid_dossier_code": "Tên thư mục không phải là một mã hồ sơ hợp lệ.",
    "other_unit": (
        "Tờ bìa thuộc hồ sơ của đơn vị khác: thư mục này chỉ nhận hồ sơ của đơn vị mình."
    ),
    **{code: vietnamese for code, (_, vietnamese) in REFUSALS.items()},
}
"""The clerk's sentence for each refusal code (the English reason is in the file too)."""


class Refusal(Exception):
    """The file cannot be filed as it is; nothing of it has been filed."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = code, reason


@dataclass(frozen=True)
class Filed:
    """One document filed from a file: where it went and which pages of the file it holds."""

    dossier: str
    pages: tuple[int, ...]
    document_id: str
    created: bool  # False: the same bytes were already in the dossier (a file taken again)


@dataclass(frozen=True)
class Outcome:
    """What became of one file: moved to ``done/`` with what it filed, or to ``refused/``."""

    source: Path
    moved_to: Path
    filed: tuple[Filed, ...] = ()
    refusal: Refusal | None = None


@dataclass
class _Watched:
    """A candidate's size and mtime, and since when (monotonic seconds) they held."""

    size: int
    mtime_ns: int
    since: float
    not_before: float = 0.0  # after a failure that is not the file's: wait to retry


@dataclass
class HotFolder:
    """One watched folder, filing into ``unit``; :meth:`poll` takes what is complete."""

    rt: Runtime
    root: Path
    unit: str
    settle: float = SETTLE_SECONDS
    actor: str = ACTOR
    clock: Callable[[], float] = time.monotonic
    _watched: dict[Path, _Watched] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.root = Path(self.root).absolute()
        self.unit = validate_code(self.unit, "unit code")
        for name in (DONE, REFUSED):
            (self.root / name).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ finding files

    def candidates(self) -> list[Path]:
        """Files in the folder and in its dossier subfolders that could be taken, in name order."""
        found: list[Path] = []
        for entry in sorted(self.root.iterdir()):
            if _ignored(entry.name):
                continue
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in (DONE, REFUSED):
                    found += [f for f in sorted(entry.iterdir()) if _takeable(f)]
            elif _takeable(entry):
                found.append(entry)
        return found

    def ready(self) -> list[Path]:
        """Candidates complete now: unchanged for ``settle`` seconds and open for no writer."""
        now = self.clock()
        present = self.candidates()
        for gone in set(self._watched) - set(present):
            del self._watched[gone]
        ready = []
        for path in present:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            seen = self._watched.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._watched[path] = _Watched(st.st_size, st.st_mtime_ns, now)
                continue
            if now - seen.since >= self.settle and now >= seen.not_before:
                if open_for_writing(path):
                    seen.since = now  # a writer paused: wait a full interval after it closes
                    continue
                ready.append(path)
        return ready

    def poll(self) -> list[Outcome]:
        """Take every complete file; a file that fails for a reason not its own waits."""
        outcomes = []
        for path in self.ready():
            try:
                outcomes.append(self.take(path))
            except Exception:
                log.exception("hot folder: %s not filed now; tried again later", path)
                watched = self._watched.get(path)
                if watched is not None:
                    watched.not_before = self.clock() + RETRY_SECONDS
            else:
                self._watched.pop(path, None)
        return outcomes

    def run(self, stop: Callable[[], bool], on_outcome: Callable[[Outcome], None]) -> None:
        """Poll until ``stop()`` says so, telling ``on_outcome`` of each file taken."""
        with self._only_watcher():
            while not stop():
                try:
                    outcomes = self.poll()
                except OSError:  # a subfolder removed while listed, a share gone away
                    log.exception("hot folder %s could not be read; trying again", self.root)
                    outcomes = []
                for outcome in outcomes:
                    on_outcome(outcome)
                time.sleep(POLL_SECONDS)

    def run_until_idle(self, on_outcome: Callable[[Outcome], None]) -> None:
        """Take what is in the folder now, then return (``sohoa watch --once``).

        Returns once no candidate is left, or once a whole settle interval
        has passed in which files were present but none became complete.
        """
        with self._only_watcher():
            idle_since = self.clock()
            while self.candidates():
                outcomes = self.poll()
                for outcome in outcomes:
                    on_outcome(outcome)
                if outcomes:
                    idle_since = self.clock()
                elif self.clock() - idle_since > 2 * self.settle + POLL_SECONDS:
                    return
                time.sleep(POLL_SECONDS)

    @contextmanager
    def _only_watcher(self) -> Iterator[None]:
        with open(self.root / LOCK_NAME, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RuntimeError(f"another watcher already watches {self.root}") from None
            yield

    # ------------------------------------------------------------ taking one file

    def take(self, path: Path) -> Outcome:
        """File one complete file and move it away; raises only for failures not the file's."""
        try:
            filed = self._file(path)
        except Refusal as refusal:
            return self._refuse(path, refusal)
        except InputError as exc:
            return self._refuse(path, Refusal(exc.code, " ".join(exc.reason.split())))
        moved = _move(path, self._destination(path, DONE))
        self._audit("hot_folder.filed", path, {"filed": [_filed_detail(f) for f in filed]})
        return Outcome(path, moved, tuple(filed))

    def _file(self, path: Path) -> list[Filed]:
        folder_dossier = self._folder_dossier(path)
        if sniff(path) == "pdf":
            parts = split_batch(path, self.rt.settings.limits())
            if has_cover_sheets(parts):
                return self._file_parts(path, parts)
        if folder_dossier is None:
            raise Refusal(
                "no_dossier",
                "the file has no cover sheet and is not in a folder named by a dossier code",
            )
        pages = tuple(range(1, open_scan(path, self.rt.settings.limits()).page_count + 1))
        done = ingest_file(self.rt, path, dossier=folder_dossier, unit=self.unit, actor=self.actor)
        return [Filed(folder_dossier, pages, done.document_id, done.created)]

    def _folder_dossier(self, path: Path) -> str | None:
        if path.parent == self.root:
            return None
        try:
            return validate_code(path.parent.name)
        except ValueError as exc:
            raise Refusal("invalid_dossier_code", str(exc)) from None

    def _file_parts(self, path: Path, parts: list[BatchPart]) -> list[Filed]:
        """Check every part, write every document, then file them: all of it or nothing."""
        for part in parts:
            if part.refusal is not None:
                english = REFUSALS[part.refusal][0]
                where = f"page(s) {page_span(part.pages)}" if part.pages else "the cover sheet"
                if part.cover_page is not None:
                    where = f"cover sheet on page {part.cover_page}"
                raise Refusal(part.refusal, f"{english} ({where})")
            assert part.cover is not None
            if part.cover.unit != self.unit:
                raise Refusal(
                    "other_unit",
                    f"the cover sheet on page {part.cover_page} is for dossier "
                    f"{part.cover.dossier} of unit {part.cover.unit}; this folder files for "
                    f"unit {self.unit}",
                )
        scratch = self._scratch(path)
        try:
            planned = []
            for part in parts:
                assert part.cover is not None
                for pages in part.documents:
                    out = scratch / f"{len(planned) + 1:03d}.pdf"
                    write_part(path, pages, out)
                    open_scan(out, self.rt.settings.limits())  # refused now, not half-filed
                    planned.append((part.cover.dossier, pages, out))
            filed = []
            for dossier, pages, out in planned:
                done = ingest_file(
                    self.rt,
                    out,
                    dossier=dossier,
                    unit=self.unit,
                    filename=part_filename(path.name, pages),
                    actor=self.actor,
                )
                filed.append(Filed(dossier, pages, done.document_id, done.created))
            return filed
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _scratch(self, path: Path) -> Path:
        """A private folder for one file's parts, under the worker's scratch space."""
        digest = hashlib.sha256(str(path).encode()).hexdigest()[:16]
        scratch = self.rt.settings.work_dir / "hot-folder" / digest
        shutil.rmtree(scratch, ignore_errors=True)  # a crashed run's leftovers
        scratch.mkdir(parents=True)
        return scratch

    # ------------------------------------------------------------ moving away

    def _refuse(self, path: Path, refusal: Refusal) -> Outcome:
        destination = self._destination(path, REFUSED)
        _write_atomically(
            destination.with_name(destination.name + REASON_SUFFIX), reason_text(path, refusal)
        )
        moved = _move(path, destination)
        self._audit("hot_folder.refused", path, {"code": refusal.code, "reason": refusal.reason})
        return Outcome(path, moved, refusal=refusal)

    def _destination(self, path: Path, where: str) -> Path:
        """``DIR/<where>/[<subfolder>/]<name>``; a name already there gets `` (2)``, `` (3)``…"""
        relative = path.relative_to(self.root)
        folder = self.root / where / relative.parent
        folder.mkdir(parents=True, exist_ok=True)
        candidate, n = folder / path.name, 1
        while candidate.exists() or candidate.with_name(candidate.name + REASON_SUFFIX).exists():
            n += 1
            candidate = folder / f"{path.stem} ({n}){path.suffix}"
        return candidate

    def _audit(self, action: str, path: Path, detail: dict[str, object]) -> None:
        with self.rt.session() as s:
            repo.ensure_unit(s, self.unit)
            repo.record_audit(
                s,
                actor=self.actor,
                action=action,
                object_type="file",
                object_id=nfc(str(path.relative_to(self.root)))[:MAX_AUDIT_ID],
                unit_code=self.unit,
                detail=detail,
            )


def part_filename(name: str, pages: tuple[int, ...]) -> str:
    """The document's name: the scan's and the pages of it the document holds."""
    return nfc(f"{Path(name).stem} (trang {page_span(pages)}).pdf")


def reason_text(path: Path, refusal: Refusal) -> str:
    """The ``.reason.txt`` beside a refused file: code, English reason, Vietnamese sentence."""
    vietnamese = VIETNAMESE.get(refusal.code, "Tệp không được nhận: xem lý do ở trên.")
    return (
        f"code: {refusal.code}\n"
        f"reason: {refusal.reason}\n"
        f"lý do: {vietnamese}\n"
        f"file: {nfc(path.name)}\n"
        f"time: {datetime.now(UTC).isoformat(timespec='seconds')}\n"
    )


def open_for_writing(path: Path) -> bool:
    """Whether a process has ``path`` open for writing, as far as Linux tells cheaply.

    A read lease is granted only when no one has the file open for writing
    (EAGAIN otherwise); it is dropped at once. Where leases cannot be taken
    (not the file's owner, a file system without them) the answer is False and
    the settle time alone decides.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return exc.errno in (errno.EAGAIN, errno.EBUSY)
    else:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        return False
    finally:
        os.close(fd)


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower().endswith(IGNORED_SUFFIXES)


def _takeable(path: Path) -> bool:
    return not _ignored(path.name) and path.is_file() and not path.is_symlink()


def _move(path: Path, destination: Path) -> Path:
    """One rename on the same file system: the file is in one place or the other, never lost."""
    os.replace(path, destination)
    return destination


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _filed_detail(filed: Filed) -> dict[str, object]:
    return {
        "dossier": filed.dossier,
        "pages": list(filed.pages),
        "document_id": filed.document_id,
        "created": filed.created,
    }
