"""The fast prediction path: plain text or CSV/TSV through a `Runtime` to CSV/TSV/JSONL, without pandas.

`headlines predict` takes this path for the common case (see `plain_possible`) and the full one
(`classifier.predict.stream`) for everything else. Both read the same rows, predict with the same
arrays and write the same bytes: `classifier.io.plain` reads and encodes with the standard library,
numpy and the runtime predict. Chunking, `--jobs` worker processes (forked, sharing the loaded
runtime), atomic output files and the counts of blank and unknown rows are those of the full path.
When the plain reader doubts an input (`classifier.io.plain.Doubt`), `predict_plain` raises it
before anything reaches standard output, or with nothing left behind in an output file, and the
caller runs the full path on the same input. It imports ``classifier.io`` and ``classifier.model``.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.config import CHUNK_ROWS, ID_COLUMN, PREDICTION_COLUMNS, TEXT_COLUMN
from classifier.io.plain import Doubt, PlainChunk, encode_plain, iter_plain, scan_plain, stdin_bytes
from classifier.io.readers import STDIN
from classifier.io.writers import STDOUT, EncodedChunk, is_special, open_writer
from classifier.model.runtime import Runtime
from classifier.predict.workers import forked_in_order

__all__ = ["PlainSummary", "plain_possible", "predict_chunk_plain", "predict_plain"]

_TEXT = frozenset({"topic", "topic_alt", "tone_label"})


@dataclass
class PlainSummary:
    """Rows written, how many were blank, how many had no word the model knows (as `PredictSummary`)."""

    rows: int = 0
    blank: int = 0
    unknown: int = 0


def plain_possible(fmt_out: str, explain: int, engine_local: bool, can_fork: bool | None = None) -> bool:
    """Whether the output side of a run fits the fast path (the input is checked as it is read)."""
    if can_fork is None:
        can_fork = hasattr(os, "fork")  # where multiprocessing offers "fork" (not importing it: a fast start)
    return engine_local and not explain and fmt_out in ("csv", "tsv", "jsonl") and can_fork


def predict_chunk_plain(runtime: Runtime, chunk: PlainChunk, min_confidence: float | None, fmt: str,
                        safe_csv: bool) -> tuple[EncodedChunk, PlainSummary]:  # fmt: skip
    """One chunk's predictions, encoded as the full path encodes them, with its counts."""
    texts = chunk.texts
    n = len(texts)
    out: dict[str, object] = {}
    for name in PREDICTION_COLUMNS:
        out[name] = np.full(n, None, dtype=object) if name in _TEXT else np.full(n, np.nan)
    out["known_words"] = np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(np.fromiter((bool(t.strip()) for t in texts), dtype=bool, count=n))
    if len(rows):
        kept = [texts[i] for i in rows]
        for name, values in runtime.predict_columns(kept, min_confidence).items():
            out[name][rows] = values
    columns: dict[str, list] = {ID_COLUMN: chunk.ids, TEXT_COLUMN: texts, **chunk.kept}
    kinds = dict.fromkeys(columns, "text")
    for name in PREDICTION_COLUMNS:
        values = out[name]
        columns[name] = values.tolist() if name in _TEXT else values
        kinds[name] = "text" if name in _TEXT else ("count" if name == "known_words" else "number")
    columns["known_words"] = out["known_words"].tolist()
    blank = n - len(rows)
    unknown = int(np.count_nonzero(out["known_words"][rows] == 0))
    return encode_plain(columns, kinds, fmt, safe_csv), PlainSummary(n, blank, unknown)


_SHARED: dict[str, Runtime] = {}  # the runtime forked workers inherit from the parent


def _in_worker(chunk: PlainChunk, min_confidence: float | None, fmt: str, safe_csv: bool):
    return predict_chunk_plain(_SHARED["runtime"], chunk, min_confidence, fmt, safe_csv)


def _predictions(runtime: Runtime, chunks: Iterator[PlainChunk], jobs: int, min_confidence: float | None,
                 fmt: str, safe_csv: bool) -> Iterator[tuple[EncodedChunk, PlainSummary]]:  # fmt: skip
    """Encoded prediction chunks in input order: here, or in forked workers two chunks each at a time."""
    first = list(itertools.islice(chunks, 2))
    chunks = itertools.chain(first, chunks)
    if jobs == 1 or len(first) < 2:
        for chunk in chunks:
            yield predict_chunk_plain(runtime, chunk, min_confidence, fmt, safe_csv)
        return
    _SHARED["runtime"] = runtime
    try:
        arguments = ((chunk, min_confidence, fmt, safe_csv) for chunk in chunks)
        yield from forked_in_order(_in_worker, arguments, jobs)
    finally:
        _SHARED.clear()


def predict_plain(
    runtime: Runtime,
    source: str | Path,
    output: str | Path | None,
    fmt: str,
    input_format: str,
    column: str | None = None,
    keep: tuple[str, ...] = (),
    delimiter: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    safe_csv: bool = False,
    jobs: int = 1,
    min_confidence: float | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> tuple[PlainSummary, bytes | None]:
    """Stream predictions from `source` (a path or '-') to `output` (stdout when None) the plain way.

    Returns the counts and, for standard input, the bytes read (None for a file). Raises
    `Doubt`, with the bytes of standard input as its argument, when the full path must run
    instead: before a byte reaches standard output, and with no output file left behind.
    """
    data = stdin_bytes() if str(source) == STDIN else None
    origin: str | Path | bytes = data if data is not None else source
    to_stdout = output is None or str(output) == STDOUT or is_special(output)
    try:
        if to_stdout:  # what reaches stdout cannot be taken back: read the input through first
            scan_plain(origin, input_format, column, keep, delimiter)
        summary = PlainSummary()
        with open_writer(output, fmt, safe_csv=safe_csv) as writer:
            chunks = iter_plain(origin, input_format, column, chunk_rows, keep, delimiter)
            for encoded, counts in _predictions(runtime, chunks, jobs, min_confidence, fmt, safe_csv):
                writer.write_encoded(encoded)
                summary.rows += counts.rows
                summary.blank += counts.blank
                summary.unknown += counts.unknown
                if on_chunk:
                    on_chunk(counts.rows)
            if not writer.started:
                names = (ID_COLUMN, TEXT_COLUMN, *keep, *PREDICTION_COLUMNS)
                writer.write_encoded(EncodedChunk(names, 0, b""))
    except Doubt:
        raise Doubt(data) from None
    return summary, data
