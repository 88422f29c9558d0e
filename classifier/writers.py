"""Writing predictions: format choice, atomic files, chunk writers for CSV/TSV/JSONL/Parquet."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pandas as pd

from classifier.config import OUTPUT_DECIMALS
from classifier.errors import OutputError

STDOUT = "-"
OUTPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet", "table")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def check_writable(path: str | Path) -> None:
    """Fail before any work if an output file cannot be created where asked."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"{path}: folder {folder} does not exist")
    if path.is_dir():
        raise OutputError(f"{path}: is a folder, not a file")
    try:  # try for real: permission bits do not bind root, and a read-only mount ignores them
        fd, probe = tempfile.mkstemp(prefix=".headlines-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"{path}: folder {folder} is not writable ({exc.strerror})") from None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`, renamed onto it only if the block succeeds."""
    path = Path(path)
    check_writable(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote."""
    out = frame.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def arrow_schema(frame: pd.DataFrame):
    """A fixed Arrow schema for prediction chunks: numbers as float64, everything else as text."""
    import pyarrow as pa

    return pa.schema(
        [
            (name, pa.float64() if pd.api.types.is_numeric_dtype(frame[name]) else pa.string())
            for name in frame.columns
        ]
    )


def _arrow_table(frame: pd.DataFrame, schema):
    import pyarrow as pa

    columns = {}
    for field_ in schema:
        values = frame[field_.name]
        if pa.types.is_floating(field_.type):
            columns[field_.name] = pa.array(values.to_numpy(dtype=float).round(OUTPUT_DECIMALS), type=field_.type,
                                            from_pandas=True)  # fmt: skip
        else:
            columns[field_.name] = pa.array(
                values.astype(object).where(values.notna(), None), type=pa.string()
            )
    return pa.table(columns, schema=schema)


@dataclass(frozen=True)
class EncodedChunk:
    """A chunk of rows already encoded as CSV/TSV/JSONL bytes (no header), ready to append."""

    columns: tuple[str, ...]
    rows: int
    data: bytes


def encode_chunk(frame: pd.DataFrame, fmt: str, safe_csv: bool = False) -> EncodedChunk:
    """Encode rows as the body of a CSV, TSV or JSONL file; pure, so worker processes can do it.

    CSV and TSV go through pyarrow's writer, ten times faster than pandas for large outputs; numbers
    are rounded to OUTPUT_DECIMALS places; "needed" quoting quotes every text cell (a bare \r
    included) and leaves numbers bare.
    """
    if fmt == "jsonl":
        text = frame.round(OUTPUT_DECIMALS).to_json(orient="records", lines=True, force_ascii=False)
        data = (text if text.endswith("\n") or not text else text + "\n").encode("utf-8")
        return EncodedChunk(tuple(frame.columns), len(frame), data)
    if fmt not in ("csv", "tsv"):
        raise OutputError(f"cannot encode format {fmt!r} chunk by chunk")
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if safe_csv:
        frame = neutralise_formulas(frame)
    options = pacsv.WriteOptions(delimiter=_delimiter(fmt), include_header=False, quoting_style="needed")
    sink = pa.BufferOutputStream()
    pacsv.write_csv(_arrow_table(frame, arrow_schema(frame)), sink, write_options=options)
    return EncodedChunk(tuple(frame.columns), len(frame), sink.getvalue().to_pybytes())


def _delimiter(fmt: str) -> str:
    return "\t" if fmt == "tsv" else ","


@dataclass
class TableWriter:
    """Write prediction chunks as CSV/TSV/JSONL/Parquet to a binary stream or file, header once."""

    fmt: str
    sink: object
    safe_csv: bool = False
    _parquet: object = field(default=None, init=False)
    _parquet_schema: object = field(default=None, init=False)
    _columns: tuple[str, ...] | None = field(default=None, init=False)

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk of rows."""
        if self.fmt != "parquet":
            self.write_encoded(encode_chunk(frame, self.fmt, self.safe_csv))
            return
        import pyarrow.parquet as pq

        if self._parquet is None:
            self._parquet_schema = arrow_schema(frame)
            self._parquet = pq.ParquetWriter(self.sink, self._parquet_schema)
        self._parquet.write_table(_arrow_table(frame, self._parquet_schema))

    def write_encoded(self, chunk: EncodedChunk) -> None:
        """Append a chunk encoded by `encode_chunk` (with the same format), header first."""
        if self._columns is None:
            self._columns = chunk.columns
            if self.fmt in ("csv", "tsv"):  # our column names are plain identifiers: no quoting
                self.sink.write((_delimiter(self.fmt).join(chunk.columns) + "\n").encode("utf-8"))
        elif chunk.columns != self._columns:
            raise OutputError(f"chunk columns changed from {self._columns} to {chunk.columns}")
        self.sink.write(chunk.data)

    def close(self) -> None:
        """Finish the file (Parquet needs a footer)."""
        if self._parquet is not None:
            self._parquet.close()


@contextmanager
def open_writer(path: str | Path | None, fmt: str, safe_csv: bool = False) -> Iterator[TableWriter]:
    """Open a chunk writer on stdout (path None or '-') or, atomically, on a file."""
    if fmt not in OUTPUT_FORMATS or fmt == "table":
        raise OutputError(f"cannot stream format {fmt!r}")
    if path is None or str(path) == STDOUT:
        if fmt == "parquet":
            raise OutputError("Parquet output needs --output PATH")
        sys.stdout.flush()
        sink = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else _TextSink(sys.stdout)
        writer = TableWriter(fmt, sink, safe_csv=safe_csv)
        yield writer
        _finish(writer)
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        writer = TableWriter(fmt, fh, safe_csv=safe_csv)
        yield writer
        _finish(writer)


def _finish(writer: TableWriter) -> None:
    if writer.fmt == "parquet":
        writer.close()  # Parquet needs its footer
    elif hasattr(writer.sink, "flush"):
        # Closing pyarrow's CSV writer would close the sink (stdout) too; flush what it wrote instead.
        writer.sink.flush()


class _TextSink:
    """Bytes-to-text adapter for a stdout without a buffer (e.g. under a test runner)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.closed = False

    def write(self, data: bytes) -> int:
        self.stream.write(bytes(data).decode("utf-8"))
        return len(data)

    def flush(self) -> None:
        self.stream.flush()


def output_format_for(path: str | Path | None, requested: str | None, is_terminal: bool) -> str:
    """Choose the output format: as asked, else by the output suffix, else table on a terminal."""
    if requested:
        return requested
    if path is not None and str(path) != STDOUT:
        suffix = Path(path).suffix.lower()
        by_suffix = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".tsv": "tsv"}
        return by_suffix.get(suffix, "csv")
    return "table" if is_terminal else "csv"
