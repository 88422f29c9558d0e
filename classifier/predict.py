"""Running a model over an input file or stream, chunk by chunk, in parallel, keeping every row in order."""

from __future__ import annotations

import collections
import functools
import itertools
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

from classifier.config import CHUNK_ROWS, TEXT_COLUMN
from classifier.io import iter_headlines
from classifier.keep import with_kept
from classifier.model import REASON_COLUMNS, HeadlineModel, predict_frame
from classifier.writers import EncodedChunk, encode_chunk, open_writer


@dataclass
class PredictSummary:
    """What a prediction run did: rows read and written, and how many were blank."""

    rows: int = 0
    blank: int = 0


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@lru_cache(maxsize=2)
def _model_from_file(path: str) -> HeadlineModel:
    from classifier.store import load_model

    return load_model(path)


_SHARED: dict[str, HeadlineModel] = {}  # the model forked workers inherit from the parent


def _predict_chunk(model: HeadlineModel | str | None, chunk: pd.DataFrame, explain: int,
                   min_confidence: float | None, finish: Callable | None = None):  # fmt: skip
    if model is None:
        fitted = _SHARED["model"]  # inherited through fork: nothing was pickled
    elif isinstance(model, str):
        fitted = _model_from_file(model)  # a spawned worker loads the file once
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


def _prepare_for_file(
    frame: pd.DataFrame, fmt: str, safe_csv: bool
) -> tuple[pd.DataFrame | EncodedChunk, int, int]:
    """A prediction chunk ready for the writer, with its row and blank-row counts (run in the workers).

    Text formats come back as encoded bytes, so workers share the encoding; Parquet as the frame.
    """
    return encode_predictions(frame, fmt, safe_csv), len(frame), int(frame["topic"].isna().sum())


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def iter_predictions(
    model: HeadlineModel | str | Path,
    source: str | Path,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str | None = None,
    jobs: int = 1,
    explain: int = 0,
    min_confidence: float | None = None,
    finish: Callable | None = None,
    keep: tuple[str, ...] = (),
) -> Iterator:
    """Yield prediction chunks for an input file or '-' (stdin), in input order.

    `keep` names input columns carried between the id and headline and the predictions (see
    `classifier.keep.resolve_keep`); by default none.

    `finish`, when given, is applied to each chunk's frame where it was predicted (in the worker)
    and its result is yielded instead; it must be picklable.

    `model` is a fitted model or the path of a model file. With jobs > 1 and more than one chunk,
    worker processes predict the chunks, two per worker in flight at a time, so memory stays flat
    whatever the input size. Where the system can fork (Linux), workers share the parent's loaded
    model instead of each holding a copy; elsewhere each worker loads it once.
    """
    chunks = iter_headlines(source, column=column, chunk_rows=chunk_rows, encoding=encoding, keep=keep)
    first = list(itertools.islice(chunks, 2))
    chunks = itertools.chain(first, chunks)
    if isinstance(model, (str, Path)):
        model = str(model) if jobs > 1 and not _can_fork() else _model_from_file(str(model))
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
        context = multiprocessing.get_context("fork")
        # A sliding window of 2 chunks per worker: no barrier between groups, memory stays flat.
        # (joblib's generator mode, used above, does not support a fork-based backend.)
        with context.Pool(jobs) as pool:
            pending: collections.deque = collections.deque()
            for chunk in chunks:
                pending.append(
                    pool.apply_async(_predict_chunk, (None, chunk, explain, min_confidence, finish))
                )
                if len(pending) >= 2 * jobs:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
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
    model: HeadlineModel | str | Path,
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
) -> PredictSummary:
    """Stream predictions from `source` to `output` (stdout when None) in a streaming format."""
    summary = PredictSummary()
    with open_writer(output, fmt, safe_csv=safe_csv) as writer:
        finish = functools.partial(_prepare_for_file, fmt=fmt, safe_csv=safe_csv)
        if fmt in ("csv", "tsv"):
            import pyarrow.csv  # noqa: F401  imported before workers fork, so they share its memory
        for prepared, rows, blank in iter_predictions(
            model, source, column, chunk_rows, encoding, jobs, explain, min_confidence, finish, keep
        ):
            if fmt == "parquet":
                writer.write(prepared)
            else:
                writer.write_encoded(prepared)
            summary.rows += rows
            summary.blank += blank
            if on_chunk:
                on_chunk(rows)
    return summary


def predict_table(
    model: HeadlineModel | str | Path,
    source: str | Path,
    column: str | None = None,
    encoding: str | None = None,
    explain: int = 0,
    min_confidence: float | None = None,
    keep: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Collect all predictions for an input into one frame (for tables and notebooks)."""
    frames = list(iter_predictions(model, source, column, encoding=encoding, explain=explain,
                                   min_confidence=min_confidence, keep=keep))  # fmt: skip
    if not frames:
        fitted = _model_from_file(str(model)) if isinstance(model, (str, Path)) else model
        empty = pd.DataFrame({name: [] for name in ("id", TEXT_COLUMN, *keep)}, dtype=object)
        return with_kept(predict_frame(fitted, empty, explain, min_confidence), empty)
    return pd.concat(frames, ignore_index=True)
