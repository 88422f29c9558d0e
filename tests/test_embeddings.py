"""The optional embeddings baseline: skipped unless torch and the packaged encoder are installed."""

from __future__ import annotations

import pytest

from classifier.evaluation.embeddings import available

pytestmark = pytest.mark.skipif(
    not available(), reason="embeddings extra (torch, sentence-transformers) not installed"
)


def test_embedding_baseline_fits_and_predicts(tiny_corpus_path):
    from classifier.evaluation.baselines import run_baseline

    out = run_baseline("embeddings", ["Rupee slides against dollar", "Troops trade fire along LoC"],
                       training_path=str(tiny_corpus_path))  # fmt: skip
    assert len(out.topic) == 2 and out.tone.min() >= -1 and out.tone.max() <= 1
    assert set(out.tone_label) <= {"negative", "neutral", "positive"}


def test_embeddings_need_a_training_corpus():
    from classifier.evaluation.baselines import run_baseline

    with pytest.raises(ValueError, match="training corpus"):
        run_baseline("embeddings", ["x"])


def test_evaluate_scores_embeddings_on_the_same_rows(tiny_model, tmp_path):
    from classifier.data.corpus import load_evaluation
    from classifier.evaluation.metrics import evaluate

    path = tmp_path / "e.csv"
    path.write_text(
        "headline,topic,tone\nBlast kills 20,security,-1\nRupee gains,markets,0.5\n", encoding="utf-8"
    )
    m = evaluate(tiny_model, load_evaluation(path), baselines=("embeddings",))
    assert m["baselines"]["embeddings"]["topic"]["rows"] == 2
    assert m["baselines"]["embeddings"]["rows_per_second"] > 0
