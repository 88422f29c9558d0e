"""Reading headlines from files or stdin in chunks, in order, with ids; and whole labelled tables."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import math
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pandas as pd

from classifier.config import CHUNK_ROWS, ID_COLUMN, TEXT_COLUMN
from classifier.errors import InputError

STDIN = "-"
INPUT_FORMATS = {".txt": "txt", ".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
                 ".parquet": "parquet", ".pq": "parquet"}  # fmt: skip


def detect_format(path: str | Path) -> str:
    """Return the input format named by a path's suffix, or 'txt' for standard input."""
    if str(path) == STDIN:
        return "txt"
    suffix = Path(path).suffix.lower()
    if suffix not in INPUT_FORMATS:
        known = ", ".join(sorted(INPUT_FORMATS))
        raise InputError(f"{path}: unknown file type {suffix or '(none)'!r}; use one of {known}")
    return INPUT_FORMATS[suffix]


def sniff_encoding(head: bytes) -> str:
    """Pick a decoder from a byte-order mark: UTF-16 or UTF-8 (BOM optional)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, int]:
    """Find the byte offset and line of the first undecodable byte, for the error message."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    with open(path, "rb") as fh:
        while block := fh.read(1 << 16):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + exc.start, line + block[: exc.start].count(b"\n")
            offset += len(block)
            line += block.count(b"\n")
    return offset, line


def _undecodable(path: Path, encoding: str) -> InputError:
    offset, line = _first_bad_byte(path, encoding)
    return InputError(
        f"{path}: not valid {encoding.replace('-sig', '')} text at byte {offset} (line {line}); "
        "save it as UTF-8 or pass --encoding (e.g. cp1252, latin-1)"
    )


@contextmanager
def open_text(path: str | Path, encoding: str | None = None) -> Iterator[IO[str]]:
    """Open a file (or stdin for '-') as text, choosing the encoding from its BOM unless given."""
    if str(path) == STDIN:
        raw = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
        if raw is None:  # already text, e.g. under a test runner
            yield sys.stdin
            return
        head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
        stream = io.TextIOWrapper(raw, encoding=encoding or sniff_encoding(head), newline="")
        try:
            yield stream
        finally:
            stream.detach()
        return
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
        enc = encoding or sniff_encoding(head)
        with open(path, encoding=enc, newline="") as fh:
            yield fh
    except PermissionError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise _undecodable(path, encoding or sniff_encoding(head)) from None


def _frame(ids: list[str], texts: list[str]) -> pd.DataFrame:
    return pd.DataFrame({ID_COLUMN: ids, TEXT_COLUMN: texts}, dtype=object)


