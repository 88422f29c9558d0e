"""The public API: what `classifier` exports, its docstring examples, and a round trip through it."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import classifier
from classifier import HeadlineModel, evaluate, load_corpus, predict_file, train

# Modules whose docstring examples run as tests.
DOCTEST_MODULES = ("classifier", "classifier.api", "classifier.model.heads", "classifier.model.estimators",
                   "classifier.io.formats", "classifier.data.datasets")  # fmt: skip


@pytest.mark.parametrize("name", DOCTEST_MODULES)
def test_docstring_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_every_public_name_is_importable_and_documented():
    for name in classifier.__all__:
        value = getattr(classifier, name)
        assert value.__doc__, name


def test_importing_the_package_loads_nothing_heavy():
    code = (
        "import sys, classifier; print(sorted(m for m in ('pandas', 'sklearn', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_round_trip_through_the_public_api(tiny_corpus_path, tmp_path):
    model = train(tiny_corpus_path, HeadlineModel(semantic_weight=0), holdout=False)
    assert model.card["data"]["rows"] == len(load_corpus(tiny_corpus_path).frame)
    path = tmp_path / "m.model"
    model.save(path)
    loaded = HeadlineModel.load(path)
    texts = ["Rupee slides against dollar", "Troops trade fire across LoC"]
    pd.testing.assert_frame_equal(model.predict(texts), loaded.predict(texts))
    np.testing.assert_allclose(model.predict_proba(texts), loaded.predict_proba(texts))
    metrics = evaluate(loaded, tiny_corpus_path)
    assert 0 <= metrics["topic"]["macro_f1"] <= 1
    source = tmp_path / "feed.txt"
    source.write_text("\n".join(texts) + "\n", encoding="utf-8")
    summary = predict_file(path, source, tmp_path / "out.csv")
    assert summary.rows == 2
    assert pd.read_csv(tmp_path / "out.csv")["headline"].tolist() == texts


def test_a_model_fitted_in_python_saves_with_a_card(tmp_path):
    texts = [
        "Rupee slides",
        "Troops trade fire",
        "FM meets envoy",
        "Police arrest four",
        "Film wins award",
    ] * 3
    topics = ["markets", "conflict", "diplomacy", "security", "other"] * 3
    model = HeadlineModel(semantic_weight=0, tone_calibration_folds=0).fit(texts, topics, [0.0] * 15)
    path = tmp_path / "python.model"
    model.save(path)
    loaded = HeadlineModel.load(path)
    assert loaded.get_params() == model.get_params()
    assert loaded.card["data"]["path"] is None
    assert (tmp_path / "python.card.md").read_text(encoding="utf-8").count("fitted in Python") == 1
