"""Decide what a document is: rules and model combined, a calibrated confidence, fields.

    pages (OCR text, words, image marks: QR, seals, photos, MRZ re-read)
      → lines folded, attestation block found and cut out   (classifiers.folded_text)
      → title/phrase rules  ─┐
      → n-gram model        ─┼─ combined: softmax(log p_model / T + α · rules)
      → image cues (photo) ─┘   under the threshold: "other" (we say unknown, not a guess)
      → fields of that type (classifiers.fields), image cues reported

``α`` (how much a title rule counts against the model) and ``T`` (the model's
temperature) are fitted on held-out documents when the model is trained
(``classifiers.training``), so the confidence means what it says: among
documents classified at 0.9, about nine in ten are right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from classifiers import rules
from classifiers.cues import PageCues
from classifiers.doctypes import OTHER
from classifiers.document_parts import document_parts
from classifiers.fields.extract import extract_fields
from classifiers.fields.field_types import Field, PageText
from classifiers.fields.id_card_qr import parse_id_qr
from classifiers.fields.mrz import is_mrz_line
from classifiers.folded_text import (
    PageLines,
    attested_in_rows,
    classification_text,
    is_certified_copy,
    split_page,
)
from classifiers.marks import PageMarks
from classifiers.ngram_model import TextModel
from ocr.words import Word

DEFAULT_THRESHOLD = 0.5
PHOTO_WEIGHT = 0.4
ID_QR_CONFIDENCE = 0.95
"""A readable ID-card QR payload (12-digit number, name, birth date…) on a page with
no readable text: an ID card, said a little short of certain since nothing else agrees."""
"""A portrait photo is a weak sign of an ID card (a diploma or a form may carry one too)."""

MIN_TEXT_CHARS = 20
"""Fewer folded letters than this (a blank or unreadable page) cannot be classified."""


@dataclass(frozen=True)
class ClassifierPage:
    """One page as the classifier takes it: OCR text and words, and what its image showed.

    ``marks`` is None for a page without a scan image (one kept with its own text).
    """

    number: int
    text: str
    words: tuple[Word, ...] = ()
    marks: PageMarks | None = None


def fields_json(fields: dict[str, Field]) -> dict[str, dict[str, object]]:
    """Fields as stored and served: value, confidence, page and box."""
    return {
        name: {
            "value": f.value,
            "confidence": round(f.confidence, 3),
            "page": f.page,
            **({"box": list(f.box)} if f.box else {}),
        }
        for name, f in fields.items()
    }


@dataclass(frozen=True)
class PartType:
    """One paper inside a file that holds several (``classifiers.document_parts``)."""

    pages: tuple[int, ...]
    document_type: str
    confidence: float
    is_certified_copy: bool
    fields: dict[str, Field] = field(default_factory=dict)  # the paper's own

    def to_json(self) -> dict[str, object]:
        return {
            "pages": list(self.pages),
            "type": self.document_type,
            "confidence": round(self.confidence, 3),
            "is_certified_copy": self.is_certified_copy,
            "fields": fields_json(self.fields),
        }


@dataclass(frozen=True)
class Classification:
    document_type: str
    confidence: float
    is_certified_copy: bool
    fields: dict[str, Field]
    candidates: tuple[tuple[str, float], ...] = ()
    evidence: tuple[str, ...] = ()
    cues: tuple[PageCues, ...] = ()
    model_version: str = ""
    parts: tuple[PartType, ...] = ()  # when the file holds several papers

    @property
    def red_seal(self) -> bool:
        return any(c.seals for c in self.cues)

    @property
    def portrait_photo(self) -> bool:
        return any(c.photos for c in self.cues)

    def fields_json(self) -> dict[str, dict[str, object]]:
        return fields_json(self.fields)

    def to_json(self) -> dict[str, object]:
        """The ``sohoa classify --json`` shape (also what the pipeline stores)."""
        return {
            "type": self.document_type,
            "confidence": round(self.confidence, 3),
            "is_certified_copy": self.is_certified_copy,
            "fields": self.fields_json(),
            "candidates": [{"type": t, "confidence": round(p, 3)} for t, p in self.candidates],
            "evidence": list(self.evidence),
            "red_seal": self.red_seal,
            "portrait_photo": self.portrait_photo,
            "cues": [c.as_dict() for c in self.cues if c.seals or c.photos],
            "model_version": self.model_version,
            "parts": [part.to_json() for part in self.parts],
        }


@dataclass(frozen=True)
class Classifier:
    """A trained text model plus the calibration that joins it to the rules."""

    model: TextModel
    rule_weight: float = 4.0
    temperature: float = 1.0
    threshold: float = DEFAULT_THRESHOLD
    version: str = ""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({c: i for i, c in enumerate(self.model.classes)})

    def probabilities(self, texts: Sequence[str], rule_vectors: np.ndarray) -> np.ndarray:
        """Combined class probabilities for already-prepared texts and rule score rows."""
        return combine(
            self.model.predict_proba(texts), rule_vectors, self.temperature, self.rule_weight
        )

    def rule_vector(self, scores: dict[str, float]) -> np.ndarray:
        vector = np.zeros(len(self.model.classes))
        for document_type, score in scores.items():
            if document_type in self._index:
                vector[self._index[document_type]] = score
        return vector

    def decide(
        self, probabilities: np.ndarray, rule_scores: dict[str, float] | None = None
    ) -> tuple[str, float]:
        """The type with the highest probability, or ``other`` below the threshold —
        unless one title rule is decisive (``decisive_rule``): a stable header names
        its paper even where OCR of the rest was too poor for the model."""
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        ruled = decisive_rule(rule_scores or {})
        if ruled is not None:
            # Whether or not the model agrees: a model unsure below the threshold must
            # not turn a paper whose title was read into ``other``.
            agreed = confidence if ruled == self.model.classes[best] else 0.0
            return ruled, max(agreed, RULE_ONLY_CONFIDENCE * rule_scores[ruled])  # type: ignore[index]
        if confidence < self.threshold:
            return OTHER, confidence
        return self.model.classes[best], confidence

    def classify(
        self, pages: Sequence[ClassifierPage], qr_payloads: Sequence[str] = ()
    ) -> Classification:
        lines = [split_page(p.number, p.text) for p in pages]
        certified = is_certified_copy(lines) or any(attested_in_rows(p.words) for p in pages)
        cues = tuple(p.marks.cues for p in pages if p.marks is not None)
        qr_payloads = [
            *qr_payloads,
            *(q for p in pages if p.marks is not None for q in p.marks.qr_payloads),
        ]
        text = classification_text(lines)
        id_qr = any(parse_id_qr(payload) for payload in qr_payloads)
        if id_qr:
            # A chip ID card's QR is read in any turn and through blur that defeats OCR.
            fields = extract_fields(
                "citizen_id",
                [
                    _page_text(page, page_lines)
                    for page, page_lines in zip(pages, lines, strict=True)
                ],
                qr_payloads,
            )
            if len(text.replace(" ", "").replace("\n", "")) < MIN_TEXT_CHARS:
                return Classification(
                    "citizen_id",
                    ID_QR_CONFIDENCE,
                    certified,
                    fields,
                    (("citizen_id", ID_QR_CONFIDENCE),),
                    ("an ID card's QR code",),
                    cues,
                    self.version,
                )
        if len(text.replace(" ", "").replace("\n", "")) < MIN_TEXT_CHARS:
            return Classification(
                OTHER,
                0.0,
                certified,
                {},
                cues=cues,
                model_version=self.version,
                evidence=("too little text to classify",),
            )
        scores, hits = prepared_rules(lines)
        if id_qr:
            scores["citizen_id"] = 1.0
        if any(c.photos for c in cues):
            scores["citizen_id"] = max(scores.get("citizen_id", 0.0), PHOTO_WEIGHT)
        probabilities = self.probabilities([text], self.rule_vector(scores)[None, :])[0]
        if not id_qr:
            probabilities = probabilities * ocr_reliability(pages)
        document_type, confidence = self.decide(probabilities, scores)
        order = np.argsort(probabilities)[::-1][:3]
        candidates = tuple((self.model.classes[i], float(probabilities[i])) for i in order)
        if document_type == "citizen_id":
            lines = [
                with_mrz_reread(page, page_lines)
                for page, page_lines in zip(pages, lines, strict=True)
            ]
        fields = {}
        if document_type != OTHER:
            texts = [
                _page_text(page, page_lines) for page, page_lines in zip(pages, lines, strict=True)
            ]
            fields = extract_fields(document_type, texts, qr_payloads)
        evidence = tuple(f"page {h.page}: {h.line!r} → {h.document_type}" for h in hits[:5])
        return Classification(
            document_type,
            confidence,
            certified,
            fields,
            candidates,
            evidence,
            cues,
            self.version,
            self._parts(pages, lines),
        )

    def _parts(
        self, pages: Sequence[ClassifierPage], lines: Sequence[PageLines]
    ) -> tuple[PartType, ...]:
        """Each paper's type when the file holds several; none for a file of one paper."""
        parts = document_parts(lines)
        if len(parts) < 2:
            return ()
        typed = []
        for part in parts:
            result = self.classify([p for p in pages if p.number in part.pages])
            typed.append(
                PartType(
                    part.pages,
                    result.document_type,
                    result.confidence,
                    result.is_certified_copy,
                    result.fields,
                )
            )
        return tuple(typed)


