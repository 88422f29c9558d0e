"""Reading headlines from files or stdin in chunks, in order, with ids; and whole labelled tables."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import json
import math
import re
import sys
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING

from classifier.config import CHUNK_ROWS, ID_COLUMN, TEXT_COLUMN
from classifier.errors import InputError
from classifier.io.formats import COMPRESSED, INPUT_FORMATS, field_separator, format_by_suffix, row_ids

if TYPE_CHECKING:  # pandas is imported where a table is built, so the plain-text path starts without it
    import pandas as pd

__all__ = [
    "STDIN",
    "check_input_options",
    "detect_format",
    "headline_text",
    "headline_texts",
    "id_text",
    "input_columns",
    "input_separator",
    "is_compressed",
    "iter_headlines",
    "kept_text",
    "open_text",
    "parse_delimiter",
    "parser_message",
    "read_table",
    "sniff_encoding",
    "text_lines",
]

STDIN = "-"


def is_compressed(path: str | Path) -> bool:
    """Whether a path names a gzip-compressed file (by its suffix)."""
    return str(path) != STDIN and str(path).lower().endswith(COMPRESSED)


def detect_format(path: str | Path, input_format: str | None = None) -> str:
    """The input format: as given, else by the path's suffix (under .gz), else 'txt' for standard input."""
    if input_format is not None:
        if input_format not in INPUT_FORMATS.values():
            raise InputError(
                f"--input-format {input_format!r}: one of {', '.join(sorted(set(INPUT_FORMATS.values())))}"
            )
        return input_format
    if str(path) == STDIN:
        return "txt"
    name = Path(str(path)[: -len(COMPRESSED)] if is_compressed(path) else path)
    suffix = name.suffix.lower()
    if format_by_suffix(name) is None:
        known = ", ".join(sorted(INPUT_FORMATS))
        raise InputError(
            f"{path}: unknown file type {suffix or '(none)'!r}; use one of {known} (optionally .gz), "
            "or say which with --input-format"
        )
    return format_by_suffix(name)


def check_input_options(
    path: str | Path, column: str | None = None, input_format: str | None = None, delimiter: str | None = None,
    glob: bool = False,
) -> str | None:  # fmt: skip
    """Check that the reading options fit the input, before any work; return its format.

    `--column` needs an input with columns: on standard input, or a .txt file, it is refused unless
    `--input-format` names a table format (a headline a line has no columns to choose from).
    `--delimiter` is for CSV only. With `glob` (a Dask file pattern) the suffix is not checked here.
    """
    fmt = input_format if glob else detect_format(path, input_format)
    where = "standard input" if str(path) == STDIN else str(path)
    if column is not None and fmt == "txt":
        hint = "--input-format csv, tsv or jsonl" if str(path) == STDIN else "a CSV/TSV/JSONL/Parquet file"
        raise InputError(f"{where}: read as a headline a line, so --column {column!r} has no column to pick; "
                         f"for a table pass {hint}")  # fmt: skip
    if fmt == "parquet" and (str(path) == STDIN or is_compressed(path)):
        raise InputError(f"{where}: Parquet is read from an uncompressed file, not {where}")
    if delimiter is not None:
        if fmt not in ("csv", "tsv", None):
            raise InputError(f"--delimiter is for CSV/TSV input; {where} is read as {fmt}")
        parse_delimiter(delimiter)
    return fmt


def parse_delimiter(delimiter: str) -> str:
    """One character separating fields ("\\t" or "tab" for a tab)."""
    value = {"\\t": "\t", "tab": "\t"}.get(delimiter, delimiter)
    if len(value) != 1 or value in ('"', "\n", "\r"):
        raise InputError(
            f"--delimiter {delimiter!r}: give one character, such as ';' or '|' ('\\t' for a tab)"
        )
    return value


