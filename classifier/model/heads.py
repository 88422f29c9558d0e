"""The model: shared text features, a topic head with probabilities and a tone head in [-1, 1]."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import FeatureUnion
from sklearn.utils.validation import check_is_fitted

from classifier.config import (
    CHAR_NGRAMS,
    LEXICON_WEIGHT,
    MIN_DF,
    SEED,
    SEMANTIC_TABLE,
    SEMANTIC_WEIGHT,
    SUBWORDS,
    TEXT_COLUMN,
    TONE_ALPHA,
    TONE_C,
    TONE_CALIBRATION_FOLDS,
    TONE_COLUMN,
    TONE_LEXICON_BLEND,
    TONE_MODEL,
    TONE_PRESENCE_C,
    TONE_PRESENCE_SCALE,
    TONE_THRESHOLD,
    TOPIC_C,
    TOPIC_CLASS_WEIGHT,
    TOPIC_COLUMN,
    TOPIC_PRESENCE_C,
    TOPIC_PRESENCE_SCALE,
    TOPICS,
    WORD_NGRAMS,
)
from classifier.io.readers import headline_texts
from classifier.model.estimators import HeadlineVectorizer, ToneRegressor, TopicClassifier
from classifier.model.features import LexiconFeatures

# In-memory prediction lives in classifier.model.inference (no scikit-learn needed); re-exported here.
from classifier.model.inference import classify, predict_frame, predict_texts
from classifier.model.runtime import (
    LEXICON_FEATURES,
    UNCERTAIN,
    Runtime,
    WordView,
    calibrate,
    tone_labels,
)
from classifier.model.semantic import SemanticView
from classifier.model.tokens import ChunkTokens, tokenise_chunk
from classifier.model.vectorize import CompiledFeatures

__all__ = [
    "UNCERTAIN",
    "HeadlineModel",
    "ModelParams",
    "classify",
    "fit",
    "model_from_params",
    "predict_frame",
    "predict_texts",
    "tone_label",
    "tone_labels",
]


@dataclass(frozen=True)
class ModelParams:
    """The knobs of a model; stored in its card so a run can be repeated."""

    word_ngrams: tuple[int, int] = WORD_NGRAMS
    subwords: str = SUBWORDS
    char_ngrams: tuple[int, int] = CHAR_NGRAMS
    min_df: int = MIN_DF
    topic_c: float = TOPIC_C
    topic_class_weight: str | None = TOPIC_CLASS_WEIGHT
    topic_presence_c: float = TOPIC_PRESENCE_C  # 0 leaves the topic head's presence part out
    topic_presence_scale: float = TOPIC_PRESENCE_SCALE
    tone_alpha: float = TONE_ALPHA
    lexicon_weight: float = LEXICON_WEIGHT
    tone_lexicon_blend: float = TONE_LEXICON_BLEND
    tone_calibration_folds: int = TONE_CALIBRATION_FOLDS
    tone_model: str = TONE_MODEL
    tone_c: float = TONE_C
    tone_presence_c: float = TONE_PRESENCE_C  # 0 leaves the ordinal tone head's presence part out
    tone_presence_scale: float = TONE_PRESENCE_SCALE
    semantic_weight: float = SEMANTIC_WEIGHT  # 0 leaves the semantic view out
    semantic_table: str = str(SEMANTIC_TABLE)
    seed: int = SEED

    def to_dict(self) -> dict:
        """Plain JSON-ready form for the model card."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> ModelParams:
        """Rebuild from a card, turning lists back into tuples."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


class HeadlineModel(ClassifierMixin, BaseEstimator):
    """Topic and tone of news headlines: shared text features, a topic head and a tone head.

    A scikit-learn estimator: the parameters below are stored by ``__init__`` (``get_params``,
    ``set_params``, ``clone`` and ``GridSearchCV`` work), ``fit`` returns the model, and fitted
    parts end in ``_``: ``vectorizer_`` (word and stem TF-IDF views plus the semantic view),
    ``topic_head_`` (a `TopicClassifier`: a logistic regression plus a presence part), ``lexicon_`` (lexicon features for the tone head) and
    ``tone_head_`` (a `ToneRegressor`: ordinal logistic regressions or a ridge with a lexicon
    share, then an isotonic map when ``tone_calibration_folds`` is 2 or more). The topic
    order of the outputs and the tone thresholds are stored with the model (``topics_``,
    ``tone_threshold_``). ``card`` holds what a model file says about it (data, figures).

    Parameters
    ----------
    word_ngrams, subwords, char_ngrams, min_df, semantic_weight, semantic_table
        The text features (see `HeadlineVectorizer`).
    topic_c : float
        Inverse regularisation strength of the topic head.
    topic_class_weight : {"balanced", None}
        Class weights of the topic head.
    topic_presence_c, topic_presence_scale
        Inverse penalty of the topic head's presence part (0 leaves it out) and the scale of the
        summed scores (see `TopicClassifier`).
    tone_model : {"ordinal", "ridge"}
        The tone head's model (`ToneRegressor`'s ``kind``).
    tone_c : float
        Inverse penalty of the ordinal tone head's logistic regressions.
    tone_presence_c, tone_presence_scale
        The ordinal tone head's presence part: inverse penalty (0 leaves it out) and scale.
    tone_alpha, tone_lexicon_blend
        Penalty and lexicon-only share of the ridge tone head.
    tone_calibration_folds
        Folds of the tone calibration (see `ToneRegressor`).
    lexicon_weight : float
        Scale of the lexicon features against the text features in the tone head.
    seed : int
        Seed of every random choice in fitting.
    tone_threshold : float
        Tone scores beyond +-this are labelled positive or negative.

    Examples
    --------
    >>> from classifier import HeadlineModel
    >>> texts = ["Rupee slides against dollar", "Troops trade fire across border",
    ...          "FM meets Chinese envoy", "Police arrest four in Karachi raid", "Film wins award"] * 4
    >>> topics = ["markets", "conflict", "diplomacy", "security", "other"] * 4
    >>> tones = [-0.5, -1.0, 0.5, -0.5, 1.0] * 4
    >>> model = HeadlineModel(semantic_weight=0, tone_calibration_folds=0).fit(texts, topics, tones)
    >>> model.predict(["Rupee slides again"])["topic"].tolist()
    ['markets']
    >>> model.predict_proba(["Rupee slides again"]).shape
    (1, 5)
    """

    def __init__(self, word_ngrams=WORD_NGRAMS, subwords=SUBWORDS, char_ngrams=CHAR_NGRAMS, min_df=MIN_DF,
                 topic_c=TOPIC_C, topic_class_weight=TOPIC_CLASS_WEIGHT, topic_presence_c=TOPIC_PRESENCE_C,
                 topic_presence_scale=TOPIC_PRESENCE_SCALE, tone_alpha=TONE_ALPHA,
                 lexicon_weight=LEXICON_WEIGHT, tone_lexicon_blend=TONE_LEXICON_BLEND,
                 tone_calibration_folds=TONE_CALIBRATION_FOLDS, tone_model=TONE_MODEL, tone_c=TONE_C,
                 tone_presence_c=TONE_PRESENCE_C, tone_presence_scale=TONE_PRESENCE_SCALE,
                 semantic_weight=SEMANTIC_WEIGHT, semantic_table=str(SEMANTIC_TABLE), seed=SEED,
                 tone_threshold=TONE_THRESHOLD):  # fmt: skip
        self.word_ngrams = word_ngrams
        self.subwords = subwords
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.topic_c = topic_c
        self.topic_class_weight = topic_class_weight
        self.topic_presence_c = topic_presence_c
        self.topic_presence_scale = topic_presence_scale
        self.tone_alpha = tone_alpha
        self.lexicon_weight = lexicon_weight
        self.tone_lexicon_blend = tone_lexicon_blend
        self.tone_calibration_folds = tone_calibration_folds
        self.tone_model = tone_model
        self.tone_c = tone_c
        self.tone_presence_c = tone_presence_c
        self.tone_presence_scale = tone_presence_scale
        self.semantic_weight = semantic_weight
        self.semantic_table = semantic_table
        self.seed = seed
        self.tone_threshold = tone_threshold

    # Fitting

    def fit(self, texts, topics, tones=None) -> HeadlineModel:
        """Fit the text features and both heads.

        Parameters
        ----------
        texts : sequence of str
            Headlines.
        topics : sequence of str
            Each headline's topic (diplomacy, security, conflict, markets, other).
        tones : sequence of float, optional
            Each headline's tone in [-1, 1]; without it the tone head learns a constant 0.

        Returns
        -------
        HeadlineModel
            The fitted model itself.
        """
        texts = headline_texts(texts)
        topics = np.asarray(topics)
        tones = np.zeros(len(texts)) if tones is None else np.asarray(tones, dtype=np.float64)
        if not len(texts) == len(topics) == len(tones):
            raise ValueError(
                f"{len(texts)} texts, {len(topics)} topics and {len(tones)} tones: one of each a row"
            )
        self._clear_caches()
        self.vectorizer_ = HeadlineVectorizer(self.word_ngrams, self.subwords, self.char_ngrams, self.min_df,
                                              self.semantic_weight, self.semantic_table).fit(texts)  # fmt: skip
        tokens = tokenise_chunk(texts)
        matrix = self.vectorizer_.transform(texts, tokens)
        semantic = self.vectorizer_.semantic_
        tfidf_width = matrix.shape[1] - (
            semantic.dims if semantic is not None else 0
        )  # what presence parts read
        self.topic_head_ = TopicClassifier(self.topic_c, self.topic_class_weight, self.topic_presence_c,
                                           self.topic_presence_scale, tfidf_width, self.seed).fit(matrix, topics)  # fmt: skip
        self.classes_ = self.topic_head_.classes_
        self.lexicon_ = LexiconFeatures().fit(texts)
        self.tone_head_ = ToneRegressor(self.tone_alpha, len(LEXICON_FEATURES), self.tone_lexicon_blend,
                                        self.tone_calibration_folds, self.seed, kind=self.tone_model,
                                        c=self.tone_c, presence_c=self.tone_presence_c,
                                        presence_scale=self.tone_presence_scale,
                                        presence_columns=tfidf_width)  # fmt: skip
        self.tone_head_.fit(self.tone_matrix(matrix, texts, tokens), tones)
        self.topics_ = tuple(t for t in TOPICS if t in set(self.classes_)) + tuple(
            str(c) for c in self.classes_ if c not in TOPICS
        )
        self.tone_threshold_ = float(self.tone_threshold)
        if not hasattr(self, "card"):
            self.card = {}
        return self

    # Predicting

    def predict(self, texts, explain: int = 0, min_confidence: float | None = None) -> pd.DataFrame:
        """Topic, runner-up, probabilities, tone and its label for each headline, as a DataFrame.

        Parameters
        ----------
        texts : sequence of str
            Headlines; blank ones get a row of empty predictions.
        explain : int
            Also list the `explain` terms that moved each row's topic and tone most.
        min_confidence : float, optional
            A topic whose probability is below it becomes "uncertain".

        Returns
        -------
        pandas.DataFrame
            One row a headline, columns `classifier.config.PREDICTION_COLUMNS` (and the reasons).
        """
        return predict_texts(self, texts, explain=explain, min_confidence=min_confidence)

    def predict_proba(self, texts) -> np.ndarray:
        """Topic probabilities, one column a class of ``classes_`` (scikit-learn's order)."""
        check_is_fitted(self, "topic_head_")
        texts = headline_texts(texts)
        proba, _, _ = self.scores(tokenise_chunk(texts), texts)
        order = [list(self.topics_).index(str(c)) for c in self.classes_]
        return proba[:, order]

    def score_tone(self, texts) -> np.ndarray:
        """Tone scores in [-1, 1], one a headline."""
        check_is_fitted(self, "tone_head_")
        texts = headline_texts(texts)
        _, tone, _ = self.scores(tokenise_chunk(texts), texts)
        return tone

    def score(self, texts, topics, sample_weight=None) -> float:
        """Topic accuracy on labelled headlines (what `GridSearchCV` maximises by default)."""
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(topics, self.predict(texts)["topic"], sample_weight=sample_weight))

    def scores(self, tokens: ChunkTokens, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Topic probabilities (columns ``topics_``), calibrated tone and known-word counts of `texts`.

        Through the runtime when every view compiles to it; otherwise (character n-gram views,
        which read the texts themselves) through the fitted estimators.
        """
        runtime = self.runtime()
        if runtime is not None:
            return runtime.scores(tokens)
        matrix = self.text_matrix(texts, tokens)
        order = [self.topics.index(t) for t in self.topics_]
        proba = self.topic_head_.predict_proba(matrix)[:, order]
        tone = self.tone_head_.predict(self.tone_matrix(matrix, texts, tokens))
        from classifier.model.known_words import known_word_counts

        return proba, tone, known_word_counts(self, tokens)

    # Saving

    def save(self, path) -> None:
        """Write the model to a file (a zip of plain arrays, a JSON card and a skops payload)."""
        from classifier.model.files import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path, allow_pickle: bool = False) -> HeadlineModel:
        """Read a model file; foreign, edited, truncated or other-version files are refused."""
        from classifier.model.files import load_model

        return load_model(path, allow_pickle=allow_pickle)

    # The parts, by the names the rest of the package reads them

    @property
    def features(self) -> FeatureUnion:
        """The fitted TF-IDF views (a FeatureUnion)."""
        return self.vectorizer_.union_

    @property
    def semantic(self) -> SemanticView | None:
        """The semantic view, or None."""
        return self.vectorizer_.semantic_

    @property
    def topic_head(self) -> TopicClassifier:
        return self.topic_head_

    @property
    def tone_head(self) -> ToneRegressor:
        return self.tone_head_

    @property
    def tone_features(self) -> LexiconFeatures:
        return self.lexicon_

    @property
    def tone_calibration(self) -> np.ndarray | None:
        """The tone head's isotonic map (rows: raw scores, calibrated values), or None."""
        calibration = self.tone_head_.calibration_
        return calibration if calibration.shape[1] else None

    @property
    def topics(self) -> list[str]:
        """Topic labels in the order of the topic head's rows."""
        return [str(c) for c in self.topic_head_.classes_]

    # What prediction builds on first use and keeps; never saved, dropped when the model is refitted.
    _CACHES = ("_runtime", "_explain_names", "_known_vocabularies")

    def _clear_caches(self) -> None:
        for name in self._CACHES:
            self.__dict__.pop(name, None)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for name in self._CACHES:
            state.pop(name, None)
        return state

    def text_matrix(self, texts: list[str], tokens: ChunkTokens | None = None) -> sp.csr_matrix:
        """The shared text features: the compiled TF-IDF views, then the semantic view's columns."""
        return self.vectorizer_.transform(texts, tokens)

    def feature_names(self) -> np.ndarray:
        """Names of the shared text features, in column order (semantic columns `semantic:i`)."""
        return self.vectorizer_.get_feature_names_out()

    def compiled_features(self) -> CompiledFeatures:
        """The feature union compiled to array lookups, built on first use and kept."""
        return self.vectorizer_.compiled()

    def explain_names(self) -> tuple[np.ndarray, np.ndarray]:
        """Readable names of the topic head's inputs and of the tone head's, built on first use and kept."""
        if "_explain_names" not in self.__dict__:
            from classifier.model.explain import readable_names, tone_feature_names

            text = readable_names(self.feature_names())
            self.__dict__["_explain_names"] = (text, tone_feature_names(self, text))
        return self.__dict__["_explain_names"]

    def prepare(self) -> HeadlineModel:
        """Build every lookup table prediction uses now (before forking, so workers share them)."""
        self.compiled_features()
        self.lexicon_.lookup_tables()
        self.runtime()
        return self

    def runtime(self) -> Runtime | None:
        """The prediction part as plain arrays (built on first use and kept); None if a view is not compiled."""
        if self.__dict__.get("_runtime") is None:
            views = self.compiled_features().views
            if not all(isinstance(v, WordView) for v in views):
                return None
            index, valences, flags = self.lexicon_.lookup_tables()
            ordinal = getattr(self.tone_head_, "levels_", None) is not None
            tone_intercept = self.tone_head_.intercept_
            tone_intercept = (
                np.asarray(tone_intercept, dtype=np.float64) if ordinal else float(tone_intercept)
            )
            self.__dict__["_runtime"] = Runtime(
                views=tuple(views),
                lexicon_words=tuple(sorted(index, key=index.__getitem__)),
                lexicon_valences=valences,
                lexicon_flags=flags,
                negation_window=int(self.lexicon_.negation_window),
                lexicon_weight=float(self.lexicon_weight),
                topics=tuple(self.topics),
                topic_coef=np.asarray(self.topic_head_.coef_, dtype=np.float64),
                topic_intercept=np.asarray(self.topic_head_.intercept_, dtype=np.float64),
                topic_presence=_presence_weights(self.topic_head_),
                tone_presence=_presence_weights(self.tone_head_),
                tone_coef=np.asarray(self.tone_head_.coef_, dtype=np.float64),
                tone_intercept=tone_intercept,
                tone_calibration=self.tone_calibration,
                output_topics=tuple(getattr(self, "topics_", TOPICS)),
                tone_threshold=float(getattr(self, "tone_threshold_", self.tone_threshold)),
                semantic=self.semantic,
                tone_levels=np.asarray(self.tone_head_.levels_, dtype=np.float64) if ordinal else None,
            )
        return self.__dict__["_runtime"]

    def tone_matrix(
        self, text_matrix: sp.spmatrix, texts: list[str], tokens: ChunkTokens | None = None
    ) -> sp.csr_matrix:
        """The tone head's input: the shared text features plus the weighted lexicon features."""
        tokens = tokenise_chunk(texts) if tokens is None else tokens
        lexical = self.lexicon_.transform_tokens(tokens) * self.lexicon_weight
        return sp.hstack([text_matrix, sp.csr_matrix(lexical)], format="csr")

    def calibrated_tone(self, raw: np.ndarray) -> np.ndarray:
        """The tone score in [-1, 1]: a raw score (`ToneRegressor.raw_scores`) through the fitted isotonic map, or clipped without one."""
        return calibrate(np.asarray(raw, dtype=np.float64), self.tone_head_.calibration_)


def _presence_weights(head) -> np.ndarray | None:
    """A head's presence weights for the runtime, or None when its presence part is out (all zero)."""
    presence = np.asarray(head.presence_coef_, dtype=np.float64)
    return presence if presence.any() else None


def tone_label(score: float) -> str:
    """Map a tone score to negative / neutral / positive at the codebook thresholds."""
    return str(tone_labels(np.asarray([score]))[0])


def model_from_params(params: ModelParams | HeadlineModel | None = None) -> HeadlineModel:
    """An unfitted model with the knobs of `params` (a HeadlineModel's are copied: it is cloned)."""
    if isinstance(params, HeadlineModel):
        from sklearn.base import clone

        return clone(params)
    return HeadlineModel(**asdict(params or ModelParams()))


def fit(frame: pd.DataFrame, params: ModelParams | HeadlineModel | None = None) -> HeadlineModel:
    """Fit a model on labelled rows (columns headline, topic, tone) with the knobs of `params`."""
    return model_from_params(params).fit(frame[TEXT_COLUMN].astype(str).tolist(), frame[TOPIC_COLUMN].to_numpy(),
                                         frame[TONE_COLUMN].to_numpy(dtype=float))  # fmt: skip
