"""A document's stored objects as a worker uses them: the original kept on the worker's
disk (a bounded cache, opened once per process), page results stored under names
of their content, and stored pages loaded back in order for the later steps."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from ingest.page_source import Scan
from pipeline import journey
from pipeline.originals import trim, use_original
from pipeline.runtime import Runtime
from pipeline.stage_data import PageResult
from pipeline.stored_page import StoredPage
from storage import keys
from storage import repository as repo


def local_scan(rt: Runtime, key: str, sha256: str) -> Scan:
    """The original on this worker's disk and its validated pages.

    From the bounded cache of originals (``SOHOA_WORK_CACHE_MB``), fetched and
    verified again when evicted; the file stays locked until the task ends, so
    no process evicts it while this task's pages read it.
    """
    path = use_original(
        rt.settings.work_dir / "originals",
        sha256,
        rt.settings.work_cache_mb * 1024 * 1024,
        lambda dest: rt.store.download(key, dest, sha256),
    )
    return _open_scan_cached(path, rt.settings.limits())


def trim_originals(rt: Runtime) -> None:
    """Bring the cache back under its bound once this task's originals are free to go."""
    folder = rt.settings.work_dir / "originals"
    if folder.is_dir():
        trim(folder, rt.settings.work_cache_mb * 1024 * 1024)


@lru_cache(maxsize=16)
def _open_scan_cached(path: Path, limits: Any) -> Scan:
    """Each worker process opens and validates an original once, not once per page."""
    return journey.open_original(path, limits)


def document_prefix(document: Any) -> str:
    """Where the document's objects live: ``unit/dossier/document``."""
    dossier = document.dossier
    return keys.document_prefix(dossier.unit_code, dossier.code, document.id)


def scratch_dir(rt: Runtime, document_id: str) -> Path:
    """A folder on the worker's disk for assembling the document's outputs."""
    path = rt.settings.work_dir / "assemble" / document_id
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_page_result(rt: Runtime, prefix: str, result: PageResult) -> tuple[Any, Any, Any]:
    """The page's image, stored page and thumbnail in the store, each named by its content."""
    image_obj = None
    if result.image is not None:
        data = result.image.data
        image_obj = rt.store.put_bytes(
            keys.page_image(prefix, result.number, hashlib.sha256(data).hexdigest()),
            data,
            "application/octet-stream",
        )
    stored = StoredPage.of(result).to_bytes()
    result_obj = rt.store.put_bytes(
        keys.page_result(prefix, result.number, hashlib.sha256(stored).hexdigest()),
        stored,
        "application/json",
    )
    if result.thumbnail is None:
        raise RuntimeError(f"page {result.number} has no thumbnail")  # a bug, not bad input
    thumb_obj = rt.store.put_bytes(
        keys.thumbnail(prefix, result.number), result.thumbnail, "image/png"
    )
    return image_obj, result_obj, thumb_obj


@dataclass(frozen=True)
class LoadedPage:
    """A stored page read back, and the page result the later stages take."""

    stored: StoredPage
    result: PageResult  # with its image bytes when they were fetched


def load_stored_pages(rt: Runtime, document_id: str, *, with_images: bool) -> list[LoadedPage]:
    """The document's stored pages in order; images fetched if asked (or marks are missing)."""
    with rt.session() as s:
        rows = repo.page_objects(s, document_id)
    pages = []
    for row in rows:
        stored = StoredPage.from_bytes(rt.store.get_bytes(row.result_key, row.result_sha256))
        result = stored.result
        wanted = with_images or stored.marks is None
        if wanted and stored.image is not None and row.image_key and row.image_sha256:
            data = rt.store.get_bytes(row.image_key, row.image_sha256)
            result = replace(result, image=stored.image.with_data(data))
        pages.append(LoadedPage(stored, result))
    return pages
