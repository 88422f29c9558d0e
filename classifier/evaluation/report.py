"""Evaluation reports on disk: metrics.json, report.md, PNG plots and the most confident mistakes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import PROBABILITY_COLUMNS, TEXT_COLUMN, TONE_COLUMN, TOPIC_COLUMN
from classifier.data.corpus import Labelled
from classifier.errors import OutputError
from classifier.figures import comparison_rows, format_metrics, markdown_table
from classifier.io.writers import atomic_path

__all__ = ["MISTAKES_PER_SET", "REPORT_FILES", "DatasetResult", "most_confident_mistakes", "write_report"]

MISTAKES_PER_SET = 50
REPORT_FILES = ("metrics.json", "report.md", "errors.csv")  # beside one PNG per plot and set


@dataclass
class DatasetResult:
    """One evaluated set: its rows, the model's predictions on them, and the figures."""

    data: Labelled
    predictions: pd.DataFrame
    metrics: dict

    @property
    def slug(self) -> str:
        """A file-name-safe name for the set."""
        return re.sub(r"[^A-Za-z0-9]+", "-", Path(self.data.path.split(":", 1)[-1]).stem).strip("-").lower()


def most_confident_mistakes(
    data: Labelled, predictions: pd.DataFrame, k: int = MISTAKES_PER_SET
) -> pd.DataFrame:
    """Topic mistakes with the highest confidence and tone mistakes with the largest error, both labels shown."""
    frame = data.frame
    parts = []
    if TOPIC_COLUMN in frame.columns:
        wrong = (
            predictions["topic"].notna()
            & frame[TOPIC_COLUMN].notna()
            & (predictions["topic"] != frame[TOPIC_COLUMN])
        )
        topic = pd.concat([frame.loc[wrong, ["id", TEXT_COLUMN, TOPIC_COLUMN]].rename(columns={TOPIC_COLUMN: "gold"}),
                           predictions.loc[wrong, ["topic", "topic_confidence", *PROBABILITY_COLUMNS]]
                           .rename(columns={"topic": "predicted"})], axis=1)  # fmt: skip
        parts.append(topic.sort_values("topic_confidence", ascending=False).head(k).assign(kind="topic"))
    if TONE_COLUMN in frame.columns:
        error = (predictions["tone"] - frame[TONE_COLUMN]).abs().dropna()
        worst = error.sort_values(ascending=False).head(k).index
        tone = pd.DataFrame({"id": frame.loc[worst, "id"], TEXT_COLUMN: frame.loc[worst, TEXT_COLUMN],
                             "gold": frame.loc[worst, TONE_COLUMN], "predicted": predictions.loc[worst, "tone"],
                             "error": error.loc[worst]})  # fmt: skip
        parts.append(tone.assign(kind="tone"))
    if not parts:
        return pd.DataFrame(columns=["kind", "id", TEXT_COLUMN, "gold", "predicted"])
    out = pd.concat(parts, ignore_index=True)
    return out[["kind", *[c for c in out.columns if c != "kind"]]]


def write_report(out_dir: str | Path, results: list[DatasetResult], card: dict) -> list[Path]:
    """Write metrics.json, report.md, PNG plots and errors.csv for every evaluated set."""
    from classifier.evaluation.plots import plot_confusion, plot_coverage, plot_reliability, plot_tone_scatter

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot make the report folder ({exc.strerror})") from None
    written: list[Path] = []
    md = ["# Evaluation report", "", "## Model", ""]
    data = card.get("data", {})
    md += [f"- Created {card.get('created_utc')}, package {card.get('package_version')}, "  # noqa: ISC004
           f"scikit-learn {card.get('sklearn_version')}",
           f"- Trained on `{data.get('path')}` ({data.get('rows')} rows, sha256 `{data.get('sha256')}`)", ""]  # fmt: skip
    mistakes = []
    for result in results:
        slug, metrics = result.slug, result.metrics
        md += [
            f"## {result.data.path}",
            "",
            f"{len(result.data.frame)} rows, sha256 `{result.data.sha256}`",
            "",
        ]
        if metrics.get("baselines") or metrics:
            rows = comparison_rows(metrics)
            if rows and rows[0][1]:
                md += [markdown_table(rows), ""]
        md += ["```", format_metrics(metrics), "```", ""]
        if "topic" in metrics:
            written.append(_png(out / f"{slug}-confusion.png", plot_confusion, metrics["topic"]))
            md.append(f"![confusion matrix]({slug}-confusion.png)")
            if "calibration" in metrics["topic"]:
                cal = metrics["topic"]["calibration"]
                written.append(_png(out / f"{slug}-reliability.png", plot_reliability, cal))
                written.append(_png(out / f"{slug}-coverage.png", plot_coverage, cal, size=(6.0, 4.0)))
                md += [f"![reliability curve]({slug}-reliability.png)", f"![coverage]({slug}-coverage.png)"]
        if "tone" in metrics:
            scored = (result.predictions["tone"].notna() & result.data.frame[TONE_COLUMN].notna()).to_numpy()
            gold = result.data.frame[TONE_COLUMN].to_numpy(dtype=float)[scored]
            pred = result.predictions["tone"].to_numpy(dtype=float)[scored]
            written.append(_png(out / f"{slug}-tone.png", plot_tone_scatter, gold, pred))
            md.append(f"![tone against gold]({slug}-tone.png)")
        md.append("")
        mistakes.append(
            most_confident_mistakes(result.data, result.predictions).assign(dataset=result.data.path)
        )
    with atomic_path(out / "metrics.json") as tmp:
        tmp.write_text(
            json.dumps({r.data.path: r.metrics for r in results}, indent=2, default=_json), encoding="utf-8"
        )
    with atomic_path(out / "report.md") as tmp:
        tmp.write_text("\n".join(md) + "\n", encoding="utf-8")
    with atomic_path(out / "errors.csv") as tmp:
        pd.concat(mistakes, ignore_index=True).to_csv(tmp, index=False)
    return [out / "metrics.json", out / "report.md", out / "errors.csv", *written]


def _png(path: Path, draw, *args, **kwargs) -> Path:
    """A plot written whole or not at all (and with the umask's mode), like every other file."""
    from classifier.evaluation.plots import save_png

    with atomic_path(path) as tmp:
        save_png(tmp, draw, *args, **kwargs)
    return path


def _json(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")
