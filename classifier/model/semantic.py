"""The semantic view: static token vectors pooled over a headline, beside the TF-IDF views.

TF-IDF knows only the words the corpus used; real feeds name places, people and companies it never
wrote. A table of static vectors for 29,525 WordPiece tokens, distilled from the all-MiniLM-L6-v2
sentence transformer (`make embeddings`, see data/embeddings/), gives every headline a dense
vector of what its words mean, so two headlines about the same kind of event land near each
other even when they share no word.

The view reads the same normalised word tokens as the TF-IDF views (one tokenisation per chunk),
splits each word into WordPiece tokens of the table's vocabulary (greedy longest match, as BERT
does; accents stripped, punctuation inside a word splits it), takes the mean of the token
vectors over the headline, normalises it to unit length and scales it by `weight`. A headline
with no known token gets a zero vector. Words are looked up once per process and cached.

The table is an .npz of plain arrays (no pickle): `tokens`, `vectors` (int8, with a per-dimension
`scale`, or float16) and `meta_json`. Its sha256 is recorded in the model card and checked
whenever a model file is loaded.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from classifier.model.tokens import SEPARATOR, ChunkTokens, tokenise_chunk

__all__ = ["SemanticTable", "SemanticView", "load_table", "reference_embedding", "table_from_arrays"]

_UNKNOWN = -1
_MAX_WORD_CHARACTERS = 100  # BERT's limit: a longer word is one unknown token
_CACHE_LIMIT = 400_000  # distinct words kept per process before the cache starts afresh


@dataclass(frozen=True)
class SemanticTable:
    """A loaded vector table: token strings, float32 vectors, its metadata and file checksum."""

    tokens: dict[str, int]
    vectors: np.ndarray  # (n_tokens, dims) float32
    meta: dict
    sha256: str
    data: bytes = field(repr=False)  # the file as read, stored inside model files

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])


def load_table(source: str | Path | bytes) -> SemanticTable:
    """Read a vector table from a path or from the bytes of an .npz, with no code execution.

    Parameters
    ----------
    source : str, Path or bytes
        The .npz file, or its contents.

    Returns
    -------
    SemanticTable
        Tokens, de-quantised float32 vectors, metadata and the sha256 of the bytes.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        tokens = archive["tokens"].tolist()  # Python strings at once, not one numpy scalar a token
        vectors = archive["vectors"]
        scale = archive["scale"] if "scale" in archive.files else None
        meta = json.loads(str(archive["meta_json"])) if "meta_json" in archive.files else {}
    return table_from_arrays(tokens, vectors, scale, meta, hashlib.sha256(data).hexdigest(), data)


def table_from_arrays(tokens: list[str], vectors: np.ndarray, scale: np.ndarray | None, meta: dict, sha256: str,
                      data: bytes = b"") -> SemanticTable:  # fmt: skip
    """A table from its arrays as the .npz holds them (vectors, int8 with a per-dimension scale, or float).

    The one de-quantisation, for a table read from its .npz and for the copy a model's prediction
    runtime carries (`classifier.model.runtime`), so both give the same float32 vectors. `data`
    is the .npz's bytes where known (a runtime's copy does not keep them: it never writes a table).
    """
    matrix = vectors.astype(np.float32)
    if scale is not None:
        matrix *= scale.astype(np.float32)[None, :]
    if matrix.ndim != 2 or len(tokens) != matrix.shape[0]:
        raise ValueError("a semantic table needs one vector per token")
    return SemanticTable(
        tokens=dict(zip(tokens, range(len(tokens)), strict=True)),
        vectors=matrix,
        meta=meta,
        sha256=sha256,
        data=data,
    )


def _strip_accents(word: str) -> str:
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


def _pieces(word: str) -> list[str]:
    """The runs of letters and digits of a normalised word token (BERT splits at punctuation)."""
    out, run = [], []
    for char in _strip_accents(word):
        if char.isalnum():
            run.append(char)
        elif run:
            out.append("".join(run))
            run = []
    if run:
        out.append("".join(run))
    return out


def wordpiece(word: str, vocabulary: dict[str, int]) -> list[int]:
    """Token ids of one normalised word: greedy longest-match WordPiece; unknown pieces give none."""
    ids: list[int] = []
    for piece in _pieces(word):
        if len(piece) > _MAX_WORD_CHARACTERS:
            continue
        start, found = 0, []
        while start < len(piece):
            end = len(piece)
            while end > start:
                candidate = piece[start:end] if start == 0 else "##" + piece[start:end]
                if candidate in vocabulary:
                    found.append(vocabulary[candidate])
                    break
                end -= 1
            if end == start:  # no match: the whole piece is unknown, and unknowns are left out
                found = []
                break
            start = end
        ids.extend(found)
    return ids


def _fine_tuning(recipe: dict | None) -> str | None:
    """One line of the card: what the source model was fine-tuned on before distilling, if anything."""
    if not recipe:
        return None
    return (
        f"{recipe['fine_tuned_on']} ({recipe['corpus_rows']:,} rows, sha256 {recipe['corpus_sha256'][:12]}), "
        f"{recipe['epochs']:g} epoch, topic and tone heads"
    )


