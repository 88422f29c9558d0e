"""Workflows that span the sub-packages: fit a model and score it, evaluate by cross-validation.

Fitting (``classifier.model.training``) scores nothing and scoring (``classifier.evaluation``)
fits nothing; what needs both lives here, above them, beside the command line that calls it.
"""

from __future__ import annotations

import warnings

import pandas as pd

from classifier.config import HOLDOUT_FRACTION, TEXT_COLUMN, TOPIC_COLUMN
from classifier.data.corpus import Labelled
from classifier.evaluation.metrics import evaluate, evaluate_predictions
from classifier.evaluation.report import DatasetResult
from classifier.model.heads import HeadlineModel, ModelParams, fit, predict_texts
from classifier.model.training import check_trainable, fit_with_card, holdout_split, out_of_fold_predictions

__all__ = ["cross_validated_metrics", "evaluate_model", "heldout_metrics", "real_dev_metrics", "train"]


def heldout_metrics(frame: pd.DataFrame, params: ModelParams, fraction: float = HOLDOUT_FRACTION) -> dict:
    """Fit on part of the rows and score on the rest: the figures quoted for a model."""
    train_part, held = holdout_split(frame, fraction, params.seed)
    model = fit(train_part, params)
    metrics = evaluate_predictions(held, predict_texts(model, held[TEXT_COLUMN].tolist()))
    metrics["split"] = {"train_rows": len(train_part), "heldout_rows": len(held), "fraction": fraction,
                        "seed": params.seed, "stratified_by": TOPIC_COLUMN}  # fmt: skip
    return metrics


def cross_validated_metrics(frame: pd.DataFrame, params: ModelParams | None = None, folds: int = 5) -> dict:
    """Topic and tone figures over out-of-fold predictions for every row."""
    params = params or ModelParams()
    check_trainable(frame, folds=folds)
    metrics = evaluate_predictions(frame, out_of_fold_predictions(frame, params, folds))
    metrics["split"] = {"folds": folds, "seed": params.seed, "stratified_by": TOPIC_COLUMN}
    return metrics


def train(
    data: Labelled, params: ModelParams | None = None, holdout: bool = True, real_labels: str | None = None
) -> HeadlineModel:
    """Measure on a held-out split, then fit the shipped model on every row, with its card.

    real_labels: a file of real headline labels keyed by hash (data/real_dev_labels.csv); when
    given and the pool of real headlines is present, the final model is also scored on its `dev`
    split (never used for fitting) and the figures go into the card.
    """
    params = params or ModelParams()
    check_trainable(data, holdout=HOLDOUT_FRACTION if holdout else None)
    metrics = heldout_metrics(data.frame, params) if holdout else {}
    model = fit_with_card(data, params, metrics)
    if real_labels is not None:
        model.card["metrics"]["real_dev"] = real_dev_metrics(model, real_labels)
    return model


def evaluate_model(
    model: HeadlineModel, data: Labelled, baselines: tuple[str, ...] = (), model_path: str | None = None
) -> DatasetResult:
    """Predict a labelled set, score the predictions and each baseline on the same rows (`evaluate`).

    The result holds the set, the predictions and the metrics (which name the model file and when
    it was trained), as the evaluation report takes them.
    """
    predictions = predict_texts(model, data.frame[TEXT_COLUMN].tolist())
    metrics = evaluate(model, data, baselines, predictions=predictions)
    metrics["model"] = {"path": model_path, "created_utc": model.card.get("created_utc")}
    return DatasetResult(data, predictions, metrics)


def real_dev_metrics(model: HeadlineModel, labels: str) -> dict:
    """Figures on the real development split, without the per-outlet breakdown (for the card)."""
    from classifier.data.datasets import load_dataset

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # keys missing from the pool are counted in `rows`
        real = load_dataset(f"realdev:{labels}")
    metrics = evaluate(model, real)
    metrics.pop("per_group", None)
    return metrics
