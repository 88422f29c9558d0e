"""Scoring predictions against labels: topic classification and tone agreement figures."""

from __future__ import annotations

import math

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

from classifier.config import TEXT_COLUMN, TONE_COLUMN, TONE_LABELS, TOPIC_COLUMN, TOPICS
from classifier.data import Labelled
from classifier.model import HeadlineModel, predict_texts, tone_labels


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


def tone_metrics(gold: np.ndarray, predicted: np.ndarray) -> dict:
    """Pearson, Spearman, cosine, MAE, and three-class accuracy and macro-F1 at the label thresholds."""
    gold = np.asarray(gold, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    varied = len(gold) > 1 and np.ptp(gold) > 0 and np.ptp(predicted) > 0
    pearson = stats.pearsonr(gold, predicted)[0] if varied else float("nan")
    spearman = stats.spearmanr(gold, predicted)[0] if varied else float("nan")
    norm = np.linalg.norm(gold) * np.linalg.norm(predicted)
    gold_labels, pred_labels = tone_labels(gold), tone_labels(predicted)
    return {
        "rows": len(gold),
        "pearson": _finite(pearson),
        "spearman": _finite(spearman),
        "cosine": _finite(float(gold @ predicted / norm) if norm else float("nan")),
        "mae": float(mean_absolute_error(gold, predicted)),
        "accuracy_3class": float(accuracy_score(gold_labels, pred_labels)),
        "macro_f1_3class": float(
            f1_score(gold_labels, pred_labels, labels=list(TONE_LABELS), average="macro", zero_division=0)
        ),
    }


def evaluate_predictions(frame: pd.DataFrame, predictions: pd.DataFrame) -> dict:
    """Score prediction rows against whichever label columns the frame has; blank rows are skipped."""
    result: dict = {}
    scored = predictions["topic"].notna().to_numpy()
    if TOPIC_COLUMN in frame.columns:
        result["topic"] = topic_metrics(
            frame[TOPIC_COLUMN].to_numpy()[scored], predictions["topic"].to_numpy()[scored]
        )
    if TONE_COLUMN in frame.columns:
        result["tone"] = tone_metrics(
            frame[TONE_COLUMN].to_numpy(dtype=float)[scored],
            predictions["tone"].to_numpy(dtype=float)[scored],
        )
    return result


def evaluate(model: HeadlineModel, data: Labelled) -> dict:
    """Predict every row of a labelled set and score it, recording which data was used."""
    predictions = predict_texts(model, data.frame[TEXT_COLUMN].tolist())
    metrics = evaluate_predictions(data.frame, predictions)
    metrics["data"] = {"path": data.path, "sha256": data.sha256, "rows": len(data.frame)}
    return metrics


def format_metrics(metrics: dict) -> str:
    """Render metrics as readable plain-text tables for the terminal."""
    lines: list[str] = []
    if "data" in metrics:
        d = metrics["data"]
        lines.append(f"data: {d['path']} ({d['rows']} rows, sha256 {d['sha256'][:12]})")
    if "topic" in metrics:
        t = metrics["topic"]
        lines.append(f"topic: accuracy {t['accuracy']:.3f}  macro-F1 {t['macro_f1']:.3f}  ({t['rows']} rows)")
        lines.append(f"  {'label':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        for label, row in t["per_class"].items():
            lines.append(
                f"  {label:<10} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>8d}"
            )
        lines.append("  confusion (rows gold, columns predicted):")
        lines.append("  " + " " * 10 + "".join(f"{lab[:9]:>10}" for lab in t["labels"]))
        for label, row in zip(t["labels"], t["confusion"], strict=True):
            lines.append(f"  {label:<10}" + "".join(f"{v:>10d}" for v in row))
    if "tone" in metrics:
        t = metrics["tone"]

        def show(v: float | None) -> str:
            return "n/a" if v is None else f"{v:.3f}"

        lines.append(
            f"tone: Pearson {show(t['pearson'])}  Spearman {show(t['spearman'])}  cosine {show(t['cosine'])}"
            f"  MAE {t['mae']:.3f}  3-class accuracy {t['accuracy_3class']:.3f}"
            f"  macro-F1 {t['macro_f1_3class']:.3f}  ({t['rows']} rows)"
        )
    return "\n".join(lines)
