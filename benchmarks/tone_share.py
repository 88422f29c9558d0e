"""How the lexicon share of the tone head was chosen: real-set tone and corpus transfer per share.

For each share, fits on the shipped corpus and scores tone on the real sets in ../shared/dev
(measured only, never trained on), then cross-validates on the corpus with whole writer batches
(the `id` prefix) held out, the in-domain figure least flattered by writers' habits. Prints one
row per share; the README's table in "How tone is scored" is this script's output. Takes about
two minutes on two cores.

Usage: .venv/bin/python benchmarks/tone_share.py [--shares 0 0.2 0.3 0.4 0.5] [--dev ../shared/dev]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import pandas as pd
from scipy import stats

from classifier.config import TONE_COLUMN, TONE_LEXICON_BLEND
from classifier.data.corpus import load_corpus
from classifier.data.datasets import load_dataset
from classifier.evaluation.metrics import tone_label_metrics, tone_metrics
from classifier.model.heads import ModelParams, fit, predict_texts
from classifier.model.training import out_of_fold_predictions

ROOT = Path(__file__).resolve().parents[1]
SCORED = {  # name: (format, path under dev, figure)
    "SemEval-2007 r": ("semeval2007", "semeval2007_trial/affectivetext_trial.xml", "pearson"),
    "SemEval-2017 cosine": ("semeval2017", "semeval2017_task5_train/Headline_Trainingdata.json", "cosine"),
    "PhraseBank F1 (rho)": ("phrasebank", "financial_phrasebank/Sentences_AllAgree.txt", "labels"),
    "SEntFiN F1": ("sentfin", "sentfin/SEntFiN-v1.1.csv", "labels"),
}
ORDINAL = {"negative": -1, "neutral": 0, "positive": 1}


def real_set_figure(model, frame: pd.DataFrame, figure: str) -> str:
    """The set's figure for the model's tone; for label-only sets also the rank correlation."""
    predicted = predict_texts(model, frame["headline"].tolist())
    tone = predicted["tone"].to_numpy()
    if figure != "labels":
        return f"{tone_metrics(frame[TONE_COLUMN].to_numpy(), tone)[figure]:.3f}"
    labels = frame["tone_label"].to_numpy()
    f1 = tone_label_metrics(labels, predicted["tone_label"].to_numpy())["macro_f1_3class"]
    rho = stats.spearmanr(tone, [ORDINAL[label] for label in labels])[0]
    return f"{f1:.3f} ({rho:.3f})"


def batch_held_out_pearson(frame: pd.DataFrame, params: ModelParams) -> float:
    """Tone Pearson over rows predicted by models that never saw any row of their writer batch."""
    batches = frame["id"].str.rsplit("-", n=1).str[0]
    predicted = out_of_fold_predictions(frame, params, groups=batches)
    return tone_metrics(frame[TONE_COLUMN].to_numpy(), predicted["tone"].to_numpy())["pearson"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "headlines.csv")
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "dev")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.0, 0.2, 0.3, 0.4, 0.5])
    args = parser.parse_args()
    corpus = load_corpus(args.data).frame.reset_index(drop=True)
    sets = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (fmt, relative, figure) in SCORED.items():
            path = args.dev / relative
            if path.exists():
                sets[name] = (load_dataset(f"{fmt}:{path}").frame, figure)
            else:
                print(f"{name}: skipped, {path} not found")
    columns = ["share", *sets, "corpus by batch r"]
    print(f"shipped share: {TONE_LEXICON_BLEND}")
    print(" | ".join(columns))
    for share in args.shares:
        params = ModelParams(tone_model="ridge", tone_lexicon_blend=share)  # the share is the ridge head's
        model = fit(corpus, params)
        cells = [real_set_figure(model, frame, figure) for frame, figure in sets.values()]
        cells.append(f"{batch_held_out_pearson(corpus, params):.3f}")
        print(" | ".join([f"{share:g}", *cells]), flush=True)


if __name__ == "__main__":
    main()
