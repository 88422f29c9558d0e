"""Turning headline text into the sparse features both heads share."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.config import CHAR_NGRAMS, MIN_DF, SUBWORDS, WORD_NGRAMS, WORD_PATTERN
from classifier.model.cleaning import clean_headline, clean_texts

__all__ = [
    "AFINN_COMPOUND",
    "COMPOUND",
    "FIGURE_DIRECTION",
    "HALF_SATURATION",
    "INTENSIFIED",
    "INTENSIFIED_SCALE",
    "LEXICON_FEATURES",
    "METRIC_DIRECTION",
    "METRIC_WINDOW",
    "NEGATED",
    "NEGATED_SCALE",
    "NEGATIVE",
    "POSITIVE",
    "SEPARATOR",
    "VADER_COMPOUND",
    "VALENCES",
    "ChunkTokens",
    "LexiconFeatures",
    "build_text_features",
    "normalise",
    "stem_words",
    "tokenise_chunk",
    "word_stems",
]

# Chained str.replace is several times faster than str.translate with a mapping on long text.
_QUOTES = (("‘", "'"), ("’", "'"), ("“", '"'), ("”", '"'), ("–", "-"), ("—", "-"))
_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Clean feed clutter, lower-case, straighten quotes and fold every number to 0."""
    return _fold(clean_headline(text))


def _fold(text: str) -> str:
    """Lower-case, straighten quotes and fold every number to 0, so figures generalise."""
    for curly, straight in _QUOTES:
        if curly in text:
            text = text.replace(curly, straight)
    return _DIGITS.sub("0", text.lower())


_LONG_WORD = re.compile(r"\b([a-z]{5})[a-z]+")


def _first_five(match: re.Match) -> str:
    return match.group(1)  # a function replacement runs faster than the template r"\1"


def stem_words(text: str) -> str:
    """Cut each word of normalised text to its first five letters: a crude, fast stemmer."""
    return _LONG_WORD.sub(_first_five, text)


def word_stems(text: str) -> str:
    """Normalise, then stem: the preprocessor of the stems view."""
    return stem_words(normalise(text))


# Joins the texts of a chunk. Not a word character, so it never sits inside a token, and
# normalising maps it to itself; texts that contain it have it replaced by a space first.
SEPARATOR = "\x1e"  # ASCII record separator; not "\\x00", which numpy strips from str scalars
# WORD_PATTERN rewritten without boundary checks, which makes it a fifth faster; it finds the
# same tokens (tests compare the two on arbitrary text).
_CHUNK_TOKENS = re.compile(r"\w+(?:['&]+\w+)*|" + SEPARATOR)


@dataclass(frozen=True)
class ChunkTokens:
    """The normalised word tokens of a chunk of texts, factorised: what every feature view reads.

    `unique[codes]` is the token sequence of the whole chunk, with the SEPARATOR token before the
    tokens of each text after the first.
    """

    unique: np.ndarray  # distinct tokens (object array)
    codes: np.ndarray  # for each token position, its index into `unique`
    doc: np.ndarray  # for each token position, the index of its text
    n_texts: int


def tokenise_chunk(texts: list[str]) -> ChunkTokens:
    """Tokenise a chunk at once: one normalise and one findall over the joined texts.

    Equal to WORD_PATTERN over `normalise(text)` for each text (feed cleaning included). Stemming commutes with it (it only
    shortens letter runs inside tokens), so the stems view reuses these tokens.
    """
    texts = clean_texts([str(t) for t in texts])
    joined = SEPARATOR.join(texts)
    if joined.count(SEPARATOR) != max(len(texts) - 1, 0):
        joined = SEPARATOR.join(t.replace(SEPARATOR, " ") for t in texts)
    codes, unique = pd.factorize(np.asarray(_CHUNK_TOKENS.findall(_fold(joined)), dtype=object))
    unique = np.asarray(unique, dtype=object)
    doc = np.cumsum((unique == SEPARATOR)[codes])  # the separator token starts each next text
    return ChunkTokens(unique=unique, codes=codes, doc=doc, n_texts=len(texts))


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


LEXICON_FEATURES: tuple[str, ...] = (
    "lexicon_compound",
    "vader_compound",
    "afinn_compound",
    "lexicon_positive",
    "lexicon_negative",
    "negated",
    "direction_with_figure",
    "intensified",
    "metric_direction",
)


METRIC_WINDOW = 4  # tokens either side of a direction word searched for a quantity

