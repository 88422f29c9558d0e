"""Trends in predicted headlines: topic shares and mean tone per group and time bucket, and spikes.

From labels to answers. `summarize` turns a frame of predictions (what `headlines predict` writes,
with the input's outlet, country and date kept) into one row per group and time bucket;
`find_spikes` lists the buckets where a topic's share or the mean tone leaves its own trailing
baseline, each with the headlines behind it. Plain pandas and numpy on frames: nothing here reads
or writes files (`classifier.trends.files` does) or draws (`classifier.trends.plots`).

The spike rule, for each group and each measure (a topic's share, or the mean tone) in time order:
the baseline of a bucket is the median m of the same measure over the previous `window` buckets of
that group that have rows, and its spread the median absolute deviation (MAD) around m. The
bucket's robust z-score is ``z = (x - m) / sqrt((1.4826 * MAD)**2 + se**2)``, where se is the
bucket's standard error (for a share ``sqrt(p (1 - p) / n)`` with p the mean of the bucket's share
and its baseline, for a mean tone ``sd / sqrt(n)``), so that a small bucket's noise is not read as
news. A bucket is a spike when ``|z|`` exceeds
`threshold`, it has at least `min_rows` rows, and at least `min_history` earlier buckets; buckets
with fewer than `min_rows` rows are left out of baselines too.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from classifier.config import (
    DATE_DAYFIRST,
    SPIKE_HEADLINES,
    SPIKE_MIN_HISTORY,
    SPIKE_MIN_ROWS,
    SPIKE_THRESHOLD,
    SPIKE_WINDOW,
    TEXT_COLUMN,
    TOPICS,
    TREND_DEFAULT_EVERY,
    TREND_EVERY,
)
from classifier.errors import InputError

__all__ = [
    "INTERVAL_METHOD",
    "MAD_SCALE",
    "MISSING_GROUP",
    "PERIOD",
    "POSITION",
    "ROW",
    "TONE_MEASURE",
    "UNCERTAIN",
    "DateReport",
    "Evidence",
    "Spike",
    "Summary",
    "bucket_start",
    "find_spikes",
    "parse_dates",
    "robust_z",
    "share_interval",
    "spikes_table",
    "summarize",
    "trailing_baseline",
]

PERIOD = "period"
ROW = "_summary_row"  # in Summary.rows_used: the table row a row counts in
POSITION = "_position"  # in Summary.rows_used: the row's position in Summary.source
MISSING_GROUP = "(missing)"
UNCERTAIN = "uncertain"  # the topic `predict --min-confidence` gives to low-confidence rows
TONE_MEASURE = "tone_mean"
INTERVAL_METHOD = "t"  # mean tone +- t(0.975, n - 1) * sd / sqrt(n)
MAD_SCALE = 1.4826  # makes the MAD estimate the standard deviation of normal data

_TIME_OF_DAY = re.compile(
    r"(\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)\s*(?:Z|(?![AP]M\b)[A-Z]{2,5}|[+-]\d{2}:?\d{2})$"
)


@dataclass(frozen=True)
class DateReport:
    """How the dates of a column were read: rows without one, rows pandas could not read, examples."""

    column: str
    rows: int
    missing: int
    unparseable: int
    examples: tuple[str, ...] = ()

    @property
    def undated(self) -> int:
        """Rows left out of the time buckets."""
        return self.missing + self.unparseable

    def message(self) -> str | None:
        """One line for the user, or None when every row had a date."""
        if not self.undated:
            return None
        parts = []
        if self.missing:
            parts.append(f"{self.missing:,} without a date")
        if self.unparseable:
            shown = ", ".join(repr(e) for e in self.examples)
            parts.append(f"{self.unparseable:,} with a date that could not be read (e.g. {shown})")
        return (
            f"column {self.column!r}: {self.undated:,} of {self.rows:,} rows left out of the time buckets: "
            + "; ".join(parts)
        )


@dataclass
class Summary:
    """A summarised predictions frame.

    `table` has one row per group and time bucket: the group columns, `period` (the bucket's first
    day, when summarised over time), `rows` (rows with a prediction), `share_<topic>` for every
    topic (and `share_uncertain` when present), `tone_mean` with its 95% t interval `tone_low` and
    `tone_high`, `tone_sd`, and the mean tone of each topic's rows `tone_<topic>`. `rows_used` holds
    the rows behind it (group, period, topic, tone, and their position in `source`, the frame
    summarised), for the spikes' headlines.
    """

    table: pd.DataFrame
    by: tuple[str, ...]
    time: str | None
    every: str | None
    topics: tuple[str, ...]
    dates: DateReport | None
    blank: int
    rows_used: pd.DataFrame = field(repr=False)
    source: pd.DataFrame | None = field(default=None, repr=False)
    interval: str = INTERVAL_METHOD

    @property
    def share_columns(self) -> list[str]:
        """The share column of each topic, in order."""
        return [f"share_{t}" for t in self.topics]

    def notes(self) -> list[str]:
        """Lines saying which rows were left out and how intervals are made."""
        notes = []
        if self.dates is not None and self.dates.message():
            notes.append(self.dates.message())
        if self.blank:
            notes.append(f"{self.blank:,} rows without a prediction (blank headlines) left out")
        notes.append("tone intervals: 95% t intervals of the mean (mean +- t * sd / sqrt(n))")
        return notes


@dataclass(frozen=True)
class Evidence:
    """One headline behind a spike."""

    headline: str
    topic: str
    topic_confidence: float
    tone: float
    id: str | None = None


@dataclass(frozen=True)
class Spike:
    """A bucket where a measure left its trailing baseline, with the headlines behind it."""

    group: tuple[str, ...]
    period: pd.Timestamp
    measure: str
    value: float
    baseline: float
    z: float
    rows: int
    headlines: tuple[Evidence, ...] = ()

    @property
    def direction(self) -> str:
        """'up' or 'down' against the baseline."""
        return "up" if self.z > 0 else "down"

    def describe(self, by: tuple[str, ...] = ()) -> str:
        """One line: where, when, what moved, by how much."""
        where = ", ".join(f"{k}={v}" for k, v in zip(by, self.group, strict=False)) or "all rows"
        if self.measure == TONE_MEASURE:
            what = f"mean tone {self.value:+.2f} against a baseline of {self.baseline:+.2f}"
        else:
            topic = self.measure.removeprefix("share_")
            what = f"{topic} share {self.value:.0%} against a baseline of {self.baseline:.0%}"
        return f"{where}, {self.period:%Y-%m-%d}: {what} (z {self.z:+.1f}, {self.rows:,} rows)"


def parse_dates(
    values: pd.Series, dayfirst: bool = DATE_DAYFIRST, column: str = "date", counted: np.ndarray | None = None
) -> tuple[pd.Series, DateReport]:
    """Read a column of dates as written: ISO first, then the common news formats.

    Each distinct value is parsed once. ISO 8601 (``2024-03-05``, ``2024-03-05T10:22:00+05:00``) is
    read first; what is left goes to pandas' mixed-format parser (``Tue, 05 Mar 2024 10:22:00 GMT``,
    ``March 5, 2024``, ``5 March 2024``, ``05/03/2024``: day first unless `dayfirst` is False). A time
    zone or offset is ignored, so every timestamp keeps the calendar day its source wrote.

    Parameters
    ----------
    values
        Dates as text (empty or missing cells count as missing), or already datetimes.
    dayfirst
        Read ``05/03/2024`` as 5 March (True) or 3 May (False).
    column
        The column's name, for the report.
    counted
        A boolean mask of the rows the report counts (default: all).

    Returns
    -------
    dates : pandas.Series
        ``datetime64[ns]`` without a time zone, NaT where missing or unreadable, same index.
    report : DateReport
        Counts of missing and unreadable values, with up to five examples of the latter.

    Examples
    --------
    >>> dates, report = parse_dates(pd.Series(["2024-03-05", "5 March 2024", "05/03/2024", "soon", ""]))
    >>> dates.dt.strftime("%Y-%m-%d").tolist()[:3]
    ['2024-03-05', '2024-03-05', '2024-03-05']
    >>> report.missing, report.unparseable, report.examples
    (1, 1, ('soon',))
    """
    counted = np.ones(len(values), dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values.astype("datetime64[ns]")
        missing = int((dates.isna().to_numpy() & counted).sum())
        return dates, DateReport(column, int(counted.sum()), missing, 0)
    codes, labels = _distinct_text(values)
    cleaned = pd.Series(labels, dtype=object).str.replace(_TIME_OF_DAY, r"\1", regex=True)  # drop a zone
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        parsed = pd.to_datetime(cleaned, format="ISO8601", errors="coerce").to_numpy(dtype="datetime64[ns]")
        rest = np.isnat(parsed)
        if rest.any():
            parsed[rest] = _parse_mixed(cleaned[rest], dayfirst)
    bad_label = np.isnat(parsed)
    dates = pd.Series(np.append(parsed, np.datetime64("NaT", "ns"))[codes], index=values.index)
    missing = int(((codes < 0) & counted).sum())
    bad_rows = np.append(bad_label, False)[codes] & counted
    examples = tuple(labels[np.unique(codes[bad_rows])[:5]]) if bad_rows.any() else ()
    return dates, DateReport(column, int(counted.sum()), missing, int(bad_rows.sum()), examples)


def _parse_mixed(values: pd.Series, dayfirst: bool) -> np.ndarray:
    try:
        return pd.to_datetime(values, format="mixed", dayfirst=dayfirst, errors="coerce").to_numpy(
            dtype="datetime64[ns]"
        )
    except (ValueError, TypeError):  # time zones left that pandas will not mix: one value at a time
        out = []
        for value in values:
            try:
                stamp = pd.Timestamp(pd.to_datetime(value, dayfirst=dayfirst))
                out.append(stamp.tz_localize(None) if stamp.tzinfo else stamp)
            except (ValueError, TypeError, OverflowError):
                out.append(pd.NaT)
        return pd.Series(out, dtype="datetime64[ns]").to_numpy()


def bucket_start(dates: np.ndarray, every: str) -> np.ndarray:
    """The first day of each date's bucket: the day, its week's Monday, its month, quarter or year.

    Examples
    --------
    >>> d = np.array(["2024-03-07T15:00"], dtype="datetime64[ns]")
    >>> [str(bucket_start(d, e)[0])[:10] for e in ("day", "week", "month", "quarter", "year")]
    ['2024-03-07', '2024-03-04', '2024-03-01', '2024-01-01', '2024-01-01']
    """
    if every not in TREND_EVERY:
        raise InputError(f"--every {every!r}: one of {', '.join(TREND_EVERY)}")
    days = np.asarray(dates, dtype="datetime64[ns]").astype("datetime64[D]")
    if every == "day":
        start = days
    elif every == "week":
        number = days.astype(np.int64)
        start = days - ((number + 3) % 7).astype("timedelta64[D]")  # 1970-01-01 was a Thursday
    elif every == "month":
        start = days.astype("datetime64[M]")
    elif every == "quarter":
        months = days.astype("datetime64[M]").astype(np.int64)
        start = (months - months % 3).astype("datetime64[M]")
    else:
        start = days.astype("datetime64[Y]")
    return start.astype("datetime64[ns]")


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into a column's distinct texts, stripped; missing and empty cells get -1. Fast: each
    distinct value is handled once."""
    codes, uniques = pd.factorize(values)
    text = pd.Series(np.asarray(uniques, dtype=object)).map(str).str.strip()
    merged, labels = pd.factorize(text.where(text != ""))
    return np.append(merged, -1)[codes], np.asarray(labels, dtype=object)


