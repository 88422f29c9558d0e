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


@dataclass
class TableWriter:
    """Write prediction chunks as CSV/TSV/JSONL/Parquet to a binary stream or file, header once.

    CSV and TSV go through pyarrow's writer, ten times faster than pandas for large outputs;
    numbers are rounded to OUTPUT_DECIMALS places.
    """

    fmt: str
    sink: object
    safe_csv: bool = False
    _writer: object = field(default=None, init=False)
    _schema: object = field(default=None, init=False)

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk of rows."""
        if self.fmt == "jsonl":
            text = frame.round(OUTPUT_DECIMALS).to_json(orient="records", lines=True, force_ascii=False)
            self.sink.write((text if text.endswith("\n") or not text else text + "\n").encode("utf-8"))
            return
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if self.safe_csv and self.fmt in ("csv", "tsv"):
            frame = neutralise_formulas(frame)
        if self._schema is None:
            self._schema = arrow_schema(frame)
            if self.fmt == "parquet":
                self._writer = pq.ParquetWriter(self.sink, self._schema)
            else:
                # pyarrow quotes header names; ours are plain identifiers, so the header is written as is.
                # "needed" quotes every text cell (a bare \r included) and leaves numbers bare.
                self.sink.write((self._delimiter.join(frame.columns) + "\n").encode("utf-8"))
                options = pacsv.WriteOptions(
                    delimiter=self._delimiter, include_header=False, quoting_style="needed"
                )
                self._writer = pacsv.CSVWriter(self.sink, self._schema, write_options=options)
        self._writer.write_table(_arrow_table(frame, self._schema))

    @property
    def _delimiter(self) -> str:
        return "\t" if self.fmt == "tsv" else ","

    def close(self) -> None:
        """Finish the file (Parquet needs a footer)."""
        if self._writer is not None:
            self._writer.close()


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
