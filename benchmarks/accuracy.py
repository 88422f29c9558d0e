"""Accuracy of the shipped model on every real labelled set in ../shared/dev, with every baseline.

Prints one table: for each set present, the model's figures and each baseline's on the same rows.
Sets that are absent are listed as skipped. Nothing here trains on these sets.

Usage: .venv/bin/python benchmarks/accuracy.py [--model models/headlines.model] [--dev ../shared/dev]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import warnings
from pathlib import Path

from classifier.data.corpus import load_evaluation
from classifier.data.datasets import agnews_labels, labelled_set, load_dataset
from classifier.evaluation.baselines import ALL_BASELINES
from classifier.evaluation.embeddings import available as embeddings_available
from classifier.evaluation.metrics import evaluate
from classifier.figures import comparison_rows
from classifier.model.files import load_model

ROOT = Path(__file__).resolve().parents[1]
SETS = {
    "seed_headlines": ("csv", "seed_headlines.csv"),
    "semeval2007_trial": ("semeval2007", "semeval2007_trial/affectivetext_trial.xml"),
    "semeval2017_task5": ("semeval2017", "semeval2017_task5_train/Headline_Trainingdata.json"),
    "phrasebank_allagree": ("phrasebank", "financial_phrasebank/Sentences_AllAgree.txt"),
    "sentfin": ("sentfin", "sentfin/SEntFiN-v1.1.csv"),
    "cnh_psx": ("cnh-psx", "cnh_psx/CNH-PSX_Ver1.csv"),
    "ag_news": ("agnews", "ag_news/test_minus_heldout.csv"),
    # 480 World rows labelled with the codebook by the project (data/agnews_world_labels.csv, keys only)
    "ag_news_world": ("agworld", "ag_news/test_minus_heldout.csv"),
}
FIGURES = ("topic acc", "topic F1", "group acc", "tone r", "cosine", "3-cl acc", "3-cl F1", "label acc", "label F1",
           "rows/s")  # fmt: skip


def load_seed(path: Path):
    """The seed file has an unquoted comma in one headline; rejoin the middle fields of such rows."""
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, width = rows[0], len(rows[0])
    fixed = [header] + [
        [r[0], ",".join(r[1 : len(r) - width + 2]), *r[len(r) - width + 2 :]] for r in rows[1:]
    ]
    repaired = Path(tempfile.mkdtemp()) / "seed_headlines.csv"
    with open(repaired, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(fixed)
    return load_evaluation(repaired)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "dev")
    args = parser.parse_args()
    model = load_model(args.model)
    baselines = tuple(b for b in ALL_BASELINES if b != "embeddings" or embeddings_available())
    if "embeddings" not in baselines:
        print("embeddings baseline skipped: install torch==2.13.0 and the embeddings extra to include it")
    print(f"model: {args.model} (trained {model.card['created_utc']}, {model.card['data']['rows']} rows)")
    header = f"{'set':<20} {'system':<9} {'rows':>6}" + "".join(f"{f:>10}" for f in FIGURES)
    print(header)
    print("-" * len(header))
    for name, (fmt, relative) in SETS.items():
        path = args.dev / relative
        if not path.exists():
            print(f"{name:<20} skipped: {path} not found")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if name == "seed_headlines":
                data = load_seed(path)
            elif fmt == "agworld":  # the labels ship with the project; the titles come from the AG News file
                labels = ROOT / "data" / "agnews_world_labels.csv"
                data = labelled_set(fmt, labels, agnews_labels(labels, source=path))
            else:
                data = load_dataset(f"{fmt}:{path}")
            metrics = evaluate(model, data, baselines=baselines, intervals=False)
        speeds = {"model": metrics.get("rows_per_second")} | {
            name: m.get("rows_per_second") for name, m in metrics.get("baselines", {}).items()
        }
        for system, values in comparison_rows(metrics):
            values = {**values, "rows/s": speeds.get(system)}
            cells = "".join(
                f"{'' if values.get(f) is None else format(values[f], ',.0f' if f == 'rows/s' else '.3f'):>10}"
                for f in FIGURES
            )
            print(f"{name:<20} {system:<9} {len(data.frame):>6}{cells}")
        group = metrics.get("topic_group", {}).get("per_source_class")
        if group:
            shares = "; ".join(
                f"{cls}: markets {row['predicted_share']['markets']:.1%}, other {row['predicted_share']['other']:.1%}"
                for cls, row in group.items()
            )
            print(f"{'':<20} predicted shares by AG class: {shares}")


if __name__ == "__main__":
    main()