def _group_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes into a group column's sorted labels; missing values form the group MISSING_GROUP."""
    codes, labels = _distinct_text(values)
    labels = np.append(labels, MISSING_GROUP)
    codes = np.where(codes < 0, len(labels) - 1, codes)
    order = np.argsort(labels.astype(str), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[codes], labels[order]


def _topics_in(present: set[str]) -> tuple[str, ...]:
    extra = sorted(present - set(TOPICS) - {UNCERTAIN})
    return (*TOPICS, *extra, *((UNCERTAIN,) if UNCERTAIN in present else ()))


def summarize(
    frame: pd.DataFrame,
    by: str | tuple[str, ...] | list[str] = (),
    time: str | None = None,
    every: str | None = None,
    dayfirst: bool = DATE_DAYFIRST,
) -> Summary:
    """Topic shares and mean tone (with a 95% t interval) per group and time bucket.

    Parameters
    ----------
    frame
        Predictions: ``topic`` and ``tone`` columns (as ``headlines predict`` writes them), the
        columns to group by and the date column. Rows without a topic (blank headlines) are left out
        and counted.
    by
        Column(s) to group by, e.g. ``"country"`` or ``("country", "outlet")``; missing values form
        their own group, ``(missing)``.
    time
        A date column to bucket by (see `parse_dates`); rows whose date is missing or unreadable are
        left out of the buckets and counted in ``Summary.dates``.
    every
        Bucket size: day, week (starting Monday), month, quarter or year; default week.
    dayfirst
        Read ``05/03/2024`` as 5 March (default) or, when False, 3 May.

    Returns
    -------
    Summary
        ``Summary.table`` has one row per group and bucket, sorted by group then time. Shares are
        over the bucket's rows with a prediction, so with ``uncertain`` rows the topic shares and
        ``share_uncertain`` add up to 1.

    Examples
    --------
    >>> frame = pd.DataFrame({"country": ["PK", "PK", "IN", "IN"], "date": ["2024-03-04", "2024-03-05", "2024-03-05", ""],
    ...                       "topic": ["conflict", "markets", "markets", "other"], "tone": [-0.5, 0.5, 0.1, 0.0]})
    >>> s = summarize(frame, by="country", time="date", every="week")
    >>> s.table[["country", "period", "rows", "share_conflict", "tone_mean"]].to_string(index=False)
    'country     period  rows  share_conflict  tone_mean\\n     IN 2024-03-04     1             0.0        0.1\\n     PK 2024-03-04     2             0.5        0.0'
    >>> s.dates.missing
    1
    """
    by = (by,) if isinstance(by, str) else tuple(by)
    if every is not None and time is None:
        raise InputError("--every needs --time COLUMN (the column of dates)")
    if time is not None:
        every = every or TREND_DEFAULT_EVERY
        if every not in TREND_EVERY:
            raise InputError(f"--every {every!r}: one of {', '.join(TREND_EVERY)}")
    needed = [*by, *([time] if time else []), "topic", "tone"]
    absent = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if absent:
        shown = ", ".join(repr(c) for c in list(frame.columns)[:30])
        raise InputError(f"no column {absent[0]!r} in the predictions (columns: {shown})")
    topic_codes, topic_labels = _distinct_text(frame["topic"])
    predicted = topic_codes >= 0
    keep = predicted.copy()
    dates = report = None
    if time is not None:
        dates, report = parse_dates(frame[time], dayfirst=dayfirst, column=time, counted=predicted)
        dates = dates.to_numpy(dtype="datetime64[ns]")
        keep &= ~np.isnat(dates)
    rows = np.flatnonzero(keep)
    topics = _topics_in(set(topic_labels[np.unique(topic_codes[rows])]) if len(rows) else set())
    topic_index = np.array([topics.index(t) for t in topic_labels], dtype=np.int64)
    topic_of_row = topic_index[topic_codes[rows]] if len(topic_labels) else np.zeros(0, dtype=np.int64)
    codes, labels = [], []
    for name in by:
        c, lab = _group_codes(frame[name])
        codes.append(c[rows])
        labels.append(lab)
    if time is not None:
        days, period = _dense_unique(
            bucket_start(dates[rows], every).astype("datetime64[D]").astype(np.int64)
        )
        codes.append(period)
        labels.append(days.astype("datetime64[D]").astype("datetime64[ns]"))
    gid, index = _combine(codes, labels, [*by, *([PERIOD] if time else [])], len(rows))
    tone = pd.to_numeric(frame["tone"], errors="coerce").to_numpy(dtype=float)[rows]
    table = _aggregate(index, gid, topic_of_row, tone, topics)
    used = {
        name: pd.Categorical.from_codes(c, categories=lab)
        for name, c, lab in zip(by, codes, labels, strict=False)  # codes and labels end with the period
    }
    if time is not None:
        used[PERIOD] = labels[-1][codes[-1]]
    used["topic"] = pd.Categorical.from_codes(topic_of_row, categories=list(topics))
    used["tone"] = tone
    used[ROW] = gid
    used[POSITION] = rows
    blank = int((~predicted).sum())
    return Summary(table, by, time, every if time else None, topics, report, blank, pd.DataFrame(used), frame)


def _dense_unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(values, return_inverse=True) for integers in a modest range, by counting: no sort."""
    if not len(values):
        return values[:0], values[:0]
    low, high = int(values.min()), int(values.max())
    if high - low > 50_000_000:
        distinct, inverse = np.unique(values, return_inverse=True)
        return distinct, inverse.reshape(-1)
    offset = values - low
    present = np.flatnonzero(np.bincount(offset, minlength=high - low + 1))
    remap = np.full(high - low + 1, -1, dtype=np.int64)
    remap[present] = np.arange(len(present))
    return present + low, remap[offset]


def _combine(codes: list[np.ndarray], labels: list[np.ndarray], names: list[str], n: int):
    """One group id per row from several code columns, sorted by them in turn; and the groups' labels."""
    if not codes:
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=range(1 if n else 0))
    key = np.zeros(n, dtype=np.int64)
    for c, lab in zip(codes, labels, strict=True):
        key = key * len(lab) + c
    distinct, gid = _dense_unique(key)
    parts = {}
    rest = distinct
    for name, lab in reversed(list(zip(names, labels, strict=True))):
        parts[name] = lab[rest % len(lab)]
        rest = rest // len(lab)
    return gid.reshape(-1), pd.DataFrame({name: parts[name] for name in names})


