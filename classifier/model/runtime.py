"""The model's prediction part as plain arrays: loaded with no code execution, run with numpy alone.

A fitted model is two linear heads over TF-IDF views, a pooled semantic view and lexicon
features. Predicting needs none of scikit-learn's machinery: each word view becomes a token
index and arrays of columns and IDF weights, the heads become weight matrices, and a chunk of
headlines becomes (row, column, value) entries whose weighted sums per row are the heads'
scores. `Runtime` holds those arrays; a model file stores them as a plain `.npz` member (no
pickle) with a JSON part, so `headlines predict` starts without importing scikit-learn, scipy,
skops or pandas. The fitted estimators stay in the model file for explanations and refitting,
and build their sparse matrices from the same functions here, so both paths give one answer.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field

import numpy as np

from classifier.config import PREDICTION_COLUMNS, PROBABILITY_COLUMNS, TONE_THRESHOLD, TOPICS
from classifier.model.tokens import (
    SEPARATOR,
    ChunkTokens,
    raw_tokens,
    settle_tokens,
    stem_words,
    tokenise_chunk,
)

__all__ = [
    "LEXICON_FEATURES",
    "PREDICTION_COLUMNS",
    "PROBABILITY_COLUMNS",
    "RUNTIME_FORMAT",
    "UNCERTAIN",
    "Runtime",
    "WordView",
    "calibrate",
    "expected_tone",
    "figures",
    "lettered",
    "lexicon_at",
    "lexicon_features",
    "plain_arrays",
    "prediction_columns",
    "rising_levels",
    "token_stems",
    "tone_labels",
]

RUNTIME_FORMAT = 3  # the layout of the arrays below; a reader refuses any other (2: ordinal tone heads, 3: presence weights)
TOKEN_CACHE_LIMIT = 400_000  # distinct tokens a runtime remembers before it starts afresh

UNCERTAIN = "uncertain"

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
# Column of each lexicon feature (and of its raw sum before squashing).
(COMPOUND, VADER_COMPOUND, AFINN_COMPOUND, POSITIVE, NEGATIVE, NEGATED, FIGURE_DIRECTION, INTENSIFIED,
 METRIC_DIRECTION) = range(len(LEXICON_FEATURES))  # fmt: skip
# Flags of a lexicon word, in the column order of the flags table.
(VALENCED, NEGATOR, FAILURE, INTENSIFIER, RISE, FALL, GROWTH, SHRINK, GOOD_QUANTITY,
 BAD_QUANTITY) = range(10)  # fmt: skip
NEGATION_FACTOR = -0.74  # VADER's: a negated valence is reversed and dampened
INTENSIFIED_SCALE = 1.3  # valence sums of a text with an intensifier grow by this much
SATURATION = 3.0  # positive and negative sums map to s / (s + SATURATION)
METRIC_WINDOW = 4  # tokens either side of a direction word searched for a quantity
_JOINER = "\n"  # never inside a token


def _squash(total: np.ndarray, alpha: float = 15.0) -> np.ndarray:
    """VADER's normalisation of a valence sum into (-1, 1)."""
    return total / np.sqrt(total * total + alpha)


def _strings(joined: str) -> list[str]:
    return joined.split(_JOINER) if joined else []


def _lookup(index: dict[str, int], keys) -> np.ndarray:
    """Each key's position in `index`, -1 where absent."""
    return np.fromiter((index.get(k, -1) for k in keys), dtype=np.intp, count=len(keys))


def figures(tokens) -> np.ndarray:
    """Whether each token is a figure (starts with a digit)."""
    return np.fromiter((t[:1].isdigit() for t in tokens), bool, len(tokens))


def lettered(tokens) -> np.ndarray:
    """Whether each token has a letter (what counts as a word for known-word counts)."""
    return np.fromiter((any(c.isalpha() for c in t) for t in tokens), bool, len(tokens))


def token_stems(unique: np.ndarray) -> list[str]:
    """The stem of each distinct token (one regex pass over them joined)."""
    return stem_words(_JOINER.join(unique)).split(_JOINER) if len(unique) else []


