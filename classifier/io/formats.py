"""The one table of file formats by suffix, and the ids of rows that come without one.

Readers, writers and the Dask engine all name a format by the path's suffix from this table; each
keeps only the formats it handles. A table without an id column numbers its rows from 1.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "COMPRESSED",
    "FORMATS_BY_SUFFIX",
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "field_separator",
    "format_by_suffix",
    "row_ids",
]

FORMATS_BY_SUFFIX: dict[str, str] = {
    ".txt": "txt",
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
INPUT_FORMATS = FORMATS_BY_SUFFIX  # every format in the table can be read
OUTPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet", "table")  # "table": aligned text for a terminal
COMPRESSED = ".gz"  # a text input may be gzip-compressed: feed.csv.gz


def format_by_suffix(path: str | Path) -> str | None:
    """The format a path's suffix names (None when the table has no such suffix).

    Examples
    --------
    >>> format_by_suffix("feed.PQ"), format_by_suffix("feed.docx")
    ('parquet', None)
    """
    return FORMATS_BY_SUFFIX.get(Path(path).suffix.lower())


def field_separator(fmt: str) -> str:
    """The field separator of a CSV or TSV file, as written (and read unless --delimiter says otherwise).

    Examples
    --------
    >>> field_separator("tsv"), field_separator("csv")
    ('\\t', ',')
    """
    return "\t" if fmt == "tsv" else ","


def row_ids(count: int, start: int = 0) -> list[str]:
    """Ids for `count` rows that follow `start` rows already numbered: "start+1", "start+2", ...

    Examples
    --------
    >>> row_ids(3), row_ids(2, start=10)
    (['1', '2', '3'], ['11', '12'])
    """
    return [str(i) for i in range(start + 1, start + 1 + count)]
