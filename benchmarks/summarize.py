"""How long `headlines summarize` takes on 1,000,000 predicted rows (target: under 5 seconds).

Builds a predictions file as `headlines predict` writes it, with the outlet, country and date
columns kept: headlines resampled from the shipped corpus, 40 outlets in three countries, dates
over three years written as ISO dates, topics, confidences and tones drawn at random. Then times,
for Parquet and for CSV input:
- the library: reading the needed columns, `summarize` and `find_spikes` (each step and in all);
- the command, end to end in a fresh process (start-up included, and measured alone as
  `headlines --version`: the command line imports scikit-learn and skops for its other commands):
  `headlines summarize FILE --by country --time date --every week --spikes --output OUT.csv`.

Usage: .venv/bin/python benchmarks/summarize.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import TOPICS
from classifier.trends.files import read_predictions
from classifier.trends.summary import find_spikes, summarize

ROOT = Path(__file__).resolve().parents[1]


def build(rows: int, seed: int = 11) -> pd.DataFrame:
    """A predictions frame of `rows` rows with kept input columns."""
    rng = np.random.default_rng(seed)
    corpus = pd.read_csv(ROOT / "data" / "headlines.csv", usecols=["headline"], dtype=str)["headline"]
    outlets = [f"outlet {i:02d}" for i in range(40)]
    country_of = {o: ("PK", "IN", "LK")[i % 3] for i, o in enumerate(outlets)}
    outlet = rng.choice(outlets, rows)
    days = pd.date_range("2023-01-01", "2025-12-31").strftime("%Y-%m-%d").to_numpy()
    probabilities = rng.dirichlet(np.ones(len(TOPICS)) * 0.3, rows)
    topic = np.asarray(TOPICS)[probabilities.argmax(axis=1)]
    frame = pd.DataFrame({
        "id": np.arange(1, rows + 1).astype(str),
        "headline": corpus.sample(n=rows, replace=True, random_state=seed).to_numpy(),
        "outlet": outlet,
        "country": pd.Series(outlet).map(country_of).to_numpy(),
        "date": rng.choice(days, rows),
        "topic": topic,
        "topic_confidence": probabilities.max(axis=1).round(5),
        "tone": rng.uniform(-1, 1, rows).round(5),
    })  # fmt: skip
    for i, name in enumerate(TOPICS):
        frame[f"p_{name}"] = probabilities[:, i].round(5)
    frame["tone_label"] = np.where(
        frame["tone"] < -0.25, "negative", np.where(frame["tone"] > 0.25, "positive", "neutral")
    )
    return frame


def time_library(path: Path, by: tuple[str, ...], every: str) -> dict[str, float]:
    started = time.perf_counter()
    frame = read_predictions(path, [*by, "date", "topic", "tone"])
    read = time.perf_counter()
    summary = summarize(frame, by=by, time="date", every=every)
    summed = time.perf_counter()
    spikes = find_spikes(summary)
    done = time.perf_counter()
    return {"read": read - started, "summarize": summed - read, "spikes": done - summed, "total": done - started,
            "buckets": len(summary.table), "spikes found": len(spikes)}  # fmt: skip


def time_startup() -> float:
    """Seconds for `headlines --version`: importing the command line (scikit-learn, skops) and exiting."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "classifier", "--version"], check=True, capture_output=True)
    return time.perf_counter() - started


def time_command(path: Path, out: Path) -> float:
    command = [sys.executable, "-m", "classifier", "summarize", str(path), "--by", "country", "--time", "date",
               "--every", "week", "--spikes", "--output", str(out)]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        frame = build(args.rows)
        files = {"parquet": folder / "predicted.parquet", "csv": folder / "predicted.csv"}
        frame.to_parquet(files["parquet"], index=False)
        frame.to_csv(files["csv"], index=False)
        del frame
        print(
            f"{args.rows:,} predicted rows, {len(TOPICS)} topics, 40 outlets in 3 countries, 3 years of dates"
        )
        print("| input | grouping | read s | summarize s | spikes s | library total s | buckets | spikes |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for fmt, path in files.items():
            for by, every in ((("country",), "week"), (("outlet",), "day")):
                t = time_library(path, by, every)
                print(f"| {fmt} | {', '.join(by)} by {every} | {t['read']:.2f} | {t['summarize']:.2f} | "
                      f"{t['spikes']:.2f} | **{t['total']:.2f}** | {t['buckets']:,} | {t['spikes found']} |", flush=True)  # fmt: skip
        startup = min(time_startup() for _ in range(3))
        for fmt, path in files.items():
            seconds = time_command(path, folder / "summary.csv")
            print(f"`headlines summarize` on {fmt}, country by week with spikes, in a fresh process: {seconds:.2f} s "
                  f"(of which {startup:.2f} s start-up: `headlines --version` takes that)")  # fmt: skip


if __name__ == "__main__":
    main()