@dataclass(frozen=True)
class WordView:
    """One fitted word TF-IDF view (unigrams, optionally bigrams) as lookups.

    `index` maps a token (or its stem, for a stems view) to an id; id 0 is the separator.
    """

    stems: bool
    words: tuple[str, ...]
    unigram_column: np.ndarray  # by token id, the unigram's column or -1; one extra -1 for id -1
    bigram_keys: np.ndarray  # sorted first_id * len(words) + second_id of every bigram term
    bigram_column: np.ndarray  # column of each bigram key, same order
    idf: np.ndarray  # float32
    sublinear_tf: bool
    index: dict[str, int] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            object.__setattr__(self, "index", dict(zip(self.words, range(len(self.words)), strict=True)))

    @property
    def n_features(self) -> int:
        return len(self.idf)

    @classmethod
    def from_terms(cls, terms: list[str], columns: list[int], idf: np.ndarray, stems: bool,
                   sublinear_tf: bool) -> WordView:  # fmt: skip
        """Build from a fitted vectoriser's vocabulary (term -> column) and IDF weights."""
        split = [t.split(" ") for t in terms]
        words = [SEPARATOR, *sorted({w for parts in split for w in parts})]
        position = {w: i for i, w in enumerate(words)}
        unigram_column = np.full(len(words) + 1, -1, dtype=np.intp)
        keys, key_columns = [], []
        for parts, column in zip(split, columns, strict=True):
            if len(parts) == 1:
                unigram_column[position[parts[0]]] = column
            else:
                keys.append(position[parts[0]] * len(words) + position[parts[1]])
                key_columns.append(column)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        return cls(
            stems=stems,
            words=tuple(words),
            unigram_column=unigram_column,
            bigram_keys=np.asarray(keys, dtype=np.int64)[order],
            bigram_column=np.asarray(key_columns, dtype=np.intp)[order],
            idf=np.asarray(idf, dtype=np.float32),
            sublinear_tf=sublinear_tf,
            index=position,
        )

    def token_ids(self, tokens: ChunkTokens, stems: list[str] | None = None) -> np.ndarray:
        """The id of every token position of a chunk (-1 unknown)."""
        keys = (stems if stems is not None else token_stems(tokens.unique)) if self.stems else tokens.unique
        return _lookup(self.index, keys)[tokens.codes]

    def entries(self, ids: np.ndarray, doc: np.ndarray, n_docs: int) -> tuple[np.ndarray, ...]:
        """The view's non-zero TF-IDF values of a chunk as sorted (rows, columns, values).

        Equal to the fitted vectoriser's `transform`: counts per row and term, 1 + log(count),
        times IDF, each row scaled to unit length.
        """
        columns = self.unigram_column[ids]
        hit = columns >= 0
        rows, cols = [doc[hit]], [columns[hit]]
        if len(self.bigram_keys) and len(ids) > 1:
            first, second = ids[:-1], ids[1:]
            where = np.flatnonzero((first > 0) & (second > 0))  # known tokens of the same text
            keys = first[where].astype(np.int64) * len(self.words) + second[where]
            order = np.argsort(keys)  # searching sorted keys walks the terms in order: four times faster
            keys, where = keys[order], where[order]
            at = np.minimum(np.searchsorted(self.bigram_keys, keys), len(self.bigram_keys) - 1)
            known = self.bigram_keys[at] == keys
            rows.append(doc[where[known]])
            cols.append(self.bigram_column[at[known]])
        pairs = np.sort(np.concatenate(rows).astype(np.int64) * self.n_features + np.concatenate(cols))
        # np.unique(pairs, return_counts=True), without its extra passes
        starts = np.flatnonzero(np.concatenate([[True], pairs[1:] != pairs[:-1]])) if len(pairs) else pairs
        counts = np.diff(np.append(starts, len(pairs)))
        pairs = pairs[starts]
        out_rows, out_cols = pairs // self.n_features, pairs % self.n_features
        values = counts.astype(np.float32)
        if self.sublinear_tf:
            np.log(values, out=values)
            values += 1
        values *= self.idf[out_cols]
        norms = np.sqrt(np.bincount(out_rows, weights=values * values, minlength=n_docs))
        values /= norms[out_rows].astype(np.float32)
        return out_rows.astype(np.intp), out_cols.astype(np.intp), values


def lexicon_features(tokens: ChunkTokens, index: dict[str, int], valences: np.ndarray, flags: np.ndarray,
                     negation_window: int) -> np.ndarray:  # fmt: skip
    """The lexicon features (columns LEXICON_FEATURES) of a tokenised chunk.

    Each token's valence counts once, reversed (x -0.74) when a negator stands at most
    `negation_window` tokens before it, or a failure word does and the valence is positive.
    A figure adds +1 for a rise word and -1 for a fall word right before or after it. A growth
    word near a good quantity ("profit rose") or a shrink word near a bad one ("loss narrowed")
    adds +1, the other pairings -1. `valences` and `flags` have one spare last row of zeros, for
    tokens in no list. Array arithmetic over the token positions of the whole chunk.
    """
    unique, codes = tokens.unique, tokens.codes
    return lexicon_at(_lookup(index, unique)[codes], figures(unique)[codes], tokens.doc, tokens.n_texts, valences, flags,
                      negation_window)  # fmt: skip


