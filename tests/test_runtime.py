"""The plain-array prediction runtime: same answers as the estimators, safe to load, lean to import."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import warnings
import zipfile
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.config import PREDICTION_COLUMNS, TOPICS
from classifier.errors import ModelFileError
from classifier.model.archive import CARD_NAME, RUNTIME_NAME, load_predictor, load_runtime
from classifier.model.inference import predict_texts
from classifier.model.runtime import Runtime

TEXTS = [
    "KSE-100 plunges 2,000 points as rupee slides",
    "Pakistan, China sign CPEC agreements in Beijing",
    "Militants attack police post in Bannu; two killed",
    "",
    "Not bad: profit rose 20pc, loss narrowed",
    "Ceasefire violated along the LoC, army says",
    "چھ افراد ہلاک",
    "🙂🙂",
    "Rupee rupee rupee rupee gains gains",
]


def _estimator_path(model, texts, min_confidence=None):
    """Predictions through the fitted estimators' sparse matrices (the runtime switched off)."""
    model.runtime = lambda: None  # an instance attribute shadows the method: the fallback path runs
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # blank rows warn; not what these tests are about
            return predict_texts(model, texts, min_confidence=min_confidence)
    finally:
        del model.runtime


def _assert_same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns)
    for name in left.columns:
        if left[name].dtype == object:
            assert left[name].tolist() == right[name].tolist(), name
        else:
            np.testing.assert_allclose(left[name].to_numpy(float), right[name].to_numpy(float), atol=1e-6,
                                       err_msg=name)  # fmt: skip


@pytest.mark.filterwarnings("ignore:.*blank headline")
def test_the_runtime_gives_the_estimators_answers(tiny_model):
    fast = predict_texts(tiny_model, TEXTS, min_confidence=0.5)
    slow = _estimator_path(tiny_model, TEXTS, min_confidence=0.5)
    assert list(fast.columns) == list(PREDICTION_COLUMNS)
    _assert_same(fast, slow)


@pytest.mark.filterwarnings("ignore:.*blank headline")
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_the_runtime_matches_on_any_text(tiny_model, texts):
    _assert_same(predict_texts(tiny_model, texts), _estimator_path(tiny_model, texts))


def _without_view(path):
    """A runtime of the tiny model with no semantic view: it reads raw tokens (`Runtime.positions`)."""
    import dataclasses

    return dataclasses.replace(load_runtime(path), semantic=None)


def _same_columns(got, expected):
    for name in PREDICTION_COLUMNS:
        assert np.asarray(got[name]).tolist() == np.asarray(expected[name]).tolist(), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=60), st.text(alphabet="aZ9 '&-.,\x1e\x01\n\"é", max_size=30),
                          st.sampled_from(TEXTS)), min_size=1, max_size=8))  # fmt: skip
def test_raw_tokens_give_the_answers_of_the_chunk_tokens(tiny_model_path, texts):
    runtime = _without_view(tiny_model_path)
    from classifier.model.tokens import tokenise_chunk

    _same_columns(
        runtime.predict_columns(texts), runtime.predict_columns(texts, tokens=tokenise_chunk(texts))
    )


def test_what_a_runtime_remembers_of_tokens_changes_no_answer(tiny_model_path, monkeypatch):
    import classifier.model.runtime as runtime_module

    chunks = [TEXTS[:4], ["Rupee gains 40 paisa", "Rupee falls 2,000"], TEXTS[3:], TEXTS[:4], ["&& 12 '90s"]]
    for load in (load_runtime, _without_view):  # the chunk-token path and the raw-token path
        fresh = [load(tiny_model_path).predict_columns(chunk) for chunk in chunks]
        warm = load(tiny_model_path)  # meets each chunk's tokens after those of the chunks before
        for chunk, expected in zip(chunks, fresh, strict=True):
            _same_columns(warm.predict_columns(chunk), expected)
        with monkeypatch.context() as patched:
            patched.setattr(runtime_module, "TOKEN_CACHE_LIMIT", 5)  # starts afresh nearly every chunk
            forgetful = load(tiny_model_path)
            for chunk, expected in zip(chunks, fresh, strict=True):
                _same_columns(forgetful.predict_columns(chunk), expected)
        assert len(forgetful._token_rows) < len(warm._token_rows)  # it did forget


@pytest.mark.filterwarnings("ignore:.*blank headline")
def test_a_saved_runtime_predicts_what_the_model_does(tiny_model, tiny_model_path):
    runtime = load_runtime(tiny_model_path)
    assert isinstance(runtime, Runtime)
    assert runtime.card["format"] == tiny_model.card["format"]
    _assert_same(predict_texts(runtime, TEXTS), predict_texts(tiny_model, TEXTS))
    proba = predict_texts(runtime, TEXTS[:3])[[f"p_{t}" for t in TOPICS]].to_numpy()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.filterwarnings("ignore:.*blank headline")
