"""The semantic view: equal to a plain reference, zero for unknown text, and a table whose origin is checked."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.config import SEMANTIC_TABLE, SEMANTIC_TABLE_SHA256
from classifier.model.semantic import SemanticView, load_table, reference_embedding, wordpiece


@pytest.fixture(scope="module")
def table():
    return load_table(SEMANTIC_TABLE)


def test_the_shipped_table_is_the_one_make_embeddings_builds(table):
    # `make embeddings` rebuilds it byte for byte from pinned packages; the checksum pins the result.
    assert hashlib.sha256(SEMANTIC_TABLE.read_bytes()).hexdigest() == SEMANTIC_TABLE_SHA256
    assert table.sha256 == SEMANTIC_TABLE_SHA256
    assert table.meta["source_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert table.meta["license"] == "Apache-2.0"
    # fine-tuned on the shipped corpus and nothing else (data/embeddings/finetune.py)
    recipe = table.meta["fine_tune"]
    corpus = Path(__file__).resolve().parents[1] / recipe["fine_tuned_on"]
    assert recipe["corpus_sha256"] == hashlib.sha256(corpus.read_bytes()).hexdigest()
    assert table.meta["fine_tuned_model_sha256"] != table.meta["source_model_sha256"]
    assert SemanticView(table, 0.5).card()["fine_tuned_on"].startswith("data/headlines.csv (")
    assert SEMANTIC_TABLE.stat().st_size < 10 * 2**20
    assert table.vectors.shape == (len(table.tokens), table.meta["dims"])


def test_wordpiece_splits_like_bert(table):
    ids = wordpiece("unbelievably", table.tokens)
    pieces = [t for t, i in sorted(table.tokens.items(), key=lambda kv: kv[1]) if i in ids]
    assert len(ids) >= 2 and any(p.startswith("##") for p in pieces)
    assert wordpiece("café", table.tokens) == wordpiece("cafe", table.tokens)  # accents stripped
    assert wordpiece("pakistan's", table.tokens) == wordpiece("pakistan", table.tokens) + wordpiece(
        "s", table.tokens
    )


headline_words = st.sampled_from(
    ["Rupee", "gains", "KSE-100", "2,000", "points", "CTD", "arrests", "Quetta", "ceasefire", "holds", "the", "café",
     "Ｋａｒａｃｈｉ", "پاکستان", "😀", "—", "pakistan's", "&", "xqzvbt"]
)  # fmt: skip
texts = st.one_of(st.text(max_size=60), st.lists(headline_words, max_size=12).map(" ".join))


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, min_size=1, max_size=6))
def test_view_equals_the_plain_reference_on_any_text(table, chunk):
    view = SemanticView(table, 0.3)
    got = view.transform(chunk)
    expected = np.stack([reference_embedding(t, table, 0.3) for t in chunk])
    np.testing.assert_allclose(got, expected, atol=1e-5)
    again = view.transform(chunk)  # from the word cache now
    np.testing.assert_array_equal(got, again)


def test_empty_and_unknown_headlines_give_zero_vectors(table):
    view = SemanticView(table, 0.5)
    out = view.transform(["", "   ", "😀 😀", "— … ¤", "Rupee gains"])
    assert out.shape == (5, table.dims) and out.dtype == np.float32
    assert not out[:4].any()
    assert np.linalg.norm(out[4]) == pytest.approx(0.5, abs=1e-5)


def test_a_table_with_pickled_objects_is_refused(tmp_path):
    buffer = io.BytesIO()
    np.savez(buffer, tokens=np.array(["a"], dtype=object), vectors=np.zeros((1, 2), dtype=np.float16))
    with pytest.raises(ValueError):
        load_table(buffer.getvalue())


def test_build_refuses_a_model_dir_without_its_recipe(tmp_path):
    # build.py distils finetune.py's output, whose recipe the table's card records; a plain
    # directory is refused in one line before torch is imported
    script = Path(__file__).resolve().parents[1] / "data" / "embeddings" / "build.py"
    run = subprocess.run(
        [sys.executable, str(script), "--model-dir", str(tmp_path), "--out", str(tmp_path / "t.npz")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert (
        run.stderr.strip()
        .splitlines()[-1]
        .endswith(f"{tmp_path / 'fine_tune.json'}: not found; --model-dir takes what finetune.py writes")
    )
    assert "Traceback" not in run.stderr and not (tmp_path / "t.npz").exists()
