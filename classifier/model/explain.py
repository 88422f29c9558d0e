"""Reasons a user can check: the terms that moved each row's topic and tone, from the linear weights.

For a linear model the decision score is the sum, over the row's non-zero features, of feature
value times weight, plus the intercept; each product is that feature's contribution. The topic
head also weighs each present feature once (its presence part): that weight is added to the
feature's contribution, so the contributions still sum to the score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from classifier.model.features import LEXICON_FEATURES

__all__ = ["contributions", "readable_names", "row_reasons", "tone_feature_names", "topic_head_terms"]


def readable_names(feature_names: np.ndarray) -> np.ndarray:
    """Turn FeatureUnion names into what a reader expects: 'rupee', 'stem:secur', 'lexicon:negated'."""
    out = []
    for name in feature_names:
        view, _, term = str(name).partition("__")
        out.append(str(name) if not term else term if view == "words" else f"{view.rstrip('s')}:{term}")
    return np.asarray(out, dtype=object)


def tone_feature_names(model, text: np.ndarray | None = None) -> np.ndarray:
    """Names of the tone head's inputs: the shared text features (`text` if made), then the lexicon ones."""
    text = readable_names(model.feature_names()) if text is None else text
    return np.concatenate([text, np.asarray([f"lexicon:{n}" for n in LEXICON_FEATURES], dtype=object)])


def contributions(matrix: sp.csr_matrix, weights: np.ndarray, row: int,
                  presence: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Column indices and contributions (value times weight, plus any presence weight) of one row's non-zero features."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    columns = matrix.indices[start:end]
    values = matrix.data[start:end] * weights[columns]
    return columns, values if presence is None else values + presence[columns]


def row_reasons(
    matrix: sp.csr_matrix,
    weights_per_row: Sequence[np.ndarray],
    names: np.ndarray,
    k: int,
    by_magnitude: bool,
    presence_per_row: Sequence[np.ndarray] | None = None,
) -> list[list[list]]:
    """For every row, its k largest contributions as [term, contribution] pairs.

    `weights_per_row[row]` is the weight vector to use for each row (the predicted topic's, or the
    tone head's). Topic reasons are the terms that pushed toward the chosen topic (largest first);
    tone reasons are the largest in either direction, signed. `presence_per_row[row]`, when given,
    is added once for each present feature (the topic head's presence part).
    """
    matrix = sp.csr_matrix(matrix)
    semantic = np.flatnonzero(np.char.startswith(names.astype(str), "semantic:"))
    result = []
    for row in range(matrix.shape[0]):
        presence = None if presence_per_row is None else presence_per_row[row]
        columns, values = contributions(matrix, weights_per_row[row], row, presence)
        labels = names[columns]
        if len(semantic):  # the dense view's columns make one reason: their summed contribution
            dense = np.isin(columns, semantic)
            if dense.any():
                labels = np.append(labels[~dense], "semantic")
                values = np.append(values[~dense], values[dense].sum())
        order = np.argsort(-np.abs(values) if by_magnitude else -values, kind="stable")[:k]
        result.append([[str(labels[i]), round(float(values[i]), 4)] for i in order])
    return result


def topic_head_terms(model, k: int = 15) -> dict[str, list[tuple[str, float]]]:
    """The k features with the largest topic-head weight for each topic: what the model leans on.

    Names as `--explain` gives them: a word or word pair as it is, a five-letter stem as
    'stem:secur' (so a stem is never mistaken for a word: 'stem:condo' is condemn, condolence).
    A feature's weight is its contribution at value 1: the regression's weight plus its presence weight.
    """
    names = readable_names(model.feature_names())
    head = model.topic_head
    weights = head.coef_ + head.presence_coef_
    result = {}
    for row, topic in zip(weights, model.topics, strict=True):
        best = np.argsort(row)[::-1][:k]
        result[topic] = [(str(names[i]), float(row[i])) for i in best]
    return result
