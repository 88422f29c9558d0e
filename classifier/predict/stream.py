"""Running a model over an input file or stream, chunk by chunk, in parallel, keeping every row in order."""

from __future__ import annotations

import functools
import itertools
import json
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from joblib import Parallel, delayed

from classifier.config import CHUNK_ROWS, TEXT_COLUMN
from classifier.io.keep import with_kept
from classifier.io.readers import iter_headlines
from classifier.model.archive import load_predictor_cached
from classifier.model.inference import REASON_COLUMNS, predict_frame
from classifier.model.runtime import Runtime
from classifier.predict.workers import default_jobs, forked_in_order, max_jobs

if TYPE_CHECKING:
    from classifier.model.heads import HeadlineModel
from classifier.io.writers import EncodedChunk, encode_chunk, open_writer

__all__ = [
    "Page",
    "PredictSummary",
    "count",
    "default_jobs",
    "empty_predictions",
    "encode_predictions",
    "iter_predictions",
    "max_jobs",
    "predict_page",
    "predict_table",
    "predict_to_file",
    "prepare_for_file",
    "serialise_reasons",
    "write_prepared",
]


@dataclass
class PredictSummary:
    """What a prediction run did: rows read and written, how many were blank, how many had no known word."""

    rows: int = 0
    blank: int = 0
    unknown: int = 0

    def add(self, other: PredictSummary) -> PredictSummary:
        """Count another chunk's rows in."""
        self.rows += other.rows
        self.blank += other.blank
        self.unknown += other.unknown
        return self


def count(frame: pd.DataFrame) -> PredictSummary:
    """The rows of a prediction frame, its blank rows and its rows with no word the model knows."""
    blank = frame["topic"].isna()
    unknown = int(((frame["known_words"] == 0) & ~blank).sum()) if "known_words" in frame.columns else 0
    return PredictSummary(len(frame), int(blank.sum()), unknown)


_SHARED: dict[str, HeadlineModel | Runtime] = {}  # the model forked workers inherit from the parent


def _predict_chunk(model: HeadlineModel | Runtime | str | None, chunk: pd.DataFrame, explain: int,
                   min_confidence: float | None, finish: Callable | None = None):  # fmt: skip
    if model is None:
        fitted = _SHARED["model"]  # inherited through fork: nothing was pickled
    elif isinstance(model, str):
        fitted = load_predictor_cached(model, explain=explain)  # a spawned worker loads the file once
    else:
        fitted = model
    frame = with_kept(predict_frame(fitted, chunk, explain, min_confidence), chunk)
    return frame if finish is None else finish(frame)


def encode_predictions(frame: pd.DataFrame, fmt: str, safe_csv: bool = False) -> pd.DataFrame | EncodedChunk:
    """Prediction rows as `headlines predict` writes them: CSV/TSV/JSONL bytes, or the frame for Parquet.

    Reason lists stay lists in JSONL and become JSON text in the other formats. The service encodes
    its answers with this too, so a row reads the same from the command line and over HTTP.
    """
    if fmt == "parquet":
        return serialise_reasons(frame)
    return encode_chunk(frame if fmt == "jsonl" else serialise_reasons(frame), fmt, safe_csv)


def prepare_for_file(
    frame: pd.DataFrame, fmt: str, safe_csv: bool
) -> tuple[pd.DataFrame | EncodedChunk, PredictSummary]:
    """A prediction chunk ready for the writer, with its counts (run in the workers).

    Text formats come back as encoded bytes, so workers share the encoding; Parquet as the frame
    with reasons as JSON text. Every engine writes through this, so their files agree.
    """
    return encode_predictions(frame, fmt, safe_csv), count(frame)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def iter_predictions(
    model: HeadlineModel | Runtime | str | Path,
    source: str | Path,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str | None = None,
    jobs: int = 1,
    explain: int = 0,
    min_confidence: float | None = None,
    finish: Callable | None = None,
    keep: tuple[str, ...] = (),
    input_format: str | None = None,
    delimiter: str | None = None,
) -> Iterator:
    """Yield prediction chunks for an input file or '-' (stdin), in input order.

    `keep` names input columns carried between the id and headline and the predictions (see
    `classifier.io.keep.resolve_keep`); by default none.

    `finish`, when given, is applied to each chunk's frame where it was predicted (in the worker)
    and its result is yielded instead; it must be picklable.

    `model` is a fitted model or the path of a model file. With jobs > 1 and more than one chunk,
    worker processes predict the chunks, two per worker in flight at a time, so memory stays flat
    whatever the input size. Where the system can fork (Linux), workers share the parent's loaded
    model instead of each holding a copy; elsewhere each worker loads it once.
    """
    chunks = iter_headlines(source, column=column, chunk_rows=chunk_rows, encoding=encoding, keep=keep,
                            input_format=input_format, delimiter=delimiter)  # fmt: skip
    first = list(itertools.islice(chunks, 2))
    chunks = itertools.chain(first, chunks)
    if isinstance(model, (str, Path)):
        model = (
            str(model) if jobs > 1 and not _can_fork() else load_predictor_cached(str(model), explain=explain)
        )
    if jobs == 1 or len(first) < 2:
        for chunk in chunks:
            yield _predict_chunk(model, chunk, explain, min_confidence, finish)
        return
    if not _can_fork():
        parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
        yield from parallel(
            delayed(_predict_chunk)(model, c, explain, min_confidence, finish) for c in chunks
        )
        return
    model.prepare()  # lookup tables built once here, so forked workers inherit them
    _SHARED["model"] = model
    try:
        # (joblib's generator mode, used above, does not support a fork-based backend.)
        arguments = ((None, chunk, explain, min_confidence, finish) for chunk in chunks)
        yield from forked_in_order(_predict_chunk, arguments, jobs)
    finally:
        _SHARED.clear()