def _iter_txt(fh: IO[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    ids: list[str] = []
    texts: list[str] = []
    for number, line in enumerate(fh, start=1):
        ids.append(str(number))
        texts.append(line.rstrip("\r\n"))
        if len(texts) >= chunk_rows:
            yield _frame(ids, texts)
            ids, texts = [], []
    if texts:
        yield _frame(ids, texts)


def _pick_column(path: str | Path, columns: list[str], column: str | None) -> str:
    wanted = column or TEXT_COLUMN
    if wanted in columns:
        return wanted
    shown = ", ".join(repr(c) for c in columns[:20]) or "(none)"
    hint = "" if column else "; name the text column with --column"
    raise InputError(f"{path}: no column {wanted!r} (columns: {shown}){hint}")


def _check_header(path: str | Path, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)


def _with_ids(path: str | Path, chunk: pd.DataFrame, text_col: str, start: int,
              keep: tuple[str, ...] = ()) -> pd.DataFrame:  # fmt: skip
    if ID_COLUMN in chunk.columns:
        ids = chunk[ID_COLUMN].astype(str).tolist()
    else:
        ids = [str(i) for i in range(start + 1, start + 1 + len(chunk))]
    frame = _frame(ids, chunk[text_col].fillna("").astype(str).tolist())
    for name in keep:  # kept input columns, as text, after id and headline
        frame[name] = kept_text(chunk[name])
    return frame


def kept_text(values: pd.Series) -> list:
    """A kept input column's cells as text (missing cells as None), the way predict writes them."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # CSV cells, Parquet text
        return values.astype(object).where(values.notna(), None).tolist()
    return [_cell_text(v) for v in values]


def _cell_text(value: object) -> str | None:
    """A kept cell as text: strings as they are, dates in ISO form, other values as JSON; None if missing."""
    if isinstance(value, str):
        return value
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False, default=str)


def _iter_delimited(
    path: str | Path, fh: IO[str], sep: str, column: str | None, chunk_rows: int, keep: tuple[str, ...] = ()
) -> Iterator[pd.DataFrame]:
    header = _raw_header(fh, sep)
    if not header:
        raise InputError(f"{path}: the file is empty (no header row)")
    _check_header(path, header)
    text_col = _pick_column(path, header, column)
    done = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            reader = pd.read_csv(fh, chunksize=chunk_rows, **_strict_csv(sep))
            for chunk in reader:
                if len(chunk):
                    yield _with_ids(path, chunk, text_col, done, keep)
                    done += len(chunk)
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: {_parser_message(exc)}") from None
    except pd.errors.ParserWarning:
        raise InputError(f"{path}: {_long_row_message(path, sep, len(header))}") from None


def _strict_csv(sep: str) -> dict:
    # index_col=False: a row with one field more than the header must not silently become an index.
    return {"sep": sep, "dtype": str, "keep_default_na": False, "na_filter": False, "index_col": False}


def _long_row_message(path: str | Path, sep: str, width: int) -> str:
    """Name the first row with more fields than the header (found again with the csv module)."""
    with open_text(path) as fh:
        reader = csv.reader(fh, delimiter=sep)
        for row in reader:
            if len(row) > width:
                return f"malformed row: line {reader.line_num} has {len(row)} fields, the header {width}"
    return f"malformed row: a row has more fields than the header's {width}"


def _raw_header(fh: IO[str], sep: str) -> list[str]:
    """Read the header as written (pandas renames a repeated "a" to "a.1"), then rewind."""
    start = fh.tell()
    header = next(csv.reader(fh, delimiter=sep), [])
    fh.seek(start)
    return header


def _parser_message(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1]
    text = text.replace("Error tokenizing data. C error: ", "")
    return f"malformed row: {text}"


def _iter_jsonl(path: str | Path, fh: IO[str], column: str | None, chunk_rows: int,
                keep: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:  # fmt: skip
    wanted = column or TEXT_COLUMN
    rows: list[dict] = []
    done = 0
    for number, line in enumerate(fh, start=1):
        if not line.strip():
            continue  # a blank line holds no record in JSON Lines
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
        if isinstance(record, str):
            record = {wanted: record}
        if not isinstance(record, dict):
            raise InputError(f"{path}: line {number}: expected a JSON object or string")
        if wanted not in record:
            raise InputError(f"{path}: line {number}: no field {wanted!r}")
        rows.append(record)
        if len(rows) >= chunk_rows:
            yield _jsonl_frame(rows, wanted, done, keep)
            done += len(rows)
            rows = []
    if rows:
        yield _jsonl_frame(rows, wanted, done, keep)


def _jsonl_frame(rows: list[dict], text_col: str, start: int, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    texts = ["" if r[text_col] is None else str(r[text_col]) for r in rows]
    ids = [str(r[ID_COLUMN]) if ID_COLUMN in r else str(start + i + 1) for i, r in enumerate(rows)]
    frame = _frame(ids, texts)
    for name in keep:  # a record without the field gets an empty cell
        frame[name] = [_cell_text(r.get(name)) for r in rows]
    return frame


def _iter_parquet(path: str | Path, column: str | None, chunk_rows: int,
                  keep: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:  # fmt: skip
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for a bad file)
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    names = pf.schema_arrow.names
    text_col = _pick_column(path, names, column)
    wanted = list(dict.fromkeys([text_col] + ([ID_COLUMN] if ID_COLUMN in names else []) + list(keep)))
    done = 0
    for batch in pf.iter_batches(batch_size=chunk_rows, columns=wanted):
        chunk = batch.to_pandas()
        yield _with_ids(path, chunk, text_col, done, keep)
        done += len(chunk)


def iter_headlines(
    path: str | Path,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str | None = None,
    keep: tuple[str, ...] = (),
) -> Iterator[pd.DataFrame]:
    """Yield chunks of (id, headline) in input order from any supported file or stdin ('-').

    `keep` names other input columns to carry along, as text, after id and headline (resolve it
    with `classifier.keep.resolve_keep` against `input_columns`).
    """
    fmt = detect_format(path)
    if fmt == "parquet":
        yield from _iter_parquet(path, column, chunk_rows, keep)
        return
    with open_text(path, encoding) as fh:
        try:
            if fmt == "txt":
                yield from _iter_txt(fh, chunk_rows)
            elif fmt == "jsonl":
                yield from _iter_jsonl(path, fh, column, chunk_rows, keep)
            else:
                sep = "\t" if fmt == "tsv" else ","
                yield from _iter_delimited(path, fh, sep, column, chunk_rows, keep)
        except UnicodeDecodeError:
            if str(path) == STDIN:
                raise InputError("standard input: not valid UTF-8 text") from None
            with open(path, "rb") as raw:
                head = raw.read(4)
            raise _undecodable(Path(path), encoding or sniff_encoding(head)) from None


def input_columns(path: str | Path, encoding: str | None = None, records: int = CHUNK_ROWS) -> list[str]:
    """An input's column names in order, read from its header only (none for plain text or stdin).

    For JSON Lines: the fields of the first `records` records, in the order they first appear.
    A missing or unreadable file raises the same error reading it would.
    """
    fmt = detect_format(path)
    if fmt == "txt":
        return []
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for a bad file)
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    with open_text(path, encoding) as fh:
        try:
            if fmt != "jsonl":
                return _raw_header(fh, "\t" if fmt == "tsv" else ",")
            names: dict[str, None] = {}
            for line in itertools.islice(fh, records):
                try:
                    record = json.loads(line) if line.strip() else None
                except json.JSONDecodeError:
                    continue  # reported with its line number when the rows are read
                if isinstance(record, dict):
                    names.update(dict.fromkeys(record))
            return list(names)
        except UnicodeDecodeError:
            with open(path, "rb") as raw:
                head = raw.read(4)
            raise _undecodable(Path(path), encoding or sniff_encoding(head)) from None


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a whole labelled table (CSV, TSV, JSONL or Parquet) with every cell as text."""
    fmt = detect_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        return pq.read_table(path).to_pandas().astype(object)
    if fmt == "txt":
        raise InputError(f"{path}: labelled data must be CSV, TSV, JSONL or Parquet, not plain text")
    with open_text(path, encoding) as fh:
        try:
            if fmt == "jsonl":
                records = []
                for number, line in enumerate(fh, start=1):
                    if line.strip():
                        try:
                            records.append(json.loads(line))
                        except json.JSONDecodeError as exc:
                            raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
                return pd.DataFrame.from_records(records).astype(object)
            sep = "\t" if fmt == "tsv" else ","
            header = _raw_header(fh, sep)
            if not header:
                raise InputError(f"{path}: the file is empty (no header row)")
            _check_header(path, header)
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return pd.read_csv(fh, **_strict_csv(sep))
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: the file is empty (no header row)") from None
        except pd.errors.ParserError as exc:
            raise InputError(f"{path}: {_parser_message(exc)}") from None
        except pd.errors.ParserWarning:
            raise InputError(f"{path}: {_long_row_message(path, sep, len(header))}") from None
        except UnicodeDecodeError:
            with open(path, "rb") as raw:
                head = raw.read(4)
            raise _undecodable(Path(path), encoding or sniff_encoding(head)) from None
