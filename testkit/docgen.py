"""Realistic typed commune documents with exact ground truth, for the document classifier.

:func:`compose` invents one document of a given type from a seed: the pages as lines
with layout roles (:class:`Line`, :class:`Page`), the variant of the form, and the
values printed on it (``truth_fields``). :func:`text` is what a perfect OCR would
read; :func:`render` draws the pages (A4 papers in the Decree 30/2020 layout, ID
cards as an A4 photocopy) with word boxes, reusing :mod:`testkit.pagegen`'s fonts,
seals and degradations. ``python -m testkit.docgen corpus`` writes the committed
training corpus ``classifiers/corpus/train.jsonl``.

Why synthetic: real dossiers hold personal data and cannot be committed. Every form
here was written for this project from the public descriptions of the forms; names
are assembled at random, so no real person appears. Each type has several variants,
optional lines and wordings so that a classifier must learn the form, not a sentence;
bodies of one type mention the others (a decision about land certificates, minutes
verifying marital status), and ``certified_copy=True`` adds the copy-certification
stamp to *any* type, because the stamp must never decide the type.

Seeds below :data:`EVAL_SEED_START` are for training data; seeds from it upwards are
reserved for the evaluation set, so the two can never share a document.

Layout (where the code lives): :mod:`testkit.docgen_model` (lines, pages, people,
ID numbers, MRZ, layout builders), :mod:`testkit.docgen_banks` (names and places),
:mod:`testkit.docgen_civil`, :mod:`testkit.docgen_admin`, :mod:`testkit.docgen_property`,
:mod:`testkit.docgen_other` (the composers and their phrase banks),
:mod:`testkit.docgen_render` (drawing).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path

from testkit.docgen_admin import application_form, decision, minutes, official_letter
from testkit.docgen_civil import (
    Composed,
    birth_certificate,
    birth_extract,
    citizen_id,
    death_extract,
    household_book,
    marital_status,
    marriage_certificate,
)
from testkit.docgen_model import (
    Gen,
    Line,
    Page,
    TypedDocument,
    certification_block,
    icao_check_digit,
    id_number_problems,
    mrz_problems,
    nfc,
)
from testkit.docgen_other import other
from testkit.docgen_property import (
    business_household_registration,
    contract,
    diploma,
    land_use_certificate,
    power_of_attorney,
)
from testkit.docgen_render import degraded, render

__all__ = [
    "COMPOSERS",
    "EVAL_SEED_START",
    "TRUTH_KEYS",
    "Line",
    "Page",
    "TypedDocument",
    "compose",
    "corpus_records",
    "degraded",
    "icao_check_digit",
    "id_number_problems",
    "mrz_problems",
    "ocr_noise",
    "render",
    "text",
    "write_corpus",
]

EVAL_SEED_START = 100_000

# One composer per type code of classifiers.doctypes (the test checks they match).
COMPOSERS: dict[str, Callable[[Gen], Composed]] = {
    "citizen_id": citizen_id,
    "birth_certificate": birth_certificate,
    "birth_extract": birth_extract,
    "marriage_certificate": marriage_certificate,
    "marital_status": marital_status,
    "death_extract": death_extract,
    "land_use_certificate": land_use_certificate,
    "household_book": household_book,
    "application_form": application_form,
    "contract": contract,
    "power_of_attorney": power_of_attorney,
    "diploma": diploma,
    "business_household_registration": business_household_registration,
    "decision": decision,
    "minutes": minutes,
    "official_letter": official_letter,
    "other": other,
}

COMMON_KEYS = ("document_number", "issue_place", "issue_date", "is_certified_copy")

# The truth keys of each type besides COMMON_KEYS. Values are "" where the document
# does not print them (the back of an ID card has no place of origin).
TRUTH_KEYS: dict[str, tuple[str, ...]] = {
    "citizen_id": (
        "id_number",
        "full_name",
        "date_of_birth",
        "sex",
        "nationality",
        "place_of_origin",
        "place_of_residence",
        "place_of_birth",
        "expiry_date",
    ),
    "birth_certificate": (
        "full_name",
        "date_of_birth",
        "place_of_birth",
        "sex",
        "mother_name",
        "father_name",
        "register_number",
        "register_book",
    ),
    "birth_extract": (
        "full_name",
        "date_of_birth",
        "place_of_birth",
        "sex",
        "mother_name",
        "father_name",
        "register_number",
        "register_book",
    ),
    "marriage_certificate": ("husband_name", "wife_name", "register_number", "register_book"),
    "marital_status": ("full_name", "status", "purpose"),
    "death_extract": ("full_name", "date_of_death"),
    "land_use_certificate": (
        "serial",
        "registry_number",
        "parcel_number",
        "map_sheet_number",
        "area",
        "land_use_purpose",
        "holder_name",
    ),
    "household_book": ("head_of_household",),
    "application_form": (),
    "contract": ("party_a", "party_b"),
    "power_of_attorney": ("grantor_name", "agent_name"),
    "diploma": ("full_name", "date_of_birth", "serial"),
    "business_household_registration": (
        "business_code",
        "business_name",
        "owner_name",
        "capital",
    ),
    "decision": (),
    "minutes": (),
    "official_letter": (),
    "other": (),
}


def compose(doc_type: str, seed: int, *, certified_copy: bool = False) -> TypedDocument:
    """One document of ``doc_type``; the same arguments always give the same document.

    The certification stamp draws on its own random stream, so a certified copy is
    the uncertified document plus the stamp lines at the end of its last page.
    """
    if doc_type not in COMPOSERS:
        raise ValueError(f"unknown document type {doc_type!r}; known: {', '.join(COMPOSERS)}")
    composed = COMPOSERS[doc_type](Gen(f"{doc_type}:{seed}"))
    pages = list(composed.pages)
    if certified_copy:
        stamp = Gen(f"{doc_type}:{seed}:certification")
        issued = composed.truth.get("issue_date") or ""
        earliest = max(date.fromisoformat(issued) if issued else date(2016, 1, 1), date(2016, 1, 1))
        when = stamp.day(earliest, max(earliest, date(2025, 12, 31)))
        block = certification_block(stamp, when, stamp.locale(when))
        last = pages[-1]
        pages[-1] = Page(last.lines + tuple(block), last.layout, last.card, last.qr)
    truth = {key: nfc(value) for key, value in composed.truth.items()}
    truth["is_certified_copy"] = "true" if certified_copy else "false"
    return TypedDocument(
        doc_type=doc_type,
        variant=composed.variant,
        seed=seed,
        pages=tuple(pages),
        truth_fields=truth,
        certified_copy=certified_copy,
    )


def page_text(page: Page) -> str:
    """The lines of one page that carry text, in reading order."""
    return "\n".join(item.text for item in page.lines if item.text)


def text(doc: TypedDocument) -> str:
    """What a perfect OCR would read: NFC, pages separated by "\\f", lines by "\\n".

    A paragraph is one line here; :func:`render` wraps it, so rendered page text has
    the same words in the same order but more line breaks.
    """
    return nfc("\f".join(page_text(page) for page in doc.pages))


# ---------------------------------------------------------------------------------------
# Synthetic OCR noise, for some corpus records
# ---------------------------------------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_SWAPS = {"O": "0", "0": "O", "o": "0", "l": "1", "1": "l", "I": "1"}


def _drop_tones(word: str) -> str:
    return nfc("".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES))


def _strip_marks(word: str) -> str:
    word = word.replace("đ", "d").replace("Đ", "D")
    return nfc(
        "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
    )


def _swap(word: str, rng: random.Random) -> str:
    spots = [i for i, c in enumerate(word) if c in _SWAPS]
    if not spots:
        return word
    i = rng.choice(spots)
    return word[:i] + _SWAPS[word[i]] + word[i + 1 :]


def ocr_noise(
    page_text_: str, key: str, *, line_rate: float = 0.35, word_rate: float = 0.15
) -> str:
    """Damage some lines the way Tesseract does: lost tone marks, O/0 and l/1, bad spacing.

    ``line_rate`` of the lines are touched, and in them ``word_rate`` of the words get
    one of: tone marks dropped, all diacritics stripped, a look-alike swap, merged with
    the next word, or split in two. Pages ("\\f") and lines are kept.
    """
    rng = random.Random(key)
    pages = []
    for page in page_text_.split("\f"):
        out_lines = []
        for row in page.split("\n"):
            if rng.random() >= line_rate:
                out_lines.append(row)
                continue
            words = row.split(" ")
            out: list[str] = []
            i = 0
            while i < len(words):
                word = words[i]
                if word and rng.random() < word_rate:
                    kind = rng.choice(("tones", "tones", "strip", "swap", "merge", "split"))
                    if kind == "tones":
                        word = _drop_tones(word)
                    elif kind == "strip":
                        word = _strip_marks(word)
                    elif kind == "swap":
                        word = _swap(word, rng)
                    elif kind == "merge" and i + 1 < len(words):
                        word, i = word + words[i + 1], i + 1
                    elif kind == "split" and len(word) >= 4:
                        cut = rng.randint(1, len(word) - 1)
                        word = f"{word[:cut]} {word[cut:]}"
                out.append(word)
                i += 1
            out_lines.append(" ".join(out))
        pages.append("\n".join(out_lines))
    return nfc("\f".join(pages))


# ---------------------------------------------------------------------------------------
# The training corpus
# ---------------------------------------------------------------------------------------

CORPUS_PATH = Path(__file__).resolve().parents[1] / "classifiers" / "corpus" / "train.jsonl"
CORPUS_PER_TYPE = 60
CORPUS_SEED = 1000
CORPUS_COMMAND = (
    f"python -m testkit.docgen corpus --out classifiers/corpus/train.jsonl "
    f"--per-type {CORPUS_PER_TYPE} --seed {CORPUS_SEED}"
)


def corpus_records(per_type: int, seed: int) -> Iterator[dict[str, object]]:
    """Records of the training corpus: document seeds ``seed`` … ``seed + per_type - 1``.

    About a third of the documents are certified copies and about a quarter of the
    records carry synthetic OCR noise (``"noise": true``); both choices are seeded.
    """
    if seed < 0 or seed + per_type > EVAL_SEED_START:
        raise ValueError(f"training seeds must stay below {EVAL_SEED_START} (evaluation seeds)")
    for doc_type in COMPOSERS:
        for doc_seed in range(seed, seed + per_type):
            choice = random.Random(f"corpus:{doc_type}:{doc_seed}")
            certified = choice.random() < 1 / 3
            noisy = choice.random() < 0.25
            doc = compose(doc_type, doc_seed, certified_copy=certified)
            body = text(doc)
            if noisy:
                body = ocr_noise(body, f"noise:{doc_type}:{doc_seed}")
            yield {
                "type": doc_type,
                "variant": doc.variant,
                "text": body,
                "certified_copy": certified,
                "seed": doc_seed,
                "noise": noisy,
            }


def write_corpus(path: Path, per_type: int, seed: int) -> int:
    """Write the JSON-lines corpus (UTF-8, NFC, one document per line); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for record in corpus_records(per_type, seed):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def _write_samples(out: Path, seed: int, dpi: int) -> list[Path]:
    """One rendered page per type (and a certified ID photocopy) as PNG, to look at."""
    from testkit.pagegen import save_png

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc_type in COMPOSERS:
        for certified in (False, True):
            doc = compose(doc_type, seed, certified_copy=certified)
            for index, page in enumerate(render(doc, dpi=dpi)):
                tag = "-cert" if certified else ""
                path = out / f"{doc_type}-{doc.variant}{tag}-p{index + 1}.png"
                written.append(save_png(page.image, path, dpi))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testkit.docgen", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    corpus = sub.add_parser("corpus", help="write the JSON-lines training corpus")
    corpus.add_argument("--out", type=Path, default=CORPUS_PATH)
    corpus.add_argument("--per-type", type=int, default=CORPUS_PER_TYPE)
    corpus.add_argument("--seed", type=int, default=CORPUS_SEED)
    show = sub.add_parser("show", help="print one document's text and truth fields")
    show.add_argument("type", choices=sorted(COMPOSERS))
    show.add_argument("seed", type=int)
    show.add_argument("--certified", action="store_true")
    samples = sub.add_parser("samples", help="render one page per type to PNG files")
    samples.add_argument("--out", type=Path, default=Path("/tmp/docgen-samples"))
    samples.add_argument("--seed", type=int, default=0)
    samples.add_argument("--dpi", type=int, default=150)
    args = parser.parse_args(argv)
    if args.command == "corpus":
        count = write_corpus(args.out, args.per_type, args.seed)
        print(f"{count} documents -> {args.out} ({args.out.stat().st_size} bytes)")
    elif args.command == "show":
        doc = compose(args.type, args.seed, certified_copy=args.certified)
        print(f"# {doc.doc_type} / {doc.variant}")
        print(text(doc).replace("\f", "\n---- page break ----\n"))
        print(json.dumps(doc.truth_fields, ensure_ascii=False, indent=2))
    else:
        for path in _write_samples(args.out, args.seed, args.dpi):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
