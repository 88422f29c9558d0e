"""Corpus batches measured on real headlines: what each authored batch does to the real `dev` split.

Trains the model on the corpus without the named batches, then adds them one at a time (in the
order given), and scores every model on the real development split (labels in
data/real_dev_labels.csv, texts joined from the pool by hash). Prints one row per step: topic
accuracy and macro-F1 with a bootstrap interval, each topic's F1, and tone Pearson; then the
accuracy, macro-F1 and tone r on each set named with --also (e.g. the codebook labels of AG News
World rows, agworld:data/agnews_world_labels.csv). The frozen
`test` split is never read here. Nothing is trained on real headlines.

Usage: .venv/bin/python benchmarks/transfer.py --batch pdip --batch psec ... [--data data/headlines.csv]
       [--also agworld:data/agnews_world_labels.csv]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from classifier.config import DEFAULT_REAL_LABELS, TOPICS
from classifier.data.corpus import labelled_from_frame, load_corpus
from classifier.data.datasets import load_dataset
from classifier.evaluation.metrics import evaluate
from classifier.figures import show, with_interval
from classifier.model.heads import ModelParams
from classifier.workflows import train

ROOT = Path(__file__).resolve().parents[1]


def batch_of(ids):
    return ids.str.rsplit("-", n=1).str[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT / "data" / "headlines.csv"))
    parser.add_argument("--labels", default=str(ROOT / DEFAULT_REAL_LABELS))
    parser.add_argument("--batch", action="append", default=[], help="a batch (id prefix) to add, in order")
    parser.add_argument(
        "--also", action="append", default=[], help="another labelled set to score, FORMAT:PATH"
    )
    args = parser.parse_args()
    corpus = load_corpus(args.data)
    frame = corpus.frame
    batches = batch_of(frame["id"].astype(str))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = load_dataset(f"realdev:{args.labels}")
        others = [load_dataset(spec) for spec in args.also]
    header = ["corpus", "rows", "topic acc", "macro-F1 [95%]", *(f"F1 {t[:4]}" for t in TOPICS), "tone r"]
    for spec in args.also:
        name = spec.partition(":")[0]
        header += [f"{name} acc", f"{name} macro-F1", f"{name} tone r"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    included = ~batches.isin(args.batch)
    steps = [("without " + ", ".join(args.batch) if args.batch else "all", included.copy())]
    for name in args.batch:
        included |= batches == name
        steps.append((f"+ {name}", included.copy()))
    for label, mask in steps:
        part = labelled_from_frame(frame[mask].reset_index(drop=True), corpus.path, corpus.sha256,
                                   corpus_rules=False)  # fmt: skip
        model = train(part, ModelParams(), holdout=False)
        m = evaluate(model, real)
        per = m["topic"]["per_class"]
        cells = [label, f"{mask.sum():,}", show(m["topic"]["accuracy"]), with_interval(m, "topic", "macro_f1"),
                 *(show(per[t]["f1"]) for t in TOPICS), show(m["tone"]["pearson"])]  # fmt: skip
        for other in others:
            o = evaluate(model, other, intervals=False)
            cells += [show(o["topic"]["accuracy"]), show(o["topic"]["macro_f1"]), show(o["tone"]["pearson"])]
        print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
