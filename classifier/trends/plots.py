"""The trends plot: small multiples of each topic's share and the mean tone over time, groups overlaid.

One panel per measure (a topic's share, the share of `uncertain` when present, the mean tone), so
that every panel has its own scale; in each, one line per group (the largest few by rows) with its
95% interval shaded (Wilson for shares, t for the tone) and its spikes ringed. Draws on a matplotlib
Figure without a GUI backend, so notebooks, the command line and reports share it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import SPIKE_MIN_ROWS, TREND_PLOT_GROUPS
from classifier.errors import InputError, missing_extra

try:  # matplotlib comes with the plots extra (and the eval extra)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter
except ImportError:
    raise missing_extra("matplotlib", "plots", "the trends plot") from None
from classifier.trends.summary import PERIOD, TONE_MEASURE, Spike, Summary, share_interval

__all__ = ["BUCKET_DAYS", "COLUMNS", "group_label", "largest_groups", "plot_trends", "save_trends_png"]

COLUMNS = 3


def group_label(by: tuple[str, ...], values: tuple[str, ...]) -> str:
    """A group's name in legends: its values joined, or "all rows"."""
    return " / ".join(values) if by else "all rows"


def largest_groups(summary: Summary, limit: int = TREND_PLOT_GROUPS) -> list[tuple[str, ...]]:
    """The `limit` groups with the most rows, largest first."""
    if not summary.by:
        return [()]
    sizes = summary.table.groupby(list(summary.by), observed=True, sort=False)["rows"].sum()
    top = sizes.sort_values(ascending=False, kind="stable").head(limit).index
    return [tuple(map(str, key)) if isinstance(key, tuple) else (str(key),) for key in top]