class SemanticView:
    """Pooled static vectors for chunks of headlines (see the module docstring).

    Parameters
    ----------
    table : SemanticTable
        The vector table.
    weight : float
        Scale of the unit-length pooled vector against the TF-IDF features.
    """

    def __init__(self, table: SemanticTable, weight: float) -> None:
        self.table = table
        self.weight = float(weight)
        self._reset_cache()

    @property
    def dims(self) -> int:
        return self.table.dims

    def card(self) -> dict:
        """What a model card says of the view: its table's origin, licence, size, checksum and weight."""
        meta = self.table.meta
        return {
            "sha256": self.table.sha256,
            "tokens": len(self.table.tokens),
            "dims": self.dims,
            "weight": self.weight,
            "source_model": meta.get("source_model"),
            "source_package": f"{meta.get('source_package')}=={meta.get('source_package_version')}",
            "license": meta.get("license"),
            "built_with": f"model2vec {meta.get('model2vec_version')} distill, PCA {meta.get('pca_dims')}, "
            f"{meta.get('dtype')}",
            "fine_tuned_on": _fine_tuning(meta.get("fine_tune")),
        }

    def feature_names(self) -> list[str]:
        return [f"semantic:{i}" for i in range(self.dims)]

    def _word_rows(self, words) -> np.ndarray:
        """Each word's row in the cache of WordPiece ids, looking up new words as they come."""
        if len(self._row_of) > _CACHE_LIMIT:
            self._reset_cache()
        rows = list(map(self._row_of.get, words))
        missing = [i for i, row in enumerate(rows) if row is None]
        if missing:
            new_ids = [
                [] if words[i] == SEPARATOR else wordpiece(words[i], self.table.tokens) for i in missing
            ]
            first = len(self._row_of)
            for k, i in enumerate(missing):
                rows[i] = self._row_of.setdefault(words[i], first + k)
            lengths = np.fromiter(map(len, new_ids), np.intp, len(new_ids))
            self._starts = np.concatenate([self._starts, len(self._flat) + np.cumsum(lengths) - lengths])
            self._lengths = np.concatenate([self._lengths, lengths])
            self._flat = np.concatenate(
                [self._flat, np.fromiter((t for ids in new_ids for t in ids), np.intp)]
            )
        return np.asarray(rows, dtype=np.intp)

    def _reset_cache(self) -> None:
        self._row_of = {}
        self._starts = np.zeros(0, dtype=np.intp)
        self._lengths = np.zeros(0, dtype=np.intp)
        self._flat = np.zeros(0, dtype=np.intp)

    def transform_tokens(self, tokens: ChunkTokens) -> np.ndarray:
        """The (texts, dims) float32 block for a tokenised chunk (shared with the TF-IDF views)."""
        n, dims = tokens.n_texts, self.dims
        if not len(tokens.codes):
            return np.zeros((n, dims), dtype=np.float32)
        rows = self._word_rows(tokens.unique)
        lengths, starts = self._lengths[rows], self._starts[rows]
        ends = np.cumsum(lengths)
        flat = self._flat[np.repeat(starts - (ends - lengths), lengths) + np.arange(int(ends[-1]))]
        # each distinct word's summed token vectors, then each text's sum of its words' sums
        words = np.zeros((len(rows), dims), dtype=np.float32)
        has = lengths > 0
        if len(flat):
            words[has] = np.add.reduceat(self.table.vectors[flat], (ends - lengths)[has], axis=0)
        # One dimension at a time: a gather and a bincount over the token positions, three times
        # faster than summing whole vectors per text (np.add.reduceat), and no position-by-dims block.
        by_dimension = np.ascontiguousarray(words.T)
        pooled = np.empty((n, dims), dtype=np.float32)
        for d in range(dims):
            pooled[:, d] = np.bincount(tokens.doc, weights=by_dimension[d][tokens.codes], minlength=n)[:n]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        np.divide(pooled, norms, out=pooled, where=norms > 0)
        return pooled * np.float32(self.weight)

    def transform(self, texts: list[str]) -> np.ndarray:
        """The block for a list of texts (tokenising them first)."""
        return self.transform_tokens(tokenise_chunk(list(texts)))


def reference_embedding(text: str, table: SemanticTable, weight: float) -> np.ndarray:
    """One text's semantic vector, computed plainly (the tests' reference for `SemanticView`)."""
    import re

    from classifier.model.tokens import WORD_PATTERN, normalise

    ids = [i for word in re.findall(WORD_PATTERN, normalise(text)) for i in wordpiece(word, table.tokens)]
    if not ids:
        return np.zeros(table.dims, dtype=np.float32)
    mean = table.vectors[ids].mean(axis=0)
    norm = np.linalg.norm(mean)
    return (mean / norm * weight).astype(np.float32) if norm > 0 else np.zeros(table.dims, dtype=np.float32)
