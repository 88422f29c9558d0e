"""Importers for the public labelled sets people have, mapped to this project's labels.

Each importer returns a frame with `headline` and whichever of `topic`, `topic_group`, `tone` and
`tone_label` the set provides, so `evaluate` scores them all the same way.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from classifier.config import (
    AGNEWS_ENVIRONMENT,
    DATASET_FORMATS,
    DEFAULT_AGNEWS,
    DEFAULT_POOL,
    POOL_ENVIRONMENT,
    TEXT_COLUMN,
    TONE_COLUMN,
    TOPIC_COLUMN,
)
from classifier.data.corpus import TONE_LABEL, Labelled, file_sha256, load_evaluation
from classifier.errors import InputError
from classifier.io.formats import row_ids
from classifier.io.readers import read_table

__all__ = [
    "AGNEWS_GROUPS",
    "AGNEWS_NAMES",
    "DATASET_FORMATS",
    "GROUP_COLUMNS",
    "IMPORTERS",
    "SOURCE_CLASS_COLUMN",
    "TONE_LABEL_COLUMN",
    "TOPIC_GROUP_COLUMN",
    "agnews",
    "agnews_labels",
    "agnews_path",
    "cnh_psx",
    "headline_key",
    "labelled_set",
    "load_dataset",
    "parse_dataset_spec",
    "phrasebank",
    "pool_path",
    "read_pool",
    "real_labels",
    "semeval2007",
    "semeval2017",
    "sentfin",
]

TOPIC_GROUP_COLUMN = "topic_group"  # gold given as a set of acceptable topics, `|`-separated
TONE_LABEL_COLUMN = TONE_LABEL  # gold given only as negative / neutral / positive
SOURCE_CLASS_COLUMN = "source_class"  # the set's own class, kept for per-class figures
GROUP_COLUMNS = ("country", "outlet")  # where a set has them, figures are also given per group

AGNEWS_GROUPS = {
    "1": "diplomacy|security|conflict|other",  # World: any of these
    "2": "other",  # Sports
    "3": "markets",  # Business
    "4": "other",  # Sci/Tech
}
AGNEWS_NAMES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci/Tech"}


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    return path


def semeval2007(path: str | Path) -> pd.DataFrame:
    """Affective Text: the XML of headlines plus `<name>.valence.gold` beside it; tone = valence / 100."""
    path = _need(Path(path))
    gold_path = path.with_name(path.name.replace(".xml", ".valence.gold"))
    if not gold_path.exists():
        raise InputError(f"{path}: expected the valence file beside it: {gold_path.name}")
    text = path.read_text(encoding="utf-8")
    instances = dict(re.findall(r'<instance id="(\d+)">(.*?)</instance>', text, flags=re.DOTALL))
    if not instances:
        raise InputError(f"{path}: no <instance> elements found")
    gold = {}
    for number, line in enumerate(gold_path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split()
        if len(parts) != 2:
            raise InputError(f"{gold_path}: line {number}: expected 'id valence'")
        gold[parts[0]] = int(parts[1]) / 100
    ids = [i for i in instances if i in gold]
    return pd.DataFrame({"id": ids, TEXT_COLUMN: [html.unescape(instances[i]).strip() for i in ids],
                         TONE_COLUMN: [gold[i] for i in ids]})  # fmt: skip


def semeval2017(path: str | Path) -> pd.DataFrame:
    """SemEval-2017 Task 5 headlines JSON; a title scored for several companies gets its mean score."""
    path = _need(Path(path))
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    frame = pd.DataFrame(records)
    if not {"title", "sentiment"} <= set(frame.columns):
        raise InputError(f"{path}: expected objects with 'title' and 'sentiment'")
    grouped = frame.groupby("title", sort=False)["sentiment"].mean().reset_index()
    return pd.DataFrame({"id": row_ids(len(grouped)),
                         TEXT_COLUMN: grouped["title"], TONE_COLUMN: grouped["sentiment"].astype(float)})  # fmt: skip


def phrasebank(path: str | Path) -> pd.DataFrame:
    """Financial PhraseBank `sentence@label` lines in Latin-1; tone labels only."""
    path = _need(Path(path))
    rows, skipped = [], []
    for number, line in enumerate(path.read_text(encoding="latin-1").splitlines(), start=1):
        if not line.strip():
            continue
        sentence, sep, label = line.rpartition("@")
        if not sep or label.strip() not in {"positive", "neutral", "negative"} or not sentence.strip():
            skipped.append(number)
            continue
        rows.append((str(number), sentence.strip(), label.strip()))
    if not rows:
        raise InputError(f"{path}: no 'sentence@positive|neutral|negative' lines found")
    if skipped:
        shown = ", ".join(map(str, skipped[:10])) + (" ..." if len(skipped) > 10 else "")
        warnings.warn(f"{path}: skipped {len(skipped)} line(s) without a sentence@label form: line {shown}",
                      stacklevel=2)  # fmt: skip
    return pd.DataFrame(rows, columns=["id", TEXT_COLUMN, TONE_LABEL_COLUMN])


def sentfin(path: str | Path) -> pd.DataFrame:
    """SEntFiN CSV: headlines whose entities all carry one label; tone labels only."""
    frame = read_table(_need(Path(path)))
    if not {"Title", "Decisions"} <= set(frame.columns):
        raise InputError(f"{path}: expected columns 'Title' and 'Decisions'")
    rows = []
    for number, (title, decisions) in enumerate(
        zip(frame["Title"], frame["Decisions"], strict=True), start=1
    ):
        try:
            labels = set(json.loads(decisions).values())
        except (json.JSONDecodeError, AttributeError):
            raise InputError(f"{path}: row {number}, column 'Decisions': not a JSON object") from None
        if len(labels) == 1:
            rows.append((str(number), title, labels.pop()))
    return pd.DataFrame(rows, columns=["id", TEXT_COLUMN, TONE_LABEL_COLUMN])


def cnh_psx(path: str | Path) -> pd.DataFrame:
    """CNH-PSX CSV whose `Headlines` cell is a Python-style list; distinct headlines, all topic markets."""
    frame = read_table(_need(Path(path)))
    if "Headlines" not in frame.columns:
        raise InputError(f"{path}: expected a 'Headlines' column")
    seen: dict[str, None] = {}
    for number, cell in enumerate(frame["Headlines"], start=1):
        try:
            items = ast.literal_eval(cell)
        except (ValueError, SyntaxError):
            raise InputError(f"{path}: row {number}, column 'Headlines': not a list literal") from None
        for item in items if isinstance(items, list) else [items]:
            # Some entries carry a byline after a run of commas: "Karachi stocks ...,,,,,By our correspondent".
            headline = re.split(r",{2,}", str(item))[0].strip()
            if headline:
                seen.setdefault(headline, None)
    heads = list(seen)
    return pd.DataFrame({"id": row_ids(len(heads)), TEXT_COLUMN: heads,
                         TOPIC_COLUMN: "markets"})  # fmt: skip


def agnews(path: str | Path) -> pd.DataFrame:
    """AG News CSV (class, title, description, no header); coarse topic groups from the class."""
    path = _need(Path(path))
    try:
        frame = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: malformed row: {exc}") from None
    if frame.shape[1] < 2 or not set(frame[0]) <= set(AGNEWS_GROUPS):
        raise InputError(f"{path}: expected rows of class (1-4), title, description")
    titles = frame[1].str.replace(r"#(\d+);", lambda m: chr(int(m.group(1))), regex=True)
    titles = titles.str.replace("\\", " ", regex=False).map(html.unescape).str.strip()
    return pd.DataFrame({"id": row_ids(len(frame)), TEXT_COLUMN: titles,
                         TOPIC_GROUP_COLUMN: frame[0].map(AGNEWS_GROUPS),
                         SOURCE_CLASS_COLUMN: frame[0].map(AGNEWS_NAMES)})  # fmt: skip


def headline_key(text: str) -> str:
    """The 12-hex sha1 of a headline with its white space collapsed: how real labels name a row.

    Examples
    --------
    >>> headline_key("Rupee  gains  against dollar") == headline_key("Rupee gains against dollar")
    True
    """
    return hashlib.sha1(" ".join(str(text).split()).encode("utf-8")).hexdigest()[:12]


def pool_path() -> Path:
    """Where the pool of real headlines is: $HEADLINES_POOL, else ../shared/real/pool.csv.gz."""
    return Path(os.environ.get(POOL_ENVIRONMENT) or DEFAULT_POOL)


def read_pool(path: str | Path | None = None) -> pd.DataFrame:
    """The real headlines pool (headline, outlet, country, date, section, ...) with each row's key."""
    path = Path(path) if path is not None else pool_path()
    if not path.exists():
        raise InputError(
            f"{path}: the pool of real headlines is not here; real labels are keyed by hash and need "
            f"its texts (set {POOL_ENVIRONMENT} to its path)"
        )
    try:
        pool = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise InputError(f"{path}: cannot read the pool: {exc}") from None
    if TEXT_COLUMN not in pool.columns:
        raise InputError(f"{path}: no column {TEXT_COLUMN!r}")
    return pool.assign(key=[headline_key(h) for h in pool[TEXT_COLUMN]])


