"""How much of a headline the model knows: the words of it that its vocabulary holds.

A headline with no known word (another script, emoji, nonsense) still gets probabilities, but they
are only the model's prior: `known_word_counts` lets prediction say so instead of passing a guess
off as a confident answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from classifier.model.runtime import lettered, token_stems
from classifier.model.tokens import ChunkTokens, word_stems

__all__ = ["known_word_counts"]


def _vocabularies(model) -> list[tuple[bool, pd.Index]]:
    """(stems?, single-word terms with a letter) for each word view of the model, built once and kept."""
    cached = model.__dict__.get("_known_vocabularies")
    if cached is None:
        cached = []
        for _, view in model.features.transformer_list:
            if isinstance(view, TfidfVectorizer) and view.analyzer == "word":
                terms = [t for t in view.vocabulary_ if " " not in t and any(c.isalpha() for c in t)]
                cached.append((view.preprocessor is word_stems, pd.Index(terms, dtype=object)))
        model.__dict__["_known_vocabularies"] = cached
    return cached


def known_word_counts(model, tokens: ChunkTokens) -> np.ndarray:
    """For each text of a tokenised chunk, how many of its words (tokens with a letter) the model knows.

    A word counts as known when one of the model's word views holds it, or holds its stem.
    """
    unique = tokens.unique
    known = np.zeros(len(unique), dtype=bool)
    stems = None
    for stemmed, terms in _vocabularies(model):
        if stemmed:
            if stems is None:
                stems = token_stems(unique)
            known |= terms.get_indexer(stems) >= 0
        else:
            known |= terms.get_indexer(unique) >= 0
    if not _vocabularies(model):  # no word view to ask: every word with a letter counts
        known = lettered(unique)
    at = known[tokens.codes]
    return np.bincount(tokens.doc[at], minlength=tokens.n_texts)[: tokens.n_texts].astype(np.int64)