def _aggregate(index: pd.DataFrame, gid: np.ndarray, code: np.ndarray, tone: np.ndarray,
               topics: tuple[str, ...]) -> pd.DataFrame:  # fmt: skip
    n_groups = len(index)
    k = len(topics)
    scored = ~np.isnan(tone)
    rows = np.bincount(gid, minlength=n_groups)
    by_topic = np.bincount(gid * k + code, minlength=n_groups * k).reshape(n_groups, k)
    n = np.bincount(gid[scored], minlength=n_groups).astype(float)
    total = np.bincount(gid[scored], weights=tone[scored], minlength=n_groups)
    squares = np.bincount(gid[scored], weights=tone[scored] ** 2, minlength=n_groups)
    cell = gid[scored] * k + code[scored]
    topic_n = np.bincount(cell, minlength=n_groups * k).reshape(n_groups, k)
    topic_total = np.bincount(cell, weights=tone[scored], minlength=n_groups * k).reshape(n_groups, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        sd = np.sqrt(np.clip((squares - n * mean**2) / (n - 1), 0, None))
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        half[n < 2] = np.nan
        shares = by_topic / rows[:, None]
        topic_tone = np.where(topic_n > 0, topic_total / topic_n, np.nan)
    table = index.copy()
    table["rows"] = rows
    for j, name in enumerate(topics):
        table[f"share_{name}"] = shares[:, j]
    table["tone_mean"] = mean
    table["tone_low"] = mean - half
    table["tone_high"] = mean + half
    table["tone_sd"] = sd
    for j, name in enumerate(topics):
        if name != UNCERTAIN:
            table[f"tone_{name}"] = topic_tone[:, j]
    return table


def share_interval(share: np.ndarray, rows: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of a share of `rows` rows (for the plot's bands).

    Examples
    --------
    >>> low, high = share_interval(np.array([0.5]), np.array([100]))
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (0.404, 0.596)
    """
    p = np.asarray(share, dtype=float)
    n = np.asarray(rows, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def trailing_baseline(
    values: np.ndarray, window: int = SPIKE_WINDOW
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point, the median of the `window` points before it, their spread and their number.

    The spread is 1.4826 times the median absolute deviation (MAD) around that median, which
    estimates the standard deviation of normal data without being moved by a few outliers. NaN
    values are skipped; a point with no earlier points gets NaN.

    Examples
    --------
    >>> baseline, spread, history = trailing_baseline(np.array([1.0, 3.0, 2.0, 10.0]), window=3)
    >>> baseline.tolist()[1:], history.tolist()
    ([1.0, 2.0, 2.0], [0, 1, 2, 3])
    """
    x = np.asarray(values, dtype=float)
    padded = np.concatenate([np.full(window, np.nan), x])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)[: len(x)]
    history = (~np.isnan(windows)).sum(axis=1)
    baseline = _row_medians(windows)
    spread = MAD_SCALE * _row_medians(np.abs(windows - baseline[:, None]))
    return baseline, spread, history


def _z(x: np.ndarray, baseline: np.ndarray, spread: np.ndarray, se: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        departure = x - baseline
        return np.where(departure == 0, 0.0, departure / np.sqrt(spread**2 + se**2))


def robust_z(
    values: np.ndarray, se: np.ndarray, window: int = SPIKE_WINDOW
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each point's robust z against the median and MAD of the `window` points before it.

    ``z = (x - median) / sqrt((1.4826 MAD)**2 + se**2)``. Returns the z-scores, the baselines
    (trailing medians) and how many earlier points each had.

    Examples
    --------
    >>> z, base, history = robust_z(np.array([0.2] * 6 + [0.6]), np.full(7, 0.02), window=4)
    >>> round(float(z[-1]), 1), float(base[-1]), int(history[-1])
    (20.0, 0.2, 4)
    """
    baseline, spread, history = trailing_baseline(values, window)
    return (
        _z(np.asarray(values, dtype=float), baseline, spread, np.asarray(se, dtype=float)),
        baseline,
        history,
    )


def _row_medians(values: np.ndarray) -> np.ndarray:
    """Median of each row, skipping NaN (NaN for an all-NaN row); vectorised, unlike np.nanmedian."""
    ordered = np.sort(values, axis=1)  # NaN sort last
    count = (~np.isnan(values)).sum(axis=1)
    rows = np.arange(len(values))
    low = ordered[rows, np.maximum(count - 1, 0) // 2]
    high = ordered[rows, np.minimum(count // 2, values.shape[1] - 1)]
    return np.where(count > 0, (low + high) / 2, np.nan)


def find_spikes(
    summary: Summary,
    window: int = SPIKE_WINDOW,
    threshold: float = SPIKE_THRESHOLD,
    min_history: int = SPIKE_MIN_HISTORY,
    min_rows: int = SPIKE_MIN_ROWS,
    headlines: int = SPIKE_HEADLINES,
    measures: list[str] | None = None,
) -> list[Spike]:
    """Buckets where a topic's share or the mean tone departs from its own trailing baseline.

    The rule is in this module's docstring (a robust z-score on a rolling window of the group's
    previous buckets, with the bucket's own standard error added to the spread).

    Parameters
    ----------
    summary
        A `summarize` result over time (``time`` given).
    window
        Earlier buckets of the same group forming the baseline.
    threshold
        ``|z|`` above which a bucket is a spike.
    min_history
        Fewer earlier buckets than this: no verdict.
    min_rows
        Buckets with fewer rows are never spikes.
    headlines
        How many headlines to attach to each spike: for a share, the bucket's most confident
        headlines of that topic; for the tone, its most negative (a fall) or most positive (a rise).
    measures
        Table columns to test; default every ``share_<topic>`` and ``tone_mean``.

    Returns
    -------
    list of Spike
        Sorted by time, then by ``|z|``, largest first.

    Examples
    --------
    >>> weeks = pd.date_range("2024-01-01", periods=10, freq="W-MON").strftime("%Y-%m-%d")
    >>> topic = [("conflict" if i < (60 if w == 8 else 20) else "other") for w in range(10) for i in range(100)]
    >>> frame = pd.DataFrame({"date": np.repeat(weeks, 100), "topic": topic, "tone": 0.0})
    >>> [(s.period.strftime("%Y-%m-%d"), s.measure) for s in find_spikes(summarize(frame, time="date"))][:2]
    [('2024-02-26', 'share_conflict'), ('2024-02-26', 'share_other')]
    """
    if summary.time is None:
        raise InputError("spikes need a time column: give --time COLUMN")
    table = summary.table
    measures = measures or [*summary.share_columns, TONE_MEASURE]
    groups = (
        table.groupby(list(summary.by), sort=False).indices if summary.by else {(): np.arange(len(table))}
    )
    found: list[tuple[int, str, float, float]] = []
    for positions in groups.values():
        part = table.iloc[positions]
        rows = part["rows"].to_numpy(dtype=float)
        for measure in measures:
            x = part[measure].to_numpy(dtype=float)
            # buckets too small to judge are neither spikes nor part of a baseline
            baseline, spread, history = trailing_baseline(np.where(rows >= min_rows, x, np.nan), window)
            if measure == TONE_MEASURE:
                se = part["tone_sd"].to_numpy(dtype=float) / np.sqrt(rows)
            else:  # a share's standard error, at the mean of its value and its baseline
                middle = (x + np.where(np.isnan(baseline), x, baseline)) / 2
                se = np.sqrt(middle * (1 - middle) / rows)
            z = _z(x, baseline, spread, np.nan_to_num(se))
            hit = (np.abs(z) > threshold) & (history >= min_history) & (rows >= min_rows) & ~np.isnan(x)
            for i in np.flatnonzero(hit):
                found.append((int(positions[i]), measure, float(z[i]), float(baseline[i])))
    if not found:
        return []
    used = summary.rows_used
    members = used[ROW].to_numpy()
    order = np.argsort(members, kind="stable")
    starts = np.searchsorted(members[order], np.arange(len(table) + 1))
    source = summary.source if summary.source is not None else pd.DataFrame(index=range(len(used)))
    confidence = (
        pd.to_numeric(source["topic_confidence"], errors="coerce").to_numpy(dtype=float)
        if "topic_confidence" in source.columns
        else np.full(len(source), np.nan)
    )
    topic = used["topic"].astype(object).to_numpy()
    tone = used["tone"].to_numpy(dtype=float)
    position = used[POSITION].to_numpy()
    chosen = []  # for each spike, the rows (of rows_used) behind it, best first
    for row, measure, z, _ in found:
        members_of_bucket = order[starts[row] : starts[row + 1]]
        if measure == TONE_MEASURE:
            members_of_bucket = members_of_bucket[~np.isnan(tone[members_of_bucket])]
            key = tone[members_of_bucket] * (1 if z < 0 else -1)  # most negative for a fall
        else:
            members_of_bucket = members_of_bucket[topic[members_of_bucket] == measure.removeprefix("share_")]
            key = -confidence[position[members_of_bucket]]  # most confident first, NaN last
        chosen.append(members_of_bucket[np.argsort(key, kind="stable")[:headlines]])
    everyone = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
    texts = _column_at(source, TEXT_COLUMN, position[everyone])  # one take for every spike
    ids = _column_at(source, "id", position[everyone])
    spikes: list[Spike] = []
    offset = 0
    for (row, measure, z, baseline), rows in zip(found, chosen, strict=True):
        record = table.iloc[row]
        evidence = tuple(
            Evidence(headline="" if texts[offset + i] is None else str(texts[offset + i]), topic=str(topic[r]),
                     topic_confidence=float(confidence[position[r]]), tone=float(tone[r]),
                     id=None if ids[offset + i] is None else str(ids[offset + i]))
            for i, r in enumerate(rows)
        )  # fmt: skip
        offset += len(rows)
        spikes.append(Spike(tuple(str(record[c]) for c in summary.by), pd.Timestamp(record[PERIOD]), measure,
                            float(record[measure]), baseline, z, int(record["rows"]), evidence))  # fmt: skip
    return sorted(spikes, key=lambda s: (s.period, -abs(s.z)))


def _column_at(frame: pd.DataFrame, name: str, positions: np.ndarray) -> list:
    if name not in frame.columns:
        return [None] * len(positions)
    values = frame[name].take(positions).tolist()
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in values]


def spikes_table(spikes: list[Spike], by: tuple[str, ...] = (), with_headlines: bool = True) -> pd.DataFrame:
    """Spikes as a frame: one row per spike, or with `with_headlines` one row per headline behind it.

    Examples
    --------
    >>> spikes_table([], by=("country",)).columns.tolist()[:4]
    ['country', 'period', 'measure', 'direction']
    """
    head = [*by, PERIOD, "measure", "direction", "value", "baseline", "z", "rows"]
    tail = ["rank", "id", TEXT_COLUMN, "topic", "topic_confidence", "tone"] if with_headlines else []
    records = []
    for spike in spikes:
        base = dict(zip(by, spike.group, strict=True))
        base.update({PERIOD: spike.period, "measure": spike.measure, "direction": spike.direction,
                     "value": spike.value, "baseline": spike.baseline, "z": spike.z, "rows": spike.rows})  # fmt: skip
        if not with_headlines:
            records.append(base)
            continue
        for rank, e in enumerate(spike.headlines or (None,), start=1):
            extra = {} if e is None else {"rank": rank, "id": e.id, TEXT_COLUMN: e.headline, "topic": e.topic,
                                          "topic_confidence": e.topic_confidence, "tone": e.tone}  # fmt: skip
            records.append({**base, **extra})
    return pd.DataFrame.from_records(records, columns=head + tail)
