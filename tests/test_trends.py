"""Trends: summaries of synthetic predictions with known shares and tone, and spikes planted or absent."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import classifier.io.keep
import classifier.trends.summary
from classifier.errors import InputError
from classifier.trends.summary import (
    bucket_start,
    find_spikes,
    parse_dates,
    robust_z,
    spikes_table,
    summarize,
)

WEEKS = 16
PER_WEEK = 200


def synthetic(
    conflict_share: dict[str, float],
    tone: dict[str, float],
    spike: tuple[str, int, float] | None = None,
    seed=0,
) -> pd.DataFrame:
    """Rows per country and week with exact conflict shares and exact mean tones per topic.

    conflict rows have tone tone["conflict"] -+ 0.2 (alternating), the rest tone["other"] -+ 0.2,
    `spike` = (country, week, share) replaces one week's conflict share.
    """
    rng = np.random.default_rng(seed)
    frames = []
    monday = pd.Timestamp("2024-01-01")
    for country, share in conflict_share.items():
        for week in range(WEEKS):
            s = spike[2] if spike and spike[:2] == (country, week) else share
            k = round(PER_WEEK * s)
            topic = ["conflict"] * k + ["other"] * (PER_WEEK - k)
            assert k % 2 == 0  # so that each topic's wiggles cancel out exactly
            base = np.array([tone["conflict"]] * k + [tone["other"]] * (PER_WEEK - k))
            wiggle = np.concatenate([np.tile([-0.2, 0.2], k // 2), np.tile([-0.2, 0.2], (PER_WEEK - k) // 2)])
            days = monday + pd.to_timedelta(7 * week + rng.integers(0, 7, PER_WEEK), unit="D")
            frames.append(pd.DataFrame({
                "country": country,
                "date": days.strftime("%Y-%m-%d"),
                "headline": [f"{country} week {week} row {i}" for i in range(PER_WEEK)],
                "topic": topic,
                "topic_confidence": rng.uniform(0.5, 1.0, PER_WEEK),
                "tone": base + wiggle,
            }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def test_known_shares_and_tone_per_country_and_week():
    frame = synthetic({"PK": 0.3, "IN": 0.1}, {"conflict": -0.6, "other": 0.2})
    summary = summarize(frame, by="country", time="date", every="week")
    table = summary.table
    assert len(table) == 2 * WEEKS
    assert table["country"].tolist() == ["IN"] * WEEKS + ["PK"] * WEEKS  # sorted by group, then time
    assert (table["period"].dt.day_of_week == 0).all()  # weeks start on Monday
    assert (table["rows"] == PER_WEEK).all()
    pk, india = table[table.country == "PK"], table[table.country == "IN"]
    np.testing.assert_allclose(pk["share_conflict"], 0.3)
    np.testing.assert_allclose(india["share_conflict"], 0.1)
    np.testing.assert_allclose(table[summary.share_columns].sum(axis=1), 1.0)
    np.testing.assert_allclose(pk["tone_mean"], 0.3 * -0.6 + 0.7 * 0.2)
    np.testing.assert_allclose(pk["tone_conflict"], -0.6)
    np.testing.assert_allclose(india["tone_other"], 0.2)
    assert (table["tone_low"] <= table["tone_mean"]).all() and (
        table["tone_mean"] <= table["tone_high"]
    ).all()
    assert table["tone_diplomacy"].isna().all() and (table["share_diplomacy"] == 0).all()
    assert summary.dates.undated == 0 and summary.blank == 0


def test_tone_interval_is_a_t_interval():
    tone = np.array([-0.5, 0.0, 0.5, 1.0, 0.25])
    frame = pd.DataFrame({"topic": "other", "tone": tone})
    row = summarize(frame).table.iloc[0]
    half = 2.7764451051977987 * tone.std(ddof=1) / np.sqrt(5)  # t(0.975, 4)
    assert row["tone_low"] == pytest.approx(tone.mean() - half)
    assert row["tone_high"] == pytest.approx(tone.mean() + half)


def test_planted_spike_is_found_with_its_headlines():
    frame = synthetic({"PK": 0.2, "IN": 0.2}, {"conflict": -0.6, "other": 0.1}, spike=("PK", 11, 0.5))
    summary = summarize(frame, by=("country",), time="date")
    spikes = find_spikes(summary)
    conflict = [s for s in spikes if s.measure == "share_conflict"]
    assert [(s.group, s.period) for s in conflict] == [
        (("PK",), pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=11))
    ]
    spike = conflict[0]
    assert (
        spike.direction == "up" and spike.value == pytest.approx(0.5) and spike.baseline == pytest.approx(0.2)
    )
    assert len(spike.headlines) == 5
    assert all(e.topic == "conflict" and e.headline.startswith("PK week 11") for e in spike.headlines)
    confidences = [e.topic_confidence for e in spike.headlines]
    assert confidences == sorted(confidences, reverse=True)
    pk_week = frame[(frame.country == "PK") & frame.headline.str.startswith("PK week 11 ")]
    assert confidences[0] == pytest.approx(pk_week[pk_week.topic == "conflict"].topic_confidence.max())
    # the same week's tone fell with it: more conflict, which is negative here
    assert any(s.measure == "tone_mean" and s.direction == "down" and s.group == ("PK",) for s in spikes)
    assert "PK" in spike.describe(summary.by) and "conflict share 50%" in spike.describe(summary.by)
    table = spikes_table(spikes, summary.by)
    assert {"country", "period", "measure", "z", "headline"} <= set(table.columns)
    assert len(spikes_table(spikes, summary.by, with_headlines=False)) == len(spikes)


def test_no_spike_on_flat_data_exact_or_noisy():
    flat = synthetic({"PK": 0.2, "IN": 0.4}, {"conflict": -0.5, "other": 0.1})
    assert find_spikes(summarize(flat, by="country", time="date")) == []
    rng = np.random.default_rng(3)
    n = 30 * 150
    noisy = pd.DataFrame({
        "date": np.repeat(pd.date_range("2024-01-01", periods=30).strftime("%Y-%m-%d"), 150),
        "topic": rng.choice(["conflict", "markets", "other"], n, p=[0.2, 0.3, 0.5]),
        "tone": rng.normal(0, 0.4, n).clip(-1, 1),
        "topic_confidence": rng.uniform(size=n),
    })  # fmt: skip
    assert find_spikes(summarize(noisy, time="date", every="day")) == []


def test_small_buckets_and_short_history_are_never_spikes():
    frame = synthetic({"PK": 0.2}, {"conflict": -0.5, "other": 0.1}, spike=("PK", 2, 0.9))
    assert find_spikes(summarize(frame, by="country", time="date")) == []  # only 2 earlier weeks
    summary = summarize(synthetic({"PK": 0.2}, {"conflict": -0.5, "other": 0.1}, spike=("PK", 10, 0.9)),
                        by="country", time="date")  # fmt: skip
    assert find_spikes(summary, min_rows=PER_WEEK + 1) == []
    assert find_spikes(summary, threshold=1e9) == []
    assert len(find_spikes(summary)) > 0


def test_robust_z_departure_and_flat_history():
    z, baseline, history = robust_z(np.array([0.2, 0.2, 0.2, 0.2, 0.2]), np.zeros(5), window=3)
    assert np.isnan(baseline[0]) and history.tolist() == [0, 1, 2, 3, 3]
    assert (z[1:] == 0).all()
    z, _, _ = robust_z(np.array([0.0, 0.0, 0.0, 1.0]), np.zeros(4), window=3)
    assert np.isinf(z[-1]) and z[-1] > 0


def test_dates_in_news_formats_and_unreadable_ones_counted():
    values = pd.Series(["2024-03-05", "2024-03-05T23:30:00+05:00", "Tue, 05 Mar 2024 10:22:00 GMT",
                        "March 5, 2024", "5 March 2024", "05/03/2024", "Mar 5, 2024 8:01 PM IST",
                        "2024-03-05T04:00:00Z", "", None, "yesterday", "31/02/2024"])  # fmt: skip
    dates, report = parse_dates(values)
    assert (dates[:8].dt.strftime("%Y-%m-%d") == "2024-03-05").all()
    assert dates[8:].isna().all()
    assert (report.rows, report.missing, report.unparseable) == (12, 2, 2)
    assert report.examples == ("yesterday", "31/02/2024")
    assert "yesterday" in report.message() and "4 of 12 rows" in report.message()
    american, _ = parse_dates(pd.Series(["05/03/2024"]), dayfirst=False)
    assert american[0] == pd.Timestamp("2024-05-03")


def test_undated_blank_and_uncertain_rows_are_counted_not_dropped_silently():
    frame = pd.DataFrame({
        "country": ["PK", "PK", "PK", "IN", "", "PK"],
        "date": ["2024-01-01", "2024-01-02", "not a date", "", "2024-01-03", "2024-01-04"],
        "topic": ["conflict", "uncertain", "other", "markets", "other", None],
        "tone": [-0.5, 0.1, 0.0, 0.2, 0.3, np.nan],
    })  # fmt: skip
    summary = summarize(frame, by="country", time="date", every="month")
    assert summary.blank == 1
    assert (summary.dates.missing, summary.dates.unparseable) == (1, 1)
    assert summary.topics[-1] == "uncertain"
    table = summary.table.set_index("country")
    assert table.loc["PK", "share_uncertain"] == pytest.approx(0.5)
    assert table.loc["(missing)", "rows"] == 1  # an empty group value is a group, not a lost row
    assert sum(summary.table["rows"]) + summary.dates.undated + summary.blank == len(frame)
    notes = " ".join(summary.notes())
    assert "could not be read" in notes and "blank" in notes and "t interval" in notes


def test_buckets_and_no_time():
    d = np.array(["2024-03-10", "2024-03-11", "2024-12-31"], dtype="datetime64[ns]")
    assert bucket_start(d, "week").astype("datetime64[D]").astype(str).tolist() == [
        "2024-03-04", "2024-03-11", "2024-12-30"]  # fmt: skip
    assert bucket_start(d, "quarter").astype("datetime64[D]").astype(str).tolist()[-1] == "2024-10-01"
    frame = synthetic({"PK": 0.25, "IN": 0.5}, {"conflict": -0.5, "other": 0.5})
    overall = summarize(frame, by="country").table
    assert "period" not in overall.columns and overall["rows"].tolist() == [WEEKS * PER_WEEK] * 2
    assert summarize(frame).table["share_conflict"].item() == pytest.approx(0.375)


def test_errors_name_the_problem():
    frame = pd.DataFrame({"topic": ["other"], "tone": [0.0], "date": ["2024-01-01"]})
    with pytest.raises(InputError, match="no column 'outlet'"):
        summarize(frame, by="outlet")
    with pytest.raises(InputError, match="--every needs --time"):
        summarize(frame, every="week")
    with pytest.raises(InputError, match="--every 'fortnight'"):
        summarize(frame, time="date", every="fortnight")
    with pytest.raises(InputError, match="--time"):
        find_spikes(summarize(frame))


def test_million_rows_handled_in_reasonable_time_shape_only():
    # not a timing test (see benchmarks/summarize.py): the same code path on a larger frame
    rng = np.random.default_rng(0)
    n = 200_000
    frame = pd.DataFrame({"country": rng.choice(["PK", "IN", "LK"], n),
                          "date": rng.choice(pd.date_range("2020-01-01", periods=700).strftime("%Y-%m-%d"), n),
                          "topic": rng.choice(["conflict", "other"], n), "tone": rng.uniform(-1, 1, n)})  # fmt: skip
    summary = summarize(frame, by="country", time="date", every="month")
    assert summary.table["rows"].sum() == n and len(summary.table) == 3 * 23


@pytest.mark.parametrize("module", [classifier.trends.summary, classifier.io.keep])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0
