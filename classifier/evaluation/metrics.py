"""Scoring predictions against labels: topic classification and tone agreement figures."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    mean_absolute_error,
    precision_recall_fscore_support,
)

from classifier.config import (
    BOOTSTRAP_ROUNDS,
    CALIBRATION_BINS,
    COVERAGE_LEVELS,
    SEED,
    TEXT_COLUMN,
    TONE_COLUMN,
    TONE_LABELS,
    TOPIC_COLUMN,
    TOPICS,
)
from classifier.data.corpus import Labelled
from classifier.data.datasets import GROUP_COLUMNS, SOURCE_CLASS_COLUMN, TONE_LABEL_COLUMN, TOPIC_GROUP_COLUMN
from classifier.evaluation.baselines import BOTH_BASELINES, TONE_BASELINES, TOPIC_BASELINES, run_baseline
from classifier.model.heads import HeadlineModel, predict_texts, tone_labels

__all__ = [
    "HEADLINE_FIGURES",
    "applicable_baselines",
    "baseline_predictions",
    "bootstrap_intervals",
    "calibration",
    "evaluate",
    "evaluate_predictions",
    "group_metrics",
    "tone_label_metrics",
    "tone_metrics",
    "topic_group_metrics",
    "topic_metrics",
]

# The figures quoted with bootstrap intervals.
HEADLINE_FIGURES = (
    ("topic", "accuracy"),
    ("topic", "macro_f1"),
    ("topic_group", "accuracy"),
    ("tone", "pearson"),
    ("tone", "cosine"),
    ("tone", "accuracy_3class"),
    ("tone_label", "accuracy_3class"),
    ("tone_label", "macro_f1_3class"),
)


def _finite(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def topic_metrics(gold: list[str] | np.ndarray, predicted: list[str] | np.ndarray) -> dict:
    """Accuracy, macro-F1 over the labels present, per-class P/R/F1 and the confusion matrix."""
    gold = np.asarray(gold, dtype=object)
    predicted = np.asarray(predicted, dtype=object)
    present = [t for t in TOPICS if t in set(gold)]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=list(TOPICS), zero_division=0
    )
    return {
        "rows": len(gold),
        "accuracy": float(accuracy_score(gold, predicted)),
        "macro_f1": float(f1_score(gold, predicted, labels=present, average="macro", zero_division=0)),
        "per_class": {
            t: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
            for t, p, r, f, s in zip(TOPICS, precision, recall, f1, support, strict=True)
        },
        "labels": list(TOPICS),
        "confusion": confusion_matrix(gold, predicted, labels=list(TOPICS)).tolist(),
    }


def tone_metrics(gold: np.ndarray, predicted: np.ndarray, predicted_labels: np.ndarray | None = None) -> dict:
    """Pearson, Spearman, cosine, MAE, and three-class accuracy and macro-F1 against gold scores.

    Gold scores become labels at the codebook thresholds; predictions use `predicted_labels` when
    given (a baseline's own thresholds), else the same thresholds.
    """
    gold = np.asarray(gold, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    varied = len(gold) > 1 and np.ptp(gold) > 0 and np.ptp(predicted) > 0
    pearson = stats.pearsonr(gold, predicted)[0] if varied else float("nan")
    spearman = stats.spearmanr(gold, predicted)[0] if varied else float("nan")
    norm = np.linalg.norm(gold) * np.linalg.norm(predicted)
    pred_labels = tone_labels(predicted) if predicted_labels is None else np.asarray(predicted_labels)
    return {
        "rows": len(gold),
        "pearson": _finite(pearson),
        "spearman": _finite(spearman),
        "cosine": _finite(float(gold @ predicted / norm) if norm else float("nan")),
        "mae": float(mean_absolute_error(gold, predicted)) if len(gold) else None,
        **tone_label_metrics(tone_labels(gold), pred_labels),
    }


def tone_label_metrics(gold_labels: np.ndarray, predicted_labels: np.ndarray) -> dict:
    """Three-class tone accuracy, macro-F1 and confusion, for gold given as labels."""
    gold_labels = np.asarray(gold_labels, dtype=object)
    predicted_labels = np.asarray(predicted_labels, dtype=object)
    return {
        "rows_3class": len(gold_labels),
        "accuracy_3class": float(accuracy_score(gold_labels, predicted_labels)) if len(gold_labels) else None,
        "macro_f1_3class": float(
            f1_score(
                gold_labels, predicted_labels, labels=list(TONE_LABELS), average="macro", zero_division=0
            )
        ),
        "confusion_3class": confusion_matrix(
            gold_labels, predicted_labels, labels=list(TONE_LABELS)
        ).tolist(),
    }


def topic_group_metrics(groups: np.ndarray, predicted: np.ndarray, source: np.ndarray | None) -> dict:
    """Coarse topic scoring: a prediction is right when it is one of the row's acceptable topics."""
    allowed = [set(str(g).split("|")) for g in groups]
    hits = np.array([p in a for p, a in zip(predicted, allowed, strict=True)], dtype=bool)
    result: dict = {"rows": len(hits), "accuracy": float(hits.mean()) if len(hits) else None}
    if source is not None:
        per = {}
        for name in pd.unique(source):
            mask = np.asarray(source) == name
            shares = pd.Series(predicted[mask]).value_counts(normalize=True)
            per[str(name)] = {
                "rows": int(mask.sum()),
                "accuracy": float(hits[mask].mean()),
                "predicted_share": {t: float(shares.get(t, 0.0)) for t in TOPICS},
            }
        result["per_source_class"] = per
    return result


def calibration(confidence: np.ndarray, correct: np.ndarray, bins: int = CALIBRATION_BINS) -> dict:
    """Expected calibration error, the reliability curve, and accuracy as low-confidence rows are held back."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    curve, ece = [], 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
            ece += mask.mean() * abs(conf - acc)
            curve.append({"bin_low": float(edges[b]), "bin_high": float(edges[b + 1]), "rows": int(mask.sum()),
                          "mean_confidence": conf, "accuracy": acc})  # fmt: skip
    order = np.argsort(-confidence, kind="stable")
    coverage = []
    for share in COVERAGE_LEVELS:
        keep = order[: max(1, round(share * len(order)))]
        coverage.append({"coverage": share, "accuracy": float(correct[keep].mean()),
                         "min_confidence": float(confidence[keep].min())})  # fmt: skip
    return {"ece": float(ece), "reliability": curve, "coverage": coverage}


def bootstrap_intervals(
    frame: pd.DataFrame, predictions: pd.DataFrame, rounds: int = BOOTSTRAP_ROUNDS, seed: int = SEED
) -> dict:
    """95% percentile intervals for the headline figures, resampling rows with replacement."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    figures: dict[str, list[float]] = {}
    for _ in range(rounds if n > 1 else 0):
        idx = rng.integers(0, n, n)
        m = evaluate_predictions(frame.iloc[idx], predictions.iloc[idx], with_intervals=False)
        for section, key in HEADLINE_FIGURES:
            value = m.get(section, {}).get(key)
            if value is not None:
                figures.setdefault(f"{section}.{key}", []).append(value)
    return {k: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for k, v in figures.items()}


def evaluate_predictions(
    frame: pd.DataFrame, predictions: pd.DataFrame, with_intervals: bool = False
) -> dict:
    """Score prediction rows against whichever labels the frame has.

    A row without a prediction, or without a gold label for a measure, is left out of that measure.
    """
    result: dict = {}
    has = set(predictions.columns)

    def gold(column: str) -> np.ndarray:
        return frame[column].notna().to_numpy() if column in frame.columns else np.zeros(len(frame), bool)

    if "topic" in has:
        predicted_any = predictions["topic"].notna().to_numpy()
        if TOPIC_COLUMN in frame.columns:
            scored = predicted_any & gold(TOPIC_COLUMN)
            predicted = predictions["topic"].to_numpy()[scored]
            result["topic"] = topic_metrics(frame[TOPIC_COLUMN].to_numpy()[scored], predicted)
            if "topic_confidence" in has:
                conf = predictions["topic_confidence"].to_numpy(dtype=float)[scored]
                result["topic"]["calibration"] = calibration(
                    conf, predicted == frame[TOPIC_COLUMN].to_numpy()[scored]
                )
        if TOPIC_GROUP_COLUMN in frame.columns:
            scored = predicted_any & gold(TOPIC_GROUP_COLUMN)
            source = (
                frame[SOURCE_CLASS_COLUMN].to_numpy()[scored]
                if SOURCE_CLASS_COLUMN in frame.columns
                else None
            )
            result["topic_group"] = topic_group_metrics(
                frame[TOPIC_GROUP_COLUMN].to_numpy()[scored], predictions["topic"].to_numpy()[scored], source
            )
    if "tone" in has:
        predicted_any = predictions["tone"].notna().to_numpy()
        if TONE_COLUMN in frame.columns:
            scored = predicted_any & gold(TONE_COLUMN)
            labels = predictions["tone_label"].to_numpy()[scored] if "tone_label" in has else None
            result["tone"] = tone_metrics(
                frame[TONE_COLUMN].to_numpy(dtype=float)[scored], predictions["tone"].to_numpy(dtype=float)[scored],
                labels,
            )  # fmt: skip
        if TONE_LABEL_COLUMN in frame.columns:
            scored = predicted_any & gold(TONE_LABEL_COLUMN)
            pred = (
                predictions["tone_label"].to_numpy()[scored]
                if "tone_label" in has
                else tone_labels(predictions["tone"].to_numpy(dtype=float)[scored])
            )
            result["tone_label"] = tone_label_metrics(frame[TONE_LABEL_COLUMN].to_numpy()[scored], pred)
    groups = [c for c in GROUP_COLUMNS if c in frame.columns]
    if groups and with_intervals:  # not inside the bootstrap, where only headline figures count
        result["per_group"] = group_metrics(frame, predictions, groups)
    if with_intervals and result:
        result["intervals_95"] = bootstrap_intervals(frame, predictions)
    return result


def group_metrics(frame: pd.DataFrame, predictions: pd.DataFrame, columns: list[str]) -> dict:
    """Rows, topic accuracy and macro-F1, and tone Pearson for each value of each group column."""
    out: dict = {}
    for column in columns:
        values = frame[column].astype(str).to_numpy()
        per = {}
        for value in sorted(pd.unique(values)):
            mask = values == value
            m = evaluate_predictions(frame[mask], predictions[mask])
            per[str(value)] = {
                "rows": int(mask.sum()),
                "topic_accuracy": m.get("topic", {}).get("accuracy"),
                "topic_macro_f1": m.get("topic", {}).get("macro_f1"),
                "tone_pearson": m.get("tone", {}).get("pearson"),
            }
        out[column] = per
    return out


def baseline_predictions(
    name: str, texts: list[str], training_topics: dict[str, int], training_path: str | None = None
) -> tuple[pd.DataFrame, float]:
    """A baseline's output as a predictions frame (only the columns it has a view on), and its rows per second."""
    started = time.perf_counter()
    out = run_baseline(name, texts, training_topics, training_path)
    rate = out.rows_per_second or len(texts) / max(time.perf_counter() - started, 1e-9)
    columns = {"topic": out.topic, "tone": out.tone, "tone_label": out.tone_label}
    return pd.DataFrame({k: v for k, v in columns.items() if v is not None}), rate


def applicable_baselines(data: Labelled, baselines: tuple[str, ...]) -> tuple[str, ...]:
    """The named baselines that have a view on the labels this set carries."""
    columns = set(data.frame.columns)
    has_topic = bool(columns & {TOPIC_COLUMN, TOPIC_GROUP_COLUMN})
    has_tone = bool(columns & {TONE_COLUMN, TONE_LABEL_COLUMN})
    wanted = {b for b in TOPIC_BASELINES if has_topic} | {b for b in TONE_BASELINES if has_tone}
    wanted |= set(BOTH_BASELINES) if has_topic or has_tone else set()
    return tuple(b for b in baselines if b in wanted)


def evaluate(
    model: HeadlineModel,
    data: Labelled,
    baselines: tuple[str, ...] = (),
    intervals: bool = True,
    predictions: pd.DataFrame | None = None,
) -> dict:
    """Predict every row of a labelled set and score it, with named baselines on the same rows.

    Each system's rows per second is recorded too (the model's only when it predicts here), so a
    comparison shows what accuracy costs in speed.
    """
    texts = data.frame[TEXT_COLUMN].tolist()
    started = time.perf_counter()
    if predictions is None:
        predictions = predict_texts(model, texts)
        seconds = time.perf_counter() - started
    else:
        seconds = None
    metrics = evaluate_predictions(data.frame, predictions, with_intervals=intervals)
    metrics["data"] = {"path": data.path, "sha256": data.sha256, "rows": len(data.frame)}
    if seconds:
        metrics["rows_per_second"] = len(texts) / seconds
    chosen = applicable_baselines(data, baselines)
    if chosen:
        card_data = model.card.get("data", {})
        metrics["baselines"] = {}
        for name in chosen:
            predicted, rate = baseline_predictions(
                name, texts, card_data.get("topic_counts", {}), card_data.get("path")
            )
            metrics["baselines"][name] = {
                **evaluate_predictions(data.frame, predicted),
                "rows_per_second": rate,
            }
    return metrics
