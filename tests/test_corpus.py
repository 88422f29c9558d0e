"""The shipped corpus: it validates, meets its floors, has no near-copies, and teaches a good model."""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.config import TOPICS
from classifier.data.corpus import load_corpus
from classifier.data.quality import floor_problems
from classifier.workflows import cross_validated_metrics

CORPUS = Path(__file__).resolve().parents[1] / "data" / "headlines.csv"


@pytest.fixture(scope="module")
def corpus():
    return load_corpus(CORPUS)


def test_corpus_meets_every_floor(corpus):
    assert floor_problems(corpus.frame) == []


def test_topic_alt_is_a_different_known_topic(corpus):
    frame = corpus.frame
    alt = frame["topic_alt"].fillna("").astype(str)
    assert set(alt[alt != ""]) <= set(TOPICS)
    assert not (alt == frame["topic"]).any()


@pytest.mark.slow
def test_cross_validated_topic_macro_f1_floor(corpus):
    metrics = cross_validated_metrics(corpus.frame, folds=5)
    assert metrics["topic"]["macro_f1"] >= 0.80
    assert metrics["tone"]["pearson"] >= 0.70