def input_separator(fmt: str, delimiter: str | None = None) -> str:
    """The field separator a CSV/TSV input is read with: --delimiter when given, else the format's."""
    return parse_delimiter(delimiter) if delimiter else field_separator(fmt)


def sniff_encoding(head: bytes) -> str:
    """Pick a decoder from a byte-order mark: UTF-16 or UTF-8 (BOM optional)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _open_bytes(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if is_compressed(path) else open(path, "rb")


def _first_bad_byte(path: Path, encoding: str) -> tuple[int, int]:
    """Find the byte offset and line of the first undecodable byte, for the error message."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, line = 0, 1
    with _open_bytes(path) as fh:
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
    where = "decompressed " if is_compressed(path) else ""
    return InputError(
        f"{path}: not valid {encoding.replace('-sig', '')} text at {where}byte {offset} (line {line}); "
        "save it as UTF-8 or pass --encoding (e.g. cp1252, latin-1)"
    )


def _head(path: Path) -> bytes:
    with _open_bytes(path) as raw:
        return raw.read(4)


@contextmanager
def open_text(path: str | Path, encoding: str | None = None) -> Iterator[IO[str]]:
    """Open a file (or stdin for '-') as text, choosing the encoding from its BOM unless given.

    A path ending in .gz is decompressed as it is read.
    """
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
        head = _head(path)
        enc = encoding or sniff_encoding(head)
        with _open_bytes(path) as raw, io.TextIOWrapper(raw, encoding=enc, newline="") as fh:
            yield fh
    except PermissionError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise _undecodable(path, encoding or sniff_encoding(head)) from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(f"{path}: not a readable gzip file ({exc or type(exc).__name__})") from None


def headline_text(value: object, where: str) -> str:
    """A headline cell as text: text as it is, a missing value (None, NaN) as blank; anything else refused.

    The one rule for every reader and for the Python API: a blank stays a row with empty
    predictions, and a number, list or object is not silently turned into its Python spelling.
    `where` names the row for the error ("in.jsonl: line 3", "row 2").
    """
    if isinstance(value, str):
        return value
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""
    shown = (
        json.dumps(value, ensure_ascii=False, default=repr) if not isinstance(value, bytes) else repr(value)
    )
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise InputError(f"{where}: the headline {shown} is a {type(value).__name__}, not text")


def id_text(value: object) -> str:
    """An id cell as text; a missing id is blank."""
    import pandas as pd

    try:
        missing = value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array
        missing = False
    return "" if missing else str(value)


def headline_texts(values, where: str = "row") -> list[str]:
    """Every value through `headline_text`, rows numbered from 1 in the error."""
    return [headline_text(v, f"{where} {i}") for i, v in enumerate(values, start=1)]


