"""The public functions, one way to do each thing: train, evaluate, predict a file, load a corpus.

Each is a thin call into the sub-package that owns the work; the command line calls the same
functions. In memory, `HeadlineModel.predict` is the way to predict; `predict_file` streams a file
of any size through a model in chunks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from classifier.config import DEFAULT_REAL_LABELS
from classifier.data.corpus import Labelled, labelled_from_frame, load_corpus, load_evaluation
from classifier.model.heads import HeadlineModel

__all__ = ["evaluate", "load_corpus", "predict_file", "train"]


def _labelled(data: str | Path | Labelled | pd.DataFrame, corpus: bool) -> Labelled:
    if isinstance(data, Labelled):
        return data
    if isinstance(data, pd.DataFrame):
        return labelled_from_frame(data.reset_index(drop=True), "<DataFrame>", "", corpus_rules=corpus)
    return load_corpus(data) if corpus else load_evaluation(data)


def train(data: str | Path | Labelled | pd.DataFrame, model: HeadlineModel | None = None, holdout: bool = True,
          real_labels: str | Path | None = None) -> HeadlineModel:  # fmt: skip
    """Measure on a held-out share of a labelled corpus, then fit on every row, with a model card.

    Parameters
    ----------
    data : path, Labelled or DataFrame
        The corpus (columns id, headline, topic, tone; every codebook rule is checked).
    model : HeadlineModel, optional
        An unfitted model whose parameters to use (default: the package's defaults).
    holdout : bool
        Score a seeded, stratified held-out share first; its figures go into the card.
    real_labels : path, optional
        Real headline labels keyed by hash (``data/real_dev_labels.csv``); with the pool of real
        headlines present, the final model's figures on their ``dev`` split go into the card.

    Returns
    -------
    HeadlineModel
        The fitted model; ``model.card`` says what it was fitted on and how it scored.

    Examples
    --------
    >>> from classifier import HeadlineModel, train
    >>> fitted = train("data/headlines.csv", HeadlineModel(semantic_weight=0), holdout=False)  # doctest: +SKIP
    >>> fitted.predict(["Rupee slides against dollar"])["topic"].iloc[0]  # doctest: +SKIP
    'markets'
    """
    from classifier.model.heads import ModelParams
    from classifier.workflows import train as train_workflow

    names = set(ModelParams.__dataclass_fields__)
    params = ModelParams(**{k: v for k, v in (model or HeadlineModel()).get_params().items() if k in names})
    labels = str(real_labels) if real_labels is not None else None
    return train_workflow(_labelled(data, corpus=True), params, holdout=holdout, real_labels=labels)


def evaluate(model: HeadlineModel | str | Path, data: str | Path | Labelled | pd.DataFrame,
             baselines: tuple[str, ...] = (), intervals: bool = True) -> dict:  # fmt: skip
    """Score a model on labelled headlines: topic and tone figures with 95% intervals.

    Parameters
    ----------
    model : HeadlineModel or path
        A fitted model, or a model file.
    data : path, Labelled or DataFrame
        Labelled headlines (headline plus topic and/or tone columns), or a public set read with
        `classifier.data.datasets.load_dataset`. ``"realdev"`` scores the real development set.
    baselines : tuple of str
        Baselines scored on the same rows (``vader``, ``afinn``, ``textblob``, ``keywords``, ...).
    intervals : bool
        Also bootstrap 95% intervals (a few seconds on large sets).

    Returns
    -------
    dict
        Figures by task (``topic``, ``tone``), intervals, per-class and per-group figures.
    """
    from classifier.evaluation.metrics import evaluate as score
    from classifier.model.files import load_model

    fitted = load_model(model) if isinstance(model, (str, Path)) else model
    if isinstance(data, str) and data == "realdev":
        from classifier.data.datasets import load_dataset

        labelled = load_dataset(f"realdev:{DEFAULT_REAL_LABELS}")
    else:
        labelled = _labelled(data, corpus=False)
    return score(fitted, labelled, tuple(baselines), intervals=intervals)


def predict_file(model: HeadlineModel | str | Path, source: str | Path, output: str | Path | None = None,
                 fmt: str | None = None, explain: int = 0, min_confidence: float | None = None, jobs: int = 1,
                 column: str | None = None, keep: tuple[str, ...] = ()):  # fmt: skip
    """Stream a file of headlines through a model, chunk by chunk, every row out in order with its id.

    Parameters
    ----------
    model : HeadlineModel or path
        A fitted model, or a model file (loaded without scikit-learn unless reasons are asked).
    source : path
        A .txt/.csv/.tsv/.jsonl/.parquet file (compressed too), or ``"-"`` for standard input.
    output : path, optional
        Where to write (atomically); standard output when None.
    fmt : {"csv", "tsv", "jsonl", "parquet"}, optional
        Output format; by default from the output's suffix, else CSV.
    explain, min_confidence
        As in `HeadlineModel.predict`.
    jobs : int
        Worker processes.
    column : str, optional
        The headline column of a table (found by name when None).
    keep : tuple of str
        Input columns carried into the output.

    Returns
    -------
    PredictSummary
        Rows read and written, blank rows, rows with no known word.
    """
    from classifier.io.writers import output_format_for
    from classifier.predict.stream import predict_to_file

    fmt = output_format_for(output, fmt, is_terminal=False)
    return predict_to_file(model, source, output, fmt, column=column, jobs=jobs, explain=explain,
                           min_confidence=min_confidence, keep=tuple(keep))  # fmt: skip