def lexicon_at(at: np.ndarray, figure: np.ndarray, doc: np.ndarray, n: int, valences: np.ndarray,
               flags: np.ndarray, negation_window: int) -> np.ndarray:  # fmt: skip
    """`lexicon_features` from each token position's lexicon row (-1 for none), whether it is a
    figure, and its text (`doc`, of `n` texts)."""
    word_flags = flags[at].T
    valenced, negator, failure, intensifier = (word_flags[k] for k in (VALENCED, NEGATOR, FAILURE,
                                                                        INTENSIFIER))  # fmt: skip
    rise, fall, growth, shrink = (word_flags[k] for k in (RISE, FALL, GROWTH, SHRINK))
    good, bad = word_flags[GOOD_QUANTITY], word_flags[BAD_QUANTITY]
    position = np.arange(len(at))
    start = np.flatnonzero(np.diff(doc, prepend=0)) + 1  # the separators' positions, plus one
    doc_start = np.concatenate([[0], start])[doc]
    last_negator = np.maximum.accumulate(np.where(negator, position, -1))
    last_failure = np.maximum.accumulate(np.where(failure & ~negator, position, -1))
    # Only the scored positions (a valenced word, not a negator) carry valence: the sums below run
    # over them alone, a tenth of the positions, and add the same numbers in the same order.
    scored = np.flatnonzero(valenced & ~negator)
    value = valences[at[scored]]
    start_of, negated_at, failed_at = doc_start[scored], last_negator[scored], last_failure[scored]
    by_negator = (negated_at >= start_of) & (scored - negated_at <= negation_window)
    by_failure = (failed_at >= start_of) & (scored - failed_at > 0) & (
        scored - failed_at <= negation_window) & (value[:, 0] > 0)  # fmt: skip
    reversed_ = by_negator | by_failure
    value = np.where(reversed_[:, None], value * NEGATION_FACTOR, value)

    def per_text(weights: np.ndarray) -> np.ndarray:
        return np.bincount(doc[scored], weights=weights, minlength=n)[:n]

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
    raw = np.zeros((n, len(LEXICON_FEATURES)), dtype=np.float64)
    for column, valence in ((COMPOUND, 0), (VADER_COMPOUND, 1), (AFINN_COMPOUND, 2)):
        raw[:, column] = per_text(value[:, valence])
    raw[:, POSITIVE] = per_text(np.where(value[:, 0] > 0, value[:, 0], 0.0))
    raw[:, NEGATIVE] = per_text(np.where(value[:, 0] < 0, -value[:, 0], 0.0))
    raw[:, NEGATED] = per_text(reversed_.astype(np.float64)) > 0
    raw[:, FIGURE_DIRECTION] = figure_direction
    raw[:, INTENSIFIED] = np.bincount(doc[intensifier & ~negator], minlength=n)[:n] > 0
    raw[:, METRIC_DIRECTION] = metric_direction
    out = np.empty_like(raw)
    sums = [COMPOUND, VADER_COMPOUND, AFINN_COMPOUND]
    scale = np.where(raw[:, INTENSIFIED] > 0, INTENSIFIED_SCALE, 1.0)[:, None]
    out[:, sums] = _squash(raw[:, sums] * scale)
    for column in (POSITIVE, NEGATIVE):
        out[:, column] = raw[:, column] / (raw[:, column] + SATURATION)
    out[:, NEGATED] = raw[:, NEGATED]
    out[:, FIGURE_DIRECTION] = np.clip(raw[:, FIGURE_DIRECTION], -1, 1)
    out[:, INTENSIFIED] = np.sign(raw[:, COMPOUND]) * raw[:, INTENSIFIED]
    out[:, METRIC_DIRECTION] = np.clip(raw[:, METRIC_DIRECTION], -1, 1)
    return out


def rising_levels(levels) -> bool:
    """Whether `levels` can be an ordinal tone head's values: one dimension, at least two, rising."""
    levels = np.asarray(levels, dtype=np.float64)
    return levels.ndim == 1 and len(levels) >= 2 and bool(np.all(np.diff(levels) > 0))


