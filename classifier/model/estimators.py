"""The model's parts as scikit-learn estimators: the text vectoriser and the tone regressor.

`HeadlineVectorizer` turns headlines into the features both heads share (word and stem TF-IDF
views, then the semantic view's columns). `ToneRegressor` is the tone head: by default ordinal,
one logistic regression per threshold between the tone values (is the tone above -0.75, above
-0.25, ...), scoring a headline by its expected tone; or a ridge regression whose last columns
are the lexicon features, mixed with a ridge on those columns alone (one linear head in the
end). Either can have an isotonic map fitted on out-of-fold scores so that a score of s means a
human tone of about s (`calibration_folds`; off by default, the ordinal score needs none). The topic head is scikit-learn's own `LogisticRegression`. Each
follows scikit-learn's conventions: parameters stored by `__init__`, fitted state ending in `_`,
`fit` returning `self`, so they clone, grid-search and cross-validate like any estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.utils.validation import check_is_fitted, validate_data

from classifier.config import (
    CHAR_NGRAMS,
    MIN_DF,
    SEED,
    SEMANTIC_TABLE,
    SEMANTIC_WEIGHT,
    SUBWORDS,
    TONE_ALPHA,
    TONE_C,
    TONE_CALIBRATION_FOLDS,
    TONE_LEXICON_BLEND,
    TONE_MODEL,
    TONE_PRESENCE_C,
    TONE_PRESENCE_SCALE,
    TONE_VALUES,
    TOPIC_C,
    TOPIC_CLASS_WEIGHT,
    TOPIC_PRESENCE_C,
    TOPIC_PRESENCE_SCALE,
    WORD_NGRAMS,
)
from classifier.model.features import build_text_features
from classifier.model.runtime import calibrate, expected_tone, rising_levels
from classifier.model.semantic import SemanticView, load_table
from classifier.model.vectorize import compile_features

__all__ = ["HeadlineVectorizer", "ToneRegressor", "TopicClassifier"]

_TABLES: dict[str, object] = {}


def shared_table(path: str):
    """A vector table read once per process (cross-validation fits many models from it)."""
    if path not in _TABLES:
        _TABLES[path] = load_table(path)
    return _TABLES[path]


class HeadlineVectorizer(TransformerMixin, BaseEstimator):
    """Headlines to the shared text features: TF-IDF views, then the semantic view's columns.

    Parameters
    ----------
    word_ngrams : tuple of int
        The word view's n-gram range.
    subwords : {"stems", "chars", "none"}
        The second view: words cut to five letters, character n-grams within words, or none.
    char_ngrams : tuple of int
        The character view's n-gram range (``subwords="chars"`` only).
    min_df : int
        Terms in fewer training headlines are dropped.
    semantic_weight : float
        Scale of the pooled static vectors against the TF-IDF features; 0 leaves the view out.
    semantic_table : str
        Path of the vector table (.npz) the semantic view reads.

    Examples
    --------
    >>> vectorizer = HeadlineVectorizer(semantic_weight=0).fit(["Rupee gains", "Rupee falls"])
    >>> vectorizer.transform(["Rupee gains again"]).shape[0]
    1
    """

    def __init__(self, word_ngrams=WORD_NGRAMS, subwords=SUBWORDS, char_ngrams=CHAR_NGRAMS, min_df=MIN_DF,
                 semantic_weight=SEMANTIC_WEIGHT, semantic_table=str(SEMANTIC_TABLE)):  # fmt: skip
        self.word_ngrams = word_ngrams
        self.subwords = subwords
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.semantic_weight = semantic_weight
        self.semantic_table = semantic_table

    def fit(self, texts, y=None):
        """Learn the vocabularies and IDF weights of the TF-IDF views from `texts`."""
        texts = [str(t) for t in texts]
        self.union_ = build_text_features(tuple(self.word_ngrams), self.subwords, tuple(self.char_ngrams),
                                          self.min_df).fit(texts)  # fmt: skip
        self.semantic_ = (SemanticView(shared_table(self.semantic_table), self.semantic_weight)
                          if self.semantic_weight > 0 else None)  # fmt: skip
        return self

    def compiled(self):
        """The TF-IDF views compiled to array lookups (built on first use and kept)."""
        check_is_fitted(self, "union_")
        if "_compiled" not in self.__dict__:
            self.__dict__["_compiled"] = compile_features(self.union_)
        return self.__dict__["_compiled"]

    def transform(self, texts, tokens=None) -> sp.csr_matrix:
        """The features of `texts` (sparse, one row a headline); `tokens`: the chunk already tokenised."""
        texts = [str(t) for t in texts]
        tfidf = self.compiled().transform(texts, tokens)
        if self.semantic_ is None:
            return tfidf
        from classifier.model.tokens import tokenise_chunk

        tokens = tokenise_chunk(texts) if tokens is None else tokens
        return sp.hstack([tfidf, sp.csr_matrix(self.semantic_.transform_tokens(tokens))], format="csr")

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the features, in column order (semantic columns `semantic:i`)."""
        check_is_fitted(self, "union_")
        names = list(self.union_.get_feature_names_out())
        if self.semantic_ is not None:
            names += self.semantic_.feature_names()
        return np.asarray(names, dtype=object)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_compiled", None)
        return state


