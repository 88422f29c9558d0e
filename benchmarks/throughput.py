"""Throughput and memory of `headlines predict` against VADER, on the same rows in the same run.

Builds files of N rows (200,000 and 1,000,000 by default) by resampling the shipped corpus, then
times, start-up included on both sides:
- `headlines predict FILE --output OUT.csv` (CSV in, CSV out, topic and tone, all cores);
- a fresh Python process that starts VADER and runs `polarity_scores` over the same headlines,
  read from the same file with the csv module (one core, as the library is used).
Peak memory is the largest total of the predict process and its workers, sampled every 20 ms, at
100,000 rows and at N rows. Forked workers share the parent's pages (the model, the libraries), so
each process counts its proportional share (PSS, from /proc/PID/smaps_rollup) where the OS gives
it; summing plain resident sizes would count shared pages once per process. Targets (issue "Predict millions of headlines fast"):
predict at least 2x VADER's rows per second (3x in "A library first"); peak memory at N rows at most
1.3x that at 100,000 rows and under 500 MB.

Usage: .venv/bin/python benchmarks/throughput.py [--rows 200000 1000000] [--model models/headlines.model]
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


VADER = (
    "import csv, sys\n"
    "from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer\n"
    "analyser = SentimentIntensityAnalyzer()\n"
    "with open(sys.argv[1], encoding='utf-8', newline='') as fh:\n"
    "    for row in csv.DictReader(fh):\n"
    "        analyser.polarity_scores(row['headline'])\n"
)


def run_vader(source: Path) -> float:
    """Seconds for a fresh process that starts VADER and scores every headline of the same file."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", VADER, str(source)], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    args = parser.parse_args()
    if not args.model.exists():
        raise SystemExit(f"{args.model}: no model; run `make train` first")
    print(f"cores: {psutil.cpu_count()}  start-up included on both sides; memory also at 100,000 rows\n")
    print("| rows | predict rows/s | VADER rows/s | ratio | predict peak MB |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small.csv"
        build_input(small, 100_000)
        _, small_peak = run_predict(args.model, small, Path(folder) / "small_out.csv")
        peaks = []
        for rows in args.rows:
            big = Path(folder) / f"{rows}.csv"
            build_input(big, rows)
            predict_seconds, peak = run_predict(args.model, big, Path(folder) / "out.csv")
            with open(Path(folder) / "out.csv", encoding="utf-8") as fh:
                out_rows = sum(1 for _ in fh) - 1
            if out_rows != rows:
                raise SystemExit(f"row count mismatch: {out_rows} written for {rows} read")
            vader_seconds = run_vader(big)
            peaks.append(peak)
            print(f"| {rows:,} | {rows / predict_seconds:,.0f} | {rows / vader_seconds:,.0f} | "
                  f"{vader_seconds / predict_seconds:.2f}x | {peak:.0f} |", flush=True)  # fmt: skip
    growth = max(peaks) / small_peak
    print(
        f"\npeak memory: {small_peak:.0f} MB at 100,000 rows, at most {max(peaks):.0f} MB above; growth "
        f"{growth:.2f}x (target <= 1.3x: {'met' if growth <= 1.3 else 'NOT met'}); under 500 MB: "
        f"{'met' if max(peaks) < 500 else 'NOT met'}; targets: ratio >= 2x (semantic view issue), >= 3x (library issue)"
    )


if __name__ == "__main__":
    main()
