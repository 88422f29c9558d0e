"""A fitted word TF-IDF view compiled to array lookups: the same matrix, a chunk of texts at a time.

scikit-learn's `TfidfVectorizer.transform` tokenises, joins n-grams and looks up every term in
Python, one headline at a time; on short headlines that is nine tenths of prediction time. Here a
chunk is joined into one string, preprocessed and tokenised by single C-level calls, tokens become
integer ids, bigrams become integer pairs looked up in a sorted array, and the TF-IDF weighting is
done on the entries (`classifier.model.runtime.WordView`, which the prediction path uses directly). The output equals the vectoriser's own (the
tests compare them on hostile text), and anything this does not cover falls back to it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from classifier.model.runtime import WordView, token_stems
from classifier.model.tokens import (
    WORD_PATTERN,
    ChunkTokens,
    normalise,
    tokenise_chunk,
    word_stems,
)

__all__ = ["CompiledFeatures", "CompiledTfidf", "compile_features", "compile_tfidf"]

CompiledTfidf = WordView  # a compiled view: the runtime's word view


def compile_tfidf(vectorizer: TfidfVectorizer) -> WordView | None:
    """Compile a fitted vectoriser, or None when it uses something the compiled path does not cover."""
    v = vectorizer
    supported = (
        type(v) is TfidfVectorizer
        and v.analyzer == "word"
        and v.preprocessor in (normalise, word_stems)
        and v.token_pattern == WORD_PATTERN
        and v.tokenizer is None
        and v.stop_words is None
        and v.input == "content"
        and v.ngram_range[0] == 1
        and v.ngram_range[1] in (1, 2)
        and not v.binary
        and v.norm == "l2"
        and v.use_idf
        and v.dtype == np.float32
    )
    if not supported:
        return None
    return WordView.from_terms(list(v.vocabulary_), list(v.vocabulary_.values()), v.idf_,
                               stems=v.preprocessor is word_stems, sublinear_tf=bool(v.sublinear_tf))  # fmt: skip


def entries_matrix(entries: tuple[np.ndarray, ...], n_docs: int, n_features: int) -> sp.csr_matrix:
    """A CSR matrix from sorted (rows, columns, values)."""
    rows, cols, values = entries
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_docs), out=indptr[1:])
    return sp.csr_matrix((values, cols, indptr), shape=(n_docs, n_features))


@dataclass(frozen=True)
class CompiledFeatures:
    """A FeatureUnion of TF-IDF views, each compiled where possible and left as it is otherwise."""

    views: tuple  # CompiledTfidf or the fitted transformer itself

    def transform(self, texts: list[str], tokens: ChunkTokens | None = None) -> sp.csr_matrix:
        """Equal to the union's `transform`: the views side by side. Pass `tokens` when already made."""
        compiled = [v for v in self.views if isinstance(v, WordView)]
        stems = None
        if compiled:
            tokens = tokenise_chunk(texts) if tokens is None else tokens
            if any(v.stems for v in compiled):
                stems = token_stems(tokens.unique)
        blocks = []
        for view in self.views:
            if isinstance(view, WordView):
                entries = view.entries(view.token_ids(tokens, stems), tokens.doc, len(texts))
                blocks.append(entries_matrix(entries, len(texts), view.n_features))
            else:
                blocks.append(view.transform(texts))
        return blocks[0].tocsr() if len(blocks) == 1 else sp.hstack(blocks, format="csr")


def compile_features(features: FeatureUnion) -> CompiledFeatures:
    """Compile each view of a fitted union; views it cannot compile run as they are."""
    plain = all(not isinstance(t, str) for _, t in features.transformer_list)  # no "drop"/"passthrough"
    if features.transformer_weights or not plain:
        return CompiledFeatures(views=(features,))
    views = []
    for _, transformer in features.transformer_list:
        compiled = compile_tfidf(transformer) if isinstance(transformer, TfidfVectorizer) else None
        views.append(compiled or transformer)
    return CompiledFeatures(views=tuple(views))
