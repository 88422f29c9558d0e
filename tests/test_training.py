"""Training: a reproducible held-out split and a complete card."""

from __future__ import annotations

import sklearn

from classifier import __version__
from classifier.config import TOPICS
from classifier.data import load_corpus
from classifier.training import holdout_split


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
