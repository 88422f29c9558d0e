"""Turning headline text into the sparse features both heads share."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.config import CHAR_NGRAMS, MIN_DF, SUBWORDS, WORD_NGRAMS
from classifier.model.runtime import (
    AFINN_COMPOUND,
    COMPOUND,
    LEXICON_FEATURES,
    VADER_COMPOUND,
    VALENCED,
    lexicon_features,
)
from classifier.model.tokens import WORD_PATTERN, ChunkTokens, normalise, tokenise_chunk, word_stems

__all__ = ["LEXICON_FEATURES", "LexiconFeatures", "build_text_features"]


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
        from classifier.model import lexicon

        vader = lexicon.corrected(lexicon.vader_lexicon())
        afinn = lexicon.corrected(lexicon.afinn_lexicon(), scale=1 / self.afinn_scale)
        words = sorted(set(vader) | set(afinn))
        self.words_ = "\n".join(words)
        table = np.zeros((len(words), AFINN_COMPOUND + 1), dtype=np.float64)
        for i, word in enumerate(words):
            v = vader.get(word)
            a = afinn[word] * self.afinn_scale if word in afinn else None
            table[i, VADER_COMPOUND] = v or 0.0
            table[i, AFINN_COMPOUND] = a or 0.0
            if word in lexicon.NEWS_VALENCES:
                table[i, COMPOUND] = lexicon.NEWS_VALENCES[word]
            else:
                table[i, COMPOUND] = np.mean([x for x in (v, a) if x is not None])
        self.valences_ = table
        self.negators_ = "\n".join(sorted(lexicon.NEGATORS))
        self.failures_ = "\n".join(sorted(lexicon.FAILURE_WORDS))
        self.intensifiers_ = "\n".join(sorted(lexicon.INTENSIFIERS))
        self.rise_ = "\n".join(sorted(lexicon.RISE_WORDS))
        self.fall_ = "\n".join(sorted(lexicon.FALL_WORDS))
        self.growth_ = "\n".join(sorted(lexicon.GROWTH_WORDS))
        self.shrink_ = "\n".join(sorted(lexicon.SHRINK_WORDS))
        self.good_quantities_ = "\n".join(sorted(lexicon.GOOD_QUANTITIES))
        self.bad_quantities_ = "\n".join(sorted(lexicon.BAD_QUANTITIES))
        return self

    def lookup_tables(self) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
        """Every lexicon word's row, with their valences and flags (built once, not saved).

        The flags' columns follow `classifier.model.runtime`'s VALENCED, NEGATOR, ... order.
        """
        cached = self.__dict__.get("_cache")
        if cached is None:
            valenced = self.words_.split("\n")
            flag_sets = [frozenset(s.split("\n")) for s in
                         (self.negators_, self.failures_, self.intensifiers_, self.rise_, self.fall_,
                          self.growth_, self.shrink_, self.good_quantities_, self.bad_quantities_)]  # fmt: skip
            words = sorted(set(valenced).union(*flag_sets))
            index = {w: i for i, w in enumerate(words)}
            # One spare last row, all zeros, for tokens in no list (index -1).
            valences = np.zeros((len(words) + 1, AFINN_COMPOUND + 1), dtype=np.float64)
            flags = np.zeros((len(words) + 1, 1 + len(flag_sets)), dtype=bool)
            at = [index[w] for w in valenced]
            valences[at] = self.valences_
            flags[at, VALENCED] = True
            for column, members in enumerate(flag_sets, start=VALENCED + 1):
                flags[[index[w] for w in sorted(members)], column] = True
            cached = (index, valences, flags)
            self.__dict__["_cache"] = cached
        return cached

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_cache", None)
        return state

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the lexicon features."""
        return np.asarray(LEXICON_FEATURES, dtype=object)

    def transform(self, texts) -> np.ndarray:
        """One row of lexicon features per text."""
        return self.transform_tokens(tokenise_chunk(list(texts)))

    def transform_tokens(self, tokens: ChunkTokens) -> np.ndarray:
        """The lexicon features from a tokenised chunk (shared with the text views); see `lexicon_features`."""
        index, valences, flags = self.lookup_tables()
        return lexicon_features(tokens, index, valences, flags, self.negation_window)
