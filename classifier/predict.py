"""Running a model over an input file or stream, chunk by chunk, keeping every row in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from classifier.config import CHUNK_ROWS, TEXT_COLUMN
from classifier.io import iter_headlines, open_writer
from classifier.model import HeadlineModel, predict_frame


@dataclass
class PredictSummary:
    """What a prediction run did: rows read and written, and how many were blank."""

    rows: int = 0
    blank: int = 0


def iter_predictions(
    model: HeadlineModel,
    source: str | Path,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str | None = None,
):
    """Yield prediction chunks for an input file or '-' (stdin), in input order."""
    for chunk in iter_headlines(source, column=column, chunk_rows=chunk_rows, encoding=encoding):
        yield predict_frame(model, chunk)


def predict_to_file(
    model: HeadlineModel,
    source: str | Path,
    output: str | Path | None,
    fmt: str = "csv",
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    safe_csv: bool = False,
    encoding: str | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> PredictSummary:
    """Stream predictions from `source` to `output` (stdout when None) in a streaming format."""
    summary = PredictSummary()
    with open_writer(output, fmt, safe_csv=safe_csv) as writer:
        for frame in iter_predictions(model, source, column, chunk_rows, encoding):
            writer.write(frame)
            summary.rows += len(frame)
            summary.blank += int(frame["topic"].isna().sum())
            if on_chunk:
                on_chunk(len(frame))
    return summary


def predict_table(model: HeadlineModel, source: str | Path, column: str | None = None,
                  encoding: str | None = None) -> pd.DataFrame:  # fmt: skip
    """Collect all predictions for an input into one frame (for tables and notebooks)."""
    frames = list(iter_predictions(model, source, column, encoding=encoding))
    if not frames:
        return predict_frame(model, pd.DataFrame({"id": [], TEXT_COLUMN: []}, dtype=object))
    return pd.concat(frames, ignore_index=True)