class _SparseInput:
    """Tells scikit-learn's checks that the estimator takes sparse matrices (the text features)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class TopicClassifier(_SparseInput, ClassifierMixin, BaseEstimator):
    """The topic head: a multinomial logistic regression plus a presence part (NB-SVM), one linear score.

    The regression reads the TF-IDF values. The presence part reads only which of the first
    `presence_columns` features are present (non-zero): for each topic, every present term is
    scaled by its naive-Bayes log-count ratio (how much more often the topic's headlines hold it
    than the others', add-one smoothed) and a one-against-the-rest logistic regression is fitted
    on those scaled indicators (Wang and Manning's NB-SVM). A topic's score is
    ``scale * (X @ lr_coef + B @ presence_coef + intercepts)``, B the presence indicators, and the
    probabilities its softmax: still a sum of one contribution a term, so reasons stay exact.
    Fitted: ``coef_`` and ``presence_coef_`` (topics, features; both already times the scale, the
    presence part zero past `presence_columns`), ``intercept_`` (topics,), ``classes_``.

    Parameters
    ----------
    c : float
        Inverse L2 penalty of the multinomial regression.
    class_weight : {"balanced", None}
        Class weights of the multinomial regression.
    presence_c : float
        Inverse L2 penalty of each topic's presence regression; 0 leaves the presence part out
        (and the scale with it: the regression alone).
    presence_scale : float
        The factor on the summed scores when the presence part is in.
    presence_columns : int or None
        How many leading features the presence part reads (the TF-IDF views'; dense columns after
        them, such as the semantic view's, are always non-zero); None: all.
    random_state : int
        Seed of the regressions.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0, 0.2], [0.0, 1.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.8, 0.5]] * 5)
    >>> y = np.array(["markets", "other", "markets", "other"] * 5)
    >>> head = TopicClassifier().fit(X, y)
    >>> head.predict(X[:2]).tolist(), head.coef_.shape == head.presence_coef_.shape
    (['markets', 'other'], True)
    """

    def __init__(self, c=TOPIC_C, class_weight=TOPIC_CLASS_WEIGHT, presence_c=TOPIC_PRESENCE_C,
                 presence_scale=TOPIC_PRESENCE_SCALE, presence_columns=None, random_state=SEED):  # fmt: skip
        self.c = c
        self.class_weight = class_weight
        self.presence_c = presence_c
        self.presence_scale = presence_scale
        self.presence_columns = presence_columns
        self.random_state = random_state

    def fit(self, X, y):
        """Fit the regression on `X` and, unless ``presence_c`` is 0, each topic's presence regression."""
        X, y = validate_data(self, X, y, accept_sparse="csr")
        regression = LogisticRegression(C=self.c, class_weight=self.class_weight, max_iter=3000,
                                        random_state=self.random_state).fit(X, y)  # fmt: skip
        self.classes_ = regression.classes_
        coef = np.asarray(regression.coef_, dtype=np.float64)
        intercept = np.asarray(regression.intercept_, dtype=np.float64)
        if len(self.classes_) == 2:  # scikit-learn keeps one row for two classes: give each its own
            coef, intercept = (
                np.vstack([-coef / 2, coef / 2]),
                np.array([-intercept[0] / 2, intercept[0] / 2]),
            )
        presence = np.zeros_like(coef)
        scale = 1.0
        if self.presence_c > 0:
            scale = float(self.presence_scale)
            width = X.shape[1] if self.presence_columns is None else int(self.presence_columns)
            present = _presence(X, width)
            for k, topic in enumerate(self.classes_):
                presence[k, :width], bias = _presence_part(
                    present, y == topic, self.presence_c, self.random_state
                )
                intercept[k] += bias
        self.coef_, self.presence_coef_, self.intercept_ = coef * scale, presence * scale, intercept * scale
        return self

    def decision_function(self, X) -> np.ndarray:
        """Each topic's score (rows: headlines, columns: ``classes_``; for two classes, as scikit-learn
        does, one column: the second class's score minus the first's)."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = sp.csr_matrix(validate_data(self, X, accept_sparse="csr", reset=False))
        return _linear_scores(X, self.coef_, self.presence_coef_) + self.intercept_

    def predict_proba(self, X) -> np.ndarray:
        """Topic probabilities: the softmax of the scores."""
        scores = self._scores(X)
        scores -= scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """The most probable topic of each row."""
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]


def _presence(X, width: int) -> sp.csr_matrix:
    """Which of the first `width` columns of each row are non-zero, as 0/1 (the rest dropped)."""
    present = sp.csr_matrix(X)[:, :width].copy()
    present.eliminate_zeros()
    present.data = np.ones_like(present.data, dtype=np.float64)
    return present


def _presence_part(present: sp.csr_matrix, mine: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, float]:
    """NB-SVM for the rows `mine` against the rest: one weight a present column (its naive-Bayes
    ratio times the regression's weight on the scaled indicator) and the intercept."""
    ratio = _nb_ratio(present, mine)
    part = LogisticRegression(C=c, max_iter=3000, random_state=seed).fit(
        present @ sp.diags(ratio), mine.astype(int)
    )
    return ratio * part.coef_[0], float(part.intercept_[0])


def _linear_scores(X, coef: np.ndarray, presence: np.ndarray) -> np.ndarray:
    """Rows of X times each row of `coef`, plus each row of `presence` once for every non-zero
    column (skipped when the presence part is out)."""
    scores = np.asarray(X @ coef.T, dtype=np.float64)
    if presence.any():
        scores += np.asarray(_presence(X, X.shape[1]) @ presence.T, dtype=np.float64)
    return scores


def _nb_ratio(present: sp.csr_matrix, mine: np.ndarray) -> np.ndarray:
    """Each column's naive-Bayes log-count ratio for the rows `mine` against the rest (add-one)."""
    inside = np.asarray(present[mine].sum(axis=0)).ravel() + 1.0
    outside = np.asarray(present[~mine].sum(axis=0)).ravel() + 1.0
    return np.log(inside / inside.sum()) - np.log(outside / outside.sum())


class ToneRegressor(_SparseInput, RegressorMixin, BaseEstimator):
    """The tone head: ordinal logistic regressions or a ridge, and an isotonic calibration.

    ``kind="ordinal"`` fits one L2 logistic regression per threshold between consecutive
    `levels` (the midpoints: is the tone above -0.75? above -0.25? ...), each with its own
    weights, and scores a headline by its expected tone, ``levels[0]`` plus each step times the
    probability of passing its threshold (`classifier.model.runtime.expected_tone`). Words that
    tell bad news from neutral need not be those that tell good news from neutral. With
    ``presence_c`` above 0 (off by default), each threshold also has a presence part, as
    `TopicClassifier`'s: a logistic regression on which of the first `presence_columns` features
    are present, scaled by their naive-Bayes ratios for "above the threshold", added to the
    threshold's score and the sum times `presence_scale`. Fitted:
    ``coef_`` and ``presence_coef_`` (thresholds, features), ``intercept_`` (thresholds,),
    ``levels_``.

    ``kind="ridge"`` fits a ridge regression, mixed with a ridge on the lexicon columns alone
    (`lexicon_blend`): one linear score. Fitted: ``coef_`` (features,), a float ``intercept_``,
    ``levels_`` None, ``presence_coef_`` zeros.

    Parameters
    ----------
    alpha : float
        Ridge penalty (``kind="ridge"``).
    lexicon_columns : int
        How many of the last input columns are lexicon features.
    lexicon_blend : float
        Share of a ridge on the lexicon columns alone mixed into the weights (0 to 1;
        ``kind="ridge"`` only).
    calibration_folds : int
        Folds of out-of-fold scores the isotonic map is fitted on; below 2, scores are clipped to
        [-1, 1] instead.
    random_state : int
        Seed of the calibration folds and of the logistic regressions.
    kind : {"ordinal", "ridge"}
        The model of the raw score.
    c : float
        Inverse L2 penalty of each threshold's logistic regression (``kind="ordinal"``).
    levels : sequence of float
        The tone values, rising; the thresholds lie midway between neighbours
        (``kind="ordinal"``).
    presence_c : float
        Inverse penalty of each threshold's presence part (``kind="ordinal"``); 0 leaves it out.
    presence_scale : float
        The factor on a threshold's summed scores when the presence part is in.
    presence_columns : int or None
        How many leading features the presence part reads; None: all but the lexicon columns.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]] * 5)
    >>> y = np.array([-0.5, 0.5, 0.0, -0.3] * 5)
    >>> head = ToneRegressor(lexicon_columns=1, calibration_folds=2).fit(X, y)
    >>> bool(np.all(np.abs(head.predict(X)) <= 1))
    True
    >>> head.coef_.shape, head.levels_.tolist()
    ((4, 2), [-1.0, -0.5, 0.0, 0.5, 1.0])
    >>> ToneRegressor(lexicon_columns=1, kind="ridge").fit(X, y).coef_.shape
    (2,)
    """

    def __init__(self, alpha=TONE_ALPHA, lexicon_columns=0, lexicon_blend=TONE_LEXICON_BLEND,
                 calibration_folds=TONE_CALIBRATION_FOLDS, random_state=SEED, kind=TONE_MODEL, c=TONE_C,
                 levels=TONE_VALUES, presence_c=TONE_PRESENCE_C, presence_scale=TONE_PRESENCE_SCALE,
                 presence_columns=None):  # fmt: skip
        self.alpha = alpha
        self.lexicon_columns = lexicon_columns
        self.lexicon_blend = lexicon_blend
        self.calibration_folds = calibration_folds
        self.random_state = random_state
        self.kind = kind
        self.c = c
        self.levels = levels
        self.presence_c = presence_c
        self.presence_scale = presence_scale
        self.presence_columns = presence_columns

    def _levels(self) -> np.ndarray | None:
        """The tone values of an ordinal head (checked), None for a ridge."""
        if self.kind == "ridge":
            return None
        if self.kind != "ordinal":
            raise ValueError(f"kind must be 'ordinal' or 'ridge', not {self.kind!r}")
        if not rising_levels(self.levels):
            raise ValueError(f"levels must be at least two rising values, not {self.levels!r}")
        return np.asarray(self.levels, dtype=np.float64)

    def _fit_scorer(self, X, y) -> tuple[np.ndarray, np.ndarray | float, np.ndarray]:
        """The weights, intercept(s) and presence weights of the raw score on (X, y)."""
        levels = self._levels()
        if levels is None:
            coef, intercept = self._fit_linear(X, y)
            return coef, intercept, np.zeros_like(coef)
        return self._fit_ordinal(X, y, levels)

    def _fit_ordinal(self, X, y, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One logistic regression (and presence part) per threshold: weights, intercepts, presence weights."""
        thresholds = (levels[:-1] + levels[1:]) / 2
        coef = np.zeros((len(thresholds), X.shape[1]), dtype=np.float64)
        presence = np.zeros_like(coef)
        intercept = np.zeros(len(thresholds), dtype=np.float64)
        width = (
            X.shape[1] - int(self.lexicon_columns)
            if self.presence_columns is None
            else int(self.presence_columns)
        )
        present = _presence(X, width) if self.presence_c > 0 else None
        for k, cut in enumerate(thresholds):
            above = (y > cut).astype(np.int64)
            share = above.mean()
            if share in (0.0, 1.0):  # every row on one side: a constant, all but certain
                intercept[k] = 30.0 if share else -30.0
                continue
            head = LogisticRegression(C=self.c, max_iter=3000, random_state=self.random_state).fit(X, above)
            coef[k], intercept[k] = head.coef_[0], head.intercept_[0]
            if present is not None:
                presence[k, :width], bias = _presence_part(present, above.astype(bool), self.presence_c,
                                                           self.random_state)  # fmt: skip
                intercept[k] += bias
                coef[k], presence[k], intercept[k] = (
                    self.presence_scale * coef[k],
                    self.presence_scale * presence[k],
                    self.presence_scale * intercept[k],
                )
        return coef, intercept, presence

    def _score(self, X, coef: np.ndarray, intercept, presence: np.ndarray) -> np.ndarray:
        """Raw scores of X under fitted weights (the expected tone, for an ordinal head)."""
        if coef.ndim == 1:
            return np.asarray(X @ coef, dtype=np.float64).ravel() + intercept
        return expected_tone(_linear_scores(X, coef, presence) + intercept, self.levels_)

    def _fit_linear(self, X, y) -> tuple[np.ndarray, float]:
        """The blended linear weights and intercept on (X, y)."""
        head = Ridge(alpha=self.alpha, random_state=self.random_state).fit(X, y)
        coef, intercept = np.asarray(head.coef_, dtype=np.float64), float(head.intercept_)
        lexical = int(self.lexicon_columns)
        if self.lexicon_blend > 0 and lexical > 0:
            columns = X[:, -lexical:]
            alone = Ridge(alpha=self.alpha, random_state=self.random_state).fit(
                columns.toarray() if sp.issparse(columns) else columns, y
            )
            coef = (1.0 - self.lexicon_blend) * coef
            coef[-lexical:] += self.lexicon_blend * alone.coef_
            intercept = (1.0 - self.lexicon_blend) * intercept + self.lexicon_blend * float(alone.intercept_)
        return coef, intercept

    def fit(self, X, y):
        """Fit the weights on every row, and the calibration on out-of-fold scores."""
        X, y = validate_data(self, X, y, accept_sparse="csr", y_numeric=True, dtype=[np.float64, np.float32])
        y = np.asarray(y, dtype=np.float64)
        self.levels_ = self._levels()
        self.coef_, self.intercept_, self.presence_coef_ = self._fit_scorer(X, y)
        self.calibration_ = np.zeros((2, 0))
        folds = int(self.calibration_folds)
        if folds >= 2 and len(y) >= 2 * folds:
            held_out = np.zeros(len(y), dtype=np.float64)
            for train, test in KFold(folds, shuffle=True, random_state=self.random_state).split(X):
                coef, intercept, presence = clone(self)._fit_scorer(X[train], y[train])
                held_out[test] = self._score(X[test], coef, intercept, presence)
            self.calibration_ = _isotonic_map(held_out, y)
        return self

    def raw_scores(self, X) -> np.ndarray:
        """The scores before calibration: the linear score, or an ordinal head's expected tone."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32])
        return self._score(X, self.coef_, self.intercept_, self.presence_coef_)

    def explain_weights(self) -> tuple[np.ndarray, float]:
        """One weight a feature and an intercept: what `--explain` multiplies feature values by.

        For a ridge, its weights: contributions plus the intercept sum to the raw score. For an
        ordinal head, each threshold's weights times the step between its levels, summed: the
        contributions plus the intercept sum to the step-weighted sum of the thresholds' log-odds,
        which the expected tone rises with (a positive contribution raises the tone where it
        pushes every threshold the same way).
        """
        check_is_fitted(self, "coef_")
        if self.coef_.ndim == 1:
            return self.coef_, float(self.intercept_)
        steps = np.diff(self.levels_)
        return steps @ self.coef_, float(steps @ self.intercept_)

    def explain_presence(self) -> np.ndarray:
        """One weight a feature added once when it is present, as `explain_weights` combines them (zeros for a ridge)."""
        check_is_fitted(self, "coef_")
        if self.coef_.ndim == 1:
            return np.zeros_like(self.coef_)
        return np.diff(self.levels_) @ self.presence_coef_

    def predict(self, X) -> np.ndarray:
        """Tone scores in [-1, 1]."""
        return calibrate(self.raw_scores(X), self.calibration_)


def _isotonic_map(scores: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Centres of the steps of an isotonic fit, as a strictly rising two-row map.

    Isotonic regression is a staircase: whole ranges of scores share one value, which throws away
    their order. Interpolating between the centres of the steps keeps it strictly rising.
    """
    iso = IsotonicRegression(y_min=-1.0, y_max=1.0, out_of_bounds="clip").fit(scores, target)
    steps = pd.DataFrame({"x": iso.X_thresholds_, "y": iso.y_thresholds_})
    centres = steps.groupby((steps["y"].diff() != 0).cumsum()).agg(x=("x", "mean"), y=("y", "first"))
    return np.vstack([centres["x"].to_numpy(), centres["y"].to_numpy()]).astype(np.float64)
