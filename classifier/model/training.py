"""Fitting on a labelled corpus: checks that rows suffice, seeded splits, out-of-fold predictions,
the final fit on every row and its card. Scoring lives in `classifier.evaluation`; the workflow
that fits then scores held-out rows is `classifier.workflows.train`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_validate, train_test_split

from classifier.config import (
    TEXT_COLUMN,
    TONE_COLUMN,
    TONE_THRESHOLD,
    TONE_VALUES,
    TOPIC_COLUMN,
    TOPICS,
)
from classifier.data.corpus import Labelled
from classifier.errors import DataError
from classifier.model.heads import HeadlineModel, ModelParams, fit, model_from_params, predict_texts

__all__ = [
    "build_card",
    "check_trainable",
    "explain_out_of_fold",
    "fit_with_card",
    "fold_models",
    "holdout_split",
    "out_of_fold_predictions",
    "training_problems",
]


def training_problems(
    frame: pd.DataFrame, folds: int | None = None, holdout: float | None = None
) -> list[str]:
    """Why rows are too few to train on, as problem lines (empty when they suffice).

    Every topic needs rows on the fitting side of any split: at least two (one stays to fit when a
    share is held out), and at least `folds` for K-fold figures. A held-out share needs at least
    one row per topic on each side.
    """
    counts = frame[TOPIC_COLUMN].value_counts() if TOPIC_COLUMN in frame.columns else pd.Series(dtype=int)
    need = max(2, folds or 0)
    why = f" for {folds}-fold figures" if folds else ""
    problems = [
        f"topic {topic!r}: {int(counts.get(topic, 0))} row(s); training needs at least {need} of every topic{why}"
        for topic in TOPICS
        if counts.get(topic, 0) < need
    ]
    if holdout:
        held = math.ceil(holdout * len(frame))
        if held < len(TOPICS) or len(frame) - held < len(TOPICS):
            smallest = next(
                n
                for n in range(len(TOPICS), 10_000)
                if min(math.ceil(holdout * n), n - math.ceil(holdout * n)) >= len(TOPICS)
            )
            problems.append(f"{len(frame)} rows: too few to hold out {holdout:.0%} with a row of every topic on "
                            f"each side; need at least {smallest}")  # fmt: skip
    return problems


def check_trainable(
    data: Labelled | pd.DataFrame, folds: int | None = None, holdout: float | None = None
) -> None:
    """Raise DataError (exit 3) listing why rows are too few to train on."""
    frame = data.frame if isinstance(data, Labelled) else data
    problems = training_problems(frame, folds, holdout)
    if problems:
        raise DataError(data.path if isinstance(data, Labelled) else "labelled data", problems)


def holdout_split(frame: pd.DataFrame, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split rows into train and held-out parts, stratified by topic, reproducibly."""
    train, held = train_test_split(frame, test_size=fraction, random_state=seed, stratify=frame[TOPIC_COLUMN])
    return train.reset_index(drop=True), held.reset_index(drop=True)


def splitter(params: ModelParams, folds: int, groups: pd.Series | None = None):
    """scikit-learn's splitter for `folds` folds: stratified by topic, or whole groups held out together."""
    if groups is None:
        return StratifiedKFold(n_splits=folds, shuffle=True, random_state=params.seed)
    return GroupKFold(n_splits=folds)


def fold_models(
    frame: pd.DataFrame, params: ModelParams, folds: int = 5, groups: pd.Series | None = None
) -> list[tuple[HeadlineModel, pd.Index]]:
    """Each fold's model with the index of the rows it never saw (those it is to predict).

    scikit-learn's `cross_validate` fits the folds (the tones travel as a fit parameter) and
    returns each fold's estimator with its held-out rows.
    """
    result = cross_validate(
        model_from_params(params),
        frame[TEXT_COLUMN].astype(str).tolist(),
        frame[TOPIC_COLUMN].to_numpy(),
        groups=None if groups is None else np.asarray(groups),
        cv=splitter(params, folds, groups),
        params={"tones": frame[TONE_COLUMN].to_numpy(dtype=float)},
        return_estimator=True,
        return_indices=True,
    )
    return [(model, frame.index[test]) for model, test in
            zip(result["estimator"], result["indices"]["test"], strict=True)]  # fmt: skip


def out_of_fold_predictions(
    frame: pd.DataFrame,
    params: ModelParams,
    folds: int = 5,
    groups: pd.Series | None = None,
    explain: int = 0,
    models: list[tuple[HeadlineModel, pd.Index]] | None = None,
) -> pd.DataFrame:
    """Predict every row from a model that never saw it (stratified K-fold by topic).

    With `groups`, whole groups are held out together instead (e.g. writer batches), so no model
    predicts a row whose group it was fitted on. With `explain`, each row's reasons come from that
    same model: what it leaned on when it made the prediction (mistakes included). `models`:
    fold models already fitted by `fold_models` (otherwise they are fitted here).
    """
    parts = []
    for model, held_index in models if models is not None else fold_models(frame, params, folds, groups):
        held = frame.loc[held_index]
        preds = model.predict(held[TEXT_COLUMN].tolist(), explain=explain)
        preds.index = held.index
        parts.append(preds)
    return pd.concat(parts).sort_index()


def explain_out_of_fold(
    models: list[tuple[HeadlineModel, pd.Index]], frame: pd.DataFrame, rows, k: int = 5
) -> pd.DataFrame:
    """Predictions with reasons for the given rows (index labels of `frame`), each from the fold
    model that never saw it: what the model leaned on when it made that prediction."""
    wanted = pd.Index(rows)
    parts = []
    for model, held_index in models:
        mine = wanted[wanted.isin(held_index)]
        if len(mine):
            preds = predict_texts(model, frame.loc[mine, "headline"].tolist(), explain=k)
            preds.index = mine
            parts.append(preds)
    return pd.concat(parts).reindex(wanted)


def build_card(data: Labelled, params: ModelParams, metrics: dict) -> dict:
    """Everything a reader needs to trust or reproduce a model: versions, data, labels, figures."""
    frame = data.frame
    from classifier.model.files import card_versions

    return {
        **card_versions(),
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


def fit_with_card(data: Labelled, params: ModelParams, metrics: dict) -> HeadlineModel:
    """Fit the model on every row of `data`, with its card holding `metrics` (the held-out figures)."""
    model = fit(data.frame, params)
    model.card = build_card(data, params, metrics)
    if model.semantic is not None:
        model.card["semantic"] = model.semantic.card()
    return model
