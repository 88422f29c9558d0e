"""Plain reading and writing for the fast prediction path: UTF-8 text and CSV/TSV in, CSV/TSV/JSONL out.

`headlines predict` on a headline a line, or on an uncompressed UTF-8 CSV/TSV, needs neither pandas
nor pyarrow: the standard library's `csv` and `json` read and write it, byte for byte as the full
path (`classifier.io.readers` and `classifier.io.writers`) would. Wherever the `csv` module might
read an input otherwise than pandas does (a bare carriage return, a stray quote, a row longer than
the header, a line of blanks, a NUL, an unreadable byte...), the reader raises `Doubt` instead of
guessing, and the caller hands the whole input to the full path, which reads it (or reports its
error) as it always did. Standard input is read into memory first, so it can be handed on too.
Standard library only (numpy arrays are encoded, never imported here).
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from classifier.config import CHUNK_ROWS, ID_COLUMN, OUTPUT_DECIMALS, TEXT_COLUMN
from classifier.errors import InputError
from classifier.io.formats import field_separator
from classifier.io.readers import (
    STDIN,
    input_separator,
    is_compressed,
    open_text,
    parse_delimiter,
    text_lines,
)
from classifier.io.writers import FORMULA_PREFIXES, EncodedChunk

__all__ = [
    "PLAIN_DELIMITERS",
    "Doubt",
    "PlainChunk",
    "encode_plain",
    "iter_plain",
    "json_number",
    "plain_readable",
    "scan_plain",
    "stdin_bytes",
    "text_number",
]

PLAIN_DELIMITERS = (",", "\t", ";", "|")  # separators the csv module and pandas split alike


class Doubt(Exception):
    """The plain reader cannot promise to read this input as pandas would: use the full path."""


@dataclass
class PlainChunk:
    """Rows of an input: ids, headline cells and the kept columns' cells, all text."""

    ids: list[str]
    texts: list[str]
    kept: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)


def plain_readable(path: str | Path, fmt: str | None, encoding: str | None, delimiter: str | None) -> bool:
    """Whether an input is one the plain reader may try: txt/csv/tsv, uncompressed, UTF-8 by default."""
    if fmt not in ("txt", "csv", "tsv") or encoding is not None or is_compressed(path):
        return False
    if str(path) != STDIN and not os.path.isfile(path):  # a pipe or a device cannot be read twice
        return False
    return delimiter is None or parse_delimiter(delimiter) in PLAIN_DELIMITERS


def stdin_bytes() -> bytes:
    """Standard input, read whole (so that the full path can read it again if the plain one doubts)."""
    raw = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
    if raw is None:
        raise Doubt("standard input is already text")
    return raw.read()


@contextmanager
def _text(source: str | Path | bytes):
    if isinstance(source, bytes):
        if source.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise Doubt("UTF-16")
        stream = io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.detach()
        return
    with open_text(source) as stream:
        if codecs.lookup(stream.encoding).name != "utf-8-sig":  # a UTF-16 byte-order mark
            raise Doubt("UTF-16")
        yield stream


def _lines(fh) -> Iterator[str]:
    """The lines of a text stream, refusing what pandas splits otherwise: a bare CR, a NUL.

    Lines are checked a block at a time and handed on at C speed (`chain`), not one by one.
    """

    def blocks() -> Iterator[list[str]]:
        while block := list(itertools.islice(fh, _LINE_BLOCK)):
            text = "".join(block)
            if "\x00" in text or ("\r" in text and any(line.endswith("\r") for line in block)):
                raise Doubt("a bare carriage return or a NUL")
            yield block

    return itertools.chain.from_iterable(blocks())


_LINE_BLOCK = 4_096  # lines checked at a time


def iter_plain(
    source: str | Path | bytes,
    fmt: str,
    column: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
    keep: tuple[str, ...] = (),
    delimiter: str | None = None,
) -> Iterator[PlainChunk]:
    """Yield chunks of an input (a path, or the bytes of standard input) as `iter_headlines` would.

    Raises `Doubt` where pandas might read the input otherwise, or the input has any problem at
    all (the full path then reports it in its own words); nothing else.
    """
    try:
        with _text(source) as fh:
            if fmt == "txt":
                yield from _iter_txt(fh, chunk_rows)
            else:
                sep = input_separator(fmt, delimiter)
                yield from _iter_delimited(fh, sep, column, chunk_rows, keep)
    except (UnicodeDecodeError, OSError, csv.Error, InputError) as exc:  # the full path says it its way
        raise Doubt(str(exc)) from None