def combine(
    model_probabilities: np.ndarray, rule_vectors: np.ndarray, temperature: float, weight: float
) -> np.ndarray:
    """softmax(log p_model / T + α · rules), row by row."""
    logits = np.log(model_probabilities + 1e-12) / temperature + weight * rule_vectors
    logits -= logits.max(axis=1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


DECISIVE_RULE = 0.9
"""A rule this strong (a title read nearly as printed, or an MRZ) decides the type …"""
RIVAL_RULE = 0.5
"""… when no other type's rule reaches this."""
RULE_ONLY_CONFIDENCE = 0.8
"""Confidence of a type named by its title against the model's opinion: right, on the
benchmark's degraded scans, in about that share of cases."""


def decisive_rule(scores: dict[str, float]) -> str | None:
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    top, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return top if score >= DECISIVE_RULE and runner_up < RIVAL_RULE else None


RELIABLE_OCR = 60.0
"""Mean OCR word confidence (0–100) from which the text is trusted as read. Below it
(an unreadable or wrongly turned scan reads at 30–45) every probability is scaled
down in proportion, so garbage is never called anything with confidence — not even
``other``."""


def ocr_reliability(pages: Sequence[ClassifierPage]) -> float:
    """0..1: how far the OCR text can be trusted, from the words' own confidences.

    Character-weighted, so punctuation and one-letter fragments do not sway it.
    Pages without words (text kept from a born-digital PDF) count as reliable.
    """
    words = [w for page in pages for w in page.words]
    letters = sum(len(w.text) for w in words)
    if not letters:
        return 1.0
    mean = sum(w.confidence * len(w.text) for w in words) / letters
    return min(1.0, mean / RELIABLE_OCR)


def prepared_rules(lines: Sequence[PageLines]) -> tuple[dict[str, float], list[rules.RuleHit]]:
    return rules.rule_scores(lines)


def with_mrz_reread(page: ClassifierPage, lines: PageLines) -> PageLines:
    """The page's lines with its MRZ replaced by the page stage's second, MRZ-only reading
    when that one passed the ICAO check digits (``classifiers.marks``); unchanged otherwise."""
    if page.marks is None or page.marks.mrz_lines is None:
        return lines
    kept = [line for line in lines.content_lines if "<<" not in line and not is_mrz_line(line)]
    return split_page(lines.number, "\n".join([*kept, *page.marks.mrz_lines]))


def _page_text(page: ClassifierPage, lines: PageLines) -> PageText:
    """The page for field extraction; the attestation block stays out of it too, its
    words as well as its lines (the word boxes are read again as visual rows, where the
    stamp's ``Quyển số`` would pass for the paper's own register book)."""
    return PageText(
        number=page.number,
        text="\n".join(lines.content_lines),
        words=_words_outside(page.words, lines.certification, len(lines.lines)),
    )


def _words_outside(
    words: Sequence[Word], skipped: Sequence[int], line_count: int
) -> tuple[Word, ...]:
    """The words not on the skipped lines; the page's text has one line per distinct
    ``Word.line`` in order (``pipeline.page.page_text``), so line index i is the i-th."""
    order = {number: index for index, number in enumerate(sorted({w.line for w in words}))}
    if not skipped or len(order) != line_count:
        return tuple(words)  # lines re-read since (an MRZ): no longer the words' lines
    gone = set(skipped)
    return tuple(w for w in words if order[w.line] not in gone)
