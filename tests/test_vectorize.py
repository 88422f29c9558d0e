"""The compiled TF-IDF views and the chunk tokeniser equal scikit-learn's own, on any text."""

from __future__ import annotations

import re

import numpy as np
import pytest
from conftest import TINY_CORPUS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from classifier.model.features import LEXICON_FEATURES, LexiconFeatures, build_text_features
from classifier.model.tokens import SEPARATOR, WORD_PATTERN, normalise, tokenise_chunk
from classifier.model.vectorize import CompiledTfidf, compile_features, compile_tfidf

TRAIN = [text for text, _, _ in TINY_CORPUS]
ODD = st.sampled_from(
    ["", " ", SEPARATOR, f"a{SEPARATOR}b gains", "\x00", "\n\n", "Σίσυφος ΣΟΦΟΣ", "İstanbul KELVİN \u212a",
     "‘quoted’ — “dash” – 1,200", "rock&rolling can't won’t", "abcdefghij'klmnop", "é" * 7 + "abcdefgh",
     "talks talks talks", "0 0 0 kse-100", "\ufeff", "🔥📉", "a_b_c_d_e_f_g", "Rs7bn 11pc Rs 1,200 crore"]
)  # fmt: skip
CHUNKS = st.lists(st.one_of(st.text(max_size=120), ODD, st.sampled_from(TRAIN)), min_size=0, max_size=15)
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def fitted_union():
    return build_text_features(min_df=1).fit(TRAIN)


def test_every_view_of_the_default_union_compiles(fitted_union):
    compiled = compile_features(fitted_union)
    assert [type(v) for v in compiled.views] == [CompiledTfidf, CompiledTfidf]
    assert [v.stems for v in compiled.views] == [False, True]


@SETTINGS
@given(texts=CHUNKS.filter(bool))  # scikit-learn refuses an empty list
def test_compiled_union_equals_scikit_learn(fitted_union, texts):
    expected = fitted_union.transform(texts)
    got = compile_features(fitted_union).transform(texts)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    assert (got != 0).nnz == (expected != 0).nnz
    np.testing.assert_allclose(got.toarray(), expected.toarray(), atol=1e-6)


def test_unsupported_views_fall_back_and_still_agree():
    union = build_text_features(subwords="chars", min_df=1).fit(TRAIN)
    compiled = compile_features(union)
    assert isinstance(compiled.views[0], CompiledTfidf)
    assert compile_tfidf(union.transformer_list[1][1]) is None  # character n-grams run as they are
    texts = ["Rupee gains against dollar", "Talks collapse", ""]
    np.testing.assert_allclose(
        compiled.transform(texts).toarray(), union.transform(texts).toarray(), atol=1e-6
    )


# Runs of ASCII texts take the split path (tokens.py), other texts the regex; these alphabets reach
# the corners: edge apostrophes and ampersands, digits to fold, the separator and control
# characters inside texts, ASCII and other texts side by side.
ASCII_CHUNKS = st.lists(
    st.text(alphabet="aZ9 '&&'-_.,\x1e\x01\t\n\"é\x80", max_size=40), min_size=0, max_size=12
)


@SETTINGS
@given(texts=st.one_of(CHUNKS, ASCII_CHUNKS))
def test_chunk_tokens_equal_tokenising_each_text(texts):
    tokens = tokenise_chunk(texts)
    sequence = list(tokens.unique[tokens.codes])
    expected = []
    pattern = re.compile(WORD_PATTERN)
    for i, text in enumerate(texts):
        if i:
            expected.append(SEPARATOR)
        expected.extend(pattern.findall(normalise(text.replace(SEPARATOR, " "))))
    assert sequence == expected
    assert tokens.n_texts == len(texts)


@SETTINGS
@given(texts=CHUNKS)
def test_lexicon_features_of_a_chunk_equal_each_text_alone(texts):
    lexicon = LexiconFeatures().fit(TRAIN)
    together = lexicon.transform(texts)
    assert together.shape == (len(texts), len(LEXICON_FEATURES))
    for i, text in enumerate(texts):
        np.testing.assert_array_equal(together[i], lexicon.transform([text])[0])


def test_a_loaded_model_file_takes_the_compiled_path(tiny_model_path):
    from classifier.model.files import load_model

    model = load_model(tiny_model_path)
    views = model.prepare().compiled_features().views
    assert [type(v) for v in views] == [CompiledTfidf, CompiledTfidf]
    texts = ["Rupee gains against dollar", "Talks collapse as delegations walk out"]
    tfidf = model.features.transform(texts).toarray()
    semantic = model.semantic.transform(texts)
    np.testing.assert_allclose(model.text_matrix(texts).toarray(), np.hstack([tfidf, semantic]), atol=1e-6)
