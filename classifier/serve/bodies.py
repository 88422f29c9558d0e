"""Request bodies in (JSON, CSV/TSV, plain text) and the answer's format out, checked at the boundary.

Text bodies are read the way `headlines predict` reads files: a plain-text body is a headline a
line (ids are line numbers); a CSV body has a header, the text in `column` (default `headline`) and
its ids in an `id` column where present. Text is UTF-8 (a BOM is fine), UTF-16 with a BOM, or the
charset the Content-Type names. Every refusal names the field, row or byte at fault.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import warnings
from dataclasses import dataclass

import pandas as pd
from pydantic import ValidationError

from classifier.config import ID_COLUMN, TEXT_COLUMN
from classifier.io.formats import row_ids
from classifier.serve.limits import Limits
from classifier.serve.problems import RequestProblem, validation_problem
from classifier.serve.schemas import PredictRequest

__all__ = [
    "ACCEPTED",
    "ANSWER_TYPES",
    "DELIMITED_TYPES",
    "JSON_TYPES",
    "MEDIA_TYPE_OF",
    "TEXT_TYPES",
    "Headlines",
    "answer_format",
    "decode",
    "media_type",
    "read_delimited",
    "read_headlines",
    "read_json",
    "read_lines",
]

JSON_TYPES = ("application/json",)
DELIMITED_TYPES = {"text/csv": ",", "application/csv": ",", "text/tab-separated-values": "\t"}
TEXT_TYPES = ("text/plain",)
# Answer formats by the media type a client may ask for in Accept, in order of preference.
ANSWER_TYPES = {
    "application/json": "json",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
}
MEDIA_TYPE_OF = {"json": "application/json", "csv": "text/csv; charset=utf-8",
                 "tsv": "text/tab-separated-values; charset=utf-8", "jsonl": "application/x-ndjson"}  # fmt: skip
ACCEPTED = "application/json, text/csv, text/tab-separated-values or text/plain"


@dataclass
class Headlines:
    """What a request asks to label: ids and texts in order, and the prediction options."""

    ids: list[str]
    texts: list[str]
    explain: int | None = None  # None: not set by the body
    min_confidence: float | None = None


def media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type into its lower-cased type and its parameters."""
    kind, *params = (header or "").split(";")
    options = {}
    for param in params:
        name, _, value = param.partition("=")
        options[name.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), options


def answer_format(accept: str | None) -> str:
    """The format to answer in: the first type in Accept this service writes; JSON for */* or none."""
    if not accept:
        return "json"
    for item in accept.split(","):
        kind = item.split(";")[0].strip().lower()
        if kind in ANSWER_TYPES:
            return ANSWER_TYPES[kind]
        if kind in ("*/*", "application/*", ""):
            return "json"
    raise RequestProblem(406, f"cannot answer as {accept[:100]!r}; ask for {', '.join(ANSWER_TYPES)}")


def read_headlines(
    content_type: str | None, body: bytes, limits: Limits, column: str | None = None,
    explain: int | None = None, min_confidence: float | None = None,
) -> Headlines:  # fmt: skip
    """Parse a request body by its Content-Type; query options apply unless a JSON body sets them."""
    kind, params = media_type(content_type)
    if kind in JSON_TYPES:
        found = read_json(body, limits)
        found.explain = explain or 0 if found.explain is None else found.explain
        found.min_confidence = min_confidence if found.min_confidence is None else found.min_confidence
    elif kind in DELIMITED_TYPES:
        found = read_delimited(decode(body, params.get("charset")), DELIMITED_TYPES[kind], column, limits)
        found.explain, found.min_confidence = explain or 0, min_confidence
    elif kind in TEXT_TYPES:
        found = read_lines(decode(body, params.get("charset")), limits)
        found.explain, found.min_confidence = explain or 0, min_confidence
    else:
        raise RequestProblem(
            415,
            f"Content-Type {(kind or '(none)')[:100]!r} is not one this service reads; send {ACCEPTED} "
            "(with curl: -H 'Content-Type: text/csv')",
        )
    if found.explain > limits.max_explain:
        raise RequestProblem(422, f"explain: at most {limits.max_explain}, got {found.explain}")
    return found


