"""Corpus summaries for notebooks and the datasheet: counts, cross-tabs, lengths, telling words."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from classifier.config import TEXT_COLUMN, TONE_COLUMN, TONE_VALUES, TOPIC_COLUMN, TOPICS
from classifier.model.heads import HeadlineModel


def topic_tone_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows per topic (rows) and tone value (columns), with totals, in codebook order."""
    table = pd.crosstab(frame[TOPIC_COLUMN], frame[TONE_COLUMN], margins=True, margins_name="total")
    return table.reindex(index=[*TOPICS, "total"], columns=[*TONE_VALUES, "total"], fill_value=0)


def word_counts(frame: pd.DataFrame) -> pd.Series:
    """Number of words in each headline."""
    return frame[TEXT_COLUMN].str.split().str.len()


def opening_shares(frame: pd.DataFrame, top: int = 5) -> dict[str, list[tuple[str, float]]]:
    """Shares of the most common first word and first two words: a check on variety."""
    words = frame[TEXT_COLUMN].str.lower().str.findall(r"[\w'-]+")
    first = Counter(w[0] for w in words if w)
    pairs = Counter(" ".join(w[:2]) for w in words if len(w) >= 2)
    n = len(frame)
    return {
        "first_word": [(w, c / n) for w, c in first.most_common(top)],
        "first_two_words": [(w, c / n) for w, c in pairs.most_common(top)],
    }


def country_counts(frame: pd.DataFrame) -> pd.Series:
    """How many headlines name each country code in the optional `country` column."""
    if "country" not in frame.columns:
        return pd.Series(dtype=int)
    codes = frame["country"].fillna("").astype(str).str.split(";").explode().str.strip()
    return codes[codes != ""].value_counts()


def top_terms(model: HeadlineModel, k: int = 15) -> dict[str, list[tuple[str, float]]]:
    """The k features with the largest topic-head weight for each topic: what the model leans on.

    Names as `--explain` gives them: a word or word pair as it is, a five-letter stem as
    'stem:secur' (so a stem is never mistaken for a word: 'stem:condo' is condemn, condolence).
    """
    from classifier.model.explain import readable_names

    names = readable_names(model.feature_names())
    result = {}
    for row, topic in zip(model.topic_head.coef_, model.topics, strict=True):
        best = np.argsort(row)[::-1][:k]
        result[topic] = [(str(names[i]), float(row[i])) for i in best]
    return result
