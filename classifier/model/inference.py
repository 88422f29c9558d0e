"""In-memory prediction: headlines to a DataFrame of topic, probabilities, tone and reasons.

Works from a `Runtime` (the plain-array prediction part of a model file: no scikit-learn needed)
or from a fitted `HeadlineModel` (which builds its runtime, and also gives reasons: `explain`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from classifier.config import PREDICTION_COLUMNS, PROBABILITY_COLUMNS, REASON_COLUMNS, TEXT_COLUMN, TOPICS
from classifier.io.formats import row_ids
from classifier.io.readers import headline_texts
from classifier.model.runtime import Runtime, prediction_columns
from classifier.model.tokens import tokenise_chunk

if TYPE_CHECKING:
    from classifier.model.heads import HeadlineModel

__all__ = ["REASON_COLUMNS", "classify", "predict_frame", "predict_texts"]

_TEXT_PREDICTIONS = frozenset({"topic", "topic_alt", "tone_label", *REASON_COLUMNS})


def predict_texts(
    model: HeadlineModel | Runtime,
    texts: list[str] | pd.Series,
    explain: int = 0,
    min_confidence: float | None = None,
) -> pd.DataFrame:
    """Predict topic, runner-up, probabilities and tone for each text; blank texts get empty predictions.

    explain: also list, per row, the `explain` terms that pushed its topic most and that moved its
    tone most (JSON-ready [term, contribution] pairs). min_confidence: a topic whose probability is
    below it, or of a headline with no word the model knows (`known_words` 0), becomes "uncertain"
    (the probabilities stay). None and NaN count as blank (with a warning); a value that is not text
    (a number, a list) is refused with its row.
    """
    texts = headline_texts(texts)
    out = _predict(model, texts, explain, min_confidence)
    blank = sum(not t.strip() for t in texts)
    if blank:
        warnings.warn(f"{blank} blank headline(s) kept as rows with empty predictions", stacklevel=2)
    return out


def _predict(
    model: HeadlineModel | Runtime, texts: list[str], explain: int, min_confidence: float | None
) -> pd.DataFrame:
    names = PREDICTION_COLUMNS + (REASON_COLUMNS if explain else ())
    out = {name: np.full(len(texts), None if name in _TEXT_PREDICTIONS else np.nan,
                         dtype=object if name in _TEXT_PREDICTIONS else np.float64) for name in names}  # fmt: skip
    out["known_words"] = np.zeros(len(texts), dtype=np.int64)
    keep = np.array([bool(t.strip()) for t in texts], dtype=bool)
    rows = np.flatnonzero(keep)
    if len(rows):
        kept = [texts[i] for i in rows]
        _predict_kept(model, kept, rows, out, explain, min_confidence)
    return pd.DataFrame(
        {
            name: pd.Series(values, dtype=object) if values.dtype == object else values
            for name, values in out.items()
        }
    )


def _predict_kept(model: HeadlineModel | Runtime, kept: list[str], rows: np.ndarray, out: dict[str, np.ndarray],
                  explain: int, min_confidence: float | None) -> None:  # fmt: skip
    """Fill the output columns at `rows` with the predictions for the non-blank texts `kept`."""
    tokens = tokenise_chunk(kept)  # one tokenisation feeds every view and the lexicon
    runtime = model if isinstance(model, Runtime) else model.runtime()
    if explain and isinstance(model, Runtime):
        raise TypeError("reasons (explain) need the whole model: load it with load_model")
    if runtime is not None:
        columns = runtime.predict_columns(kept, min_confidence, tokens)
    else:  # a view the runtime does not cover (character n-grams): the estimators' own path
        proba, tone, known = model.scores(tokens, kept)
        columns = prediction_columns(proba, tone, known, model.topics_, min_confidence, model.tone_threshold_)
    for name, values in columns.items():
        out[name][rows] = values
    if explain:
        from classifier.model.explain import row_reasons

        matrix = model.text_matrix(kept, tokens)
        tone_input = model.tone_matrix(matrix, kept, tokens)
        proba = np.column_stack([columns[name] for name in PROBABILITY_COLUMNS])
        best = np.asarray(TOPICS)[np.argmax(proba, axis=1)]  # the head that won, even when "uncertain"
        head_rows = np.asarray([model.topics.index(t) for t in best])
        # one view of the chosen head's weights a row: indexing with the array would copy a dense
        # rows-by-features block (gigabytes for a chunk of 10,000 rows)
        topic_weights = [model.topic_head.coef_[head] for head in head_rows]
        presence = model.topic_head.presence_coef_
        topic_presence = [presence[head] for head in head_rows] if presence.any() else None
        names, tone_names = model.explain_names()
        tone_coef = model.tone_head.explain_weights()[0]
        tone_weights = np.broadcast_to(tone_coef, (len(kept), len(tone_coef)))
        tone_presence = model.tone_head.explain_presence()
        tone_presence = np.broadcast_to(tone_presence, tone_weights.shape) if tone_presence.any() else None
        reasons = {
            "topic_reasons": row_reasons(matrix, topic_weights, names, explain, by_magnitude=False,
                                         presence_per_row=topic_presence),
            "tone_reasons": row_reasons(tone_input, tone_weights, tone_names, explain,
                                      by_magnitude=True, presence_per_row=tone_presence),
        }  # fmt: skip
        for name, lists in reasons.items():
            for row, value in zip(rows, lists, strict=True):  # one list a cell, never broadcast
                out[name][row] = value


def predict_frame(
    model: HeadlineModel | Runtime, frame: pd.DataFrame, explain: int = 0, min_confidence: float | None = None
) -> pd.DataFrame:
    """Return the input's id and headline followed by every prediction column, row for row."""
    preds = _predict(model, headline_texts(frame[TEXT_COLUMN].tolist()), explain, min_confidence)
    preds.index = frame.index
    return pd.concat([frame[["id", TEXT_COLUMN]], preds], axis=1)


def classify(model: HeadlineModel | Runtime, texts: list[str]) -> pd.DataFrame:
    """Predictions for a list of headlines, numbered from 1 with the headline first (notebook-friendly)."""
    frame = pd.DataFrame({"id": row_ids(len(texts)), TEXT_COLUMN: list(texts)})
    return predict_frame(model, frame)
