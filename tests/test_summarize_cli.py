"""`headlines summarize`: reads what predict writes, prints or writes the table, spikes, plot and report."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.trends.files import read_predictions
from classifier.trends.plots import plot_trends
from classifier.trends.summary import find_spikes, summarize

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def predictions(weeks: int = 14, per_week: int = 100, spike_week: int | None = 11) -> pd.DataFrame:
    """Predictions as predict writes them: PK and IN, 20% conflict a week, 60% in PK's spike week."""
    rng = np.random.default_rng(1)
    rows = []
    for country in ("PK", "IN"):
        for week in range(weeks):
            share = 0.6 if (country, week) == ("PK", spike_week) else 0.2
            for i in range(per_week):
                topic = "conflict" if i < share * per_week else "other"
                day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * week + i % 7)
                rows.append((f"{country}-{week}-{i}", f"{country} synthetic headline {week}/{i}", country,
                             day.strftime("%d %b %Y"), topic, rng.uniform(0.5, 1), -0.5 if topic == "conflict" else 0.1))  # fmt: skip
    return pd.DataFrame(
        rows, columns=["id", "headline", "country", "date", "topic", "topic_confidence", "tone"]
    )


@pytest.fixture
def predicted_csv(tmp_path):
    path = tmp_path / "predicted.csv"
    predictions().to_csv(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_summarize_reads_every_format_predict_writes(tiny_model_path, tmp_path, suffix):
    feed = tmp_path / "feed.csv"
    pd.DataFrame({"date": ["2024-01-01", "2024-01-02", "2024-01-09", ""],
                  "headline": ["Rupee slides", "Troops trade fire along LoC", "Gold slips", "PCB names squad"],
                  "country": ["PK", "IN", "PK", "PK"]}).to_csv(feed, index=False)  # fmt: skip
    out = tmp_path / f"labelled{suffix}"
    assert run("predict", feed, "--model", tiny_model_path, "--output", out).exit_code == 0
    result = run("summarize", out, "--by", "country", "--time", "date", "--every", "week")
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table[["country", "period", "rows"]].values.tolist() == [
        ["IN", "2024-01-01", 1], ["PK", "2024-01-01", 1], ["PK", "2024-01-08", 1]]  # fmt: skip
    assert "1 of 4 rows left out of the time buckets: 1 without a date" in result.stderr


def test_table_columns_output_files_and_overall(predicted_csv, tmp_path):
    out = tmp_path / "summary.parquet"
    result = run("summarize", predicted_csv, "--by", "country", "--time", "date", "--output", out)
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert {"share_conflict", "tone_mean", "tone_low", "tone_high", "tone_conflict", "rows"} <= set(
        table.columns
    )
    assert len(table) == 28 and table["rows"].sum() == 2800
    result = run("summarize", predicted_csv, "--by", "country")
    whole = pd.read_csv(io.StringIO(result.stdout)).set_index("country")
    assert whole.loc["IN", "share_conflict"] == pytest.approx(0.2)
    assert whole.loc["PK", "share_conflict"] == pytest.approx((13 * 20 + 60) / 1400, abs=1e-5)


def test_spikes_are_listed_with_their_headlines(predicted_csv, tmp_path):
    result = run("summarize", predicted_csv, "--by", "country", "--time", "date", "--spikes",
                 "--output", tmp_path / "s.csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "country=PK, 2024-03-18: conflict share 60% against a baseline of 20%" in result.stdout
    # the same week: other's share fell and the tone with it, each spike with its five headlines
    assert "3 spike(s)" in result.stdout and result.stdout.count("PK synthetic headline 11/") == 15
    assert "country=IN" not in result.stdout
    piped = run("summarize", predicted_csv, "--by", "country", "--time", "date", "--spikes")
    assert (
        "conflict share 60%" in piped.stderr and "conflict share 60%" not in piped.stdout
    )  # CSV stays clean
    assert pd.read_csv(io.StringIO(piped.stdout))["rows"].sum() == 2800


def test_no_spikes_on_flat_predictions(tmp_path):
    path = tmp_path / "flat.csv"
    predictions(spike_week=None).to_csv(path, index=False)
    result = run(
        "summarize", path, "--by", "country", "--time", "date", "--spikes", "--output", tmp_path / "o.csv"
    )
    assert result.exit_code == 0 and "no spikes" in result.stdout


def test_plot_and_report(predicted_csv, tmp_path):
    png = tmp_path / "trends.png"
    report = tmp_path / "report"
    result = run("summarize", predicted_csv, "--by", "country", "--time", "date", "--plot", png,
                 "--report", report, "--output", tmp_path / "s.csv")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in report.iterdir()) == [
        "report.md",
        "spikes.csv",
        "summary.csv",
        "trends.png",
    ]
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "![topic shares and mean tone over time](trends.png)" in md
    assert "conflict share 60%" in md and "PK synthetic headline 11/" in md
    assert "95% t intervals" in md and "robust z" in md
    spikes = pd.read_csv(report / "spikes.csv")
    assert set(spikes["measure"]) >= {"share_conflict"} and spikes["headline"].notna().any()


def test_plot_has_a_panel_per_topic_and_tone():
    frame = predictions()
    frame.loc[frame.index[::10], "topic"] = "uncertain"
    summary = summarize(frame, by="country", time="date")
    figure = plot_trends(summary, find_spikes(summary))
    titles = [ax.get_title() for ax in figure.axes if ax.get_visible()]
    assert titles == ["diplomacy", "security", "conflict", "markets", "other", "uncertain", "mean tone"]
    assert all(ax.get_ylabel() for ax in figure.axes if ax.get_visible())


def test_a_folder_of_parts_is_read_whole(tmp_path):
    frame = predictions(weeks=3)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        frame.iloc[i::3].to_parquet(folder / f"part.{i}.parquet")
    read = read_predictions(folder, ["country", "date", "topic", "tone"])
    assert len(read) == len(frame) and read["tone"].dtype == float


@pytest.mark.parametrize(
    "args,message",
    [
        (["--by", "outlet"], "no column 'outlet'"),
        (["--spikes"], "--spikes and --plot need --time"),
        (["--every", "week"], "--every needs --time"),
        (["--output", "summary.xlsx"], "summary.xlsx: write it as .csv or .parquet"),
        (["--time", "headline"], None),  # every date unreadable: summarised, and said so
    ],
)
def test_errors_are_one_line_with_exit_code_2(predicted_csv, args, message):
    result = run("summarize", predicted_csv, *args)
    if message is None:
        assert result.exit_code == 0 and "2,800 with a date that could not be read" in result.stderr
        return
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_missing_file_and_text_input(tmp_path):
    assert run("summarize", tmp_path / "none.csv").exit_code == 2
    txt = tmp_path / "a.txt"
    txt.write_text("Rupee slides\n", encoding="utf-8")
    result = run("summarize", txt)
    assert result.exit_code == 2 and "not plain text" in result.stderr
