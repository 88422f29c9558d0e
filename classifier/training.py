"""Training on a labelled corpus: a seeded held-out estimate, then a final fit on every row."""

from __future__ import annotations

import platform
from datetime import datetime, timezone

import pandas as pd
import sklearn
from sklearn.model_selection import GroupKFold, StratifiedKFold, train_test_split

from classifier import __version__
from classifier.config import (
    HOLDOUT_FRACTION,
    MODEL_FORMAT,
    MODEL_FORMAT_VERSION,
    TONE_COLUMN,
    TONE_THRESHOLD,
    TONE_VALUES,
    TOPIC_COLUMN,
    TOPICS,
)
from classifier.data import Labelled
from classifier.evaluate import evaluate_predictions
from classifier.model import HeadlineModel, ModelParams, fit, predict_texts


def holdout_split(frame: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and held-out parts, stratified by topic, reproducibly."""
    train, held = train_test_split(frame, test_size=fraction, random_state=seed, stratify=frame[TOPIC_COLUMN])
    return train.reset_index(drop=True), held.reset_index(drop=True)


def heldout_metrics(frame: pd.DataFrame, params: ModelParams, fraction: float = HOLDOUT_FRACTION) -> dict:
    """Fit on part of the rows and score on the rest: the figures quoted for a model."""
    train, held = holdout_split(frame, fraction, params.seed)
    model = fit(train, params)
    metrics = evaluate_predictions(held, predict_texts(model, held["headline"].tolist()))
    metrics["split"] = {"train_rows": len(train), "heldout_rows": len(held), "fraction": fraction,
                        "seed": params.seed, "stratified_by": TOPIC_COLUMN}  # fmt: skip
    return metrics


def out_of_fold_predictions(
    frame: pd.DataFrame, params: ModelParams, folds: int = 5, groups: pd.Series | None = None
) -> pd.DataFrame:
    """Predict every row from a model that never saw it (stratified K-fold by topic).

    With `groups`, whole groups are held out together instead (e.g. writer batches), so no model
    predicts a row whose group it was fitted on.
    """
    if groups is None:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=params.seed).split(
            frame, frame[TOPIC_COLUMN]
        )
    else:
        splits = GroupKFold(n_splits=folds).split(frame, groups=groups)
    parts = []
    for train_idx, test_idx in splits:
        model = fit(frame.iloc[train_idx], params)
        held = frame.iloc[test_idx]
        preds = predict_texts(model, held["headline"].tolist())
        preds.index = held.index
        parts.append(preds)
    return pd.concat(parts).sort_index()


def cross_validated_metrics(frame: pd.DataFrame, params: ModelParams | None = None, folds: int = 5) -> dict:
    """Topic and tone figures over out-of-fold predictions for every row."""
    params = params or ModelParams()
    metrics = evaluate_predictions(frame, out_of_fold_predictions(frame, params, folds))
    metrics["split"] = {"folds": folds, "seed": params.seed, "stratified_by": TOPIC_COLUMN}
    return metrics


def build_card(data: Labelled, params: ModelParams, metrics: dict) -> dict:
    """Everything a reader needs to trust or reproduce a model: versions, data, labels, figures."""
    frame = data.frame
    return {
        "format": MODEL_FORMAT,
        "format_version": MODEL_FORMAT_VERSION,
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "python_version": platform.python_version(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "topics": list(TOPICS),
        "tone": {"values": list(TONE_VALUES), "label_threshold": TONE_THRESHOLD},
        "data": {
            "path": data.path,
            "sha256": data.sha256,
            "rows": len(frame),
            "topic_counts": {t: int((frame[TOPIC_COLUMN] == t).sum()) for t in TOPICS},
            "tone_counts": {f"{v:g}": int((frame[TONE_COLUMN] == v).sum()) for v in TONE_VALUES},
        },
        "params": params.to_dict(),
        "metrics": {"heldout": metrics},
        "intended_use": (
            "Topic (diplomacy, security, conflict, markets, other) and tone of English-language news "
            "headlines from the South Asian press and the world news it carries."
        ),
        "limitations": (
            "Trained on project-written headlines; figures on real outside sets are in the README. "
            "Not for body text, other languages, or decisions about individuals."
        ),
    }


def train(
    data: Labelled, params: ModelParams | None = None, holdout: bool = True, real_labels: str | None = None
) -> HeadlineModel:
    """Measure on a held-out split, then fit the shipped model on every row, with its card.

    real_labels: a file of real headline labels keyed by hash (data/real_dev_labels.csv); when
    given and the pool of real headlines is present, the final model is also scored on its `dev`
    split (never used for fitting) and the figures go into the card.
    """
    params = params or ModelParams()
    metrics = heldout_metrics(data.frame, params) if holdout else {}
    model = fit(data.frame, params)
    model.card = build_card(data, params, metrics)
    if model.semantic is not None:
        model.card["semantic"] = model.semantic.card()
    if real_labels is not None:
        model.card["metrics"]["real_dev"] = real_dev_metrics(model, real_labels)
    return model


def real_dev_metrics(model: HeadlineModel, labels: str) -> dict:
    """Figures on the real development split, without the per-outlet breakdown (for the card)."""
    import warnings

    from classifier.datasets import load_dataset
    from classifier.evaluate import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # keys missing from the pool are counted in `rows`
        real = load_dataset(f"realdev:{labels}")
    metrics = evaluate(model, real)
    metrics.pop("per_group", None)
    return metrics
