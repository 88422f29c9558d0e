"""The model: shared text features, a topic head with probabilities and a tone head in [-1, 1]."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import FeatureUnion

from classifier.config import (
    CHAR_NGRAMS,
    LEXICON_WEIGHT,
    MIN_DF,
    SEED,
    TEXT_COLUMN,
    TONE_ALPHA,
    TONE_COLUMN,
    TONE_THRESHOLD,
    TOPIC_C,
    TOPIC_COLUMN,
    TOPICS,
    WORD_NGRAMS,
)
from classifier.features import LexiconFeatures, build_text_features

PROBABILITY_COLUMNS: tuple[str, ...] = tuple(f"p_{t}" for t in TOPICS)
PREDICTION_COLUMNS: tuple[str, ...] = (
    "topic",
    "topic_confidence",
    *PROBABILITY_COLUMNS,
    "tone",
    "tone_label",
)


@dataclass(frozen=True)
class ModelParams:
    """The knobs of a model; stored in its card so a run can be repeated."""

    word_ngrams: tuple[int, int] = WORD_NGRAMS
    char_ngrams: tuple[int, int] = CHAR_NGRAMS
    min_df: int = MIN_DF
    topic_c: float = TOPIC_C
    tone_alpha: float = TONE_ALPHA
    lexicon_weight: float = LEXICON_WEIGHT
    seed: int = SEED

    def to_dict(self) -> dict:
        """Plain JSON-ready form for the model card."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> ModelParams:
        """Rebuild from a card, turning lists back into tuples."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


@dataclass
class HeadlineModel:
    """A fitted model: shared text features feed both heads; lexicon features feed only the tone head."""

    features: FeatureUnion
    topic_head: LogisticRegression
    tone_features: LexiconFeatures
    tone_head: Ridge
    lexicon_weight: float = LEXICON_WEIGHT
    card: dict = field(default_factory=dict)

    def tone_matrix(self, text_matrix: sp.spmatrix, texts: list[str]) -> sp.csr_matrix:
        """The tone head's input: the shared text features plus the weighted lexicon features."""
        lexical = self.tone_features.transform(texts) * self.lexicon_weight
        return sp.hstack([text_matrix, sp.csr_matrix(lexical)], format="csr")

    @property
    def topics(self) -> list[str]:
        """Topic labels in the order of the probability columns."""
        return [str(c) for c in self.topic_head.classes_]


def tone_label(score: float) -> str:
    """Map a tone score to negative / neutral / positive at the codebook thresholds."""
    if score < -TONE_THRESHOLD:
        return "negative"
    if score > TONE_THRESHOLD:
        return "positive"
    return "neutral"


def tone_labels(scores: np.ndarray) -> np.ndarray:
    """Vectorised tone_label."""
    return np.where(
        scores < -TONE_THRESHOLD, "negative", np.where(scores > TONE_THRESHOLD, "positive", "neutral")
    )


def fit(frame: pd.DataFrame, params: ModelParams | None = None) -> HeadlineModel:
    """Fit features and both heads on labelled rows (columns headline, topic, tone)."""
    params = params or ModelParams()
    features = build_text_features(params.word_ngrams, params.char_ngrams, params.min_df)
    texts = frame[TEXT_COLUMN].astype(str).tolist()
    matrix = features.fit_transform(texts)
    topic_head = LogisticRegression(C=params.topic_c, max_iter=3000, random_state=params.seed)
    topic_head.fit(matrix, frame[TOPIC_COLUMN].to_numpy())
    model = HeadlineModel(
        features=features,
        topic_head=topic_head,
        tone_features=LexiconFeatures().fit(texts),
        tone_head=Ridge(alpha=params.tone_alpha, random_state=params.seed),
        lexicon_weight=params.lexicon_weight,
    )
    model.tone_head.fit(model.tone_matrix(matrix, texts), frame[TONE_COLUMN].to_numpy(dtype=float))
    return model


def _empty_predictions(n: int) -> pd.DataFrame:
    out = pd.DataFrame(index=range(n))
    out["topic"] = pd.Series([None] * n, dtype=object)
    for name in ("topic_confidence", *PROBABILITY_COLUMNS, "tone"):
        out[name] = np.nan
    out["tone_label"] = pd.Series([None] * n, dtype=object)
    return out


def predict_texts(model: HeadlineModel, texts: list[str] | pd.Series) -> pd.DataFrame:
    """Predict topic probabilities and tone for each text; blank texts get empty predictions."""
    texts = ["" if t is None else str(t) for t in texts]
    out = _empty_predictions(len(texts))
    keep = np.array([bool(t.strip()) for t in texts], dtype=bool)
    if not keep.any():
        return out
    kept = [t for t, k in zip(texts, keep, strict=True) if k]
    matrix = model.features.transform(kept)
    proba = model.topic_head.predict_proba(matrix)
    order = [model.topics.index(t) for t in TOPICS]
    proba = proba[:, order]
    best = proba.argmax(axis=1)
    tone = np.clip(model.tone_head.predict(model.tone_matrix(matrix, kept)), -1.0, 1.0)
    rows = np.flatnonzero(keep)
    out.loc[rows, "topic"] = np.asarray(TOPICS, dtype=object)[best]
    out.loc[rows, "topic_confidence"] = proba.max(axis=1)
    for i, name in enumerate(PROBABILITY_COLUMNS):
        out.loc[rows, name] = proba[:, i]
    out.loc[rows, "tone"] = tone
    out.loc[rows, "tone_label"] = tone_labels(tone)
    return out


def predict_frame(model: HeadlineModel, frame: pd.DataFrame) -> pd.DataFrame:
    """Return the input's id and headline followed by every prediction column, row for row."""
    preds = predict_texts(model, frame[TEXT_COLUMN].tolist())
    preds.index = frame.index
    return pd.concat([frame[["id", TEXT_COLUMN]], preds], axis=1)


def classify(model: HeadlineModel, texts: list[str]) -> pd.DataFrame:
    """Predictions for a list of headlines, numbered from 1 with the headline first (notebook-friendly)."""
    frame = pd.DataFrame({"id": [str(i) for i in range(1, len(texts) + 1)], TEXT_COLUMN: list(texts)})
    return predict_frame(model, frame)
