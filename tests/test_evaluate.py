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
    assert "n/a" in format_metrics({"tone": m})


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
