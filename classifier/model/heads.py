"""The model: shared text features, a topic head with probabilities and a tone head in [-1, 1]."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import FeatureUnion

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
    TONE_CALIBRATION_FOLDS,
    TONE_COLUMN,
    TONE_LEXICON_BLEND,
    TOPIC_C,
    TOPIC_CLASS_WEIGHT,
    TOPIC_COLUMN,
    WORD_NGRAMS,
)
from classifier.model.features import LexiconFeatures, build_text_features

# In-memory prediction lives in classifier.model.inference (no scikit-learn needed); re-exported here.
from classifier.model.inference import classify, predict_frame, predict_texts
from classifier.model.runtime import (  # noqa: F401  (re-exported)
    LEXICON_FEATURES,
    UNCERTAIN,
    Runtime,
    WordView,
    prediction_columns,
    tone_labels,
)
from classifier.model.semantic import SemanticView, load_table
from classifier.model.tokens import ChunkTokens, tokenise_chunk
from classifier.model.vectorize import CompiledFeatures, compile_features

__all__ = [
    "UNCERTAIN",
    "HeadlineModel",
    "ModelParams",
    "classify",
    "fit",
    "fit_tone_calibration",
    "fit_tone_head",
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
    tone_alpha: float = TONE_ALPHA
    lexicon_weight: float = LEXICON_WEIGHT
    tone_lexicon_blend: float = TONE_LEXICON_BLEND
    tone_calibration_folds: int = TONE_CALIBRATION_FOLDS
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


@dataclass
class HeadlineModel:
    """A fitted model: shared text features feed both heads; lexicon features feed only the tone head."""

    features: FeatureUnion
    topic_head: LogisticRegression
    tone_features: LexiconFeatures
    tone_head: Ridge
    lexicon_weight: float = LEXICON_WEIGHT
    # Isotonic map from the tone head's raw score to the expected human tone: row 0 raw scores,
    # row 1 calibrated values, interpolated linearly between them (None: clip only).
    tone_calibration: np.ndarray | None = None
    card: dict = field(default_factory=dict)
    # Pooled static token vectors beside the TF-IDF views (None: no semantic view).
    semantic: SemanticView | None = None
    _compiled: CompiledFeatures | None = field(default=None, init=False, repr=False, compare=False)
    _runtime: Runtime | None = field(default=None, init=False, repr=False, compare=False)
    _explain_names: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False,
                                                                  compare=False)  # fmt: skip

    def text_matrix(self, texts: list[str], tokens: ChunkTokens | None = None) -> sp.csr_matrix:
        """The shared text features: the compiled TF-IDF views, then the semantic view's columns."""
        if self.semantic is None:
            return self.compiled_features().transform(texts, tokens)
        tokens = tokenise_chunk(texts) if tokens is None else tokens
        tfidf = self.compiled_features().transform(texts, tokens)
        return sp.hstack([tfidf, sp.csr_matrix(self.semantic.transform_tokens(tokens))], format="csr")

    def feature_names(self) -> np.ndarray:
        """Names of the shared text features, in column order (semantic columns `semantic:i`)."""
        names = list(self.features.get_feature_names_out())
        if self.semantic is not None:
            names += self.semantic.feature_names()
        return np.asarray(names, dtype=object)

    def compiled_features(self) -> CompiledFeatures:
        """The feature union compiled to array lookups, built on first use and kept."""
        if self._compiled is None:
            self._compiled = compile_features(self.features)
        return self._compiled

    def explain_names(self) -> tuple[np.ndarray, np.ndarray]:
        """Readable names of the topic head's inputs and of the tone head's, built on first use and kept."""
        if self._explain_names is None:
            from classifier.model.explain import readable_names, tone_feature_names

            text = readable_names(self.feature_names())
            self._explain_names = (text, tone_feature_names(self, text))
        return self._explain_names

    def prepare(self) -> HeadlineModel:
        """Build every lookup table prediction uses now (before forking, so workers share them)."""
        self.compiled_features()
        self.tone_features.lookup_tables()
        self.runtime()
        return self

    def runtime(self) -> Runtime | None:
        """The prediction part as plain arrays (built on first use and kept); None if a view is not compiled."""
        if self._runtime is None:
            views = self.compiled_features().views
            if not all(isinstance(v, WordView) for v in views):
                return None
            index, valences, flags = self.tone_features.lookup_tables()
            self._runtime = Runtime(
                views=tuple(views),
                lexicon_words=tuple(sorted(index, key=index.__getitem__)),
                lexicon_valences=valences,
                lexicon_flags=flags,
                negation_window=int(self.tone_features.negation_window),
                lexicon_weight=float(self.lexicon_weight),
                topics=tuple(self.topics),
                topic_coef=np.asarray(self.topic_head.coef_, dtype=np.float64),
                topic_intercept=np.asarray(self.topic_head.intercept_, dtype=np.float64),
                tone_coef=np.asarray(self.tone_head.coef_, dtype=np.float64),
                tone_intercept=float(self.tone_head.intercept_),
                tone_calibration=self.tone_calibration,
                semantic=self.semantic,
            )
        return self._runtime

    def tone_matrix(
        self, text_matrix: sp.spmatrix, texts: list[str], tokens: ChunkTokens | None = None
    ) -> sp.csr_matrix:
        """The tone head's input: the shared text features plus the weighted lexicon features."""
        tokens = tokenise_chunk(texts) if tokens is None else tokens
        lexical = self.tone_features.transform_tokens(tokens) * self.lexicon_weight
        return sp.hstack([text_matrix, sp.csr_matrix(lexical)], format="csr")

    def calibrated_tone(self, raw: np.ndarray) -> np.ndarray:
        """The tone score in [-1, 1]: the raw linear score through the fitted isotonic map."""
        raw = np.asarray(raw, dtype=np.float64)
        if self.tone_calibration is None:
            return np.clip(raw, -1.0, 1.0)
        return np.interp(raw, self.tone_calibration[0], self.tone_calibration[1])

    @property
    def topics(self) -> list[str]:
        """Topic labels in the order of the probability columns."""
        return [str(c) for c in self.topic_head.classes_]