def _frame(ids: list[str], texts: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({ID_COLUMN: ids, TEXT_COLUMN: texts}, dtype=object)


def text_lines(fh: IO[str], chunk_rows: int) -> Iterator[tuple[list[str], list[str]]]:
    """A headline a line, in chunks of (ids, texts): ids count lines from 1, line endings are cut."""
    ids: list[str] = []
    texts: list[str] = []
    for number, line in enumerate(fh, start=1):
        ids.append(str(number))
        texts.append(line.rstrip("\r\n"))
        if len(texts) >= chunk_rows:
            yield ids, texts
            ids, texts = [], []
    if texts:
        yield ids, texts


def _iter_txt(fh: IO[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    for ids, texts in text_lines(fh, chunk_rows):
        yield _frame(ids, texts)


def _pick_column(path: str | Path, columns: list[str], column: str | None) -> str:
    wanted = column or TEXT_COLUMN
    if wanted in columns:
        return wanted
    shown = ", ".join(repr(c) for c in columns[:20]) or "(none)"
    hint = "" if column else "; name the text column with --column"
    raise InputError(f"{_name(path)}: no column {wanted!r} (columns: {shown}){hint}")


def _name(path: str | Path) -> str:
    return "standard input" if str(path) == STDIN else str(path)


def _check_header(path: str | Path, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(f"{_name(path)}: column {name!r} appears twice in the header")
        seen.add(name)


def _with_kept(frame: pd.DataFrame, chunk: pd.DataFrame, keep: tuple[str, ...]) -> pd.DataFrame:
    for name in keep:  # kept input columns, as text, after id and headline
        frame[name] = kept_text(chunk[name])
    return frame


def kept_text(values: pd.Series) -> list:
    """A kept input column's cells as text (missing cells as None), the way predict writes them."""
    import pandas as pd

    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):  # CSV cells, Parquet text
        return values.astype(object).where(values.notna(), None).tolist()
    return [_cell_text(v) for v in values]


def _cell_text(value: object) -> str | None:
    """A kept cell as text: strings as they are, dates in ISO form, other values as JSON; None if missing."""
    if isinstance(value, str):
        return value
    import pandas as pd

    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        value = value.tolist()
    return json.dumps(value, ensure_ascii=False, default=str)


def _iter_delimited(
    path: str | Path,
    fh: IO[str],
    sep: str,
    column: str | None,
    chunk_rows: int,
    encoding: str | None = None,
    keep: tuple[str, ...] = (),
) -> Iterator[pd.DataFrame]:
    import pandas as pd

    reader = csv.reader(fh, delimiter=sep)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise InputError(f"{_name(path)}: malformed header ({exc})") from None
    if not header:
        raise InputError(f"{_name(path)}: the file is empty (no header row)")
    header_lines = reader.line_num
    _check_header(path, header)
    text_col = _pick_column(path, header, column)
    done = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            chunks = pd.read_csv(fh, chunksize=chunk_rows, header=None, names=header, **_strict_csv(sep))
            for chunk in chunks:
                if len(chunk):
                    yield _with_kept(_frame(
                        chunk[ID_COLUMN].tolist() if ID_COLUMN in chunk.columns
                        else row_ids(len(chunk), done),
                        chunk[text_col].tolist(),
                    ), chunk, keep)  # fmt: skip
                    done += len(chunk)
    except pd.errors.ParserError as exc:
        raise InputError(f"{_name(path)}: {parser_message(exc, header_lines)}") from None
    except pd.errors.ParserWarning:
        raise InputError(f"{_name(path)}: {_long_row_message(path, sep, len(header), encoding)}") from None


def _long_row_message(path: str | Path, sep: str, width: int, encoding: str | None) -> str:
    """Name the first row with more fields than the header (found again with the csv module)."""
    if str(path) != STDIN:
        with open_text(path, encoding) as fh:
            reader = csv.reader(fh, delimiter=sep)
            with suppress(csv.Error):  # a field beyond the csv module's size limit: no line to name
                for row in reader:
                    if len(row) > width:
                        return (
                            f"malformed row: line {reader.line_num} has {len(row)} fields, the header {width}"
                        )
    return f"malformed row: a row has more fields than the header's {width}"


def _strict_csv(sep: str) -> dict:
    # index_col=False: a row with one field more than the header must not silently become an index.
    return {"sep": sep, "dtype": str, "keep_default_na": False, "na_filter": False, "index_col": False}


_LONG_ROW = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


def parser_message(exc: Exception, header_lines: int = 0) -> str:
    """A parser's complaint as one line, with the line counted in the whole file (header included)."""
    text = str(exc).strip().splitlines()[-1]
    long_row = _LONG_ROW.search(text)
    if long_row:
        width, line, seen = (int(g) for g in long_row.groups())
        return f"malformed row: line {line + header_lines} has {seen} fields, the header {width}"
    text = text.replace("Error tokenizing data. C error: ", "")
    return f"malformed row: {text}"


def _iter_jsonl(path: str | Path, fh: IO[str], column: str | None, chunk_rows: int,
                keep: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:  # fmt: skip
    wanted = column or TEXT_COLUMN
    ids: list[str] = []
    texts: list[str] = []
    kept: list[list] = []  # the kept fields' values, record by record
    done = 0
    for number, line in enumerate(fh, start=1):
        if not line.strip():
            continue  # a blank line holds no record in JSON Lines
        where = f"{_name(path)}: line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg})") from None
        except RecursionError:
            raise InputError(f"{where}: JSON nested too deeply") from None
        if isinstance(record, str):
            record = {wanted: record}
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected a JSON object or string")
        if wanted not in record:
            raise InputError(f"{where}: no field {wanted!r}")
        texts.append(headline_text(record[wanted], where))
        ids.append(_jsonl_id(record, where) if ID_COLUMN in record else str(done + len(texts)))
        if keep:
            kept.append([record.get(name) for name in keep])
        if len(texts) >= chunk_rows:
            yield _jsonl_frame(ids, texts, kept, keep)
            done += len(texts)
            ids, texts, kept = [], [], []
    if texts:
        yield _jsonl_frame(ids, texts, kept, keep)


def _jsonl_frame(ids: list[str], texts: list[str], kept: list[list], keep: tuple[str, ...]) -> pd.DataFrame:
    frame = _frame(ids, texts)
    for i, name in enumerate(keep):  # a record without the field gets an empty cell
        frame[name] = [_cell_text(row[i]) for row in kept]
    return frame


def _jsonl_id(record: dict, where: str) -> str:
    """An id as text: a string or number as written, null as blank (like an empty CSV cell)."""
    value = record[ID_COLUMN]
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"{where}: the id {json.dumps(value, default=repr)[:60]} is not a string or a number")


def _iter_parquet(path: str | Path, column: str | None, chunk_rows: int,
                  keep: tuple[str, ...] = ()) -> Iterator[pd.DataFrame]:  # fmt: skip
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a file")
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for a bad file)
        raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    schema = pf.schema_arrow
    text_col = _pick_column(path, schema.names, column)
    kind = schema.field(text_col).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind)):
        raise InputError(f"{path}: column {text_col!r} holds {kind} values, not text")
    wanted = list(dict.fromkeys([text_col] + ([ID_COLUMN] if ID_COLUMN in schema.names else []) + list(keep)))
    done = 0
    try:
        for batch in pf.iter_batches(batch_size=chunk_rows, columns=wanted):
            chunk = batch.to_pandas()
            ids = ([id_text(v) for v in chunk[ID_COLUMN].tolist()] if ID_COLUMN in chunk.columns
                   else row_ids(len(chunk), done))  # fmt: skip
            texts = [
                headline_text(v, f"{path}: row {done + i}") for i, v in enumerate(chunk[text_col].tolist(), 1)
            ]
            yield _with_kept(_frame(ids, texts), chunk, keep)
            done += len(chunk)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(f"{path}: damaged Parquet data after row {done} ({exc})") from None