def scan_plain(source: str | Path | bytes, fmt: str, column: str | None = None, keep: tuple[str, ...] = (),
               delimiter: str | None = None) -> int:  # fmt: skip
    """Read an input through without keeping it; raise `Doubt` as `iter_plain` would. Returns its rows."""
    return sum(len(chunk) for chunk in iter_plain(source, fmt, column, CHUNK_ROWS, keep, delimiter))


def _iter_txt(fh, chunk_rows: int) -> Iterator[PlainChunk]:
    for ids, texts in text_lines(fh, chunk_rows):
        yield PlainChunk(ids, texts)


def _iter_delimited(fh, sep: str, column: str | None, chunk_rows: int,
                    keep: tuple[str, ...]) -> Iterator[PlainChunk]:  # fmt: skip
    lines = _lines(fh)
    header = next(csv.reader(lines, delimiter=sep), [])
    wanted = column or TEXT_COLUMN
    if (
        not header
        or len(set(header)) != len(header)
        or wanted not in header
        or any(not name.strip() for name in header)
    ):
        raise Doubt("a header the full path reports on")
    width = len(header)
    at = {name: i for i, name in enumerate(header)}
    text_at, id_at = at[wanted], at.get(ID_COLUMN)
    kept_at = [at[name] for name in keep]
    reader = csv.reader(lines, delimiter=sep, strict=True)
    done = 0
    while rows := list(itertools.islice(reader, chunk_rows)):
        widths = set(map(len, rows))
        if max(widths) > width:
            raise Doubt("a long row")
        if 1 in widths and any(len(row) == 1 and not row[0].strip(" \t") for row in rows):
            raise Doubt("a line of blanks")
        if widths != {width}:  # rows of another width than the header's are mended one by one
            if 0 in widths:
                rows = [row for row in rows if row]  # a blank line: pandas skips it too
            for row in rows:
                if len(row) < width:
                    row += [""] * (width - len(row))  # pandas fills a short row with empty cells
        if rows:
            yield _chunk(rows, text_at, id_at, keep, kept_at, done)
            done += len(rows)


def _chunk(rows: list[list[str]], text_at: int, id_at: int | None, keep: tuple[str, ...], kept_at: list[int],
           done: int) -> PlainChunk:  # fmt: skip
    ids = [r[id_at] for r in rows] if id_at is not None else [str(done + i) for i in range(1, len(rows) + 1)]
    return PlainChunk(ids, [r[text_at] for r in rows],
                      {name: [r[i] for r in rows] for name, i in zip(keep, kept_at, strict=True)})  # fmt: skip


def _positional(value: float) -> str:
    """The shortest digits that read back as `value` (Python's repr), written without an exponent."""
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    sign = "-" if mantissa.startswith("-") else ""
    whole, _, fraction = mantissa.lstrip("-").partition(".")
    digits, point = whole + fraction, len(whole) + int(exponent)
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}.0"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def text_number(value: float) -> str:
    """A rounded float as pyarrow's CSV writer prints it: shortest digits, never an exponent, 1 not 1.0.

    Examples
    --------
    >>> text_number(4e-05), text_number(1.0), text_number(0.0), text_number(-0.0), text_number(-0.95208)
    ('0.00004', '1', '0', '-0', '-0.95208')
    """
    return _positional(value).removesuffix(".0")


def json_number(value: float) -> str:
    """A rounded float as pandas' `to_json` prints it: shortest digits, no exponent, 1.0, and 0.0 for -0.0.

    Examples
    --------
    >>> json_number(4e-05), json_number(1.0), json_number(-0.0)
    ('0.00004', '1.0', '0.0')
    """
    if value == 0:
        return "0.0"
    return _positional(value)


def _json_text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).replace("/", "\\/")  # pandas escapes the slash