def tone_label(score: float) -> str:
    """Map a tone score to negative / neutral / positive at the codebook thresholds."""
    return str(tone_labels(np.asarray([score]))[0])


def fit(frame: pd.DataFrame, params: ModelParams | None = None) -> HeadlineModel:
    """Fit features and both heads on labelled rows (columns headline, topic, tone)."""
    params = params or ModelParams()
    features = build_text_features(params.word_ngrams, params.subwords, params.char_ngrams, params.min_df)
    texts = frame[TEXT_COLUMN].astype(str).tolist()
    matrix = features.fit_transform(texts)
    semantic = None
    if params.semantic_weight > 0:
        semantic = SemanticView(_shared_table(params.semantic_table), params.semantic_weight)
        matrix = sp.hstack([matrix, sp.csr_matrix(semantic.transform(texts))], format="csr")
    topic_head = LogisticRegression(
        C=params.topic_c, class_weight=params.topic_class_weight, max_iter=3000, random_state=params.seed
    )
    topic_head.fit(matrix, frame[TOPIC_COLUMN].to_numpy())
    model = HeadlineModel(
        features=features,
        topic_head=topic_head,
        tone_features=LexiconFeatures().fit(texts),
        tone_head=Ridge(alpha=params.tone_alpha, random_state=params.seed),
        lexicon_weight=params.lexicon_weight,
        semantic=semantic,
    )
    tone_input = model.tone_matrix(matrix, texts)
    tone = frame[TONE_COLUMN].to_numpy(dtype=float)
    fit_tone_head(model.tone_head, tone_input, tone, params.tone_lexicon_blend)
    if params.tone_calibration_folds >= 2 and len(tone) >= 2 * params.tone_calibration_folds:
        model.tone_calibration = fit_tone_calibration(model.tone_head, tone_input, tone, params)
    return model


_TABLES: dict[str, object] = {}


def _shared_table(path: str):
    """A vector table read once per process (cross-validation fits many models from it)."""
    if path not in _TABLES:
        _TABLES[path] = load_table(path)
    return _TABLES[path]


def fit_tone_head(head: Ridge, tone_input: sp.csr_matrix, tone: np.ndarray, blend: float) -> Ridge:
    """Fit the tone head, then mix in a ridge on the lexicon columns alone at weight `blend`.

    Both are linear in the same input, so the mixture is one linear head: explanations and the
    compiled prediction path see a single set of weights. The lexicon columns are the last
    ones of `tone_input` (see `HeadlineModel.tone_matrix`).
    """
    head.fit(tone_input, tone)
    if blend > 0:
        lexical = len(LEXICON_FEATURES)
        alone = clone(head).fit(tone_input[:, -lexical:].toarray(), tone)
        coef = (1.0 - blend) * head.coef_
        coef[-lexical:] += blend * alone.coef_
        head.coef_ = coef
        head.intercept_ = (1.0 - blend) * head.intercept_ + blend * alone.intercept_
    return head


def fit_tone_calibration(
    tone_head: Ridge, tone_input: sp.csr_matrix, tone: np.ndarray, params: ModelParams
) -> np.ndarray:
    """Learn the isotonic map from raw tone scores to human tone on out-of-fold predictions.

    A ridge head shrinks its scores toward the mean; mapping them through what the held-out rows
    actually scored makes the score calibrated (rows scored s average a human tone of about s), and
    bounded in [-1, 1]. The text features are shared across folds; only the head is refitted.
    """
    folds = KFold(params.tone_calibration_folds, shuffle=True, random_state=params.seed)
    held_out = np.zeros(len(tone), dtype=np.float64)
    for train, test in folds.split(tone_input):
        head = fit_tone_head(clone(tone_head), tone_input[train], tone[train], params.tone_lexicon_blend)
        held_out[test] = head.predict(tone_input[test])
    iso = IsotonicRegression(y_min=-1.0, y_max=1.0, out_of_bounds="clip").fit(held_out, tone)
    # Isotonic regression is a staircase: whole ranges of scores share one value, which throws
    # away their order. Interpolating between the centres of the steps keeps it strictly rising.
    steps = pd.DataFrame({"x": iso.X_thresholds_, "y": iso.y_thresholds_})
    centres = steps.groupby((steps["y"].diff() != 0).cumsum()).agg(x=("x", "mean"), y=("y", "first"))
    return np.vstack([centres["x"].to_numpy(), centres["y"].to_numpy()]).astype(np.float64)
