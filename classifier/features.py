"""Turning headline text into the sparse features both heads share."""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
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


_TOKEN = re.compile(r"[a-z]+(?:[-'&][a-z0-9]+)*|\d[\d,.]*")
LEXICON_FEATURES: tuple[str, ...] = (
    "lexicon_compound",
    "vader_compound",
    "afinn_compound",
    "lexicon_positive",
    "lexicon_negative",
    "negated",
    "direction_with_figure",
    "intensified",
)


def _squash(total: np.ndarray, alpha: float = 15.0) -> np.ndarray:
    """VADER's normalisation of a valence sum into (-1, 1)."""
    return total / np.sqrt(total * total + alpha)


class LexiconFeatures(TransformerMixin, BaseEstimator):
    """Lexicon evidence for the tone head: valence sums with negation, intensity and market direction.

    Fitting copies the word valences (VADER and AFINN, corrected by the project's news lexicon)
    into the estimator, so a saved model scores tone without either package installed.
    """

    def __init__(self, negation_window: int = 3, afinn_scale: float = 0.8) -> None:
        self.negation_window = negation_window
        self.afinn_scale = afinn_scale

    def fit(self, texts, y=None):
        """Read and correct the lexicons; the texts are not used."""
        from classifier import lexicon

        vader = lexicon.corrected(lexicon.vader_lexicon())
        afinn = lexicon.corrected(lexicon.afinn_lexicon(), scale=1 / self.afinn_scale)
        words = sorted(set(vader) | set(afinn))
        self.words_ = "\n".join(words)
        table = np.zeros((len(words), 3), dtype=np.float64)
        for i, word in enumerate(words):
            v = vader.get(word)
            a = afinn[word] * self.afinn_scale if word in afinn else None
            table[i, 1] = v or 0.0
            table[i, 2] = a or 0.0
            if word in lexicon.NEWS_VALENCES:
                table[i, 0] = lexicon.NEWS_VALENCES[word]
            else:
                table[i, 0] = np.mean([x for x in (v, a) if x is not None])
        self.valences_ = table
        self.negators_ = "\n".join(sorted(lexicon.NEGATORS))
        self.failures_ = "\n".join(sorted(lexicon.FAILURE_WORDS))
        self.intensifiers_ = "\n".join(sorted(lexicon.INTENSIFIERS))
        self.rise_ = "\n".join(sorted(lexicon.RISE_WORDS))
        self.fall_ = "\n".join(sorted(lexicon.FALL_WORDS))
        return self

    def _tables(self) -> tuple[dict[str, int], frozenset, frozenset, frozenset, frozenset, frozenset]:
        cached = self.__dict__.get("_cache")
        if cached is None:
            index = {w: i for i, w in enumerate(self.words_.split("\n"))}
            cached = (index, *(frozenset(s.split("\n")) for s in
                               (self.negators_, self.failures_, self.intensifiers_, self.rise_, self.fall_)))  # fmt: skip
            self.__dict__["_cache"] = cached
        return cached

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_cache", None)
        return state

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the eight lexicon features."""
        return np.asarray(LEXICON_FEATURES, dtype=object)

    def transform(self, texts) -> np.ndarray:
        """One row of eight features per text."""
        index, negators, failures, intensifiers, rise, fall = self._tables()
        valences = self.valences_
        out = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float64)
        for row, text in enumerate(texts):
            tokens = _TOKEN.findall(str(text).lower())
            sums = np.zeros(3)
            positive = negative = 0.0
            negated = direction = 0
            intense = False
            last_negator = last_failure = -10
            for i, token in enumerate(tokens):
                if token in negators:
                    last_negator = i
                    continue
                if token in intensifiers:
                    intense = True
                j = index.get(token)
                if token in failures:
                    last_failure = i
                if j is not None:
                    values = valences[j]
                    after_negator = i - last_negator <= self.negation_window
                    undone_good = 0 < i - last_failure <= self.negation_window and values[0] > 0
                    if after_negator or undone_good:
                        values = values * -0.74
                        negated = 1
                    sums += values
                    positive += max(values[0], 0.0)
                    negative += max(-values[0], 0.0)
                if token[0].isdigit() and i > 0:
                    previous = tokens[i - 1]
                    direction += (previous in rise) - (previous in fall)
                    if i + 1 < len(tokens):
                        following = tokens[i + 1]
                        direction += (following in rise) - (following in fall)
            scale = 1.3 if intense else 1.0
            out[row, 0:3] = _squash(sums * scale)
            out[row, 3] = positive / (positive + 3.0)
            out[row, 4] = negative / (negative + 3.0)
            out[row, 5] = negated
            out[row, 6] = float(np.clip(direction, -1, 1))
            out[row, 7] = float(np.sign(sums[0])) if intense else 0.0
        return out
