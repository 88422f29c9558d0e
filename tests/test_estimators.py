"""The model as scikit-learn estimators: conventions, grid search, cross-validation, the tone head."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_predict
from sklearn.utils.estimator_checks import check_estimator

from classifier.config import LEXICON_WEIGHT, TOPICS
from classifier.model.estimators import HeadlineVectorizer, ToneRegressor, TopicClassifier
from classifier.model.heads import HeadlineModel
from classifier.model.runtime import LEXICON_FEATURES
from tests.conftest import TINY_CORPUS


def _tiny():
    texts, topics, tones = zip(*TINY_CORPUS, strict=True)
    return list(texts), np.asarray(topics, dtype=object), np.asarray(tones, dtype=float)


def test_parameters_live_in_init_and_fitted_state_ends_in_underscore():
    model = HeadlineModel(topic_c=3.0, semantic_weight=0)
    assert model.get_params()["topic_c"] == 3.0
    assert model.set_params(topic_c=5.0) is model and model.topic_c == 5.0
    assert clone(model).get_params() == model.get_params()
    texts, topics, tones = _tiny()
    assert model.fit(texts, topics, tones) is model
    for name in (
        "vectorizer_",
        "topic_head_",
        "lexicon_",
        "tone_head_",
        "topics_",
        "tone_threshold_",
        "classes_",
    ):
        assert hasattr(model, name), name
    assert model.topics_ == TOPICS and model.lexicon_weight == LEXICON_WEIGHT


def test_predict_predict_proba_and_score_tone_agree(tiny_model):
    texts = ["Rupee slides against dollar", "Troops trade fire across LoC", ""]
    table = tiny_model.predict(texts)
    proba = tiny_model.predict_proba(texts[:2])
    assert proba.shape == (2, len(tiny_model.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    for column, topic in enumerate(tiny_model.classes_):
        np.testing.assert_allclose(proba[:, column], table[f"p_{topic}"][:2], atol=1e-9)
    np.testing.assert_allclose(tiny_model.score_tone(texts[:2]), table["tone"][:2], atol=1e-9)


def test_grid_search_over_one_parameter():
    texts, topics, tones = _tiny()
    search = GridSearchCV(HeadlineModel(semantic_weight=0, tone_calibration_folds=0), {"topic_c": [0.5, 20.0]},
                          cv=StratifiedKFold(2, shuffle=True, random_state=0))  # fmt: skip
    search.fit(texts, topics, tones=tones)
    assert search.best_params_["topic_c"] in (0.5, 20.0)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert 0.0 <= search.best_score_ <= 1.0
    assert search.best_estimator_.predict(["Rupee gains"])["topic"].iloc[0] in TOPICS


def test_cross_val_predict_gives_every_row_a_probability():
    texts, topics, tones = _tiny()
    proba = cross_val_predict(HeadlineModel(semantic_weight=0, tone_calibration_folds=0), texts, topics,
                              cv=StratifiedKFold(2, shuffle=True, random_state=0), method="predict_proba",
                              params={"tones": tones})  # fmt: skip
    assert proba.shape == (len(texts), len(TOPICS))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_the_vectorizer_is_a_transformer():
    texts, _, _ = _tiny()
    vectorizer = HeadlineVectorizer(semantic_weight=0)
    matrix = vectorizer.fit_transform(texts)
    assert sp.issparse(matrix) and matrix.shape == (len(texts), len(vectorizer.get_feature_names_out()))
    np.testing.assert_allclose(vectorizer.transform(texts).toarray(), matrix.toarray())
    with_view = HeadlineVectorizer(semantic_weight=0.25).fit(texts)
    assert with_view.transform(texts[:3]).shape[1] == matrix.shape[1] + with_view.semantic_.dims


# scikit-learn's own checks, on the estimator that takes numbers. The text estimators take lists
# of strings, which the generic checks (numeric arrays, NaN, sparse input) do not apply to:
# HeadlineVectorizer and HeadlineModel are covered by the behaviour tests above instead.
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize(("kind", "presence_c"), [("ordinal", 0.0), ("ordinal", 1.0), ("ridge", 0.0)])
def test_tone_regressor_passes_scikit_learn_estimator_checks(kind, presence_c):
    check_estimator(ToneRegressor(lexicon_columns=1, calibration_folds=2, kind=kind, presence_c=presence_c))


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("presence_c", [1.0, 0.0])
def test_topic_classifier_passes_scikit_learn_estimator_checks(presence_c):
    check_estimator(TopicClassifier(presence_c=presence_c))


def _topic_problem(rows: int = 120, columns: int = 40, seed: int = 0):
    """Random sparse non-negative features and three topics that depend on them."""
    rng = np.random.default_rng(seed)
    dense = rng.random((rows, columns)) * (rng.random((rows, columns)) < 0.2)
    topics = np.asarray(["markets", "other", "security"])[
        np.argmax(dense @ rng.normal(size=(columns, 3)), axis=1)
    ]
    return sp.csr_matrix(dense), topics


def test_topic_classifier_without_presence_is_the_plain_regression():
    from sklearn.linear_model import LogisticRegression

    matrix, topics = _topic_problem()
    plain = LogisticRegression(C=3.0, max_iter=3000, random_state=0).fit(matrix, topics)
    head = TopicClassifier(c=3.0, presence_c=0, presence_scale=0.4, random_state=0).fit(matrix, topics)
    assert not head.presence_coef_.any()
    np.testing.assert_allclose(head.predict_proba(matrix), plain.predict_proba(matrix), atol=1e-10)


def test_topic_classifier_scores_are_the_scaled_sum_of_both_parts():
    from sklearn.linear_model import LogisticRegression

    matrix, topics = _topic_problem(seed=2)
    head = TopicClassifier(c=3.0, presence_c=1.0, presence_scale=0.5, presence_columns=30, random_state=0)
    head.fit(matrix, topics)
    plain = LogisticRegression(C=3.0, max_iter=3000, random_state=0).fit(matrix, topics)
    present = (matrix[:, :30] > 0).astype(float)
    parts = []
    for k, topic in enumerate(head.classes_):  # NB-SVM by hand: indicators times log-count ratios
        mine = topics == topic
        inside = np.asarray(present[mine].sum(axis=0)).ravel() + 1
        outside = np.asarray(present[~mine].sum(axis=0)).ravel() + 1
        ratio = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
        part = LogisticRegression(C=1.0, max_iter=3000, random_state=0).fit(present @ sp.diags(ratio), mine)
        parts.append(part.decision_function(present @ sp.diags(ratio)))
        assert not head.presence_coef_[k, 30:].any()  # columns past presence_columns are never read
    expected = 0.5 * (plain.decision_function(matrix) + np.column_stack(parts))
    np.testing.assert_allclose(head.decision_function(matrix), expected, atol=1e-8)
    proba = head.predict_proba(matrix)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (head.predict(matrix) == head.classes_[proba.argmax(axis=1)]).all()


def test_a_runtime_refuses_presence_weights_of_the_wrong_shape(tiny_model):
    from dataclasses import replace

    runtime = tiny_model.runtime()
    assert runtime.topic_presence is not None and runtime.topic_presence.any()
    with pytest.raises(ValueError, match="presence"):
        replace(runtime, topic_presence=runtime.topic_presence[:, :-1]).check()


def _tone_problem(rows: int = 60, text_columns: int = 30, seed: int = 0):
    """A random tone regression whose last columns play the lexicon features."""
    rng = np.random.default_rng(seed)
    columns = text_columns + len(LEXICON_FEATURES)
    dense = rng.normal(size=(rows, columns)) * (rng.random((rows, columns)) < 0.3)
    target = np.tanh(dense @ rng.normal(size=columns))
    return sp.csr_matrix(dense), target, len(LEXICON_FEATURES)


def _head(blend: float, lexical: int) -> ToneRegressor:
    return ToneRegressor(alpha=1.0, lexicon_columns=lexical, lexicon_blend=blend, calibration_folds=0,
                         kind="ridge")  # fmt: skip


def test_tone_head_without_blend_is_the_plain_ridge():
    matrix, target, lexical = _tone_problem()
    plain = Ridge(alpha=1.0).fit(matrix, target)
    head = _head(0.0, lexical).fit(matrix, target)
    np.testing.assert_allclose(head.coef_, plain.coef_)
    np.testing.assert_allclose(head.intercept_, plain.intercept_)


def test_full_blend_leaves_only_the_lexicon_ridge():
    matrix, target, lexical = _tone_problem()
    head = _head(1.0, lexical).fit(matrix, target)
    assert np.all(head.coef_[:-lexical] == 0)
    alone = Ridge(alpha=1.0).fit(matrix[:, -lexical:].toarray(), target)
    np.testing.assert_allclose(head.raw_scores(matrix), alone.predict(matrix[:, -lexical:].toarray()))


def test_partial_blend_is_the_weighted_mixture_of_both_heads():
    matrix, target, lexical = _tone_problem(seed=3)
    full = Ridge(alpha=1.0).fit(matrix, target).predict(matrix)
    alone = Ridge(alpha=1.0).fit(matrix[:, -lexical:].toarray(), target)
    lexicon_only = alone.predict(matrix[:, -lexical:].toarray())
    head = _head(0.3, lexical).fit(matrix, target)
    np.testing.assert_allclose(head.raw_scores(matrix), 0.7 * full + 0.3 * lexicon_only)


def _tone_values(target: np.ndarray) -> np.ndarray:
    """A continuous target rounded to the nearest tone value, as the corpus labels tone."""
    return np.round(np.clip(target, -1, 1) * 2) / 2


def test_ordinal_head_is_one_logistic_regression_per_threshold():
    from sklearn.linear_model import LogisticRegression

    matrix, target, lexical = _tone_problem(rows=200, seed=2)
    tones = _tone_values(target)
    head = ToneRegressor(
        lexicon_columns=lexical, calibration_folds=0, kind="ordinal", c=3.0, presence_c=0
    ).fit(matrix, tones)
    assert not head.presence_coef_.any()
    assert head.coef_.shape == (4, matrix.shape[1]) and head.intercept_.shape == (4,)
    assert head.levels_.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    passed = []
    for k, cut in enumerate((-0.75, -0.25, 0.25, 0.75)):
        alone = LogisticRegression(C=3.0, max_iter=3000, random_state=head.random_state).fit(
            matrix, tones > cut
        )
        np.testing.assert_allclose(head.coef_[k], alone.coef_[0], rtol=1e-6, atol=1e-8)
        passed.append(alone.predict_proba(matrix)[:, 1])
    # the score is the expected tone: the lowest value plus each step times P(above its threshold)
    np.testing.assert_allclose(head.raw_scores(matrix), -1 + 0.5 * np.sum(passed, axis=0), atol=1e-6)
    assert np.all(np.abs(head.predict(matrix)) <= 1)
    assert np.corrcoef(head.raw_scores(matrix), tones)[0, 1] > 0.8


def test_ordinal_head_with_a_threshold_no_row_passes_is_constant_there():
    matrix, target, lexical = _tone_problem(rows=80, seed=4)
    tones = np.clip(_tone_values(target), -1, 0.5)  # no row above +0.75
    head = ToneRegressor(lexicon_columns=lexical, calibration_folds=0).fit(matrix, tones)
    assert np.all(head.coef_[-1] == 0) and head.intercept_[-1] < -20
    assert np.all(head.raw_scores(matrix) < 0.5 + 1e-9)


def test_explain_weights_sum_to_the_step_weighted_log_odds():
    matrix, target, lexical = _tone_problem(rows=120, seed=6)
    head = ToneRegressor(lexicon_columns=lexical, calibration_folds=0).fit(matrix, _tone_values(target))
    weights, intercept = head.explain_weights()
    present = (matrix != 0).astype(float)
    logits = matrix @ head.coef_.T + present @ head.presence_coef_.T + head.intercept_
    explained = matrix @ weights + present @ head.explain_presence() + intercept
    np.testing.assert_allclose(explained, logits @ np.diff(head.levels_))
    assert ridge_presence_is_zero(lexical, matrix, target)
    ridge = _head(0.0, lexical).fit(matrix, target)
    assert ridge.explain_weights()[0] is ridge.coef_ and ridge.explain_weights()[1] == ridge.intercept_


def ridge_presence_is_zero(lexical, matrix, target) -> bool:
    ridge = _head(0.0, lexical).fit(matrix, target)
    return not ridge.presence_coef_.any() and not ridge.explain_presence().any()


def test_ordinal_presence_part_is_a_scaled_nb_svm_per_threshold():
    from sklearn.linear_model import LogisticRegression

    matrix, target, lexical = _tone_problem(rows=200, seed=8)
    tones = _tone_values(target)
    head = ToneRegressor(
        lexicon_columns=lexical, calibration_folds=0, c=3.0, presence_c=1.0, presence_scale=0.5
    )
    head.fit(matrix, tones)
    width = matrix.shape[1] - lexical
    present = (matrix[:, :width] != 0).astype(float)
    assert not head.presence_coef_[:, width:].any()  # the lexicon columns are never read as presence
    logits = []
    for cut in (-0.75, -0.25, 0.25, 0.75):
        above = tones > cut
        main = LogisticRegression(C=3.0, max_iter=3000, random_state=head.random_state).fit(matrix, above)
        inside = np.asarray(present[above].sum(axis=0)).ravel() + 1
        outside = np.asarray(present[~above].sum(axis=0)).ravel() + 1
        ratio = sp.diags(np.log(inside / inside.sum()) - np.log(outside / outside.sum()))
        part = LogisticRegression(C=1.0, max_iter=3000, random_state=head.random_state).fit(
            present @ ratio, above
        )
        logits.append(0.5 * (main.decision_function(matrix) + part.decision_function(present @ ratio)))
    expected = -1 + 0.5 * np.sum(1 / (1 + np.exp(-np.column_stack(logits))), axis=1)
    np.testing.assert_allclose(head.raw_scores(matrix), expected, atol=1e-6)


def test_unknown_tone_model_and_bad_levels_are_refused():
    matrix, target, _ = _tone_problem()
    with pytest.raises(ValueError, match="kind"):
        ToneRegressor(kind="lasso").fit(matrix, target)
    with pytest.raises(ValueError, match="levels"):
        ToneRegressor(levels=(0.5, 0.0)).fit(matrix, target)


@pytest.mark.parametrize("kind", ["ordinal", "ridge"])
def test_calibrated_scores_are_bounded_and_rising(kind):
    matrix, target, lexical = _tone_problem(rows=200, seed=5)
    head = ToneRegressor(lexicon_columns=lexical, calibration_folds=5, kind=kind).fit(
        matrix, _tone_values(target)
    )
    assert head.calibration_.shape[0] == 2 and head.calibration_.shape[1] > 1
    raw = head.raw_scores(matrix)
    order = np.argsort(raw)
    scores = head.predict(matrix)[order]
    assert np.all(np.diff(scores) >= -1e-12) and np.all(np.abs(scores) <= 1)


def test_a_model_the_runtime_cannot_hold_predicts_through_its_estimators():
    texts, topics, tones = _tiny()
    model = HeadlineModel(subwords="chars", semantic_weight=0, tone_calibration_folds=0).fit(
        texts, topics, tones
    )
    assert model.runtime() is None  # character n-grams read the texts themselves
    probe = ["Rupee slides against dollar", "Troops trade fire across LoC"]
    table = model.predict(probe)
    proba = model.predict_proba(probe)
    for column, topic in enumerate(model.classes_):
        np.testing.assert_allclose(proba[:, column], table[f"p_{topic}"], atol=1e-12)
    matrix = model.text_matrix(probe)
    np.testing.assert_allclose(proba, model.topic_head_.predict_proba(matrix), atol=1e-12)
    np.testing.assert_allclose(model.score_tone(probe), table["tone"], atol=1e-12)