def plot_trends(
    summary: Summary,
    spikes: list[Spike] | None = None,
    limit: int = TREND_PLOT_GROUPS,
    title: str | None = None,
    min_rows: int = SPIKE_MIN_ROWS,
) -> Figure:
    """Small multiples of topic shares and mean tone over time, one line per group.

    Parameters
    ----------
    summary
        A `classifier.trends.summary.summarize` result over time.
    spikes
        Spikes to ring (from `find_spikes`); those of groups not drawn are left out.
    limit
        Draw at most this many groups, the largest by rows (the title says so when some are left out).
    title
        The figure's title; default names the grouping and the bucket size.
    min_rows
        Buckets with fewer rows are not drawn (their shares are noise); a gap of more than one
        bucket breaks a line instead of bridging it.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``figure.savefig(path, dpi=120)`` or see `save_trends_png`.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if summary.time is None or PERIOD not in summary.table.columns:
        raise InputError("the trends plot needs buckets over time: give --time COLUMN")
    measures = [*summary.share_columns, TONE_MEASURE]
    rows = math.ceil(len(measures) / COLUMNS)
    figure = Figure(figsize=(5.2 * COLUMNS, 3.6 * rows + 1.1), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, COLUMNS, sharex=True, squeeze=False).ravel()
    groups = sorted(largest_groups(summary, limit))  # colours follow the names, so plots agree
    colours = [f"C{i}" for i in range(len(groups))]
    table = summary.table
    spikes = spikes or []
    for ax, measure in zip(axes, measures, strict=False):
        drawn = []
        for group, colour in zip(groups, colours, strict=True):
            part = _with_gaps(_group_rows(table, summary.by, group), summary.every, min_rows)
            x = part[PERIOD].to_numpy()
            y = part[measure].to_numpy(dtype=float)
            if measure == TONE_MEASURE:
                low, high = part["tone_low"].to_numpy(dtype=float), part["tone_high"].to_numpy(dtype=float)
            else:
                low, high = share_interval(y, part["rows"].to_numpy())
            ax.fill_between(x, low, high, color=colour, alpha=0.18, linewidth=0)
            ax.plot(x, y, color=colour, linewidth=1.4, marker="o" if len(x) <= 15 else None, markersize=3)
            drawn.append(y)
            for spike in spikes:
                if spike.measure == measure and spike.group == group:
                    ax.scatter([spike.period], [spike.value], s=90, facecolors="none", edgecolors="black",
                               linewidths=1.5, zorder=5)  # fmt: skip
        _limits(ax, np.concatenate(drawn) if drawn else np.array([]), measure)
        _label(ax, measure)
    for ax in axes[len(measures) :]:
        ax.set_visible(False)
    for ax in axes:
        locator = AutoDateLocator(minticks=3, maxticks=7)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        ax.tick_params(axis="x", labelbottom=True)
    handles = [
        Line2D(
            [],
            [],
            color=c,
            linewidth=2,
            label=f"{group_label(summary.by, g)} ({_rows(table, summary.by, g):,} rows)",
        )
        for g, c in zip(groups, colours, strict=True)
    ]
    handles.append(Line2D([], [], linestyle="none", marker="o", markersize=9, markerfacecolor="none",
                          markeredgecolor="black", markeredgewidth=1.5, label="spike"))  # fmt: skip
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 4), frameon=False, fontsize=10
    )
    n_groups = table.groupby(list(summary.by), observed=True).ngroups if summary.by else 1
    shown = f" (the {len(groups)} largest of {n_groups} groups)" if n_groups > len(groups) else ""
    by = " and ".join(summary.by) or "all rows"
    figure.suptitle(
        (title or f"Topic shares and mean tone per {summary.every}, by {by}{shown}")
        + "\nbands: 95% intervals (Wilson for shares, t for mean tone); rings: spikes against the trailing baseline; "
        + f"buckets under {min_rows} rows not drawn",
        fontsize=11,
    )
    return figure


def _group_rows(table: pd.DataFrame, by: tuple[str, ...], group: tuple[str, ...]) -> pd.DataFrame:
    mask = np.ones(len(table), dtype=bool)
    for name, value in zip(by, group, strict=True):
        mask &= (table[name].astype(str) == value).to_numpy()
    return table[mask].sort_values(PERIOD)


BUCKET_DAYS = {"day": 1, "week": 7, "month": 31, "quarter": 92, "year": 366}


def _with_gaps(part: pd.DataFrame, every: str | None, min_rows: int) -> pd.DataFrame:
    """A group's buckets with enough rows, and an empty row wherever a bucket is missing, so lines break."""
    part = part[part["rows"] >= min_rows]
    if len(part) < 2 or every not in BUCKET_DAYS:
        return part
    step = np.diff(part[PERIOD].to_numpy()).astype("timedelta64[D]").astype(int)
    gaps = np.flatnonzero(step > BUCKET_DAYS[every])
    if not len(gaps):
        return part
    blanks = pd.DataFrame({PERIOD: part[PERIOD].iloc[gaps].to_numpy() + np.timedelta64(1, "D")})
    return pd.concat([part, blanks], ignore_index=True).sort_values(PERIOD, kind="stable")


def _rows(table: pd.DataFrame, by: tuple[str, ...], group: tuple[str, ...]) -> int:
    return int(_group_rows(table, by, group)["rows"].sum())


def _limits(ax, values: np.ndarray, measure: str) -> None:
    """Fit the y axis to the lines (not to the widest bands of tiny buckets), with a margin."""
    values = values[~np.isnan(values)] if len(values) else values
    if not len(values):
        return
    low, high = float(values.min()), float(values.max())
    pad = max((high - low) * 0.25, 0.02)
    if measure == TONE_MEASURE:
        ax.set_ylim(max(low - pad, -1), min(high + pad, 1))
    else:
        ax.set_ylim(max(low - pad, 0), min(high + pad, 1))


def _label(ax, measure: str) -> None:
    if measure == TONE_MEASURE:
        ax.set_title("mean tone")
        ax.set_ylabel("mean tone (-1 negative, +1 positive)")
        ax.axhline(0, color="grey", linewidth=0.8)
    else:
        ax.set_title(f"{measure.removeprefix('share_')}")
        ax.set_ylabel("share of headlines")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.grid(True, axis="y", color="0.9")


def save_trends_png(path: str | Path, summary: Summary, spikes: list[Spike] | None = None, **kwargs) -> Path:
    """Draw `plot_trends` and write it as a PNG."""
    figure = plot_trends(summary, spikes, **kwargs)
    figure.savefig(path, dpi=110)
    return Path(path)
