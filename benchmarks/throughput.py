"""Throughput and memory of `headlines predict` against VADER, on the same rows in the same run.

Builds files of N rows by resampling the shipped corpus, then times:
- `headlines predict FILE --output OUT.csv` (CSV in, CSV out, topic and tone, all cores);
- VADER's `polarity_scores` alone over the same headlines, read from the same file (one core,
  as the library is used).
Peak memory is the largest total of the predict process and its workers, sampled every 20 ms, at
100,000 rows and at N rows. Forked workers share the parent's pages (the model, the libraries), so
each process counts its proportional share (PSS, from /proc/PID/smaps_rollup) where the OS gives
it; summing plain resident sizes would count shared pages once per process. Targets (issue "Predict millions of headlines fast"):
predict at least 2x VADER's rows per second; peak memory at N rows at most 1.3x that at 100,000
rows and under 500 MB.

Usage: .venv/bin/python benchmarks/throughput.py [--rows 1000000] [--model models/headlines.model]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]


def build_input(path: Path, rows: int, seed: int = 7) -> None:
    """Resample the shipped corpus's headlines into a CSV of `rows` rows with ids."""
    corpus = pd.read_csv(ROOT / "data" / "headlines.csv", usecols=["headline"], dtype=str)
    sample = corpus["headline"].sample(n=rows, replace=True, random_state=seed).reset_index(drop=True)
    pd.DataFrame({"id": range(1, rows + 1), "headline": sample}).to_csv(path, index=False)


def _memory(process: psutil.Process) -> int:
    try:
        return process.memory_full_info().pss
    except (AttributeError, psutil.AccessDenied):
        return process.memory_info().rss


def run_predict(model: Path, source: Path, output: Path) -> tuple[float, float]:
    """Seconds and peak resident MB (process tree) of one `headlines predict` run."""
    command = [sys.executable, "-m", "classifier", "predict", str(source), "--model", str(model),
               "--output", str(output), "--quiet"]  # fmt: skip
    started = time.perf_counter()
    proc = psutil.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(_memory(p) for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"predict failed: {proc.stderr.read().decode()}")
    return seconds, peak / 2**20


def run_vader(source: Path) -> float:
    """Seconds for VADER's polarity_scores over the headlines read from the same file."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    started = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    headlines = pd.read_csv(source, usecols=["headline"], dtype=str, keep_default_na=False)["headline"]
    for text in headlines:
        analyzer.polarity_scores(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    args = parser.parse_args()
    if not args.model.exists():
        raise SystemExit(f"{args.model}: no model; run `make train` first")
    with tempfile.TemporaryDirectory() as folder:
        small, big = Path(folder) / "small.csv", Path(folder) / "big.csv"
        tiny = Path(folder) / "one.csv"
        build_input(tiny, 1)
        build_input(small, 100_000)
        build_input(big, args.rows)
        print(f"cores: {psutil.cpu_count()}  rows: {args.rows:,} (and 100,000 for memory)")
        startup_seconds, _ = run_predict(args.model, tiny, Path(folder) / "one_out.csv")
        _, small_peak = run_predict(args.model, small, Path(folder) / "small_out.csv")
        predict_seconds, big_peak = run_predict(args.model, big, Path(folder) / "big_out.csv")
        with open(Path(folder) / "big_out.csv", encoding="utf-8") as fh:
            out_rows = sum(1 for _ in fh) - 1
        vader_seconds = run_vader(big)
    predict_rate, vader_rate = args.rows / predict_seconds, args.rows / vader_seconds
    ratio, growth = predict_rate / vader_rate, big_peak / small_peak
    print(
        f"headlines predict: {predict_rate:>10,.0f} rows/s ({predict_seconds:.1f} s, {out_rows:,} rows written)"
    )
    print(f"  of which start-up (predicting one row): {startup_seconds:.1f} s; "
          f"after it: {args.rows / max(predict_seconds - startup_seconds, 1e-9):,.0f} rows/s")  # fmt: skip
    print(f"VADER alone:       {vader_rate:>10,.0f} rows/s ({vader_seconds:.1f} s)")
    print(f"speed ratio predict/VADER: {ratio:.2f}x (target >= 2.0x): {'met' if ratio >= 2 else 'NOT met'}")
    print(
        f"peak memory of predict: {small_peak:.0f} MB at 100,000 rows, {big_peak:.0f} MB at {args.rows:,} rows"
    )
    print(f"memory growth: {growth:.2f}x (target <= 1.3x): {'met' if growth <= 1.3 else 'NOT met'}; "
          f"under 500 MB: {'met' if big_peak < 500 else 'NOT met'}")  # fmt: skip
    if out_rows != args.rows:
        raise SystemExit(f"row count mismatch: {out_rows} written for {args.rows} read")


if __name__ == "__main__":
    main()
