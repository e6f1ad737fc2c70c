"""What needs a person: the attention queue's reasons, worked out when a document changes.

The clerk's other question, after *what is missing?*, is *what needs my look?*:
a document that failed, fields read with low confidence or failing their checks,
a paper whose type was not made out, a red seal without the certification
words, a page read from a picture too small to trust. Each document keeps its
reasons (``attention``, stable codes) and since when (``attention_at``), worked
out here whenever its status or fields change (``refresh``), so the queue is one
indexed look-up of the few rows that need someone, whatever the archive holds —
not a scan of millions of documents' JSON at each request. A person clears an
entry by acting on it (a retry, a correction that leaves nothing doubtful) or
by marking it checked; the marking stays until the document changes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from storage.models import Document, utcnow

FIELD_CONFIDENCE_FLOOR = 0.8
"""Below this a field value (or a type) is shown for a person to check: the counter's
pages mark such values, and the queue lists their documents."""

UNKNOWN_TYPES = frozenset({None, "other", "unclassified"})

REASONS = (
    "failed",  # the document could not be digitised: see its failure reason
    "field_checks",  # a field failed its checks (an ID number that disagrees with the birth date)
    "low_confidence",  # a field read with confidence under FIELD_CONFIDENCE_FLOOR
    "type_unknown",  # read, but its type was not made out
    "stamp_not_found",  # a red seal was seen but no certification words were read
    "page_warnings",  # a page was read from a picture too small to trust
)


def reasons_of(document: Document) -> list[str]:
    """The reasons the document needs a person now, in :data:`REASONS` order (may be [])."""
    if document.status == "failed":
        return ["failed"]
    if document.status != "done":
        return []
    found = set()
    for name in doubtful_fields(document.fields):
        found.add("field_checks" if name.endswith("_problems") else "low_confidence")
    if document.document_type in UNKNOWN_TYPES:
        found.add("type_unknown")
    classification = document.classification or {}
    if classification.get("red_seal") and document.is_certified_copy is False:
        found.add("stamp_not_found")
    if any(page.warnings for page in document.pages):
        found.add("page_warnings")
    return [reason for reason in REASONS if reason in found]


def doubtful_fields(fields: Mapping[str, Any] | None) -> list[str]:
    """Names of the fields a person should check: checks that found problems
    (``*_problems``), values read under the floor; never a person's own correction."""
    doubtful = []
    for name, field in (fields or {}).items():
        if not isinstance(field, Mapping) or field.get("corrected"):
            continue
        if name.endswith("_problems"):
            if field.get("value"):
                doubtful.append(name)
        elif (field.get("confidence") or 0) < FIELD_CONFIDENCE_FLOOR:
            doubtful.append(name)
    return doubtful


def refresh(document: Document) -> None:
    """Recompute the document's reasons; it enters the queue (again) when they change.

    A document whose reasons did not change keeps its place and its clearing: a
    redelivered task recomputing them must not put back what a person cleared.
    """
    reasons = reasons_of(document)
    if reasons == (document.attention or []):
        return
    document.attention = reasons or None
    document.attention_at = utcnow() if reasons else None


def clear(document: Document) -> None:
    """A person looked and found nothing more to do: out of the queue until it changes."""
    document.attention_at = None  # the reasons stay: ``refresh`` sees nothing new