def serialise_reasons(frame: pd.DataFrame) -> pd.DataFrame:
    """Reason lists as JSON text, for formats that hold one value a cell."""
    present = [c for c in REASON_COLUMNS if c in frame.columns]
    if not present:
        return frame
    out = frame.copy()
    for name in present:
        out[name] = out[name].map(
            lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list) else None
        )
    return out


def predict_to_file(
    model: HeadlineModel | Runtime | str | Path,
    source: str | Path,
    output: str | Path | None,
    fmt: str = "csv",
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    safe_csv: bool = False,
    encoding: str | None = None,
    jobs: int = 1,
    explain: int = 0,
    min_confidence: float | None = None,
    on_chunk: Callable[[int], None] | None = None,
    keep: tuple[str, ...] = (),
    input_format: str | None = None,
    delimiter: str | None = None,
) -> PredictSummary:
    """Stream predictions from `source` to `output` (stdout when None) in a streaming format.

    An empty input still gives a valid file: the CSV/TSV header, or the Parquet schema.
    """
    summary = PredictSummary()
    with open_writer(output, fmt, safe_csv=safe_csv) as writer:
        finish = functools.partial(prepare_for_file, fmt=fmt, safe_csv=safe_csv)
        if fmt in ("csv", "tsv"):
            import pyarrow.csv  # noqa: F401  imported before workers fork, so they share its memory
        for prepared, counts in iter_predictions(
            model, source, column, chunk_rows, encoding, jobs, explain, min_confidence, finish,
            keep, input_format, delimiter,
        ):  # fmt: skip
            write_prepared(writer, prepared)
            summary.add(counts)
            if on_chunk:
                on_chunk(counts.rows)
        if not writer.started:
            write_prepared(writer, finish(empty_predictions(model, explain, min_confidence, keep))[0])
    return summary


def write_prepared(writer, prepared: pd.DataFrame | EncodedChunk) -> None:
    """Write one prepared chunk: a frame, or a chunk already encoded by a worker."""
    if isinstance(prepared, EncodedChunk):
        writer.write_encoded(prepared)
    else:
        writer.write(prepared)


def empty_predictions(
    model: HeadlineModel | Runtime | str | Path,
    explain: int = 0,
    min_confidence: float | None = None,
    keep: tuple[str, ...] = (),
) -> pd.DataFrame:
    """The output of no rows: every column (the kept ones too), with its type, and nothing in it."""
    fitted = load_predictor_cached(str(model), explain=explain) if isinstance(model, (str, Path)) else model
    empty = pd.DataFrame({name: [] for name in ("id", TEXT_COLUMN, *keep)}, dtype=object)
    return with_kept(predict_frame(fitted, empty, explain, min_confidence), empty)


def predict_table(
    model: HeadlineModel | Runtime | str | Path,
    source: str | Path,
    column: str | None = None,
    encoding: str | None = None,
    explain: int = 0,
    min_confidence: float | None = None,
    keep: tuple[str, ...] = (),
    input_format: str | None = None,
    delimiter: str | None = None,
) -> pd.DataFrame:
    """Collect all predictions for an input into one frame (for notebooks; mind the input's size)."""
    frames = list(iter_predictions(model, source, column, encoding=encoding, explain=explain,
                                   min_confidence=min_confidence, keep=keep, input_format=input_format,
                                   delimiter=delimiter))  # fmt: skip
    if not frames:
        return empty_predictions(model, explain, min_confidence, keep)
    return pd.concat(frames, ignore_index=True)


@dataclass
class Page:
    """The first rows of an input, predicted, and how many rows the input has in all."""

    frame: pd.DataFrame
    total: int
    blank: int
    unknown: int


def predict_page(
    model: HeadlineModel | Runtime | str | Path,
    source: str | Path,
    rows: int,
    column: str | None = None,
    encoding: str | None = None,
    explain: int = 0,
    min_confidence: float | None = None,
    input_format: str | None = None,
    delimiter: str | None = None,
    keep: tuple[str, ...] = (),
) -> Page:
    """Predict only the first `rows` rows of an input (what a screen shows) and count the rest unread.

    Reading is cheap next to predicting, so the total is exact without predicting every row.
    """
    fitted = load_predictor_cached(str(model), explain=explain) if isinstance(model, (str, Path)) else model
    chunks = iter_headlines(source, column=column, encoding=encoding, keep=keep,
                            input_format=input_format, delimiter=delimiter)  # fmt: skip
    first = next(chunks, None)
    if first is None:
        return Page(empty_predictions(fitted, explain, min_confidence, keep), 0, 0, 0)
    head = first.head(rows)
    frame = with_kept(predict_frame(fitted, head, explain, min_confidence), head)
    total = len(first) + sum(len(chunk) for chunk in chunks)
    counts = count(frame)
    return Page(frame, total, counts.blank, counts.unknown)
