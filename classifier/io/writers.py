"""Writing predictions: format choice, atomic files, chunk writers for CSV/TSV/JSONL/Parquet."""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from classifier.config import OUTPUT_DECIMALS
from classifier.errors import InputError, OutputError
from classifier.io import interrupts
from classifier.io.formats import OUTPUT_FORMATS, field_separator, format_by_suffix

if TYPE_CHECKING:  # pandas and numpy are imported where a frame is encoded, not to write plain bytes
    import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "NO_SPACE",
    "STDOUT",
    "EncodedChunk",
    "TableWriter",
    "arrow_schema",
    "atomic_path",
    "check_writable",
    "current_umask",
    "encode_chunk",
    "is_special",
    "neutralise_formulas",
    "open_writer",
    "ordinary_mode",
    "output_format_for",
    "refuse_overwriting_inputs",
    "write_error",
    "writing",
]

STDOUT = "-"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_special(path: str | Path) -> bool:
    """Whether a path exists and is not a regular file or folder: a device, a pipe, a socket."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def check_writable(path: str | Path) -> None:
    """Fail before any work if an output file cannot be created where asked."""
    path = Path(path)
    if is_special(path):  # /dev/stdout, a named pipe: written in place
        if not os.access(path, os.W_OK):
            raise OutputError(f"{path}: not writable")
        return
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


def refuse_overwriting_inputs(output: str | Path | None, inputs: dict[str, str | Path | None]) -> None:
    """Refuse, before any work, an output that is one of the files the command reads.

    `inputs` names each file read ("input", "--model", ...). Links and other spellings of a
    path count as the same file.
    """
    if output is None or str(output) == STDOUT or not Path(output).exists():
        return
    for role, path in inputs.items():
        if path is None or str(path) == STDOUT or not Path(path).exists():
            continue
        try:
            same = os.path.samefile(output, path)
        except OSError:
            same = Path(output).resolve() == Path(path).resolve()
        if same:
            raise InputError(
                f"{output}: is the {role} file {path}; writing there would destroy it: choose another output"
            )


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask (read without changing it where /proc allows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def ordinary_mode(path: str | Path, replacing: str | Path | None = None) -> None:
    """Give a new file the mode a plain `open` would (0666 less the umask), not a temporary 0600.

    A file that replaces another keeps the mode of the one it replaces, as when a tool overwrites.
    """
    try:
        mode = stat.S_IMODE(os.stat(replacing).st_mode) if replacing is not None else None
    except OSError:
        mode = None
    os.chmod(path, 0o666 & ~current_umask() if mode is None else mode)


NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def write_error(path: str | Path, exc: OSError) -> OutputError:
    """One line for a failed write: the disk is full, or the target went away or refused."""
    what = "the disk is full" if exc.errno in NO_SPACE else "cannot be written"
    return OutputError(f"{path}: {what} ({exc.strerror or exc})")


@contextmanager
def writing(name: str | Path) -> Iterator[None]:
    """Turn a failed write into one line naming `name`; a closed pipe (the reader went away) stays as it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise write_error(name, exc) from None


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`, renamed onto it only if the block succeeds.

    A link is followed (the file it points to is replaced, not the link). The file ends with the
    mode of the file it replaces, or the mode the umask gives any new file. Until the rename it is
    registered with `interrupts`, so a run stopped by a signal never leaves it behind. A device or
    pipe (/dev/stdout) is yielded as it is and written in place.
    """
    path = Path(path)
    check_writable(path)
    if is_special(path):
        try:
            yield path
        except OSError as exc:
            if exc.errno in NO_SPACE:
                raise write_error(path, exc) from None
            raise
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        with interrupts.temporary(tmp):
            try:
                yield Path(tmp)
                ordinary_mode(tmp, replacing=path if path.exists() else None)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
    except OSError as exc:
        if exc.errno in NO_SPACE:
            raise write_error(path, exc) from None
        raise


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a quote."""
    import pandas as pd

    out = frame.copy()
    for name in out.columns:
        if not pd.api.types.is_numeric_dtype(out[name]):
            out[name] = out[name].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def arrow_schema(frame: pd.DataFrame):
    """A fixed Arrow schema for prediction chunks: counts as int64, numbers as float64, the rest as text."""
    import pandas as pd
    import pyarrow as pa

    def kind(values: pd.Series):
        if pd.api.types.is_integer_dtype(values):
            return pa.int64()
        return pa.float64() if pd.api.types.is_numeric_dtype(values) else pa.string()

    return pa.schema([(name, kind(frame[name])) for name in frame.columns])


def _arrow_table(frame: pd.DataFrame, schema):
    import numpy as np
    import pyarrow as pa

    columns = {}
    for field_ in schema:
        values = frame[field_.name]
        if pa.types.is_floating(field_.type):
            columns[field_.name] = pa.array(values.to_numpy(dtype=float).round(OUTPUT_DECIMALS), type=field_.type,
                                            from_pandas=True)  # fmt: skip
        elif pa.types.is_integer(field_.type):
            columns[field_.name] = pa.array(values.to_numpy(dtype=np.int64), type=field_.type)
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
        text = (
            frame.round(OUTPUT_DECIMALS).to_json(orient="records", lines=True, force_ascii=False)
            if len(frame)
            else ""
        )
        data = (text if text.endswith("\n") or not text else text + "\n").encode("utf-8")
        return EncodedChunk(tuple(frame.columns), len(frame), data)
    if fmt not in ("csv", "tsv"):
        raise OutputError(f"cannot encode format {fmt!r} chunk by chunk")
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if safe_csv:
        frame = neutralise_formulas(frame)
    options = pacsv.WriteOptions(delimiter=field_separator(fmt), include_header=False, quoting_style="needed")
    sink = pa.BufferOutputStream()
    pacsv.write_csv(_arrow_table(frame, arrow_schema(frame)), sink, write_options=options)
    return EncodedChunk(tuple(frame.columns), len(frame), sink.getvalue().to_pybytes())


@dataclass
class TableWriter:
    """Write prediction chunks as CSV/TSV/JSONL/Parquet to a binary stream or file, header once.

    `name` is what an error calls the destination (the file's path, or standard output).
    """

    fmt: str
    sink: object
    safe_csv: bool = False
    name: str = "standard output"
    _parquet: object = field(default=None, init=False)
    _parquet_schema: object = field(default=None, init=False)
    _columns: tuple[str, ...] | None = field(default=None, init=False)

    @property
    def started(self) -> bool:
        """Whether anything (a header, a schema) has been written yet."""
        return self._columns is not None or self._parquet is not None

    def write(self, frame: pd.DataFrame) -> None:
        """Append one chunk of rows (an empty chunk still writes the header or the schema)."""
        if self.fmt != "parquet":
            self.write_encoded(encode_chunk(frame, self.fmt, self.safe_csv))
            return
        import pyarrow.parquet as pq

        with writing(self.name):
            if self._parquet is None:
                self._parquet_schema = arrow_schema(frame)
                self._parquet = pq.ParquetWriter(self.sink, self._parquet_schema)
            self._parquet.write_table(_arrow_table(frame, self._parquet_schema))

    def write_encoded(self, chunk: EncodedChunk) -> None:
        """Append a chunk encoded by `encode_chunk` (with the same format), header first."""
        if self._columns is None:
            self._columns = chunk.columns
            if self.fmt in ("csv", "tsv"):  # our column names are plain identifiers: no quoting
                self._put((field_separator(self.fmt).join(chunk.columns) + "\n").encode("utf-8"))
        elif chunk.columns != self._columns:
            raise OutputError(f"chunk columns changed from {self._columns} to {chunk.columns}")
        self._put(chunk.data)

    def _put(self, data: bytes) -> None:
        with writing(self.name):
            self.sink.write(data)

    def close(self) -> None:
        """Finish the file (Parquet needs a footer)."""
        if self._parquet is not None:
            with writing(self.name):
                self._parquet.close()

    def abort(self) -> None:
        """Give up on a file being written: close the Parquet writer without a word (no footer matters)."""
        writer, self._parquet = self._parquet, None
        if writer is not None:
            with suppress(Exception):  # the file is being thrown away
                writer.close()


@contextmanager
def open_writer(path: str | Path | None, fmt: str, safe_csv: bool = False) -> Iterator[TableWriter]:
    """Open a chunk writer on stdout (path None or '-') or, atomically, on a file.

    If the block fails or is interrupted, a file being written is thrown away whole.
    """
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
        with writing(writer.name):
            sys.stdout.flush()
        return
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        writer = TableWriter(fmt, fh, safe_csv=safe_csv, name=str(path))
        try:
            yield writer
            _finish(writer)
            try:
                fh.flush()
            except OSError as exc:
                raise write_error(path, exc) from None
        except BaseException:
            writer.abort()
            with suppress(OSError):  # a close that fails again must not hide the first error
                fh.close()
            raise


def _finish(writer: TableWriter) -> None:
    if writer.fmt == "parquet":
        writer.close()  # Parquet needs its footer
    elif hasattr(writer.sink, "flush"):
        # Closing pyarrow's CSV writer would close the sink (stdout) too; flush what it wrote instead.
        with writing(writer.name):
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
        fmt = format_by_suffix(path)
        return fmt if fmt in OUTPUT_FORMATS else "csv"
    return "table" if is_terminal else "csv"