def test_bytes_round_trip(tiny_model):
    runtime = tiny_model.runtime()
    again = Runtime.from_bytes(runtime.to_bytes(), tiny_model.semantic)
    _assert_same(predict_texts(again, TEXTS), predict_texts(runtime, TEXTS))


@pytest.fixture(scope="module")
def ridge_model(tiny_corpus_path):
    """A model whose tone head is the ridge (linear) one, beside the default ordinal head."""
    from classifier.data.corpus import load_corpus
    from classifier.model.heads import ModelParams, fit

    return fit(load_corpus(tiny_corpus_path).frame, ModelParams(tone_model="ridge"))


@pytest.fixture(scope="module")
def tone_presence_model(tiny_corpus_path):
    """A model whose ordinal tone head has its presence part (off by default)."""
    from classifier.data.corpus import load_corpus
    from classifier.model.heads import ModelParams, fit

    return fit(load_corpus(tiny_corpus_path).frame, ModelParams(tone_presence_c=1.0))


@pytest.mark.filterwarnings("ignore:.*blank headline")
def test_both_tone_heads_give_the_estimators_answers_and_survive_bytes(
    tiny_model, ridge_model, tone_presence_model
):
    assert tiny_model.runtime().tone_levels.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert tiny_model.runtime().tone_coef.shape[0] == 4 and tiny_model.runtime().tone_presence is None
    assert ridge_model.runtime().tone_levels is None and ridge_model.runtime().tone_coef.ndim == 1
    assert tone_presence_model.runtime().tone_presence.shape == tone_presence_model.runtime().tone_coef.shape
    for model in (tiny_model, ridge_model, tone_presence_model):
        runtime = model.runtime()
        _assert_same(predict_texts(model, TEXTS), _estimator_path(model, TEXTS))
        again = Runtime.from_bytes(runtime.to_bytes(), model.semantic)
        _assert_same(predict_texts(again, TEXTS), predict_texts(runtime, TEXTS))
        assert isinstance(again.tone_intercept, float) == (runtime.tone_levels is None)


@pytest.mark.filterwarnings("ignore:.*blank headline")
def test_tone_presence_reasons_sum_to_the_step_weighted_log_odds(tone_presence_model):
    from classifier.model.explain import contributions

    model = tone_presence_model
    texts = ["Rupee slides against dollar as stocks crash", "Talks resume as ceasefire holds"]
    out = predict_texts(model, texts, explain=500)
    tone_input = model.tone_matrix(model.text_matrix(texts), texts)
    head = model.tone_head
    weights, intercept = head.explain_weights()
    logits = (
        tone_input @ head.coef_.T + (tone_input != 0).astype(float) @ head.presence_coef_.T + head.intercept_
    )
    for row in range(len(texts)):
        _, values = contributions(tone_input.tocsr(), weights, row, head.explain_presence())
        assert values.sum() + intercept == pytest.approx(logits[row] @ np.diff(head.levels_))
        assert sum(w for _, w in out["tone_reasons"][row]) == pytest.approx(values.sum(), abs=1e-3)
    with pytest.raises(ValueError, match="tone presence"):
        replace(model.runtime(), tone_presence=model.runtime().tone_presence[:-1]).check()


def test_reasons_need_the_whole_model(tiny_model_path):
    assert isinstance(load_predictor(tiny_model_path), Runtime)
    assert not isinstance(load_predictor(tiny_model_path, explain=2), Runtime)
    with pytest.raises(TypeError, match="whole model"):
        predict_texts(load_runtime(tiny_model_path), TEXTS, explain=1)


def _rewrite(source, target, member: str, data: bytes, card: dict | None = None) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename == member:
                new.writestr(member, data)
            elif info.filename == CARD_NAME and card is not None:
                new.writestr(CARD_NAME, json.dumps(card))
            else:
                new.writestr(info, old.read(info))


def _runtime_arrays(path) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(zipfile.ZipFile(path).read(RUNTIME_NAME)), allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _npz(arrays: dict) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_an_edited_runtime_is_refused(tiny_model_path, tmp_path):
    arrays = _runtime_arrays(tiny_model_path)
    arrays["topic_intercept"] = arrays["topic_intercept"] + 1.0
    edited = tmp_path / "edited.model"
    _rewrite(tiny_model_path, edited, RUNTIME_NAME, _npz(arrays))
    with pytest.raises(ModelFileError, match="prediction runtime does not match its card"):
        load_runtime(edited)


