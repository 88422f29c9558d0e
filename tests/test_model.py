"""The fitted model: probabilities, tone range and labels, blanks, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd

from classifier.config import TOPICS
from classifier.data import load_corpus
from classifier.model import PROBABILITY_COLUMNS, fit, predict_frame, predict_texts, tone_label


def test_probabilities_cover_every_topic_and_sum_to_one(tiny_model):
    out = predict_texts(tiny_model, ["Rupee slides against dollar", "Troops trade fire"])
    assert list(out.columns[2:7]) == list(PROBABILITY_COLUMNS)
    np.testing.assert_allclose(out[list(PROBABILITY_COLUMNS)].sum(axis=1), 1.0, rtol=1e-6)
    assert set(out["topic"]) <= set(TOPICS)
    np.testing.assert_allclose(out["topic_confidence"], out[list(PROBABILITY_COLUMNS)].max(axis=1))


def test_training_rows_are_learned(tiny_model, tiny_corpus_path):
    frame = load_corpus(tiny_corpus_path).frame
    out = predict_texts(tiny_model, frame["headline"].tolist())
    assert (out["topic"].to_numpy() == frame["topic"].to_numpy()).mean() >= 0.9
    assert np.corrcoef(out["tone"], frame["tone"])[0, 1] > 0.8


def test_tone_is_clipped_and_labelled(tiny_model):
    out = predict_texts(tiny_model, ["Blast kills 12 at market", "Landmark accord signed", "x " * 200])
    assert out["tone"].between(-1, 1).all()
    assert [tone_label(v) for v in out["tone"]] == out["tone_label"].tolist()


def test_tone_label_thresholds():
    assert [tone_label(v) for v in (-0.26, -0.25, 0.0, 0.25, 0.26)] == [
        "negative", "neutral", "neutral", "neutral", "positive"
    ]  # fmt: skip


def test_blank_texts_keep_their_rows_empty(tiny_model):
    out = predict_texts(tiny_model, ["", "   ", "Rupee gains", None])
    assert len(out) == 4
    assert out["topic"].isna().tolist() == [True, True, False, True]
    assert out["tone"].isna().tolist() == [True, True, False, True]


def test_predict_frame_keeps_ids_and_order(tiny_model):
    frame = pd.DataFrame({"id": ["b", "a", "c"], "headline": ["Gold slips", "", "Talks held"]})
    out = predict_frame(tiny_model, frame)
    assert out["id"].tolist() == ["b", "a", "c"]
    assert out["headline"].tolist() == ["Gold slips", "", "Talks held"]


def test_same_data_gives_same_model(tiny_corpus_path):
    frame = load_corpus(tiny_corpus_path).frame
    texts = ["Rupee gains", "Blast in Quetta", "Envoy meets minister"]
    first = predict_texts(fit(frame), texts)
    second = predict_texts(fit(frame), texts)
    pd.testing.assert_frame_equal(first, second)


def test_unseen_words_still_get_a_prediction(tiny_model):
    out = predict_texts(tiny_model, ["zzzz qqqq", "12345", "!!!"])
    assert out["topic"].notna().all()
