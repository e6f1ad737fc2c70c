"""Make the archive copy inert: no scripts, launches, attachments or form actions.

A page that already carries text is kept from the sender's PDF (``KeptPage``),
and a sender's PDF can carry far more than what its pages show: JavaScript that
runs when a page opens, links that launch programs, attached files, form fields
with scripts behind every keystroke. None of it belongs in the state's digitised
copy of a citizen's paper, and PDF/A-2b (ISO 19005-2) forbids it too. The rule
here is therefore "keep what draws the page, drop the rest":

1. Every annotation that would print (filled form fields, stamps, the icon of an
   attachment) is flattened into the page content, so the copy looks like the
   printout; every other annotation, links included, is dropped. Nothing on a
   page stays interactive, so no annotation can break PDF/A's annotation rules.
2. A kept page keeps only the entries that say how to draw it
   (:data:`_PAGE_KEYS`); page-open actions, presentation steps, associated files
   and whatever a later PDF version adds are not on that list.
3. Everything still in the file is then walked, object by object, because a page
   can point anywhere, even at the sender's catalog with its open action and name
   trees: scripts, launch and form actions, additional actions, embedded files,
   name-tree scripts and attachments, interactive forms, XFA and stream data
   fetched from outside the file are removed wherever they are.

Links are dropped rather than kept although PDF/A-2 allows GoTo and URI: a
GoTo aims at a page or a named destination of the sender's file, which the
copy may not contain; a URI is an address the sender chose (a tracking or
phishing link looks the same as any other), and a clerk reading the state's
record has no reason to follow either. The address still shows on the page,
because the page's drawing is kept.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

import pikepdf
from pikepdf import Array, Dictionary, Name

logger = logging.getLogger(__name__)

#: What a page needs to be drawn (ISO 32000-1, table 30); nothing here can act.
_PAGE_KEYS = frozenset(
    {
        "/Type",
        "/Parent",
        "/MediaBox",
        "/CropBox",
        "/BleedBox",
        "/TrimBox",
        "/ArtBox",
        "/Rotate",
        "/UserUnit",
        "/Resources",
        "/Contents",
        "/Group",
    }
)

#: Keys whose value is active content or its container, removed from every dictionary:
#: additional actions (catalog, page, field, widget), script source, the name
#: trees of document scripts and attached files, a file specification's embedded
#: streams, the interactive form and its XFA, presentation steps (their nodes
#: carry actions) and alternate presentations (PDF/A-2 forbids both).
_ACTIVE_KEYS = frozenset(
    {
        "/AA",
        "/JS",
        "/JavaScript",
        "/EmbeddedFiles",
        "/EF",
        "/RF",
        "/AcroForm",
        "/XFA",
        "/PresSteps",
        "/AlternatePresentations",
        "/AF",
    }
)

#: Stream keys that take the stream's data from outside the file.
_EXTERNAL_STREAM_KEYS = frozenset({"/F", "/FFilter", "/FDecodeParms"})

#: Keys whose value may be an action dictionary.
_ACTION_KEYS = ("/A", "/OpenAction", "/PA", "/Next")

#: Action types that run code, open or send files, or change the document:
#: PDF/A-2 forbids all but SubmitForm, GoToR and GoToE, and those three
#: send data out or open other files. Their dictionaries are emptied wherever found.
_FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ResetForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/Hide",
        "/SetOCGState",
        "/Rendition",
        "/Trans",
        "/GoTo3DView",
        "/Sound",
        "/Movie",
        "/RichMediaExecute",
    }
)

#: Named actions PDF/A-2 allows; anything else (Print, SaveAs, ...) is dropped.
_HARMLESS_NAMED = frozenset({"/NextPage", "/PrevPage", "/FirstPage", "/LastPage"})

#: Annotation kinds that carry media or files; emptied if anything still points at one.
_MEDIA_ANNOTATIONS = frozenset({"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia"})


def make_inert(pdf: pikepdf.Pdf) -> Counter[str]:
    """Strip every active part from ``pdf`` in place; returns what was removed, by kind.

    Call it once all pages are in and before saving: objects that nothing points
    at any more are not written by the save. The counts are for the log; an
    empty counter means the file had nothing to remove.
    """
    removed: Counter[str] = Counter()
    annotations = sum(_count(page.obj.get("/Annots")) for page in pdf.pages)
    if annotations:
        # "print": the copy shows what a printout of the sender's file shows; an
        # annotation hidden, invisible or not printed has no place in it (nor in PDF/A).
        pdf.flatten_annotations(mode="print")
        removed["annotations flattened or dropped"] += annotations
    for page in pdf.pages:
        # /Annots goes too: what flattening could not draw has no place in the copy.
        for key in set(page.obj.keys()) - _PAGE_KEYS:
            del page.obj[key]
            removed[f"page {key}"] += 1
    for obj in list(pdf.objects):
        if isinstance(obj, pikepdf.Stream):
            _keep_stream_inside(obj, removed)
        for dictionary in _dictionaries(obj):
            _scrub(dictionary, removed)
    if removed:
        logger.warning("active content removed from the output PDF: %s", dict(removed))
    return removed


def _keep_stream_inside(stream: pikepdf.Stream, removed: Counter[str]) -> None:
    """A stream's data comes from this file only, and never is an attached file.

    /F, /FFilter and /FDecodeParms take a stream's data from an external file or
    URL, and a form XObject's /Ref draws a page of another file: a viewer that
    honours them fetches from elsewhere (PDF/A-2 forbids both).
    """
    for key in _EXTERNAL_STREAM_KEYS.intersection(stream.stream_dict.keys()):
        removed[f"stream {key}"] += 1
        del stream.stream_dict[key]
    if _name(stream.stream_dict, "/Subtype") == "/Form" and "/Ref" in stream.stream_dict:
        removed["form /Ref"] += 1
        del stream.stream_dict["/Ref"]
    if _name(stream.stream_dict, "/Type") == "/EmbeddedFile":
        stream.write(b"")  # in case something unexpected still points at it


def _count(annotations: pikepdf.Object | None) -> int:
    return len(annotations) if isinstance(annotations, Array) else int(annotations is not None)


def _dictionaries(root: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """``root`` and the dictionaries nested directly in it, depth first, without recursion.

    Indirect children are skipped: the caller visits every indirect object
    itself. A stack rather than recursion, because a hostile file can nest
    arrays far deeper than Python's recursion limit.
    """
    stack = [root]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            yield obj.stream_dict
            container: pikepdf.Object = obj.stream_dict
        elif isinstance(obj, Dictionary):
            yield obj
            container = obj
        elif isinstance(obj, Array):
            container = obj
        else:
            continue
        children = container.values() if isinstance(container, Dictionary) else container
        stack.extend(
            child
            for child in children
            if isinstance(child, (Dictionary, Array, pikepdf.Stream)) and not child.is_indirect
        )


def _scrub(dictionary: pikepdf.Object, removed: Counter[str]) -> None:
    """Remove the active entries of one dictionary (nested direct ones are visited too)."""
    if _is_forbidden_action(dictionary):
        removed[f"{_name(dictionary, '/S') or 'JavaScript'} action"] += 1
        _empty(dictionary)
        return
    subtype = _name(dictionary, "/Subtype")
    if subtype in _MEDIA_ANNOTATIONS or _name(dictionary, "/Type") == "/EmbeddedFile":
        removed[subtype or "/EmbeddedFile"] += 1
        _empty(dictionary)
        return
    for key in _ACTIVE_KEYS.intersection(dictionary.keys()):
        removed[key] += 1
        del dictionary[key]
    for key in _ACTION_KEYS:
        value = dictionary.get(key)
        if value is None or (key == "/OpenAction" and isinstance(value, Array)):
            continue  # an explicit destination only says where to open
        kept = _harmless_actions(value)
        if kept is None:
            removed[f"{key} action"] += 1
            del dictionary[key]
        elif isinstance(value, Array) and len(kept) != len(value):
            removed[f"{key} action"] += len(value) - len(kept)
            dictionary[key] = Array(kept)


def _harmless_actions(value: pikepdf.Object) -> list[pikepdf.Object] | None:
    """The actions of ``value`` worth keeping, or None when none of it is harmless.

    Only a dictionary (or an array of them, for /Next) is an action: a measure
    dictionary's /A, for one, is an array of number formats and not touched.
    """
    if isinstance(value, Dictionary):
        return [value] if _is_harmless_action(value) else None
    if isinstance(value, Array):
        actions = [item for item in value if isinstance(item, Dictionary)]
        if not actions or len(actions) != len(value):
            return list(value)  # not a list of actions; nothing here can run
        kept = [action for action in actions if _is_harmless_action(action)]
        return kept or None
    return [value]


def _is_harmless_action(action: pikepdf.Object) -> bool:
    kind = _name(action, "/S")
    return kind == "/GoTo" or (kind == "/Named" and _name(action, "/N") in _HARMLESS_NAMED)


def _is_forbidden_action(dictionary: pikepdf.Object) -> bool:
    return "/JS" in dictionary or _name(dictionary, "/S") in _FORBIDDEN_ACTIONS


def _name(dictionary: pikepdf.Object, key: str) -> str | None:
    """The entry as text when it is a name, else None (hostile files put anything anywhere)."""
    value = dictionary.get(key)
    return str(value) if isinstance(value, Name) else None


def _empty(dictionary: pikepdf.Object) -> None:
    """Remove every entry: whatever still points at the dictionary finds nothing to run."""
    for key in list(dictionary.keys()):
        del dictionary[key]
