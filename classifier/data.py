"""Loading and validating labelled headlines: the corpus and any evaluation file."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import (
    ID_COLUMN,
    MAX_LISTED_PROBLEMS,
    REQUIRED_CORPUS_COLUMNS,
    TEXT_COLUMN,
    TONE_COLUMN,
    TONE_VALUES,
    TOPIC_COLUMN,
    TOPICS,
)
from classifier.errors import DataError
from classifier.io import read_table


@dataclass(frozen=True)
class Labelled:
    """Validated labelled headlines, with where they came from."""

    frame: pd.DataFrame  # id, headline, and topic (str) and/or tone (float) where present
    path: str
    sha256: str

    @property
    def has_topic(self) -> bool:
        """Whether the data carries topic labels."""
        return TOPIC_COLUMN in self.frame.columns

    @property
    def has_tone(self) -> bool:
        """Whether the data carries tone scores."""
        return TONE_COLUMN in self.frame.columns


def file_sha256(path: str | Path) -> str:
    """Return the sha256 of a file's bytes, the data's identity in model cards and reports."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def normalise_for_duplicates(text: str) -> str:
    """Fold case and whitespace so that trivially different copies count as duplicates."""
    return " ".join(str(text).casefold().split())


def parse_tone(value: object) -> float | None:
    """Parse a tone cell; None when it is not one of the five codebook values."""
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    for allowed in TONE_VALUES:
        if abs(number - allowed) < 1e-9:
            return allowed
    return None


def validate(
    frame: pd.DataFrame,
    path: str,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
) -> list[str]:
    """List every problem in a labelled frame, each naming its row and column.

    With `corpus_rules`, tone must be one of the five codebook values and ids and headlines must
    be unique; evaluation files only need a headline and labels in range.
    """
    problems = [f"column {c!r}: missing (columns: {', '.join(map(str, frame.columns))})"
                for c in require if c not in frame.columns]  # fmt: skip
    if problems:
        return problems
    seen_ids: dict[str, int] = {}
    seen_text: dict[str, int] = {}
    has = set(frame.columns)
    for row, record in enumerate(frame.to_dict("records"), start=1):
        where = f"row {row}"
        text = "" if record.get(TEXT_COLUMN) is None else str(record[TEXT_COLUMN])
        if not text.strip():
            problems.append(f"{where}, column {TEXT_COLUMN!r}: empty headline")
        else:
            key = normalise_for_duplicates(text)
            if corpus_rules and key in seen_text:
                problems.append(f"{where}, column {TEXT_COLUMN!r}: duplicate of row {seen_text[key]}")
            seen_text.setdefault(key, row)
        if ID_COLUMN in has:
            ident = str(record[ID_COLUMN]).strip()
            if not ident:
                problems.append(f"{where}, column {ID_COLUMN!r}: empty id")
            elif corpus_rules and ident in seen_ids:
                problems.append(f"{where}, column {ID_COLUMN!r}: id {ident!r} repeats row {seen_ids[ident]}")
            seen_ids.setdefault(ident, row)
        if TOPIC_COLUMN in has:
            topic = str(record[TOPIC_COLUMN]).strip()
            if topic not in TOPICS:
                problems.append(
                    f"{where}, column {TOPIC_COLUMN!r}: unknown topic {topic!r} (one of {', '.join(TOPICS)})"
                )
        if TONE_COLUMN in has:
            problems.extend(_tone_problem(record[TONE_COLUMN], where, corpus_rules))
    return problems


def _tone_problem(value: object, where: str, strict: bool) -> list[str]:
    if strict:
        if parse_tone(value) is None:
            allowed = ", ".join(f"{v:g}" for v in TONE_VALUES)
            return [f"{where}, column {TONE_COLUMN!r}: tone {str(value)!r} is not one of {allowed}"]
        return []
    try:
        number = float(str(value).strip())
    except ValueError:
        return [f"{where}, column {TONE_COLUMN!r}: tone {str(value)!r} is not a number"]
    if not -1.0 <= number <= 1.0 or np.isnan(number):
        return [f"{where}, column {TONE_COLUMN!r}: tone {number:g} is outside [-1, 1]"]
    return []


def labelled_from_frame(
    frame: pd.DataFrame,
    path: str,
    sha256: str,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
) -> Labelled:
    """Validate a frame already read, raising DataError that lists every problem found."""
    problems = validate(frame, path, require, corpus_rules)
    if problems:
        raise DataError(path, problems[:MAX_LISTED_PROBLEMS], total=len(problems))
    frame = frame.copy()
    frame[TEXT_COLUMN] = frame[TEXT_COLUMN].astype(str)
    if ID_COLUMN not in frame.columns:
        frame.insert(0, ID_COLUMN, [str(i) for i in range(1, len(frame) + 1)])
    frame[ID_COLUMN] = frame[ID_COLUMN].astype(str)
    if TOPIC_COLUMN in frame.columns:
        frame[TOPIC_COLUMN] = frame[TOPIC_COLUMN].astype(str).str.strip()
    if TONE_COLUMN in frame.columns:
        frame[TONE_COLUMN] = frame[TONE_COLUMN].map(lambda v: float(str(v).strip())).astype(float)
    return Labelled(frame=frame.reset_index(drop=True), path=path, sha256=sha256)


def load_labelled(
    path: str | Path,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
    text_column: str = TEXT_COLUMN,
) -> Labelled:
    """Read and validate a labelled file, raising DataError that lists every problem found."""
    frame = read_table(path)
    if text_column != TEXT_COLUMN and text_column in frame.columns:
        frame = frame.rename(columns={text_column: TEXT_COLUMN})
    return labelled_from_frame(frame, str(path), file_sha256(path), require, corpus_rules)


def load_corpus(path: str | Path) -> Labelled:
    """Load the training corpus with every codebook rule enforced."""
    return load_labelled(path, REQUIRED_CORPUS_COLUMNS, corpus_rules=True)


def load_evaluation(path: str | Path, text_column: str = TEXT_COLUMN) -> Labelled:
    """Load an evaluation file: a headline column plus topic and/or tone labels (tone any value in [-1, 1])."""
    labelled = load_labelled(path, (TEXT_COLUMN,), corpus_rules=False, text_column=text_column)
    if not (labelled.has_topic or labelled.has_tone):
        raise DataError(str(path), [f"no label column: need {TOPIC_COLUMN!r} and/or {TONE_COLUMN!r}"])
    return labelled
