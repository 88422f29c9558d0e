"""Metrics: known answers on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier.data import load_evaluation
from classifier.evaluate import evaluate, evaluate_predictions, format_metrics, tone_metrics, topic_metrics


def test_topic_metrics_known_case():
    gold = ["markets", "markets", "other", "conflict"]
    pred = ["markets", "other", "other", "conflict"]
    m = topic_metrics(gold, pred)
    assert m["accuracy"] == 0.75
    assert m["per_class"]["markets"]["recall"] == 0.5
    assert m["per_class"]["other"]["precision"] == 0.5
    # macro over the three labels present: markets 2/3, other 2/3, conflict 1
    assert m["macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    labels = m["labels"]
    assert m["confusion"][labels.index("markets")][labels.index("other")] == 1


def test_tone_metrics_known_case():
    gold = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    m = tone_metrics(gold, gold * 0.5)
    assert m["pearson"] == pytest.approx(1.0)
    assert m["cosine"] == pytest.approx(1.0)
    assert m["mae"] == pytest.approx(0.3)
    assert m["accuracy_3class"] == pytest.approx(0.6)  # -0.25 and 0.25 fall to neutral


def test_constant_predictions_have_no_correlation():
    m = tone_metrics(np.array([0.1, 0.5]), np.array([0.0, 0.0]))
    assert m["pearson"] is None
    assert "Pearson -" in format_metrics({"tone": m})


def test_blank_rows_are_not_scored():
    frame = pd.DataFrame({"headline": ["a", ""], "topic": ["markets", "other"]})
    preds = pd.DataFrame({"topic": ["markets", None], "tone": [0.1, np.nan]})
    assert evaluate_predictions(frame, preds)["topic"]["rows"] == 1


def test_evaluate_on_file_with_only_tone(tiny_model, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("headline,tone\nBlast kills 20 in market,-0.9\nLandmark peace accord signed,0.8\n"
                    "Cabinet meets today,0.0\n", encoding="utf-8")  # fmt: skip
    metrics = evaluate(tiny_model, load_evaluation(path))
    assert "topic" not in metrics
    assert metrics["tone"]["rows"] == 3
    assert metrics["data"]["rows"] == 3
    text = format_metrics(metrics)
    assert "tone: Pearson" in text and "topic:" not in text


def test_calibration_known_case():
    from classifier.evaluate import calibration

    conf = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, True, True, False])
    result = calibration(conf, correct)
    assert result["ece"] == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert result["coverage"][0]["accuracy"] == 0.75
    assert result["coverage"][-1]["accuracy"] == 1.0  # the most confident half


def test_topic_groups_accept_any_listed_topic():
    from classifier.evaluate import topic_group_metrics

    groups = np.array(["markets", "diplomacy|conflict|security|other", "other"])
    predicted = np.array(["markets", "conflict", "markets"])
    result = topic_group_metrics(groups, predicted, np.array(["Business", "World", "Sports"]))
    assert result["accuracy"] == pytest.approx(2 / 3)
    assert result["per_source_class"]["Sports"]["predicted_share"]["markets"] == 1.0


def test_label_only_tone_gold_and_baseline_labels():
    frame = pd.DataFrame({"headline": ["a", "b", "c"], "tone_label": ["positive", "neutral", "negative"]})
    preds = pd.DataFrame({"tone": [0.1, 0.0, -0.5], "tone_label": ["positive", "neutral", "negative"]})
    assert evaluate_predictions(frame, preds)["tone_label"]["accuracy_3class"] == 1.0


def test_bootstrap_intervals_bracket_the_figure():
    rng = np.random.default_rng(1)
    gold = rng.uniform(-1, 1, 200)
    frame = pd.DataFrame({"headline": ["x"] * 200, "tone": gold})
    preds = pd.DataFrame({"tone": gold + rng.normal(0, 0.3, 200)})
    m = evaluate_predictions(frame, preds, with_intervals=True)
    low, high = m["intervals_95"]["tone.pearson"]
    assert low < m["tone"]["pearson"] < high and high - low < 0.2


def test_evaluate_with_baselines_on_same_rows(tiny_model, tmp_path):
    from classifier.evaluate import format_metrics

    path = tmp_path / "e.csv"
    path.write_text("headline,topic,tone\nBlast kills 20,security,-1\nRupee gains,markets,0.5\nTalks held,diplomacy,0\n",
                    encoding="utf-8")  # fmt: skip
    m = evaluate(tiny_model, load_evaluation(path), baselines=("vader", "keywords", "majority"))
    assert set(m["baselines"]) == {"vader", "keywords", "majority"}
    assert m["baselines"]["vader"]["tone"]["rows"] == 3 and "topic" not in m["baselines"]["vader"]
    assert m["baselines"]["majority"]["topic"]["rows"] == 3
    assert m["rows_per_second"] > 0 and m["baselines"]["vader"]["rows_per_second"] > 0
    assert "on the same rows" in format_metrics(m)
