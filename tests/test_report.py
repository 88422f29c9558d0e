"""Reports: every file is written, plots are real PNGs, mistakes carry both labels."""

from __future__ import annotations

import json

from classifier.data.corpus import load_evaluation
from classifier.evaluation.metrics import evaluate
from classifier.evaluation.report import DatasetResult, most_confident_mistakes, write_report
from classifier.model.heads import predict_texts


def test_write_report(tiny_model, tmp_path):
    path = tmp_path / "set.csv"
    path.write_text("headline,topic,tone\nBlast kills 20 in market,security,-1\nRupee gains,markets,0.5\n"
                    "Talks held in Doha,diplomacy,0\nPCB names squad,other,0\n", encoding="utf-8")  # fmt: skip
    data = load_evaluation(path)
    preds = predict_texts(tiny_model, data.frame["headline"].tolist())
    metrics = evaluate(tiny_model, data, ("vader",), predictions=preds)
    written = write_report(tmp_path / "rep", [DatasetResult(data, preds, metrics)], tiny_model.card)
    names = {p.name for p in written}
    assert {"metrics.json", "report.md", "errors.csv", "set-confusion.png", "set-reliability.png",
            "set-coverage.png", "set-tone.png"} <= names  # fmt: skip
    for png in (p for p in written if p.suffix == ".png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads((tmp_path / "rep" / "metrics.json").read_text())
    assert saved[str(path)]["topic"]["rows"] == 4
    report = (tmp_path / "rep" / "report.md").read_text()
    assert tiny_model.card["data"]["sha256"] in report and "| vader |" in report


def test_mistakes_show_both_labels(tiny_model, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(
        "headline,topic\nRupee gains against dollar,conflict\nTroops trade fire,conflict\n", encoding="utf-8"
    )
    data = load_evaluation(path)
    mistakes = most_confident_mistakes(data, predict_texts(tiny_model, data.frame["headline"].tolist()))
    row = mistakes.iloc[0]
    assert row["kind"] == "topic" and row["gold"] == "conflict" and row["predicted"] != "conflict"
    assert 0 < row["topic_confidence"] <= 1
