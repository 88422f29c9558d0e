"""The alternatives users would reach for, scored on the same rows as the model.

Tone: VADER, AFINN and TextBlob, each labelled with its own usual thresholds (VADER compound at
+-0.05, AFINN and TextBlob by sign), so each is judged as its users would use it. Topic: the
majority label, and a plain keyword lexicon built from the codebook's typical words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from classifier.errors import missing_extra

__all__ = [
    "ALL_BASELINES",
    "BOTH_BASELINES",
    "TONE_BASELINES",
    "TOPIC_BASELINES",
    "TOPIC_KEYWORDS",
    "BaselineResult",
    "afinn",
    "embeddings",
    "keywords",
    "majority",
    "run_baseline",
    "textblob",
    "vader",
]

TONE_BASELINES = ("vader", "afinn", "textblob")
TOPIC_BASELINES = ("majority", "keywords")
BOTH_BASELINES = ("embeddings",)  # optional extra: a neural encoder with heads fitted on the same corpus
ALL_BASELINES = (*TOPIC_BASELINES, *TONE_BASELINES, *BOTH_BASELINES)

# A keyword lexicon of the kind a desk would write by hand from the codebook.
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "diplomacy": ("fm", "envoy", "ambassador", "bilateral", "talks", "ties", "summit", "mou", "calls on",
                  "urges", "condemns", "welcomes", "foreign minister", "foreign office", "fo", "mea",
                  "un", "unga", "oic", "sco", "saarc", "visa", "treaty", "delegation", "diplomatic"),
    "security": ("ibo", "ctd", "terrorist", "terrorists", "militant", "militants", "blast", "police",
                 "arrested", "arrest", "security forces", "cyber", "checkpoint", "attack", "suicide",
                 "bomb", "gunmen", "kidnapped", "smuggling", "security"),
    "conflict": ("war", "strike", "strikes", "shelling", "loc", "offensive", "troops", "missile",
                 "missiles", "airstrike", "airstrikes", "retaliates", "escalation", "ceasefire", "drone",
                 "army", "military", "invasion", "front"),
    "markets": ("kse-100", "psx", "sensex", "nifty", "rupee", "sbp", "rbi", "imf", "inflation", "budget",
                "exports", "imports", "bonds", "petrol", "stocks", "shares", "index", "dollar", "profit",
                "revenue", "sales", "economy", "gdp", "tax", "oil", "gold", "bank", "investment", "market"),
}  # fmt: skip


@dataclass(frozen=True)
class BaselineResult:
    """What a baseline says for each row: a topic or a tone score and label (None where it has no view)."""

    topic: np.ndarray | None = None
    tone: np.ndarray | None = None
    tone_label: np.ndarray | None = None
    rows_per_second: float | None = None  # set when a baseline times itself (excluding one-off fitting)


def _labels_by_threshold(scores: np.ndarray, threshold: float) -> np.ndarray:
    return np.where(scores > threshold, "positive", np.where(scores < -threshold, "negative", "neutral"))


def vader(texts: list[str]) -> BaselineResult:
    """VADER compound score, positive above 0.05 and negative below -0.05 (its authors' thresholds)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    scores = np.array([analyzer.polarity_scores(t)["compound"] for t in texts], dtype=float)
    return BaselineResult(tone=scores, tone_label=_labels_by_threshold(scores, 0.05))


def afinn(texts: list[str]) -> BaselineResult:
    """AFINN sum of word scores (unbounded), labelled by its sign."""
    from afinn import Afinn

    scorer = Afinn()
    scores = np.array([scorer.score(t) for t in texts], dtype=float)
    return BaselineResult(tone=scores, tone_label=_labels_by_threshold(scores, 0.0))


def textblob(texts: list[str]) -> BaselineResult:
    """TextBlob pattern polarity in [-1, 1], labelled by its sign."""
    try:
        from textblob import TextBlob
    except ImportError:  # in the eval extra
        raise missing_extra("textblob", "eval", "the textblob baseline") from None
    scores = np.array([TextBlob(t).sentiment.polarity for t in texts], dtype=float)
    return BaselineResult(tone=scores, tone_label=_labels_by_threshold(scores, 0.0))


def majority(texts: list[str], training_topics: dict[str, int]) -> BaselineResult:
    """The training corpus's most common topic for every row."""
    label = max(training_topics, key=training_topics.get) if training_topics else "other"
    return BaselineResult(topic=np.full(len(texts), label, dtype=object))


def keywords(texts: list[str]) -> BaselineResult:
    """The topic whose keywords appear most often (ties in codebook priority order); none found is other."""
    patterns = {
        topic: re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
        for topic, words in TOPIC_KEYWORDS.items()
    }
    order = ("conflict", "security", "diplomacy", "markets")
    out = []
    for text in texts:
        hits = {topic: len(patterns[topic].findall(text)) for topic in order}
        best = max(order, key=lambda t: hits[t])
        out.append(best if hits[best] else "other")
    return BaselineResult(topic=np.asarray(out, dtype=object))


@lru_cache(maxsize=2)
def _embedding_model(training_path: str):
    from classifier.data.corpus import load_corpus
    from classifier.evaluation.embeddings import EmbeddingBaseline

    return EmbeddingBaseline(load_corpus(training_path).frame)


def embeddings(texts: list[str], training_path: str | None) -> BaselineResult:
    """all-MiniLM-L6-v2 sentence vectors with linear heads fitted on the model's training corpus."""
    if not training_path:
        raise ValueError("the embeddings baseline needs the training corpus the model card names")
    out, rate = _embedding_model(str(training_path)).predict(texts)
    return BaselineResult(topic=out["topic"].to_numpy(), tone=out["tone"].to_numpy(),
                          tone_label=out["tone_label"].to_numpy(), rows_per_second=rate)  # fmt: skip


def run_baseline(
    name: str,
    texts: list[str],
    training_topics: dict[str, int] | None = None,
    training_path: str | None = None,
) -> BaselineResult:
    """Run one named baseline over the texts."""
    runners: dict[str, Callable[[], BaselineResult]] = {
        "vader": lambda: vader(texts),
        "afinn": lambda: afinn(texts),
        "textblob": lambda: textblob(texts),
        "majority": lambda: majority(texts, training_topics or {}),
        "keywords": lambda: keywords(texts),
        "embeddings": lambda: embeddings(texts, training_path),
    }
    if name not in runners:
        raise ValueError(f"unknown baseline {name!r}; choose from {', '.join(ALL_BASELINES)}")
    return runners[name]()
