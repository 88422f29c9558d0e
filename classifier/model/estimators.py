"""The model's parts as scikit-learn estimators: the text vectoriser and the tone regressor.

`HeadlineVectorizer` turns headlines into the features both heads share (word and stem TF-IDF
views, then the semantic view's columns). `ToneRegressor` is the tone head: a ridge regression
whose last columns are the lexicon features, mixed with a ridge on those columns alone (one
linear head in the end), with an isotonic map fitted on out-of-fold scores so that a score of s
means a human tone of about s. The topic head is scikit-learn's own `LogisticRegression`. Each
follows scikit-learn's conventions: parameters stored by `__init__`, fitted state ending in `_`,
`fit` returning `self`, so they clone, grid-search and cross-validate like any estimator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin, clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import Ridge
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
    TONE_CALIBRATION_FOLDS,
    TONE_LEXICON_BLEND,
    WORD_NGRAMS,
)
from classifier.model.features import build_text_features
from classifier.model.runtime import calibrate
from classifier.model.semantic import SemanticView, load_table
from classifier.model.vectorize import compile_features

__all__ = ["HeadlineVectorizer", "ToneRegressor"]

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


class ToneRegressor(RegressorMixin, BaseEstimator):
    """The tone head: ridge regression, a lexicon-only share, and an isotonic calibration.

    Parameters
    ----------
    alpha : float
        Ridge penalty.
    lexicon_columns : int
        How many of the last input columns are lexicon features.
    lexicon_blend : float
        Share of a ridge on the lexicon columns alone mixed into the weights (0 to 1).
    calibration_folds : int
        Folds of out-of-fold scores the isotonic map is fitted on; below 2, scores are clipped to
        [-1, 1] instead.
    random_state : int
        Seed of the calibration folds.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.9]] * 5)
    >>> y = np.array([-0.5, 0.5, 0.0, -0.3] * 5)
    >>> head = ToneRegressor(lexicon_columns=1, calibration_folds=2).fit(X, y)
    >>> bool(np.all(np.abs(head.predict(X)) <= 1))
    True
    """

    def __init__(self, alpha=TONE_ALPHA, lexicon_columns=0, lexicon_blend=TONE_LEXICON_BLEND,
                 calibration_folds=TONE_CALIBRATION_FOLDS, random_state=SEED):  # fmt: skip
        self.alpha = alpha
        self.lexicon_columns = lexicon_columns
        self.lexicon_blend = lexicon_blend
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # the tone input is a sparse matrix
        return tags

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
        self.coef_, self.intercept_ = self._fit_linear(X, y)
        self.calibration_ = np.zeros((2, 0))
        folds = int(self.calibration_folds)
        if folds >= 2 and len(y) >= 2 * folds:
            held_out = np.zeros(len(y), dtype=np.float64)
            for train, test in KFold(folds, shuffle=True, random_state=self.random_state).split(X):
                coef, intercept = clone(self)._fit_linear(X[train], y[train])
                held_out[test] = X[test] @ coef + intercept
            self.calibration_ = _isotonic_map(held_out, y)
        return self

    def raw_scores(self, X) -> np.ndarray:
        """The linear scores before calibration."""
        check_is_fitted(self, "coef_")
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=[np.float64, np.float32])
        return np.asarray(X @ self.coef_, dtype=np.float64).ravel() + self.intercept_

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
