"""The fitted model: probabilities, tone range and labels, blanks, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier.config import PROBABILITY_COLUMNS, TOPICS
from classifier.data.corpus import load_corpus
from classifier.model.features import LEXICON_FEATURES
from classifier.model.heads import (
    ModelParams,
    fit,
    predict_frame,
    predict_texts,
    tone_label,
)


def test_probabilities_cover_every_topic_and_sum_to_one(tiny_model):
    out = predict_texts(tiny_model, ["Rupee slides against dollar", "Troops trade fire"])
    assert set(PROBABILITY_COLUMNS) <= set(out.columns)
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
    with pytest.warns(UserWarning, match="3 blank headline"):
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


def test_runner_up_is_second_most_probable(tiny_model):
    out = predict_texts(tiny_model, ["Rupee slides against dollar", "Troops trade fire along LoC"])
    probs = out[list(PROBABILITY_COLUMNS)].to_numpy()
    second = np.sort(probs, axis=1)[:, -2]
    np.testing.assert_allclose(out["topic_alt_confidence"], second)
    assert (out["topic_alt"] != out["topic"]).all()


def test_min_confidence_marks_uncertain_but_keeps_probabilities(tiny_model):
    texts = ["Rupee slides against dollar", "zzzz"]
    plain = predict_texts(tiny_model, texts)
    strict = predict_texts(tiny_model, texts, min_confidence=0.999)
    assert (strict["topic"] == "uncertain").all()
    pd.testing.assert_frame_equal(plain[list(PROBABILITY_COLUMNS)], strict[list(PROBABILITY_COLUMNS)])
    loose = predict_texts(tiny_model, texts, min_confidence=0.0)
    assert loose["topic"][0] == plain["topic"][0]
    assert loose["topic"][1] == "uncertain"  # "zzzz": no word the model knows, whatever the threshold


def _grouped(columns: np.ndarray, values: np.ndarray, names: np.ndarray) -> dict[str, float]:
    """Contributions by reason: the semantic view's columns summed into one, as --explain lists them."""
    out: dict[str, float] = {}
    for column, value in zip(columns, values, strict=True):
        name = "semantic" if str(names[column]).startswith("semantic:") else str(names[column])
        out[name] = out.get(name, 0.0) + float(value)
    return out


def test_explanations_sum_to_the_decision_scores(tiny_model):
    from classifier.model.explain import contributions, readable_names, tone_feature_names

    texts = ["Rupee slides against dollar as stocks crash", "Army chief not satisfied with security"]
    out = predict_texts(tiny_model, texts, explain=500)  # every reason, to check the sum
    few = predict_texts(tiny_model, texts, explain=3)
    matrix = tiny_model.text_matrix(texts)
    names = readable_names(tiny_model.feature_names())
    decision = tiny_model.topic_head.decision_function(matrix)
    for row, topic in enumerate(out["topic"]):
        head = tiny_model.topics.index(topic)
        columns, values = contributions(matrix.tocsr(), tiny_model.topic_head.coef_[head], row,
                                        tiny_model.topic_head.presence_coef_[head])  # fmt: skip
        reasons = _grouped(columns, values, names)
        assert "semantic" in reasons  # the dense view is one reason, not 128
        listed = {t: w for t, w in out["topic_reasons"][row]}
        assert listed.keys() == reasons.keys()
        assert sum(listed.values()) + tiny_model.topic_head.intercept_[head] == pytest.approx(
            decision[row, head], abs=1e-3
        )
        top = [w for _, w in few["topic_reasons"][row]]
        assert top == sorted(top, reverse=True) and len(top) == 3
        assert top[0] == pytest.approx(max(reasons.values()), abs=1e-4)
    tone_input = tiny_model.tone_matrix(matrix, texts)
    tone_names = tone_feature_names(tiny_model)
    weights, intercept = tiny_model.tone_head.explain_weights()
    head = tiny_model.tone_head
    present = (tone_input != 0).astype(float)
    logits = tone_input @ head.coef_.T + present @ head.presence_coef_.T + head.intercept_
    raw = tiny_model.tone_head.raw_scores(tone_input)
    for row in range(len(texts)):
        columns, values = contributions(tone_input.tocsr(), weights, row, head.explain_presence())
        # the ordinal head's reasons sum to its step-weighted threshold log-odds
        assert values.sum() + intercept == pytest.approx(logits[row] @ np.diff(tiny_model.tone_head.levels_))
        assert tiny_model.calibrated_tone(raw[row]) == pytest.approx(out["tone"][row])
        reasons = _grouped(columns, values, tone_names)
        top = [abs(w) for _, w in few["tone_reasons"][row]]
        assert top[0] == pytest.approx(max(abs(v) for v in reasons.values()), abs=1e-4)


def test_explanation_names_are_built_once_and_match_the_features(tiny_model):
    from classifier.model.explain import readable_names, tone_feature_names

    names, tone_names = tiny_model.explain_names()
    assert tiny_model.explain_names()[0] is names  # kept, not rebuilt per call
    assert names.tolist() == readable_names(tiny_model.feature_names()).tolist()
    assert tone_names.tolist() == tone_feature_names(tiny_model).tolist()


def test_no_reason_columns_unless_asked(tiny_model):
    assert "topic_reasons" not in predict_texts(tiny_model, ["Rupee gains"]).columns


def test_tone_calibration_is_monotone_bounded_and_optional(tiny_corpus_path):
    from classifier.data.corpus import load_corpus
    from classifier.model.heads import ModelParams, fit

    frame = load_corpus(tiny_corpus_path).frame
    calibrated = fit(frame, ModelParams(tone_calibration_folds=5))  # off by default
    table = calibrated.tone_calibration
    assert table is not None and table.shape[0] == 2
    assert np.all(np.diff(table[0]) >= 0) and np.all(np.diff(table[1]) >= 0)
    assert table[1].min() >= -1 and table[1].max() <= 1
    raw = np.linspace(-5, 5, 101)
    scores = calibrated.calibrated_tone(raw)
    assert np.all(np.diff(scores) >= 0) and np.all(np.abs(scores) <= 1)
    plain = fit(frame, ModelParams(tone_calibration_folds=0))
    assert plain.tone_calibration is None
    assert plain.calibrated_tone(raw).tolist() == np.clip(raw, -1, 1).tolist()


def test_ridge_explanations_sum_to_the_raw_score(tiny_corpus_path):
    from classifier.model.explain import contributions

    model = fit(load_corpus(tiny_corpus_path).frame, ModelParams(tone_model="ridge"))
    texts = ["Rupee slides against dollar as stocks crash", "Army chief not satisfied with security"]
    out = predict_texts(model, texts, explain=500)
    tone_input = model.tone_matrix(model.text_matrix(texts), texts)
    for row in range(len(texts)):
        _, values = contributions(tone_input.tocsr(), model.tone_head.coef_, row)
        raw = values.sum() + model.tone_head.intercept_
        assert model.calibrated_tone(raw) == pytest.approx(out["tone"][row])
        assert sum(w for _, w in out["tone_reasons"][row]) == pytest.approx(values.sum(), abs=1e-3)


def test_blend_reaches_the_fitted_model(tiny_corpus_path):
    frame = load_corpus(tiny_corpus_path).frame
    text_weights = fit(frame, ModelParams(tone_lexicon_blend=1.0, tone_model="ridge")).tone_head.coef_
    assert np.all(text_weights[: -len(LEXICON_FEATURES)] == 0)
    assert np.any(text_weights[-len(LEXICON_FEATURES) :] != 0)