def _too_many(count: int, limits: Limits) -> RequestProblem:
    return RequestProblem(
        413, f"{count:,} headlines in one request; the limit is {limits.max_headlines:,} (--max-headlines)"
    )


def read_json(body: bytes, limits: Limits) -> Headlines:
    """A JSON object {"headlines": [...], "explain": K, "min_confidence": P}; ids are 1-based positions."""
    try:
        data = json.loads(decode(body, None))
    except RecursionError:
        raise RequestProblem(422, "body: malformed JSON (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise RequestProblem(
            422, f"body: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(data, dict):
        raise RequestProblem(
            422, f'body: expected a JSON object {{"headlines": [...]}}, got {type(data).__name__}'
        )
    headlines = data.get("headlines")
    if isinstance(headlines, list) and len(headlines) > limits.max_headlines:
        raise _too_many(len(headlines), limits)
    try:
        request = PredictRequest.model_validate(data)
    except ValidationError as exc:
        raise validation_problem(exc.errors(include_url=False, include_input=False)) from None
    texts = request.headlines
    _check_encodable(texts)
    ids = row_ids(len(texts))
    return Headlines(ids, texts, request.explain, request.min_confidence)


def _check_encodable(texts: list[str]) -> None:
    """Refuse a JSON string holding half a surrogate pair (\\ud800): it has no UTF-8 form to answer with."""
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        for index, text in enumerate(texts):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise RequestProblem(
                    422, f"headlines[{index}]: holds an unpaired surrogate at character {exc.start}"
                ) from None


def decode(body: bytes, charset: str | None) -> str:
    """Body bytes as text: the named charset, else UTF-16 by its BOM, else UTF-8 (a BOM is fine)."""
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            raise RequestProblem(415, f"charset {charset[:50]!r} is unknown; send UTF-8") from None
    elif body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        name = encoding.replace("-sig", "")
        raise RequestProblem(
            422, f"body: not valid {name} text at byte {exc.start} (line {line}); send UTF-8 or name the "
            "charset in Content-Type",
        ) from None  # fmt: skip


def read_lines(text: str, limits: Limits) -> Headlines:
    """A headline a line, as `headlines predict` reads a .txt file; ids are line numbers."""
    texts = [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]
    if len(texts) > limits.max_headlines:
        raise _too_many(len(texts), limits)
    return Headlines(row_ids(len(texts)), texts)


def read_delimited(text: str, sep: str, column: str | None, limits: Limits) -> Headlines:
    """A CSV/TSV body with a header, read with the options `headlines predict` reads files with."""
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), [])
    if not header:
        raise RequestProblem(422, "body: empty (no header row)")
    if len(set(header)) < len(header):
        repeated = next(name for name in header if header.count(name) > 1)
        raise RequestProblem(422, f"body: column {repeated[:100]!r} appears twice in the header")
    wanted = column or TEXT_COLUMN
    if wanted not in header:
        shown = ", ".join(repr(c[:50]) for c in header[:20])
        raise RequestProblem(422, f"column: no column {wanted[:100]!r} in the header (columns: {shown})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text, newline=""), sep=sep, dtype=str, keep_default_na=False,
                                na_filter=False, index_col=False)  # fmt: skip
    except (pd.errors.ParserError, pd.errors.ParserWarning):
        raise RequestProblem(422, f"body: {_long_row(text, sep, len(header))}") from None
    if len(frame) > limits.max_headlines:
        raise _too_many(len(frame), limits)
    texts = frame[wanted].fillna("").astype(str).tolist()
    ids = frame[ID_COLUMN].astype(str).tolist() if ID_COLUMN in frame.columns else row_ids(len(texts))
    return Headlines(ids, texts)


def _long_row(text: str, sep: str, width: int) -> str:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for row in reader:
            if len(row) > width:
                return f"malformed row: line {reader.line_num} has {len(row)} fields, the header {width}"
    except csv.Error as exc:
        return f"malformed row: line {reader.line_num}: {exc}"
    return "malformed row"