def test_a_pickled_or_inconsistent_runtime_is_refused(tiny_model_path, tmp_path):
    import hashlib

    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    arrays = _runtime_arrays(tiny_model_path)
    pickled = dict(arrays, topic_intercept=np.array([object()] * 5, dtype=object))
    short = dict(arrays, tone_coef=arrays["tone_coef"][:-3])
    for name, variant, message in (("pickled.model", pickled, "damaged prediction runtime"),
                                   ("short.model", short, "tone weights")):  # fmt: skip
        data = _npz(variant)
        target = tmp_path / name
        _rewrite(tiny_model_path, target, RUNTIME_NAME, data,
                 card={**card, "runtime_sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
        with pytest.raises(ModelFileError, match=message):
            load_runtime(target)


def test_another_runtime_format_is_refused(tiny_model_path, tmp_path):
    import hashlib

    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    arrays = _runtime_arrays(tiny_model_path)
    meta = json.loads(bytes(arrays["meta_json"]).decode())
    arrays["meta_json"] = np.frombuffer(json.dumps({**meta, "runtime_format": 99}).encode(), dtype=np.uint8)
    data = _npz(arrays)
    target = tmp_path / "future.model"
    _rewrite(
        tiny_model_path,
        target,
        RUNTIME_NAME,
        data,
        card={**card, "runtime_sha256": hashlib.sha256(data).hexdigest()},
    )
    with pytest.raises(ModelFileError, match="runtime format 99"):
        load_runtime(target)


def test_predicting_from_a_file_imports_no_scikit_learn_scipy_or_skops(tiny_model_path):
    code = (
        "import sys\n"
        "from classifier.model.archive import load_predictor\n"
        "from classifier.model.inference import predict_texts\n"
        f"out = predict_texts(load_predictor({str(tiny_model_path)!r}), ['Rupee gains'])\n"
        "assert len(out) == 1\n"
        "print(sorted(m for m in ('sklearn', 'scipy', 'skops') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_the_runtime_carries_the_semantic_table_stored_plain(tiny_model, tiny_model_path, tmp_path):
    import hashlib

    from classifier.model.archive import CARRIED_SEMANTIC, SEMANTIC_NAME

    with zipfile.ZipFile(tiny_model_path) as archive:
        assert archive.getinfo(RUNTIME_NAME).compress_type == zipfile.ZIP_STORED  # read at every start
        assert CARRIED_SEMANTIC in zipfile.ZipFile(io.BytesIO(archive.read(RUNTIME_NAME))).namelist()
    runtime = load_runtime(tiny_model_path)
    assert runtime.semantic.table.sha256 == tiny_model.semantic.table.sha256
    np.testing.assert_array_equal(runtime.semantic.table.vectors, tiny_model.semantic.table.vectors)
    assert runtime.semantic.table.tokens == tiny_model.semantic.table.tokens
    # predicting reads the runtime alone: a file whose semantic.npz is gone still predicts alike
    alone = tmp_path / "alone.model"
    with zipfile.ZipFile(tiny_model_path) as old, zipfile.ZipFile(alone, "w") as new:
        for info in old.infolist():
            if info.filename != SEMANTIC_NAME:
                new.writestr(info, old.read(info))
    texts = [t for t in TEXTS if t]
    pd.testing.assert_frame_equal(predict_texts(load_runtime(alone), texts), predict_texts(runtime, texts))
    # a runtime whose carried table is not the one the card names is refused
    card = json.loads(zipfile.ZipFile(tiny_model_path).read(CARD_NAME))
    arrays = _runtime_arrays(tiny_model_path)
    meta = json.loads(bytes(arrays["meta_json"]).decode())
    meta["semantic"]["sha256"] = "0" * 64
    arrays["meta_json"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    data = _npz(arrays)
    other = tmp_path / "other.model"
    _rewrite(tiny_model_path, other, RUNTIME_NAME, data,
             card={**card, "runtime_sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    with pytest.raises(ModelFileError, match="semantic table differs from the card"):
        load_runtime(other)


def test_plain_arrays_reads_in_place_and_refuses_pickles():
    from classifier.model.runtime import plain_arrays

    arrays = {"a": np.arange(12, dtype=np.int16).reshape(3, 4), "f": np.asfortranarray(np.ones((2, 3))),
              "t": np.array(["ab", "c"]), "empty": np.zeros((2, 0))}  # fmt: skip
    read = plain_arrays(_npz(arrays))
    for name, array in arrays.items():
        np.testing.assert_array_equal(read[name], array)
        assert read[name].dtype == array.dtype and read[name].shape == array.shape
    with pytest.raises(ValueError, match="object array"):
        plain_arrays(_npz({"o": np.array([object()], dtype=object)}))
    truncated = bytearray(_npz({"a": np.arange(1000)}))
    with pytest.raises((ValueError, zipfile.BadZipFile)):
        plain_arrays(bytes(truncated[:-2000]) + bytes(truncated[-22:]))
