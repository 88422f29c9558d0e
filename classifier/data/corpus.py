"""Loading and validating labelled headlines: the corpus and any evaluation file."""

from __future__ import annotations

import hashlib
import warnings
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
    TONE_LABELS,
    TONE_VALUES,
    TOPIC_COLUMN,
    TOPICS,
)
from classifier.errors import DataError, InputError
from classifier.io.formats import row_ids
from classifier.io.readers import read_table

__all__ = [
    "TONE_LABEL",
    "Labelled",
    "file_sha256",
    "labelled_from_frame",
    "load_corpus",
    "load_evaluation",
    "load_labelled",
    "missing_columns",
    "normalise_for_duplicates",
    "parse_tone",
    "parse_tone_scale",
    "select_columns",
    "validate",
]

TONE_LABEL = "tone_label"  # gold tone given only as negative / neutral / positive


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


def _blank(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, NA, or only white space."""
    if isinstance(value, str):
        return not value.strip()
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: not blank
        return False


def missing_columns(frame: pd.DataFrame, path: str, require: tuple[str, ...]) -> None:
    """Refuse a table that lacks a needed column (an input error, exit 2, as everywhere)."""
    for column in require:
        if column not in frame.columns:
            shown = ", ".join(map(str, frame.columns)) or "(none)"
            raise InputError(f"{path}: column {column!r}: missing (columns: {shown})")


def validate(
    frame: pd.DataFrame,
    path: str,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
) -> list[str]:
    """List every problem in a labelled frame, each naming its row and column.

    With `corpus_rules`, tone must be one of the five codebook values and ids and headlines must
    be unique; evaluation files only need a headline and labels in range, and a blank label
    only leaves its row out of that measure.
    """
    missing_columns(frame, path, require)
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_text: dict[str, int] = {}
    has = set(frame.columns)
    for row, record in enumerate(frame.to_dict("records"), start=1):
        where = f"row {row}"
        value = record.get(TEXT_COLUMN)
        if value is not None and not isinstance(value, str) and not _blank(value):
            problems.append(f"{where}, column {TEXT_COLUMN!r}: {value!r} is not text")
            continue
        text = "" if _blank(value) else str(value)
        if not text.strip():
            problems.append(f"{where}, column {TEXT_COLUMN!r}: empty headline")
        else:
            key = normalise_for_duplicates(text)
            if corpus_rules and key in seen_text:
                problems.append(f"{where}, column {TEXT_COLUMN!r}: duplicate of row {seen_text[key]}")
            seen_text.setdefault(key, row)
        if ID_COLUMN in has:
            ident = "" if _blank(record[ID_COLUMN]) else str(record[ID_COLUMN]).strip()
            if not ident:
                problems.append(f"{where}, column {ID_COLUMN!r}: empty id")
            elif corpus_rules and ident in seen_ids:
                problems.append(f"{where}, column {ID_COLUMN!r}: id {ident!r} repeats row {seen_ids[ident]}")
            seen_ids.setdefault(ident, row)
        if TOPIC_COLUMN in has and (corpus_rules or not _blank(record[TOPIC_COLUMN])):
            topic = "" if _blank(record[TOPIC_COLUMN]) else str(record[TOPIC_COLUMN]).strip()
            if topic not in TOPICS:
                problems.append(
                    f"{where}, column {TOPIC_COLUMN!r}: unknown topic {topic!r} (one of {', '.join(TOPICS)})"
                )
        if TONE_COLUMN in has and (corpus_rules or not _blank(record[TONE_COLUMN])):
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
        return [(f"{where}, column {TONE_COLUMN!r}: tone {str(value)!r} is not a number (or negative, "
                "neutral, positive in every row)")]  # fmt: skip
    if not -1.0 <= number <= 1.0 or np.isnan(number):
        return [(f"{where}, column {TONE_COLUMN!r}: tone {number:g} is outside [-1, 1] (give --tone-scale for "
                "another scale)")]  # fmt: skip
    return []


def parse_tone_scale(scale: str | None) -> tuple[float, float] | None:
    """'LOW:HIGH' (e.g. '-100:100', '1:5') or 'S' (for -S:S) as (low, high); None for [-1, 1]."""
    if scale is None:
        return None
    try:
        parts = [float(p) for p in str(scale).split(":")]
    except ValueError:
        parts = []
    if len(parts) == 1 and parts[0] > 0:
        parts = [-parts[0], parts[0]]
    if len(parts) != 2 or not parts[0] < parts[1] or not all(np.isfinite(parts)):
        raise InputError(f"--tone-scale {scale!r}: give LOW:HIGH with LOW below HIGH (e.g. -100:100 or 1:5), "
                         "or S for -S:S")  # fmt: skip
    return parts[0], parts[1]


def _rescale(frame: pd.DataFrame, scale: tuple[float, float], path: str) -> pd.DataFrame:
    """Map numeric tone from [low, high] onto [-1, 1], naming the rows outside the scale."""
    low, high = scale
    problems, values = [], []
    for row, value in enumerate(frame[TONE_COLUMN].tolist(), start=1):
        if _blank(value):
            values.append(value)
            continue
        try:
            number = float(str(value).strip())
        except ValueError:
            values.append(value)  # named by the validation that follows
            continue
        if not low <= number <= high:
            problems.append(
                f"row {row}, column {TONE_COLUMN!r}: tone {number:g} is outside the scale {low:g}:{high:g}"
            )
        values.append(str(2 * (number - low) / (high - low) - 1))
    if problems:
        raise DataError(path, problems[:MAX_LISTED_PROBLEMS], total=len(problems))
    return frame.assign(**{TONE_COLUMN: values})


def _tone_words_to_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Tone given as the words negative / neutral / positive becomes three-class gold labels."""
    given = [v for v in frame[TONE_COLUMN].tolist() if not _blank(v)]
    words = {str(v).strip().casefold() for v in given}
    if not given or not words <= set(TONE_LABELS):
        return frame
    labels = [None if _blank(v) else str(v).strip().casefold() for v in frame[TONE_COLUMN].tolist()]
    return frame.drop(columns=[TONE_COLUMN]).assign(**{TONE_LABEL: labels})


def _without_blank_labels(frame: pd.DataFrame, path: str) -> pd.DataFrame:
    """Leave blank labels as missing (their rows sit out that measure), saying how many; drop empty columns."""
    for column, measure in ((TOPIC_COLUMN, "topic"), (TONE_COLUMN, "tone"), (TONE_LABEL, "tone")):
        if column not in frame.columns:
            continue
        blank = np.array([_blank(v) for v in frame[column].tolist()], dtype=bool)
        if blank.all():
            warnings.warn(
                f"{path}: column {column!r} is blank in every row; no {measure} figures", stacklevel=3
            )
            frame = frame.drop(columns=[column])
        elif blank.any():
            warnings.warn(f"{path}: {int(blank.sum())} row(s) with a blank {column} left out of the {measure} "
                          "figures", stacklevel=3)  # fmt: skip
            frame = frame.assign(
                **{column: [None if b else v for b, v in zip(blank, frame[column], strict=True)]}
            )
    return frame


def labelled_from_frame(
    frame: pd.DataFrame,
    path: str,
    sha256: str,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
    tone_scale: tuple[float, float] | None = None,
) -> Labelled:
    """Validate a frame already read, raising DataError that lists every problem found.

    For evaluation (`corpus_rules` False), tone given as words becomes three-class gold, numeric
    tone on another scale is mapped onto [-1, 1] with `tone_scale`, and blank labels are kept as
    missing so their rows sit out only that measure.
    """
    missing_columns(frame, path, require)
    if not corpus_rules and TONE_COLUMN in frame.columns:
        frame = _tone_words_to_labels(frame)
        if tone_scale is not None and TONE_COLUMN in frame.columns:
            frame = _rescale(frame, tone_scale, path)
    problems = validate(frame, path, require, corpus_rules)
    if problems:
        raise DataError(path, problems[:MAX_LISTED_PROBLEMS], total=len(problems))
    frame = frame.copy()
    if not corpus_rules:
        frame = _without_blank_labels(frame, path)
    frame[TEXT_COLUMN] = frame[TEXT_COLUMN].astype(str)
    if ID_COLUMN not in frame.columns:
        frame.insert(0, ID_COLUMN, row_ids(len(frame)))
    frame[ID_COLUMN] = frame[ID_COLUMN].astype(str)
    if TOPIC_COLUMN in frame.columns:
        frame[TOPIC_COLUMN] = [None if _blank(v) else str(v).strip() for v in frame[TOPIC_COLUMN]]
        frame[TOPIC_COLUMN] = frame[TOPIC_COLUMN].astype(object)
    if TONE_COLUMN in frame.columns:
        frame[TONE_COLUMN] = [np.nan if _blank(v) else float(str(v).strip()) for v in frame[TONE_COLUMN]]
        frame[TONE_COLUMN] = frame[TONE_COLUMN].astype(float)
    return Labelled(frame=frame.reset_index(drop=True), path=path, sha256=sha256)


def select_columns(
    frame: pd.DataFrame,
    path: str,
    text_column: str = TEXT_COLUMN,
    topic_column: str = TOPIC_COLUMN,
    tone_column: str = TONE_COLUMN,
) -> pd.DataFrame:
    """Rename the named text, topic and tone columns to the standard names, refusing any that is missing.

    A label column left at its default name may be absent (a file can carry only topic or only
    tone); one named explicitly must be there.
    """
    named = ((text_column, TEXT_COLUMN, True), (topic_column, TOPIC_COLUMN, topic_column != TOPIC_COLUMN),
             (tone_column, TONE_COLUMN, tone_column != TONE_COLUMN))  # fmt: skip
    renames = {}
    for given, standard, required in named:
        if given in frame.columns:
            renames[given] = standard
        elif required:
            missing_columns(frame, path, (given,))
    clashing = [
        standard for given, standard in renames.items() if given != standard and standard in frame.columns
    ]
    frame = frame.drop(columns=[c for c in clashing if c not in renames])
    return frame.rename(columns=renames)


def load_labelled(
    path: str | Path,
    require: tuple[str, ...] = REQUIRED_CORPUS_COLUMNS,
    corpus_rules: bool = True,
    text_column: str = TEXT_COLUMN,
) -> Labelled:
    """Read and validate a labelled file, raising DataError that lists every problem found."""
    frame = read_table(path)
    if text_column != TEXT_COLUMN:
        frame = select_columns(frame, str(path), text_column)
    return labelled_from_frame(frame, str(path), file_sha256(path), require, corpus_rules)


def load_corpus(path: str | Path) -> Labelled:
    """Load the training corpus with every codebook rule enforced."""
    return load_labelled(path, REQUIRED_CORPUS_COLUMNS, corpus_rules=True)


def load_evaluation(
    path: str | Path,
    text_column: str = TEXT_COLUMN,
    topic_column: str = TOPIC_COLUMN,
    tone_column: str = TONE_COLUMN,
    tone_scale: tuple[float, float] | None = None,
) -> Labelled:
    """Load an evaluation file: a headline column plus topic and/or tone labels.

    Tone is any number in [-1, 1] (or on `tone_scale`, mapped onto it), or the words negative /
    neutral / positive (scored as three classes). Rows with a blank label sit out that measure.
    """
    frame = select_columns(read_table(path), str(path), text_column, topic_column, tone_column)
    if not ({TOPIC_COLUMN, TONE_COLUMN} & set(frame.columns)):
        raise InputError(f"{path}: no label column: need {topic_column!r} and/or {tone_column!r} "
                         f"(columns: {', '.join(map(str, frame.columns))})")  # fmt: skip
    labelled = labelled_from_frame(frame, str(path), file_sha256(path), (TEXT_COLUMN,), corpus_rules=False,
                                   tone_scale=tone_scale)  # fmt: skip
    if not (labelled.has_topic or labelled.has_tone or TONE_LABEL in labelled.frame.columns):
        raise InputError(f"{path}: every label is blank; nothing to score")
    return labelled
