"""Turning headline text into the sparse features both heads share."""

from __future__ import annotations

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.config import CHAR_NGRAMS, MIN_DF, SUBWORDS, WORD_NGRAMS

_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_DIGITS = re.compile(r"\d+")
WORD_PATTERN = r"(?u)\b\w[\w'&]*\b"


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and fold every number to 0, so figures generalise."""
    return _DIGITS.sub("0", text.translate(_QUOTES).lower())


_LONG_WORD = re.compile(r"\b([a-z]{5})[a-z]+")


def word_stems(text: str) -> str:
    """Normalise, then cut each word to its first five letters: a crude, fast stemmer."""
    return _LONG_WORD.sub(r"\1", normalise(text))


def build_text_features(
    word_ngrams: tuple[int, int] = WORD_NGRAMS,
    subwords: str = SUBWORDS,
    char_ngrams: tuple[int, int] = CHAR_NGRAMS,
    min_df: int = MIN_DF,
) -> FeatureUnion:
    """Word n-gram TF-IDF plus a subword view, the evidence both heads read.

    subwords: "stems" (each word cut to five letters: cheap, nearly as good), "chars" (character
    n-grams within words: about a point more robust on unseen words, two to three times slower),
    or "none".
    """
    common = {"preprocessor": normalise, "min_df": min_df, "sublinear_tf": True, "dtype": np.float32}
    parts = [("words", TfidfVectorizer(token_pattern=WORD_PATTERN, ngram_range=word_ngrams, **common))]
    if subwords == "stems":
        common["preprocessor"] = word_stems
        parts.append(("stems", TfidfVectorizer(token_pattern=WORD_PATTERN, **common)))
    elif subwords == "chars":
        parts.append(("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=char_ngrams, **common)))
    elif subwords != "none":
        raise ValueError(f"subwords must be 'stems', 'chars' or 'none', not {subwords!r}")
    return FeatureUnion(parts)


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

    def _tables(self) -> tuple[dict[str, tuple[float, float, float]], frozenset, frozenset, frozenset,
                               frozenset, frozenset]:  # fmt: skip
        cached = self.__dict__.get("_cache")
        if cached is None:
            values = [tuple(map(float, row)) for row in self.valences_]
            index = dict(zip(self.words_.split("\n"), values, strict=True))
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
        window = self.negation_window
        rows = []
        for text in texts:
            tokens = _TOKEN.findall(str(text).lower())
            mixed = vader = afinn = positive = negative = 0.0
            negated = direction = 0
            intense = False
            last_negator = last_failure = -10
            for i, token in enumerate(tokens):
                if token in negators:
                    last_negator = i
                    continue
                if token in intensifiers:
                    intense = True
                if token in failures:
                    last_failure = i
                found = index.get(token)
                if found is not None:
                    m, v, a = found
                    if i - last_negator <= window or (0 < i - last_failure <= window and m > 0):
                        m, v, a = m * -0.74, v * -0.74, a * -0.74
                        negated = 1
                    mixed += m
                    vader += v
                    afinn += a
                    if m > 0:
                        positive += m
                    else:
                        negative -= m
                elif token[0].isdigit() and i > 0:
                    direction += (tokens[i - 1] in rise) - (tokens[i - 1] in fall)
                    if i + 1 < len(tokens):
                        direction += (tokens[i + 1] in rise) - (tokens[i + 1] in fall)
            rows.append((mixed, vader, afinn, positive, negative, negated, direction, intense))
        raw = np.asarray(rows, dtype=np.float64).reshape(len(rows), 8)
        out = np.empty_like(raw)
        scale = np.where(raw[:, 7] > 0, 1.3, 1.0)[:, None]
        out[:, 0:3] = _squash(raw[:, 0:3] * scale)
        out[:, 3] = raw[:, 3] / (raw[:, 3] + 3.0)
        out[:, 4] = raw[:, 4] / (raw[:, 4] + 3.0)
        out[:, 5] = raw[:, 5]
        out[:, 6] = np.clip(raw[:, 6], -1, 1)
        out[:, 7] = np.sign(raw[:, 0]) * raw[:, 7]
        return out