def iter_headlines(
    path: str | Path,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    encoding: str | None = None,
    keep: tuple[str, ...] = (),
    input_format: str | None = None,
    delimiter: str | None = None,
) -> Iterator[pd.DataFrame]:
    """Yield chunks of (id, headline) in input order from any supported file or stdin ('-').

    `keep` names other input columns to carry along, as text, after id and headline (resolve it
    with `classifier.io.keep.resolve_keep` against `input_columns`).
    input_format: txt, csv, tsv, jsonl or parquet when the path's suffix does not say (standard
    input is a headline a line otherwise). delimiter: the field separator of a CSV input.
    """
    fmt = check_input_options(path, column, input_format, delimiter)
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
                sep = input_separator(fmt, delimiter)
                yield from _iter_delimited(path, fh, sep, column, chunk_rows, encoding, keep)
        except UnicodeDecodeError:
            if str(path) == STDIN:
                raise InputError("standard input: not valid UTF-8 text (pass --encoding)") from None
            raise _undecodable(Path(path), encoding or sniff_encoding(_head(Path(path)))) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: not a readable gzip file ({exc or type(exc).__name__})") from None


def input_columns(
    path: str | Path,
    encoding: str | None = None,
    records: int = CHUNK_ROWS,
    input_format: str | None = None,
    delimiter: str | None = None,
) -> list[str]:
    """An input's column names in order, read from its header only (none for plain text or stdin).

    For JSON Lines: the fields of the first `records` records, in the order they first appear.
    Standard input cannot be read twice, so its columns are not known before its rows: none.
    A missing or unreadable file raises the same error reading it would.
    """
    fmt = check_input_options(path, None, input_format, delimiter)
    if fmt == "txt" or str(path) == STDIN:
        return []
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        if Path(path).is_dir():
            raise InputError(f"{path}: is a folder, not a file")
        try:
            return list(pq.ParquetFile(path).schema_arrow.names)
        except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for a bad file)
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    with open_text(path, encoding) as fh:
        if fmt != "jsonl":
            sep = input_separator(fmt, delimiter)
            try:
                return next(csv.reader(fh, delimiter=sep), [])
            except csv.Error as exc:
                raise InputError(f"{path}: malformed header ({exc})") from None
        names: dict[str, None] = {}
        for line in itertools.islice(fh, records):
            try:
                record = json.loads(line) if line.strip() else None
            except (json.JSONDecodeError, RecursionError):
                continue  # reported with its line number when the rows are read
            if isinstance(record, dict):
                names.update(dict.fromkeys(record))
        return list(names)


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a whole labelled table (CSV, TSV, JSONL or Parquet, .gz too) with every cell as text."""
    import pandas as pd

    fmt = detect_format(path)
    if str(path) == STDIN:
        raise InputError("labelled data is read from a file, not standard input")
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if not Path(path).exists():
            raise InputError(f"{path}: no such file")
        if Path(path).is_dir():
            raise InputError(f"{path}: is a folder, not a file")
        try:
            return pq.read_table(path).to_pandas().astype(object)
        except Exception as exc:  # noqa: BLE001 (pyarrow raises several types for a bad file)
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    if fmt == "txt":
        raise InputError(f"{path}: labelled data must be CSV, TSV, JSONL or Parquet, not plain text")
    with open_text(path, encoding) as fh:
        header_lines = 0
        try:
            if fmt == "jsonl":
                records = []
                for number, line in enumerate(fh, start=1):
                    if line.strip():
                        try:
                            record = json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise InputError(f"{path}: line {number}: not valid JSON ({exc.msg})") from None
                        except RecursionError:
                            raise InputError(f"{path}: line {number}: JSON nested too deeply") from None
                        if not isinstance(record, dict):
                            raise InputError(f"{path}: line {number}: expected a JSON object")
                        records.append(record)
                return pd.DataFrame.from_records(records).astype(object)
            sep = field_separator(fmt)
            reader = csv.reader(fh, delimiter=sep)
            header = next(reader, [])
            if not header:
                raise InputError(f"{path}: the file is empty (no header row)")
            header_lines = reader.line_num
            _check_header(path, header)
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                return pd.read_csv(fh, header=None, names=header, **_strict_csv(sep))
        except pd.errors.EmptyDataError:
            raise InputError(f"{path}: the file is empty (no header row)") from None
        except pd.errors.ParserError as exc:
            raise InputError(f"{path}: {parser_message(exc, header_lines)}") from None
        except pd.errors.ParserWarning:
            raise InputError(f"{path}: {_long_row_message(path, sep, len(header), encoding)}") from None
        except csv.Error as exc:
            raise InputError(f"{path}: malformed header ({exc})") from None
        except UnicodeDecodeError:
            raise _undecodable(Path(path), encoding or sniff_encoding(_head(Path(path)))) from None
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: not a readable gzip file ({exc or type(exc).__name__})") from None
