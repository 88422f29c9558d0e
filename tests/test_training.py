"""Training: a reproducible held-out split and a complete card."""

from __future__ import annotations

import pandas as pd
import sklearn

from classifier import __version__
from classifier.config import TOPICS
from classifier.data.corpus import load_corpus
from classifier.model.heads import HeadlineModel, ModelParams, predict_texts
from classifier.model.training import holdout_split, out_of_fold_predictions


def test_holdout_split_is_stratified_and_reproducible(tiny_corpus_path):
    frame = load_corpus(tiny_corpus_path).frame
    train_a, held_a = holdout_split(frame, 0.2, seed=3)
    _, held_b = holdout_split(frame, 0.2, seed=3)
    assert held_a["id"].tolist() == held_b["id"].tolist()
    assert len(held_a) == 8 and len(train_a) == 32
    assert set(held_a["topic"]) == set(TOPICS)  # stratified: every topic is held out
    assert not set(held_a["id"]) & set(train_a["id"])


def test_card_has_versions_data_labels_and_figures(tiny_model, tiny_corpus_path):
    card = tiny_model.card
    assert card["package_version"] == __version__
    assert card["sklearn_version"] == sklearn.__version__
    assert card["topics"] == list(TOPICS)
    assert card["data"]["sha256"] == load_corpus(tiny_corpus_path).sha256
    assert card["data"]["rows"] == 40
    assert sum(card["data"]["topic_counts"].values()) == 40
    held = card["metrics"]["heldout"]
    assert held["split"]["heldout_rows"] == 8
    assert 0.0 <= held["topic"]["macro_f1"] <= 1.0
    assert "pearson" in held["tone"]


def test_grouped_out_of_fold_never_predicts_a_group_it_was_fitted_on(tiny_corpus_path, monkeypatch):
    frame = load_corpus(tiny_corpus_path).frame.reset_index(drop=True)
    groups = pd.Series([f"batch{i // 5}" for i in range(len(frame))])
    group_of = dict(zip(frame["headline"], groups, strict=True))
    fitted, predicted = [], []
    real_fit, real_predict = HeadlineModel.fit, HeadlineModel.predict

    def recording_fit(self, texts, topics, tones=None):
        fitted.append({group_of[text] for text in texts})
        return real_fit(self, texts, topics, tones)

    def recording_predict(self, texts, **options):
        predicted.append({group_of[text] for text in texts})
        return real_predict(self, texts, **options)

    monkeypatch.setattr(HeadlineModel, "fit", recording_fit)
    monkeypatch.setattr(HeadlineModel, "predict", recording_predict)
    out = out_of_fold_predictions(frame, ModelParams(tone_calibration_folds=0), folds=4, groups=groups)
    assert len(fitted) == 4
    held_out = predicted[-4:]  # cross_validate scores each fold too; the last four are the predictions
    assert all(not seen & held for seen, held in zip(fitted, held_out, strict=True))
    assert set().union(*held_out) == set(groups)
    assert out.index.tolist() == frame.index.tolist()  # every row once, in order


def test_mistakes_are_explained_by_the_model_that_made_them(tiny_corpus_path):
    from classifier.model.training import explain_out_of_fold, fold_models

    frame = load_corpus(tiny_corpus_path).frame
    params = ModelParams(tone_calibration_folds=0)
    models = fold_models(frame, params, folds=4)
    oof = out_of_fold_predictions(frame, params, models=models)
    pd.testing.assert_frame_equal(oof, out_of_fold_predictions(frame, params, folds=4))
    wrong = oof.index[oof["topic"] != frame["topic"]]
    assert len(wrong)  # a tiny corpus: some rows are always mistaken out of fold
    why = explain_out_of_fold(models, frame, wrong, k=3)
    assert why.index.tolist() == wrong.tolist()
    assert why["topic"].tolist() == oof.loc[wrong, "topic"].tolist()  # the mistaken topic, explained
    assert all(len(r) <= 3 for r in why["topic_reasons"]) and any(why["topic_reasons"].map(len) == 3)
    model = next(m for m, held in models if wrong[0] in held)
    alone = predict_texts(model, [frame.loc[wrong[0], "headline"]], explain=3)
    assert why["topic_reasons"].iloc[0] == alone["topic_reasons"][0]
