"""Turning headline text into the sparse features both heads share."""

from __future__ import annotations

import re

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.config import CHAR_NGRAMS, MIN_DF, WORD_NGRAMS

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_DIGITS = re.compile(r"\d+")
WORD_PATTERN = r"(?u)\b\w[\w'&]*\b"


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and fold every number to 0, so figures generalise."""
    return _DIGITS.sub("0", text.translate(_QUOTES).lower())


def build_text_features(
    word_ngrams: tuple[int, int] = WORD_NGRAMS,
    char_ngrams: tuple[int, int] = CHAR_NGRAMS,
    min_df: int = MIN_DF,
) -> FeatureUnion:
    """Word and character n-gram TF-IDF, the evidence both the topic and the tone head read."""
    words = TfidfVectorizer(
        preprocessor=normalise,
        token_pattern=WORD_PATTERN,
        ngram_range=word_ngrams,
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
    chars = TfidfVectorizer(
        preprocessor=normalise,
        analyzer="char_wb",
        ngram_range=char_ngrams,
        min_df=min_df,
        sublinear_tf=True,
        dtype=np.float32,
    )
    return FeatureUnion([("words", words), ("chars", chars)])
