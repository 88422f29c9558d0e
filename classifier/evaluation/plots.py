"""Matplotlib figures of evaluation results; each draws on an Axes so notebooks and reports share them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from classifier.errors import missing_extra

try:  # matplotlib comes with the eval extra
    from matplotlib.figure import Figure
except ImportError:
    raise missing_extra("matplotlib", "eval", "evaluation plots") from None

if TYPE_CHECKING:
    from matplotlib.axes import Axes


__all__ = ["plot_confusion", "plot_coverage", "plot_reliability", "plot_tone_scatter", "save_png"]


def plot_confusion(ax: Axes, topic_metrics: dict, title: str = "Topic confusion matrix") -> Axes:
    """Counts of gold (rows) against predicted (columns) topics, with row-normalised shading."""
    counts = np.asarray(topic_metrics["confusion"], dtype=float)
    labels = topic_metrics["labels"]
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), value in np.ndenumerate(counts):
        ax.text(j, i, f"{int(value)}", ha="center", va="center", fontsize=8,
                color="white" if shares[i, j] > 0.6 else "black")  # fmt: skip
    ax.set_xlabel("predicted topic")
    ax.set_ylabel("gold topic")
    ax.set_title(title)
    return ax


def plot_reliability(ax: Axes, calibration: dict, title: str = "Topic reliability") -> Axes:
    """Accuracy against mean confidence per confidence bin; the diagonal is perfect calibration."""
    curve = calibration["reliability"]
    conf = [b["mean_confidence"] for b in curve]
    acc = [b["accuracy"] for b in curve]
    sizes = [max(10, 300 * b["rows"] / max(1, max(c["rows"] for c in curve))) for b in curve]
    ax.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfect calibration")
    ax.plot(conf, acc, color="tab:blue", marker="")
    ax.scatter(conf, acc, s=sizes, color="tab:blue", label="bins (size = rows)")
    ax.set_xlim(0, 1.03)  # a little room, so bins at 1.0 are drawn whole, not cut by the frame
    ax.set_ylim(0, 1.03)
    ax.set_xlabel("mean predicted probability of the chosen topic")
    ax.set_ylabel("share of rows where it was right")
    ax.set_title(f"{title} (ECE {calibration['ece']:.3f})")
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_coverage(ax: Axes, calibration: dict, title: str = "Accuracy against coverage") -> Axes:
    """Accuracy of the rows kept when the least confident are held back."""
    points = calibration["coverage"]
    ax.plot([p["coverage"] for p in points], [p["accuracy"] for p in points], marker="o")
    ax.invert_xaxis()
    ax.set_xlabel("share of rows kept (most confident first)")
    ax.set_ylabel("topic accuracy on kept rows")
    ax.set_title(title)
    return ax


def plot_tone_scatter(
    ax: Axes, gold: np.ndarray, predicted: np.ndarray, title: str = "Tone against gold"
) -> Axes:
    """Predicted tone against gold tone, one point a headline, jittered where gold is discrete."""
    gold = np.asarray(gold, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    jitter = np.random.default_rng(0).uniform(-0.04, 0.04, len(gold)) if len(np.unique(gold)) <= 5 else 0
    ax.scatter(gold + jitter, predicted, s=8, alpha=0.4, color="tab:purple")
    ax.plot([-1, 1], [-1, 1], linestyle="--", color="gray")
    for threshold in (-0.25, 0.25):
        ax.axhline(threshold, color="lightgray", linewidth=0.8)
    ax.set_xlim(-1.1, 1.1)
    ax.set_ylim(-1.1, 1.1)
    ax.set_xlabel("gold tone")
    ax.set_ylabel("predicted tone")
    r = np.corrcoef(gold, predicted)[0, 1] if len(gold) > 1 and np.ptp(predicted) > 0 else float("nan")
    ax.set_title(f"{title} (Pearson {r:.3f})")
    return ax


def save_png(path: str | Path, draw, *args, size: tuple[float, float] = (6.0, 5.0)) -> Path:
    """Draw with `draw(ax, *args)` on a fresh figure and write it as a PNG (no GUI backend needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure.add_subplot(), *args)
    figure.savefig(path, dpi=120, format="png")
    return Path(path)