def encode_plain(
    columns: dict[str, list], kinds: dict[str, str], fmt: str, safe_csv: bool = False
) -> EncodedChunk:
    """Rows as the body of a CSV, TSV or JSONL file, exactly as `classifier.io.writers.encode_chunk` writes them.

    `columns` holds one list a column, in output order: text (str or None), numbers (float, NaN
    for none; rounded to OUTPUT_DECIMALS places here) or counts (int); `kinds` says which
    ("text", "number", "count").
    """
    names = tuple(columns)
    rows = len(next(iter(columns.values()))) if columns else 0
    if fmt == "jsonl":
        cells = []
        for name in names:
            key = _json_text(name) + ":"
            kind = kinds[name]
            if kind == "text":
                cells.append([key + ("null" if v is None else _json_text(v)) for v in columns[name]])
            elif kind == "number":
                cells.append([key + v for v in _number_cells(columns[name], json_style=True)])
            else:
                cells.append([key + str(v) for v in columns[name]])
        data = "".join("{" + ",".join(row) + "}\n" for row in zip(*cells, strict=True)) if rows else ""
        return EncodedChunk(names, rows, data.encode("utf-8"))
    sep = field_separator(fmt)
    cells = []
    for name in names:
        kind = kinds[name]
        if kind == "text":
            values = columns[name]
            if safe_csv:
                values = [
                    "'" + v if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v for v in values
                ]
            cells.append(_quoted(values))
        elif kind == "number":
            cells.append(_number_cells(columns[name], json_style=False))
        else:
            cells.append([str(v) for v in columns[name]])
    data = "".join(sep.join(row) + "\n" for row in zip(*cells, strict=True)) if rows else ""
    return EncodedChunk(names, rows, data.encode("utf-8"))


def _quoted(values: list) -> list[str]:
    """CSV cells of a text column: quoted, quotes doubled, empty for None; a column of few distinct
    values (labels) quotes each value once."""
    distinct = dict.fromkeys(values)
    if len(distinct) * 2 > len(values):
        return ["" if v is None else '"' + v.replace('"', '""') + '"' for v in values]
    quoted = {v: "" if v is None else '"' + v.replace('"', '""') + '"' for v in distinct}
    return list(map(quoted.__getitem__, values))


class _UnitTexts:
    """The text of every number in [-1, 1] at OUTPUT_DECIMALS places, by its scaled integer, made as met.

    Probabilities and tone fill most written cells; looking their texts up in an array is ten times
    faster than formatting each cell, and a chunk of 10,000 rows has 80,000 of them.
    """

    def __init__(self, style) -> None:
        import numpy as np  # only where numbers are written: numpy is loaded by then

        self.span = 10**OUTPUT_DECIMALS
        self.style = style
        self.texts = np.empty(2 * self.span + 1, dtype=object)
        self.made = np.zeros(2 * self.span + 1, dtype=bool)

    def lookup(self, scaled):
        """Texts of integers in [-span, span] (as an object array)."""
        import numpy as np

        at = scaled + self.span
        # the numbers met for the first time, by a mask rather than np.unique (whose first call
        # imports numpy.ma: a quarter of a one-headline start-up)
        wanted = np.zeros_like(self.made)
        wanted[at] = True
        new = np.flatnonzero(wanted & ~self.made)
        if len(new) > _ALL_TEXTS_AT:
            self.make_all()
        elif len(new):
            self.texts[new] = [self.style((k - self.span) / self.span) for k in new.tolist()]
            self.made[new] = True
        return self.texts[at]

    def make_all(self) -> None:
        """Every text at once (what a large chunk meets): digits by format, five times faster than `style`."""
        fractions = [f"0.{k:0{OUTPUT_DECIMALS}d}".rstrip("0") for k in range(1, self.span)]
        positive = [self.style(0.0), *fractions, self.style(1.0)]
        self.texts[:] = ["-" + text for text in positive[:0:-1]] + positive
        self.made[:] = True


_ALL_TEXTS_AT = 5_000  # new numbers in one chunk past which every text is made at once


_UNIT_TEXT: dict[bool, _UnitTexts] = {}  # by JSON style; made on first use


def _number_cells(values, json_style: bool) -> list[str]:
    """Cells of a number column, rounded as the full path rounds them: empty (CSV) or null (JSON) for NaN.

    Equal to `text_number` (CSV) or `json_number` (JSON) of each rounded value; numbers in [-1, 1]
    are looked up by their scaled integer, others formatted one by one.
    """
    import numpy as np

    with np.errstate(over="ignore", invalid="ignore"):  # huge numbers round to themselves, inf to inf
        rounded = np.asarray(values, dtype=np.float64).round(OUTPUT_DECIMALS)
    style = json_number if json_style else text_number
    out = np.full(len(rounded), "null" if json_style else "", dtype=object)
    finite = ~np.isnan(rounded)
    unit = finite & (np.abs(rounded) <= 1)
    table = _UNIT_TEXT.get(json_style) or _UNIT_TEXT.setdefault(json_style, _UnitTexts(style))
    out[unit] = table.lookup(np.rint(rounded[unit] * table.span).astype(np.int64))
    negative_zero = unit & (rounded == 0) & np.signbit(rounded)
    if negative_zero.any():
        out[negative_zero] = style(-0.0)
    other = np.flatnonzero(finite & ~unit)
    if len(other):
        out[other] = [style(v) for v in rounded[other].tolist()]
    return out.tolist()
