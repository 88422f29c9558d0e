"""Corpus summaries for notebooks and the datasheet: counts, cross-tabs, lengths, openings.

No model here: what a fitted model leans on is `classifier.model.explain.topic_head_terms`."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from classifier.config import TEXT_COLUMN, TONE_COLUMN, TONE_VALUES, TOPIC_COLUMN, TOPICS

__all__ = ["country_counts", "opening_shares", "topic_tone_table", "word_counts"]


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