def real_labels(
    path: str | Path, split: str | None = "dev", pool: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Labels of real headlines (keyed by `headline_key`) joined to their texts from the pool.

    split: "dev" (for analysis and choices), "test" (frozen: scored only when a release is done)
    or None for both. Rows whose key the pool lacks are left out with a warning.
    """
    pool = read_pool() if pool is None else pool
    return _join_labels(path, pool.drop_duplicates("key").set_index("key")[TEXT_COLUMN], "the pool", split)


def agnews_path() -> Path:
    """Where the AG News test file is: $HEADLINES_AGNEWS, else ../shared/dev/ag_news/test_minus_heldout.csv."""
    return Path(os.environ.get(AGNEWS_ENVIRONMENT) or DEFAULT_AGNEWS)


def agnews_labels(
    path: str | Path, split: str | None = None, source: str | Path | None = None
) -> pd.DataFrame:
    """Codebook labels of AG News rows (keyed by `headline_key` of the title as `agnews` reads it)
    joined to their titles from the AG News file `source` (default: `agnews_path`).

    AG News gives only coarse classes; these labels give its World rows the five topics and a tone.
    """
    source = agnews_path() if source is None else Path(source)
    if not source.exists():
        raise InputError(
            f"{source}: the AG News test file is not here; its codebook labels are keyed by hash and "
            f"need its titles (set {AGNEWS_ENVIRONMENT} to its path)"
        )
    titles = agnews(source)[TEXT_COLUMN]
    texts = pd.Series(titles.to_numpy(), index=[headline_key(t) for t in titles])
    return _join_labels(path, texts[~texts.index.duplicated()], str(source), split)


def _join_labels(path: str | Path, texts: pd.Series, source: str, split: str | None) -> pd.DataFrame:
    """A labels file (key, topic, tone, split, ...) joined to `texts` (headlines indexed by key);
    rows whose key `source` lacks are left out with a warning."""
    path = _need(Path(path))
    labels = read_table(path)
    need = {"key", TOPIC_COLUMN, TONE_COLUMN, "split"}
    if not need <= set(labels.columns):
        raise InputError(f"{path}: expected columns {', '.join(sorted(need))}")
    if split is not None:
        labels = labels[labels["split"] == split]
    found = labels["key"].isin(texts.index)
    if not found.all():
        warnings.warn(
            f"{path}: {int((~found).sum())} labelled key(s) not in {source}, left out", stacklevel=3
        )
    labels = labels[found]
    frame = labels.assign(
        id=labels["key"],
        **{TEXT_COLUMN: texts.reindex(labels["key"]).to_numpy(),
           TONE_COLUMN: pd.to_numeric(labels[TONE_COLUMN], errors="raise")},
    )  # fmt: skip
    columns = ["id", TEXT_COLUMN, TOPIC_COLUMN, TONE_COLUMN, "topic_alt", *GROUP_COLUMNS, "year", "split"]
    return frame[[c for c in columns if c in frame.columns]].reset_index(drop=True)


IMPORTERS: dict[str, Callable[[str | Path], pd.DataFrame]] = {
    "semeval2007": semeval2007,
    "semeval2017": semeval2017,
    "phrasebank": phrasebank,
    "sentfin": sentfin,
    "cnh-psx": cnh_psx,
    "agnews": agnews,
    "realdev": lambda path: real_labels(path, "dev"),
    "realdev-test": lambda path: real_labels(path, "test"),
    "agworld": agnews_labels,
}


def parse_dataset_spec(spec: str) -> tuple[str, str]:
    """Split 'FORMAT:PATH' and check the format."""
    fmt, sep, path = spec.partition(":")
    if not sep or not path:
        raise InputError(f"--dataset {spec!r}: expected FORMAT:PATH, e.g. semeval2007:trial.xml")
    if fmt not in DATASET_FORMATS:
        raise InputError(f"--dataset {spec!r}: unknown format {fmt!r}; one of {', '.join(DATASET_FORMATS)}")
    return fmt, path


def load_dataset(
    spec: str,
    text_column: str = TEXT_COLUMN,
    topic_column: str = TOPIC_COLUMN,
    tone_column: str = TONE_COLUMN,
    tone_scale: tuple[float, float] | None = None,
) -> Labelled:
    """Load 'FORMAT:PATH' as labelled rows ready to evaluate; 'csv' reads any table like `--data` does.

    The column names and `tone_scale` apply to 'csv' sets; the other formats map their own labels.
    """
    fmt, path = parse_dataset_spec(spec)
    if fmt == "csv":
        return load_evaluation(path, text_column, topic_column, tone_column, tone_scale)
    return labelled_set(fmt, path, IMPORTERS[fmt](path))


def labelled_set(fmt: str, path: str | Path, frame: pd.DataFrame) -> Labelled:
    """Rows an importer of `fmt` read from `path`, named 'FORMAT:PATH' and identified by the file's
    sha256, as `load_dataset` returns them (for callers that run an importer with its own arguments).
    """
    return Labelled(frame=frame.reset_index(drop=True), path=f"{fmt}:{path}", sha256=file_sha256(path))
