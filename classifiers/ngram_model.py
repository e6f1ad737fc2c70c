"""The statistical half of the classifier: character n-grams over folded text, a linear model.

Character n-grams survive what OCR does to Vietnamese (a lost tone mark
changes one letter of a word, not the whole word; a split word keeps most of
its n-grams), and folding makes ``Đăng ký`` and ``Dang ky`` the same feature.
Word uni- and bigrams add the phrases (``ben a``, ``thua dat so``).

The model is stored as plain arrays in an ``.npz`` (vocabularies, IDF weights,
coefficients) and loaded with ``allow_pickle=False``: a model file is data, so
loading one cannot run code, wherever it came from. Inference is written out
here (count, sublinear TF, IDF, L2 norm, softmax) and checked against
scikit-learn's own transform when a model is trained.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

FORMAT = "sohoa-classifier-1"

VECTORISERS: dict[str, dict[str, object]] = {
    "char": {"analyzer": "char_wb", "ngram_range": (2, 5), "max_features": 40000},
    "word": {"analyzer": "word", "ngram_range": (1, 2), "max_features": 20000},
}
"""The two feature families; ``min_df=2`` and ``sublinear_tf`` apply to both."""


@dataclass(frozen=True)
class TextModel:
    """A trained model: per family a vocabulary and IDF, then one linear layer."""

    classes: tuple[str, ...]
    vocabularies: dict[str, dict[str, int]]
    idf: dict[str, np.ndarray]
    coef: np.ndarray  # (classes, features of all families in VECTORISERS order)
    intercept: np.ndarray  # (classes,)
    meta: dict[str, object]

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        # Imported here: scikit-learn takes most of a second to import, which every
        # `sohoa ocr` paid though it never classifies.
        from sklearn.feature_extraction.text import CountVectorizer

        blocks = []
        for family, params in VECTORISERS.items():
            counter = CountVectorizer(
                analyzer=params["analyzer"],  # type: ignore[arg-type]
                ngram_range=params["ngram_range"],  # type: ignore[arg-type]
                vocabulary=self.vocabularies[family],
                lowercase=False,
            )
            counts = counter.transform(texts).astype(np.float64)
            counts.data = 1.0 + np.log(counts.data)  # sublinear TF
            weighted = counts.multiply(self.idf[family]).tocsr()
            norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
            norms[norms == 0] = 1.0
            blocks.append(sparse.diags(1.0 / norms) @ weighted)
        return sparse.hstack(blocks).tocsr()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(texts, classes) probabilities, rows summing to one."""
        scores = self.features(texts) @ self.coef.T + self.intercept
        scores = np.asarray(scores)
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {
            "classes": np.array(self.classes, dtype=str),
            "coef": self.coef.astype(np.float32),
            "intercept": self.intercept.astype(np.float64),
            "meta": np.array(json.dumps({"format": FORMAT, **self.meta}, ensure_ascii=False)),
        }
        for family, vocabulary in self.vocabularies.items():
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            arrays[f"terms_{family}"] = np.array(terms, dtype=str)
            arrays[f"idf_{family}"] = self.idf[family].astype(np.float64)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TextModel:
        """Load a model; raises ``ValueError`` for anything that is not one of ours."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as archive:
                meta = json.loads(str(archive["meta"]))
                if meta.get("format") != FORMAT:
                    raise ValueError(f"not a {FORMAT} model: {meta.get('format')!r}")
                vocabularies, idf = {}, {}
                for family in VECTORISERS:
                    terms = archive[f"terms_{family}"].tolist()
                    vocabularies[family] = {term: i for i, term in enumerate(terms)}
                    idf[family] = archive[f"idf_{family}"]
                model = cls(
                    classes=tuple(archive["classes"].tolist()),
                    vocabularies=vocabularies,
                    idf=idf,
                    coef=archive["coef"].astype(np.float64),
                    intercept=archive["intercept"],
                    meta={k: v for k, v in meta.items() if k != "format"},
                )
        except (OSError, KeyError, json.JSONDecodeError, EOFError) as exc:
            raise ValueError(f"unreadable classifier model: {exc}") from exc
        width = sum(len(v) for v in model.vocabularies.values())
        if model.coef.shape != (len(model.classes), width):
            raise ValueError("classifier model arrays do not fit together")
        return model


def train_text_model(
    texts: Sequence[str], labels: Sequence[str], *, seed: int = 0, c: float = 20.0
) -> TextModel:
    """Fit the vectorisers and a multinomial logistic regression on folded texts."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vocabularies: dict[str, dict[str, int]] = {}
    idf: dict[str, np.ndarray] = {}
    blocks = []
    for family, params in VECTORISERS.items():
        vectoriser = TfidfVectorizer(
            analyzer=params["analyzer"],  # type: ignore[arg-type]
            ngram_range=params["ngram_range"],  # type: ignore[arg-type]
            max_features=params["max_features"],  # type: ignore[arg-type]
            min_df=2,
            sublinear_tf=True,
            lowercase=False,
            dtype=np.float64,
        )
        blocks.append(vectoriser.fit_transform(texts))
        vocabularies[family] = {str(k): int(v) for k, v in vectoriser.vocabulary_.items()}
        idf[family] = vectoriser.idf_
    features = sparse.hstack(blocks).tocsr()
    regression = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    regression.fit(features, list(labels))
    model = TextModel(
        classes=tuple(str(c) for c in regression.classes_),
        vocabularies=vocabularies,
        idf=idf,
        coef=regression.coef_,
        intercept=regression.intercept_,
        meta={"documents": len(texts), "seed": seed, "c": c},
    )
    check = model.features(texts[:20])
    if abs(check - features[:20]).max() > 1e-9:
        raise AssertionError("hand-written TF-IDF differs from scikit-learn's")
    return model
