"""Metrics: known answers on small hand-made cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier.data.corpus import load_evaluation
from classifier.evaluation.metrics import (
    evaluate,
    evaluate_predictions,
    tone_metrics,
    topic_metrics,
)
from classifier.figures import format_metrics
from classifier.model.heads import predict_texts


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
    from classifier.evaluation.metrics import calibration

    conf = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, True, True, False])
    result = calibration(conf, correct)
    assert result["ece"] == pytest.approx(0.5 * 0.05 + 0.5 * 0.05)
    assert result["coverage"][0]["accuracy"] == 0.75
    assert result["coverage"][-1]["accuracy"] == 1.0  # the most confident half


def test_topic_groups_accept_any_listed_topic():
    from classifier.evaluation.metrics import topic_group_metrics

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
    from classifier.figures import format_metrics

    path = tmp_path / "e.csv"
    path.write_text("headline,topic,tone\nBlast kills 20,security,-1\nRupee gains,markets,0.5\nTalks held,diplomacy,0\n",
                    encoding="utf-8")  # fmt: skip
    m = evaluate(tiny_model, load_evaluation(path), baselines=("vader", "keywords", "majority"))
    assert set(m["baselines"]) == {"vader", "keywords", "majority"}
    assert m["baselines"]["vader"]["tone"]["rows"] == 3 and "topic" not in m["baselines"]["vader"]
    assert m["baselines"]["majority"]["topic"]["rows"] == 3
    assert m["rows_per_second"] > 0 and m["baselines"]["vader"]["rows_per_second"] > 0
    assert "on the same rows" in format_metrics(m)


def _evaluate_cli(*args):
    from typer.testing import CliRunner

    from classifier.cli import app

    return CliRunner().invoke(app, ["evaluate", *map(str, args)])


def test_evaluate_data_reads_the_named_label_columns(tiny_model_path, tmp_path):
    import json

    path = tmp_path / "e.csv"
    path.write_text("title,gold_topic,gold_tone\nRupee gains,markets,0.5\nTroops trade fire,conflict,-0.5\n"
                    "Talks held,diplomacy,0\n", encoding="utf-8")  # fmt: skip
    out = tmp_path / "m.json"
    result = _evaluate_cli("--data", path, "--model", tiny_model_path, "--text-column", "title", "--topic-column",
                           "gold_topic", "--tone-column", "gold_tone", "--json", out)  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = json.loads(out.read_text())
    assert metrics["topic"]["rows"] == 3 and metrics["tone"]["rows"] == 3


def test_a_missing_column_exits_2_for_data_as_for_datasets(tiny_model_path, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("title,topic\nRupee gains,markets\n", encoding="utf-8")
    for args in (("--data", path), ("--dataset", f"csv:{path}")):
        result = _evaluate_cli(*args, "--model", tiny_model_path)
        assert result.exit_code == 2 and "column 'headline'" in result.stderr, (args, result.output)
    named = _evaluate_cli(
        "--data", path, "--text-column", "title", "--tone-column", "gold", "--model", tiny_model_path
    )
    assert named.exit_code == 2 and "column 'gold'" in named.stderr


def test_tone_given_as_words_is_scored_as_three_classes(tiny_model, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("headline,tone\nBlast kills 20 in market,Negative\nLandmark peace accord signed,positive\n"
                    "Cabinet meets today,neutral\n", encoding="utf-8")  # fmt: skip
    data = load_evaluation(path)
    metrics = evaluate(tiny_model, data, intervals=False)
    assert "tone" not in metrics and metrics["tone_label"]["rows_3class"] == 3
    assert data.frame["tone_label"].tolist() == ["negative", "positive", "neutral"]


def test_tone_on_another_scale_is_mapped_onto_minus_one_to_one(tiny_model, tmp_path):
    from classifier.data.corpus import parse_tone_scale

    path = tmp_path / "e.csv"
    path.write_text(
        "headline,tone\nBlast kills 20,-90\nAccord signed,80\nCabinet meets,0\n", encoding="utf-8"
    )
    data = load_evaluation(path, tone_scale=parse_tone_scale("-100:100"))
    assert data.frame["tone"].tolist() == pytest.approx([-0.9, 0.8, 0.0])
    five = tmp_path / "five.csv"
    five.write_text("headline,tone\nBlast kills 20,1\nAccord signed,5\nCabinet meets,3\n", encoding="utf-8")
    assert load_evaluation(five, tone_scale=parse_tone_scale("1:5")).frame["tone"].tolist() == [
        -1.0,
        1.0,
        0.0,
    ]
    assert parse_tone_scale("100") == (-100.0, 100.0)
    from classifier.errors import DataError

    with pytest.raises(DataError, match="outside the scale"):
        load_evaluation(path, tone_scale=parse_tone_scale("0:50"))
    result = _evaluate_cli("--data", path, "--tone-scale=-100:100", "--model", "/nonexistent.model")
    assert result.exit_code == 4  # the scale parsed; only the model is missing


def test_rows_with_a_blank_label_sit_out_that_measure_with_a_count(tiny_model, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("headline,topic,tone\nRupee gains,markets,\nTroops trade fire,,-0.5\nTalks held,diplomacy,0\n",
                    encoding="utf-8")  # fmt: skip
    with pytest.warns(UserWarning) as caught:
        data = load_evaluation(path)
    messages = [str(w.message) for w in caught]
    assert any("1 row(s) with a blank topic left out of the topic figures" in m for m in messages)
    assert any("1 row(s) with a blank tone left out of the tone figures" in m for m in messages)
    metrics = evaluate(tiny_model, data, intervals=False)
    assert metrics["topic"]["rows"] == 2 and metrics["tone"]["rows"] == 2
    from classifier.evaluation.report import most_confident_mistakes

    mistakes = most_confident_mistakes(data, predict_texts(tiny_model, data.frame["headline"].tolist()))
    assert mistakes["gold"].notna().all()
