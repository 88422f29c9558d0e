"""Rendering a metrics dict (the one structure `classifier.evaluation.metrics` produces) as text:
the terminal's tables, the report's comparison rows, the card's lines and the benchmarks' rows.

Plain formatting with no imports from the package, so that every layer may use it: the model's card
(`classifier.model.files`) as well as evaluation, the workflows and the command line.
"""

from __future__ import annotations

__all__ = [
    "COMPARISON_COLUMNS",
    "card_lines",
    "comparison_rows",
    "format_metrics",
    "markdown_table",
    "real_dev_summary",
    "show",
    "with_interval",
]


def show(value: float | None) -> str:
    """One figure as text: three decimals, or "-" where the data allow none."""
    return "-" if value is None else f"{value:.3f}"


def with_interval(metrics: dict, section: str, key: str) -> str:
    """A figure with its 95% bootstrap interval when the metrics hold one: "0.812 [0.790, 0.833]"."""
    value = metrics.get(section, {}).get(key)
    interval = metrics.get("intervals_95", {}).get(f"{section}.{key}")
    return show(value) + (f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else "")


COMPARISON_COLUMNS = (
    ("topic", "accuracy", "topic acc"),
    ("topic", "macro_f1", "topic F1"),
    ("topic_group", "accuracy", "group acc"),
    ("tone", "pearson", "tone r"),
    ("tone", "cosine", "cosine"),
    ("tone", "accuracy_3class", "3-cl acc"),
    ("tone", "macro_f1_3class", "3-cl F1"),
    ("tone_label", "accuracy_3class", "label acc"),
    ("tone_label", "macro_f1_3class", "label F1"),
)


def comparison_rows(metrics: dict) -> list[tuple[str, dict[str, float | None]]]:
    """The model and each baseline as rows of the figures the data allows."""
    systems = [("model", metrics), *metrics.get("baselines", {}).items()]
    present = [(s, k, label) for s, k, label in COMPARISON_COLUMNS if s in metrics]
    return [(name, {label: m.get(s, {}).get(k) for s, k, label in present}) for name, m in systems]


def real_dev_summary(metrics: dict) -> str:
    """One line of the figures that matter on real headlines: topic accuracy, macro-F1, tone r."""
    per = ", ".join(f"{t} {v['f1']:.2f}" for t, v in metrics["topic"]["per_class"].items())
    return (
        f"  topic accuracy {with_interval(metrics, 'topic', 'accuracy')}, macro-F1 "
        f"{with_interval(metrics, 'topic', 'macro_f1')} (F1 {per}); tone Pearson "
        f"{with_interval(metrics, 'tone', 'pearson')}  ({metrics['topic']['rows']} rows)"
    )


def markdown_table(rows: list[tuple[str, dict[str, float | None]]]) -> str:
    """`comparison_rows` as a Markdown table (the evaluation report's)."""
    headers = list(rows[0][1])
    lines = ["| system | " + " | ".join(headers) + " |", "|---" * (len(headers) + 1) + "|"]
    for name, values in rows:
        lines.append(f"| {name} | " + " | ".join(show(v) for v in values.values()) + " |")
    return "\n".join(lines)


def card_lines(metrics: dict) -> list[str]:
    """The held-out figures of a model card, one Markdown list line for topic and one for tone."""
    topic, tone = metrics.get("topic", {}), metrics.get("tone", {})
    lines = []
    if topic:
        lines.append(
            f"- Topic accuracy {show(topic['accuracy'])}, macro-F1 {show(topic['macro_f1'])} ({topic['rows']} rows)"
        )
    if tone:
        lines.append(
            f"- Tone Pearson {show(tone['pearson'])}, MAE {show(tone['mae'])}, 3-class accuracy {show(tone['accuracy_3class'])}"
        )
    return lines


def format_metrics(metrics: dict) -> str:
    """Render metrics as readable plain-text tables for the terminal."""
    lines: list[str] = []
    if "data" in metrics:
        d = metrics["data"]
        lines.append(f"data: {d['path']} ({d['rows']} rows, sha256 {d['sha256'][:12]})")
    if "topic" in metrics:
        t = metrics["topic"]
        lines.append(
            f"topic: accuracy {with_interval(metrics, 'topic', 'accuracy')}  "
            f"macro-F1 {with_interval(metrics, 'topic', 'macro_f1')}  ({t['rows']} rows)"
        )
        lines.append(f"  {'label':<10} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8}")
        for label, row in t["per_class"].items():
            lines.append(
                f"  {label:<10} {row['precision']:>9.3f} {row['recall']:>7.3f} {row['f1']:>6.3f} {row['support']:>8d}"
            )
        lines.append("  confusion (rows gold, columns predicted):")
        lines.append("  " + " " * 10 + "".join(f"{lab[:9]:>10}" for lab in t["labels"]))
        for label, row in zip(t["labels"], t["confusion"], strict=True):
            lines.append(f"  {label:<10}" + "".join(f"{v:>10d}" for v in row))
        if "calibration" in t:
            c = t["calibration"]
            cover = ", ".join(f"{p['coverage']:.0%}: {p['accuracy']:.3f}" for p in c["coverage"])
            lines.append(
                f"  calibration: ECE {c['ece']:.3f}; accuracy when keeping the most confident {cover}"
            )
    if "topic_group" in metrics:
        g = metrics["topic_group"]
        lines.append(
            f"topic (coarse groups): accuracy {with_interval(metrics, 'topic_group', 'accuracy')} ({g['rows']} rows)"
        )
        for name, row in g.get("per_source_class", {}).items():
            shares = ", ".join(f"{t} {v:.1%}" for t, v in row["predicted_share"].items() if v >= 0.005)
            lines.append(
                f"  {name:<10} {row['rows']:>6} rows: accuracy {row['accuracy']:.3f}; predicted {shares}"
            )
    if "tone" in metrics:
        t = metrics["tone"]
        lines.append(
            f"tone: Pearson {with_interval(metrics, 'tone', 'pearson')}  Spearman {show(t['spearman'])}  "
            f"cosine {with_interval(metrics, 'tone', 'cosine')}  MAE {show(t['mae'])}  "
            f"3-class accuracy {show(t['accuracy_3class'])}  macro-F1 {show(t['macro_f1_3class'])}  ({t['rows']} rows)"
        )
    if "tone_label" in metrics:
        t = metrics["tone_label"]
        lines.append(
            f"tone labels: accuracy {with_interval(metrics, 'tone_label', 'accuracy_3class')}  "
            f"macro-F1 {with_interval(metrics, 'tone_label', 'macro_f1_3class')}  ({t['rows_3class']} rows)"
        )
    for column, per in metrics.get("per_group", {}).items():
        lines.append(f"by {column}:")
        width = max(len(v) for v in per) if per else 0
        for value, row in sorted(per.items(), key=lambda item: -item[1]["rows"]):
            lines.append(
                f"  {value:<{width}} {row['rows']:>6} rows: topic accuracy {show(row['topic_accuracy'])}  "
                f"macro-F1 {show(row['topic_macro_f1'])}  tone r {show(row['tone_pearson'])}"
            )
    if metrics.get("baselines"):
        rows = comparison_rows(metrics)
        headers = list(rows[0][1])
        lines.append("on the same rows:")
        lines.append(f"  {'system':<10}" + "".join(f"{h:>11}" for h in headers))
        for name, values in rows:
            lines.append(f"  {name:<10}" + "".join(f"{show(values[h]):>11}" for h in headers))
    return "\n".join(lines)
