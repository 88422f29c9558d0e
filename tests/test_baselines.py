"""Baselines: each gives a view of the right kind, on every row."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.evaluation.baselines import keywords, majority, run_baseline

TEXTS = [
    "Terrible, horrible tragedy kills 12",
    "Rupee gains against dollar",
    "Wonderful win for the team",
    "",
]


@pytest.mark.parametrize("name", ["vader", "afinn", "textblob"])
def test_tone_baselines_score_every_row_with_their_own_labels(name):
    out = run_baseline(name, TEXTS)
    assert out.topic is None and len(out.tone) == len(TEXTS)
    assert out.tone[0] < 0 < out.tone[2]
    assert out.tone_label[0] == "negative" and out.tone_label[2] == "positive"
    assert out.tone_label[3] == "neutral"


def test_vader_reads_an_index_name_as_praise():
    # The lexicon flaw the project's tone model corrects: "nifty" is a word of praise in VADER.
    assert run_baseline("vader", ["Nifty"]).tone[0] > 0


def test_majority_uses_training_counts():
    out = majority(TEXTS, {"other": 10, "markets": 3})
    assert set(out.topic) == {"other"}


def test_keywords_topics():
    out = keywords(["Troops trade fire along LoC", "Rupee slides as inflation bites", "Heatwave grips Sindh"])
    assert out.topic.tolist() == ["conflict", "markets", "other"]


def test_unknown_baseline():
    with pytest.raises(ValueError, match="unknown baseline"):
        run_baseline("magic", TEXTS)


def test_baseline_rows_match_input():
    assert len(run_baseline("keywords", TEXTS).topic) == len(TEXTS)
    assert np.isfinite(run_baseline("afinn", TEXTS).tone).all()