def expected_tone(logits: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The expected tone of an ordinal tone head from its threshold log-odds.

    Parameters
    ----------
    logits : numpy.ndarray
        One row a headline, one column a threshold: the log-odds that the headline's tone lies
        above the midpoint between ``levels[k]`` and ``levels[k + 1]``.
    levels : numpy.ndarray
        The tone values, rising (one more than the thresholds).

    Returns
    -------
    numpy.ndarray
        ``levels[0]`` plus each step between levels times the probability of passing its
        threshold: within ``[levels[0], levels[-1]]``.

    Examples
    --------
    >>> expected_tone(np.array([[50.0, -50.0]]), np.array([-1.0, 0.0, 1.0])).round(6).tolist()
    [0.0]
    """
    passed = 1.0 / (1.0 + np.exp(-np.clip(logits, -500.0, 500.0)))
    return levels[0] + passed @ np.diff(levels)


def calibrate(raw: np.ndarray, calibration: np.ndarray | None) -> np.ndarray:
    """Raw tone scores through an isotonic map (rows: raw, calibrated); no map, or an empty one, clips to [-1, 1]."""
    if calibration is None or calibration.shape[1] == 0:
        return np.clip(raw, -1.0, 1.0)
    return np.interp(raw, calibration[0], calibration[1])


def tone_labels(scores: np.ndarray, threshold: float = TONE_THRESHOLD) -> np.ndarray:
    """Negative / neutral / positive for each tone score, at +-`threshold`."""
    return np.where(scores < -threshold, "negative", np.where(scores > threshold, "positive", "neutral"))


def prediction_columns(proba: np.ndarray, tone: np.ndarray, known: np.ndarray, topics: tuple[str, ...],
                       min_confidence: float | None = None,
                       tone_threshold: float = TONE_THRESHOLD) -> dict[str, np.ndarray]:  # fmt: skip
    """The PREDICTION_COLUMNS of scored rows: best and runner-up topic, probabilities, tone, its label.

    `proba` has one column per topic of `topics`, in that order. A topic whose probability is
    below `min_confidence`, or of a headline with no known word, becomes "uncertain".
    """
    ranked = np.argsort(-proba, axis=1, kind="stable")
    best, second = ranked[:, 0], ranked[:, 1]
    labels = np.asarray(topics, dtype=object)
    every = np.arange(len(proba))
    confidence = proba[every, best]
    topic = labels[best]
    if min_confidence is not None:
        topic = np.where((confidence < min_confidence) | (known == 0), UNCERTAIN, topic)
    out = {
        "topic": topic,
        "topic_confidence": confidence,
        "topic_alt": labels[second],
        "topic_alt_confidence": proba[every, second],
    }
    for i, topic_name in enumerate(topics):
        out[f"p_{topic_name}"] = proba[:, i]
    out["tone"] = tone
    out["tone_label"] = tone_labels(tone, tone_threshold).astype(object)
    out["known_words"] = known.astype(np.int64)
    return out


class _RawRows(dict):
    """Raw token -> its row in a runtime's token lookups (-1: it settles to nothing). A raw token met
    for the first time gets a provisional row (-2, -3, ...) and waits in `pending` to be settled."""

    def __init__(self) -> None:
        super().__init__()
        self.pending: list[str] = []

    def __missing__(self, raw: str) -> int:
        self.pending.append(raw)
        row = self[raw] = -1 - len(self.pending)
        return row


@dataclass
class Runtime:
    """What predicting needs, as arrays: the word views, the lexicon, the semantic view, both heads.

    Column order of the shared text features: the word views side by side, then the semantic
    view's columns. The tone head reads those and then the lexicon features times
    `lexicon_weight`. `topics` names the topic head's rows; outputs follow `output_topics`.

    The tone head is linear (`tone_levels` None: one weight vector, its score is the raw tone) or
    ordinal (one weight row and intercept per threshold between the `tone_levels`; the raw tone
    is `expected_tone` of the rows' scores). Either raw tone goes through `tone_calibration`.
    """

    views: tuple[WordView, ...]
    lexicon_words: tuple[str, ...]
    lexicon_valences: np.ndarray  # (words + 1, 3)
    lexicon_flags: np.ndarray  # (words + 1, 10) bool
    negation_window: int
    lexicon_weight: float
    topics: tuple[str, ...]
    topic_coef: np.ndarray  # (topics, text features): times each feature's value
    topic_intercept: np.ndarray
    tone_coef: np.ndarray  # (text + lexicon features,), or (thresholds, text + lexicon features)
    tone_intercept: float | np.ndarray  # a float, or one a threshold
    tone_calibration: np.ndarray | None  # rows: raw scores, calibrated values (None: clip)
    output_topics: tuple[str, ...] = TOPICS
    tone_threshold: float = TONE_THRESHOLD
    semantic: object | None = None  # a SemanticView, or None
    tone_levels: np.ndarray | None = None  # an ordinal head's tone values (thresholds + 1); None: linear
    # (topics, text features), added once for each feature present; None: no presence part
    topic_presence: np.ndarray | None = None
    tone_presence: np.ndarray | None = None  # the same for the tone rows (shaped as tone_coef)
    card: dict = field(default_factory=dict)  # the model file's card, when loaded from one
    _lexicon_index: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._lexicon_index = dict(zip(self.lexicon_words, range(len(self.lexicon_words)), strict=True))
        self._forget_tokens()
        self._order = np.asarray([self.topics.index(t) for t in self.output_topics], dtype=np.intp)
        self._offsets = np.cumsum([0, *(v.n_features for v in self.views)])
        self._tone_rows = np.atleast_2d(self.tone_coef)
        self._tone_bias = np.atleast_1d(np.asarray(self.tone_intercept, dtype=np.float64))
        # one contiguous row a head (topics, then the tone rows) over the text features; vstack copies
        # the stored, unaligned arrays once (a column stack and a transpose took ten times as long)
        self._weights_by_head = np.vstack([self.topic_coef, self._tone_rows[:, : self.topic_coef.shape[1]]])
        # each head's presence weights over the TF-IDF columns only (one contiguous row), or None
        width = self._offsets[-1]
        topic_rows = (
            [None] * len(self.topics) if self.topic_presence is None else list(self.topic_presence[:, :width])
        )
        tone_rows = (
            [None] * len(self._tone_rows)
            if self.tone_presence is None
            else list(np.atleast_2d(self.tone_presence)[:, :width])
        )
        self._presence_by_head = [
            None if r is None else np.ascontiguousarray(r) for r in topic_rows + tone_rows
        ]

    def prepare(self) -> Runtime:
        """Nothing to build: the lookups exist from the start (here for the same call on a whole model)."""
        return self

    @property
    def n_text_features(self) -> int:
        return int(self.topic_coef.shape[1])

    # What a token means to every part of the model, looked up once per distinct token a runtime meets
    # (not once per chunk and part): its id in each word view, its lexicon row, whether it is a
    # figure and whether it is a known word. Chunks of one feed share most of their tokens.

    def _forget_tokens(self) -> None:
        self._token_rows: dict[str, int] = {}
        self._raw_rows = _RawRows()
        self._token_view_ids = [np.zeros(0, dtype=np.intp) for _ in self.views]
        self._token_lexicon = np.zeros(0, dtype=np.intp)
        self._token_figure = np.zeros(0, dtype=bool)
        self._token_known = np.zeros(0, dtype=bool)

    def _learn_tokens(self, new: np.ndarray) -> None:
        """Append the lookups of tokens met for the first time."""
        stems = token_stems(new) if any(v.stems for v in self.views) else None
        known = np.zeros(len(new), dtype=bool)
        for k, view in enumerate(self.views):
            ids = _lookup(view.index, stems if view.stems else new)
            self._token_view_ids[k] = np.concatenate([self._token_view_ids[k], ids])
            known |= view.unigram_column[ids] >= 0
        known = (known if self.views else True) & lettered(new)
        self._token_known = np.concatenate([self._token_known, known])
        self._token_lexicon = np.concatenate([self._token_lexicon, _lookup(self._lexicon_index, new)])
        self._token_figure = np.concatenate([self._token_figure, figures(new)])

    def _rows_of(self, tokens: list[str]) -> np.ndarray:
        """Each token's row in the token lookups, learning tokens met for the first time ('' gets -1)."""
        rows = list(map(self._token_rows.get, tokens))
        if None in rows:
            new = [
                t for t in dict.fromkeys(t for t, row in zip(tokens, rows, strict=True) if row is None) if t
            ]
            if new:
                first = len(self._token_rows)
                self._token_rows.update(zip(new, range(first, first + len(new)), strict=True))
                names = np.empty(len(new), dtype=object)
                names[:] = new
                self._learn_tokens(names)
            rows = [self._token_rows.get(t, -1) for t in tokens]
        return np.asarray(rows, dtype=np.intp)

    def _bounded(self) -> None:
        if max(len(self._token_rows), len(self._raw_rows)) > TOKEN_CACHE_LIMIT:  # endless distinct tokens
            self._forget_tokens()

    def token_rows(self, tokens: ChunkTokens) -> np.ndarray:
        """Each token position's row in the runtime's token lookups (new tokens are looked up first)."""
        self._bounded()
        return self._rows_of(tokens.unique.tolist())[tokens.codes]

    def positions(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each token position's row in the token lookups and its text: `token_rows` and `doc` of
        `tokenise_chunk(texts)`, from raw tokens each settled once per runtime, not once per chunk."""
        self._bounded()
        raw = self._raw_rows
        found = raw_tokens(texts)
        rows = np.fromiter(map(raw.__getitem__, found), dtype=np.intp, count=len(found))
        if raw.pending:  # raw tokens met for the first time hold provisional rows -2, -3, ...
            settled = self._rows_of(settle_tokens(raw.pending))
            raw.update(zip(raw.pending, settled.tolist(), strict=True))
            raw.pending = []
            provisional = rows <= -2
            rows[provisional] = settled[-2 - rows[provisional]]
        if len(rows) and rows.min() < 0:
            rows = rows[rows >= 0]  # raw tokens that settle to nothing (a lone "&")
        separator = self._token_rows.get(SEPARATOR, -1)
        return rows, np.cumsum(rows == separator)

    def _lexicon(self, rows: np.ndarray, doc: np.ndarray, n: int) -> np.ndarray:
        return lexicon_at(self._token_lexicon[rows], self._token_figure[rows], doc, n, self.lexicon_valences,
                          self.lexicon_flags, self.negation_window)  # fmt: skip

    def _view_entries(self, rows: np.ndarray, doc: np.ndarray, n: int) -> list[tuple[np.ndarray, ...]]:
        return [v.entries(ids[rows], doc, n) for v, ids in zip(self.views, self._token_view_ids, strict=True)]

    def _known_words(self, rows: np.ndarray, doc: np.ndarray, n: int) -> np.ndarray:
        return np.bincount(doc[self._token_known[rows]], minlength=n)[:n].astype(np.int64)

    def scores(self, tokens: ChunkTokens) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Topic probabilities (columns `output_topics`), calibrated tone and known-word counts."""
        return self._scores(self.token_rows(tokens), tokens.doc, tokens.n_texts, tokens)

    def _scores(self, token_rows: np.ndarray, doc: np.ndarray, n: int,
                tokens: ChunkTokens | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """`scores` from each token position's row and text (`tokens` too, for the semantic view)."""
        by_head = np.zeros((self._weights_by_head.shape[0], n), dtype=np.float64)
        for offset, (rows, cols, values) in zip(
            self._offsets, self._view_entries(token_rows, doc, n), strict=False
        ):
            columns, values = offset + cols, values.astype(np.float64)
            for k, weights in enumerate(self._weights_by_head):  # a contiguous row a head: twice as fast
                contribution = weights[columns] * values
                if self._presence_by_head[k] is not None:
                    contribution += self._presence_by_head[k][columns]  # the term is present: once
                by_head[k] += np.bincount(rows, weights=contribution, minlength=n)
        heads = by_head.T
        if self.semantic is not None:
            pooled = self.semantic.transform_tokens(tokens).astype(np.float64)
            heads += pooled @ self._weights_by_head[:, self._offsets[-1] :].T
        topics = len(self.topics)
        logits = heads[:, :topics] + self.topic_intercept
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        lexical = self._lexicon(token_rows, doc, n) * self.lexicon_weight
        tone = heads[:, topics:] + lexical @ self._tone_rows[:, self.n_text_features :].T + self._tone_bias
        raw = tone[:, 0] if self.tone_levels is None else expected_tone(tone, self.tone_levels)
        known = self._known_words(token_rows, doc, n)
        return proba[:, self._order], calibrate(raw, self.tone_calibration), known

    def predict_columns(self, texts: list[str], min_confidence: float | None = None,
                        tokens: ChunkTokens | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """PREDICTION_COLUMNS for non-blank texts, as arrays."""
        if tokens is None and self.semantic is None:  # no view reads the chunk's own token list
            rows, doc = self.positions(texts)
            proba, tone, known = self._scores(rows, doc, len(texts))
        else:
            proba, tone, known = self.scores(tokenise_chunk(texts) if tokens is None else tokens)
        return prediction_columns(proba, tone, known, self.output_topics, min_confidence, self.tone_threshold)

    # Storage: plain arrays and one JSON string in an .npz, read with allow_pickle=False.

    def to_bytes(self) -> bytes:
        """The runtime as the bytes of an .npz of plain arrays (no pickle); the semantic table is not in it."""
        ordinal = self.tone_levels is not None
        meta = {
            "runtime_format": RUNTIME_FORMAT,
            "views": [{"stems": v.stems, "sublinear_tf": v.sublinear_tf} for v in self.views],
            "negation_window": self.negation_window,
            "lexicon_weight": self.lexicon_weight,
            "topics": list(self.topics),
            "output_topics": list(self.output_topics),
            "tone_threshold": self.tone_threshold,
            "tone_intercept": self._tone_bias.tolist() if ordinal else float(self.tone_intercept),
            "tone_levels": np.asarray(self.tone_levels, dtype=np.float64).tolist() if ordinal else None,
            "calibrated": self.tone_calibration is not None,
        }
        arrays = {}
        table = getattr(self.semantic, "table", None)
        if (
            table is not None and table.data
        ):  # the semantic table's arrays, stored plain: no inflating at start
            with np.load(io.BytesIO(table.data), allow_pickle=False) as npz:
                tokens = npz["tokens"].tolist()
                if not any(_JOINER in t for t in tokens):
                    arrays["semantic_tokens"] = _text_array(tokens)
                    arrays["semantic_vectors"] = npz["vectors"]
                    if "scale" in npz.files:
                        arrays["semantic_scale"] = npz["scale"]
                    meta["semantic"] = {
                        "weight": self.semantic.weight,
                        "sha256": table.sha256,
                        "meta": table.meta,
                    }
        arrays |= {
            "meta_json": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
            "lexicon_words": _text_array(self.lexicon_words),
            "lexicon_valences": self.lexicon_valences,
            "lexicon_flags": self.lexicon_flags,
            "topic_coef": self.topic_coef,
            "topic_intercept": self.topic_intercept,
            "topic_presence": self.topic_presence if self.topic_presence is not None else np.zeros((0, 0)),
            "tone_presence": self.tone_presence if self.tone_presence is not None else np.zeros((0, 0)),
            "tone_coef": self.tone_coef,
            "tone_calibration": self.tone_calibration if self.tone_calibration is not None else np.zeros((2, 0)),
        }  # fmt: skip
        for i, view in enumerate(self.views):
            arrays[f"view{i}_words"] = _text_array(view.words)
            arrays[f"view{i}_unigram_column"] = view.unigram_column
            arrays[f"view{i}_bigram_keys"] = view.bigram_keys
            arrays[f"view{i}_bigram_column"] = view.bigram_column
            arrays[f"view{i}_idf"] = view.idf
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, semantic: object | None = None) -> Runtime:
        """Read a runtime written by `to_bytes` (plain arrays only; a pickled array is refused).

        Raises ValueError (or KeyError) when the data is not a runtime of this format.
        """
        arrays = plain_arrays(data)
        meta = json.loads(bytes(arrays["meta_json"]).decode("utf-8"))
        if meta.get("runtime_format") != RUNTIME_FORMAT:
            raise ValueError(
                f"runtime format {meta.get('runtime_format')!r}, this version reads {RUNTIME_FORMAT}"
            )
        views = []
        for i, spec in enumerate(meta["views"]):
            views.append(WordView(
                stems=bool(spec["stems"]),
                words=tuple(_strings(bytes(arrays[f"view{i}_words"]).decode("utf-8"))),
                unigram_column=arrays[f"view{i}_unigram_column"].astype(np.intp, copy=False),
                bigram_keys=arrays[f"view{i}_bigram_keys"].astype(np.int64, copy=False),
                bigram_column=arrays[f"view{i}_bigram_column"].astype(np.intp, copy=False),
                idf=arrays[f"view{i}_idf"].astype(np.float32, copy=False),
                sublinear_tf=bool(spec["sublinear_tf"]),
            ))  # fmt: skip
        calibration = arrays["tone_calibration"].astype(np.float64, copy=False)
        presence = arrays["topic_presence"].astype(np.float64, copy=False)
        tone_presence = arrays["tone_presence"].astype(np.float64, copy=False)
        levels = meta["tone_levels"]
        intercept = meta["tone_intercept"]
        runtime = cls(
            views=tuple(views),
            lexicon_words=tuple(_strings(bytes(arrays["lexicon_words"]).decode("utf-8"))),
            lexicon_valences=arrays["lexicon_valences"].astype(np.float64, copy=False),
            lexicon_flags=arrays["lexicon_flags"].astype(bool, copy=False),
            negation_window=int(meta["negation_window"]),
            lexicon_weight=float(meta["lexicon_weight"]),
            topics=tuple(meta["topics"]),
            topic_coef=arrays["topic_coef"].astype(np.float64, copy=False),
            topic_intercept=arrays["topic_intercept"].astype(np.float64, copy=False),
            tone_coef=arrays["tone_coef"].astype(np.float64, copy=False),
            tone_intercept=float(intercept) if levels is None else np.asarray(intercept, dtype=np.float64),
            tone_calibration=calibration if meta["calibrated"] else None,
            output_topics=tuple(meta["output_topics"]),
            tone_threshold=float(meta["tone_threshold"]),
            semantic=semantic if semantic is not None else _carried_semantic(arrays, meta),
            tone_levels=None if levels is None else np.asarray(levels, dtype=np.float64),
            topic_presence=presence if presence.size else None,
            tone_presence=tone_presence if tone_presence.size else None,
        )
        runtime.check()
        return runtime

    def check(self) -> None:
        """Raise ValueError if the arrays do not fit together (a damaged or edited file)."""
        width = int(self._offsets[-1]) + (self.semantic.dims if self.semantic is not None else 0)
        problems = []
        if self.topic_coef.shape != (len(self.topics), width):
            problems.append(f"topic weights {self.topic_coef.shape} for {width} features")
        if self.topic_presence is not None and self.topic_presence.shape != self.topic_coef.shape:
            problems.append(f"topic presence weights {self.topic_presence.shape} for {width} features")
        if self.tone_presence is not None and self.tone_presence.shape != self.tone_coef.shape:
            problems.append(
                f"tone presence weights {self.tone_presence.shape} for tone weights {self.tone_coef.shape}"
            )
        tone_width = width + len(LEXICON_FEATURES)
        if self.tone_levels is None:
            if self.tone_coef.shape != (tone_width,) or self._tone_bias.shape != (1,):
                problems.append(f"tone weights {self.tone_coef.shape} for {width} features")
        else:
            thresholds = np.size(self.tone_levels) - 1
            if not rising_levels(self.tone_levels):
                problems.append("tone levels must be at least two rising values")
            elif self.tone_coef.shape != (thresholds, tone_width) or self._tone_bias.shape != (thresholds,):
                problems.append(
                    f"tone weights {self.tone_coef.shape} for {thresholds} thresholds, {width} features"
                )
        if self.topic_intercept.shape != (len(self.topics),) or sorted(self.output_topics) != sorted(
            self.topics
        ):
            problems.append("topics do not match the topic weights")
        rows = len(self.lexicon_words) + 1
        if self.lexicon_valences.shape != (rows, 3) or self.lexicon_flags.shape != (rows, 10):
            problems.append("lexicon tables do not match its words")
        for i, v in enumerate(self.views):
            columns = np.concatenate([v.unigram_column, v.bigram_column])
            if (len(v.unigram_column) != len(v.words) + 1 or len(v.bigram_keys) != len(v.bigram_column)
                    or (len(columns) and columns.max() >= v.n_features)
                    or (len(v.bigram_keys) and (np.any(np.diff(v.bigram_keys) < 0)
                                                or v.bigram_keys.max() >= len(v.words) ** 2))):  # fmt: skip
                problems.append(f"word view {i} is inconsistent")
        if self.tone_calibration is not None and (
            self.tone_calibration.ndim != 2 or self.tone_calibration.shape[0] != 2
        ):
            problems.append("tone calibration must be two rows")
        if problems:
            raise ValueError("; ".join(problems))


def _carried_semantic(arrays: dict[str, np.ndarray], meta: dict):
    """The semantic view whose table the runtime carries (files written since it does), else None."""
    if "semantic_vectors" not in arrays:
        return None
    from classifier.model.semantic import SemanticView, table_from_arrays

    spec = meta["semantic"]
    table = table_from_arrays(_strings(bytes(arrays["semantic_tokens"]).decode("utf-8")), arrays["semantic_vectors"],
                              arrays.get("semantic_scale"), dict(spec["meta"]), str(spec["sha256"]))  # fmt: skip
    return SemanticView(table, float(spec["weight"]))


def plain_arrays(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an .npz's bytes, refusing pickled ones; stored members are read in place.

    `np.load` copies every member and checks its CRC; a runtime is checked whole against its
    card's sha256 before it is read, so a stored member becomes a read-only view of `data`.
    """
    out: dict[str, np.ndarray] = {}
    view = memoryview(data)
    with zipfile.ZipFile(io.BytesIO(data)) as npz:
        for info in npz.infolist():
            name = info.filename.removesuffix(".npy")
            start = info.header_offset + 30
            head = data[info.header_offset : start]
            if info.compress_type == zipfile.ZIP_STORED and head[:4] == b"PK\x03\x04":
                start += int.from_bytes(head[26:28], "little") + int.from_bytes(head[28:30], "little")
                member = io.BytesIO(view[start : start + min(info.file_size, 1 << 16)])
                version = np.lib.format.read_magic(member)
                if version in ((1, 0), (2, 0)):
                    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0  # fmt: skip
                    shape, fortran, dtype = read_header(member)
                    if dtype.hasobject:
                        raise ValueError(f"{info.filename}: an object array (a pickle) is refused")
                    count = math.prod(shape)
                    if start + member.tell() + count * dtype.itemsize > start + info.file_size:
                        raise ValueError(f"{info.filename}: shorter than its header says")
                    flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + member.tell())
                    out[name] = flat.reshape(shape, order="F" if fortran else "C")
                    continue
            with npz.open(info) as member:
                out[name] = np.lib.format.read_array(member, allow_pickle=False)
    return out


def _text_array(words) -> np.ndarray:
    return np.frombuffer(_JOINER.join(words).encode("utf-8"), dtype=np.uint8)