# The column of each lexicon feature, in LEXICON_FEATURES order. The first three are also the
# columns of the valence table (the news-corrected valence, VADER's, AFINN's).
(
    COMPOUND,
    VADER_COMPOUND,
    AFINN_COMPOUND,
    POSITIVE,
    NEGATIVE,
    NEGATED,
    FIGURE_DIRECTION,
    INTENSIFIED,
    METRIC_DIRECTION,
) = range(len(LEXICON_FEATURES))
VALENCES = slice(COMPOUND, AFINN_COMPOUND + 1)  # the three valence sums, squashed alike
NEGATED_SCALE = -0.74  # VADER's: a negated valence is reversed and shrunk
INTENSIFIED_SCALE = 1.3  # an intensifier in the text strengthens its valence sums
HALF_SATURATION = 3.0  # a positive or negative sum this large maps to 0.5


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

    def lookup_tables(self) -> tuple[pd.Index, np.ndarray, np.ndarray]:
        """Every lexicon word as an index, with its valences and its flags (built once, not saved)."""
        cached = self.__dict__.get("_cache")
        if cached is None:
            valenced = self.words_.split("\n")
            flag_sets = [frozenset(s.split("\n")) for s in
                         (self.negators_, self.failures_, self.intensifiers_, self.rise_, self.fall_,
                          self.growth_, self.shrink_, self.good_quantities_, self.bad_quantities_)]  # fmt: skip
            words = pd.Index(sorted(set(valenced).union(*flag_sets)), dtype=object)
            # One spare last row, all zeros, for tokens in no list (index -1).
            valences = np.zeros((len(words) + 1, AFINN_COMPOUND + 1), dtype=np.float64)
            flags = np.zeros((len(words) + 1, 1 + len(flag_sets)), dtype=bool)
            at = words.get_indexer(valenced)
            valences[at] = self.valences_
            flags[at, 0] = True
            for column, members in enumerate(flag_sets, start=1):
                flags[words.get_indexer(sorted(members)), column] = True
            cached = (words, valences, flags)
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
        """The lexicon features from a tokenised chunk (shared with the text views).

        Each token's valence counts once, reversed (x -0.74) when a negator stands at most
        `negation_window` tokens before it, or a failure word does and the valence is positive.
        A figure adds +1 for a rise word and -1 for a fall word right before or after it. A growth
        word near a good quantity ("profit rose") or a shrink word near a bad one ("loss narrowed")
        adds +1, the other pairings -1.
        Array arithmetic over the token positions of the whole chunk.
        """
        words, valences, flags = self.lookup_tables()
        unique, codes = tokens.unique, tokens.codes
        at = words.get_indexer(unique)[codes]
        valenced, negator, failure, intensifier, rise, fall, growth, shrink, good, bad = flags[at].T
        figure = np.fromiter((u[:1].isdigit() for u in unique), bool, len(unique))[codes]
        n, position = tokens.n_texts, np.arange(len(codes))
        doc = tokens.doc
        start = np.flatnonzero(np.diff(doc, prepend=0)) + 1  # the separators' positions, plus one
        doc_start = np.concatenate([[0], start])[doc]
        window = self.negation_window
        last_negator = np.maximum.accumulate(np.where(negator, position, -1))
        last_failure = np.maximum.accumulate(np.where(failure & ~negator, position, -1))
        scored = valenced & ~negator
        value = valences[at]
        by_negator = (last_negator >= doc_start) & (position - last_negator <= window)
        by_failure = (last_failure >= doc_start) & (position - last_failure > 0) & (
            position - last_failure <= window) & (value[:, COMPOUND] > 0)  # fmt: skip
        reversed_ = scored & (by_negator | by_failure)
        value = np.where(reversed_[:, None], value * NEGATED_SCALE, value) * scored[:, None]

        def per_text(weights: np.ndarray) -> np.ndarray:
            return np.bincount(doc, weights=weights, minlength=n)[:n]

        def at_positions(where: np.ndarray, weights: np.ndarray) -> np.ndarray:
            return np.bincount(doc[where], weights=weights, minlength=n)[:n]

        # A figure (not itself a lexicon word, nor first in its text) reads the direction words
        # right beside it in its own text (the separator has no direction, so nothing leaks).
        step = rise.astype(np.float64) - fall
        figures = np.flatnonzero(figure & ~valenced & ~negator & (position > doc_start))
        following = np.append(step[1:], 0.0)[figures]
        figure_direction = at_positions(figures, step[figures - 1] + following)
        # A growth or shrink word with a good or bad quantity within METRIC_WINDOW tokens of it,
        # in the same text: the sign of direction times quantity, per word, summed per text.
        # Figures do not count toward the distance ("profit, at EUR 9.0 mn, is down").
        words = np.flatnonzero(~figure)
        quantity = (good.astype(np.float64) - bad)[words]
        word_doc = doc[words]
        movers = np.flatnonzero((growth | shrink)[words])
        nearby = np.zeros(len(movers), dtype=np.float64)
        for k in range(1, METRIC_WINDOW + 1):
            for other in (movers - k, movers + k):
                inside = np.clip(other, 0, max(len(words) - 1, 0))
                same = (other == inside) & (word_doc[inside] == word_doc[movers])
                nearby += quantity[inside] * same
        direction = growth[words[movers]].astype(np.float64) - shrink[words[movers]]
        metric_direction = at_positions(words[movers], np.sign(direction * nearby))
        compound = value[:, COMPOUND]
        raw = np.empty((n, len(LEXICON_FEATURES)), dtype=np.float64)  # the sums per text, unscaled
        raw[:, VALENCES] = np.column_stack(
            [per_text(value[:, c]) for c in range(COMPOUND, AFINN_COMPOUND + 1)]
        )
        raw[:, POSITIVE] = per_text(np.where(compound > 0, compound, 0.0))
        raw[:, NEGATIVE] = per_text(np.where(compound < 0, -compound, 0.0))
        raw[:, NEGATED] = per_text(reversed_.astype(np.float64)) > 0
        raw[:, FIGURE_DIRECTION] = figure_direction
        raw[:, INTENSIFIED] = per_text((intensifier & ~negator).astype(np.float64)) > 0
        raw[:, METRIC_DIRECTION] = metric_direction
        out = np.empty_like(raw)
        scale = np.where(raw[:, INTENSIFIED] > 0, INTENSIFIED_SCALE, 1.0)[:, None]
        out[:, VALENCES] = _squash(raw[:, VALENCES] * scale)
        for column in (POSITIVE, NEGATIVE):
            out[:, column] = raw[:, column] / (raw[:, column] + HALF_SATURATION)
        out[:, NEGATED] = raw[:, NEGATED]
        out[:, FIGURE_DIRECTION] = np.clip(raw[:, FIGURE_DIRECTION], -1, 1)
        out[:, INTENSIFIED] = np.sign(raw[:, COMPOUND]) * raw[:, INTENSIFIED]
        out[:, METRIC_DIRECTION] = np.clip(raw[:, METRIC_DIRECTION], -1, 1)
        return out
