"""Throughput and memory of `headlines predict` against VADER, on the same rows in the same run.

Builds files of N rows (200,000 and 1,000,000 by default) by resampling the shipped corpus, then
times, start-up included on both sides:
- `headlines predict FILE --output OUT.csv` (CSV in, CSV out, topic and tone, all cores);
- a fresh Python process that starts VADER and runs `polarity_scores` over the same headlines,
  read from the same file with the csv module (one core, as the library is used).
Each side's time is the median of `--repeats` runs (3 by default) with nothing else watching it.
Peak memory is measured in one more predict run of its own, because sampling memory costs CPU
that the two workers need (reading PSS every 20 ms slowed a 200,000-row run by 15-25% on 2 cores):
the largest total of the predict process and its workers, sampled every 20 ms, at 100,000 rows and
at N rows. Forked workers share the parent's pages (the model, the libraries), so
each process counts its proportional share (PSS, from /proc/PID/smaps_rollup) where the OS gives
it; summing plain resident sizes would count shared pages once per process. Targets (issue "Predict millions of headlines fast"):
predict at least 2x VADER's rows per second (3x in "A library first"); peak memory at N rows at most
1.3x that at 100,000 rows and under 500 MB.

Usage: .venv/bin/python benchmarks/throughput.py [--rows 200000 1000000] [--model models/headlines.model] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
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


def _predict_command(model: Path, source: Path, output: Path) -> list[str]:
    return [sys.executable, "-m", "classifier", "predict", str(source), "--model", str(model),
            "--output", str(output), "--quiet"]  # fmt: skip


def time_predict(model: Path, source: Path, output: Path) -> float:
    """Seconds of one `headlines predict` run, start-up included, not watched."""
    started = time.perf_counter()
    done = subprocess.run(
        _predict_command(model, source, output),
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"predict failed: {done.stderr.decode()}")
    return seconds


def peak_predict(model: Path, source: Path, output: Path) -> float:
    """Peak MB (process tree, PSS where the OS gives it) of one `headlines predict` run, sampled every 20 ms."""
    proc = psutil.Popen(
        _predict_command(model, source, output), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    peak = 0
    while proc.poll() is None:
        try:
            tree = [proc, *proc.children(recursive=True)]
            peak = max(peak, sum(_memory(p) for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.02)
    if proc.returncode != 0:
        raise SystemExit(f"predict failed: {proc.stderr.read().decode()}")
    return peak / 2**20


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


def _runs(seconds: list[float]) -> str:
    return ", ".join(f"{s:.2f}" for s in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per side; the median is reported")
    args = parser.parse_args()
    if not args.model.exists():
        raise SystemExit(f"{args.model}: no model; run `make train` first")
    print(f"cores: {psutil.cpu_count()}  start-up included on both sides; memory also at 100,000 rows\n")
    print(f"median of {args.repeats} timed runs per side; memory from one more, watched, predict run\n")
    print(
        "| rows | predict s (runs) | VADER s (runs) | predict rows/s | VADER rows/s | ratio | predict peak MB |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small.csv"
        build_input(small, 100_000)
        small_peak = peak_predict(args.model, small, Path(folder) / "small_out.csv")
        peaks = []
        for rows in args.rows:
            big = Path(folder) / f"{rows}.csv"
            build_input(big, rows)
            out = Path(folder) / "out.csv"
            predict_runs = [time_predict(args.model, big, out) for _ in range(args.repeats)]
            with open(Path(folder) / "out.csv", encoding="utf-8") as fh:
                out_rows = sum(1 for _ in fh) - 1
            if out_rows != rows:
                raise SystemExit(f"row count mismatch: {out_rows} written for {rows} read")
            vader_runs = [run_vader(big) for _ in range(args.repeats)]
            peak = peak_predict(args.model, big, out)
            peaks.append(peak)
            predict_seconds, vader_seconds = statistics.median(predict_runs), statistics.median(vader_runs)
            print(f"| {rows:,} | {predict_seconds:.2f} ({_runs(predict_runs)}) | {vader_seconds:.2f} ({_runs(vader_runs)}) | "
                  f"{rows / predict_seconds:,.0f} | {rows / vader_seconds:,.0f} | {vader_seconds / predict_seconds:.2f}x | "
                  f"{peak:.0f} |", flush=True)  # fmt: skip
    growth = max(peaks) / small_peak
    print(
        f"\npeak memory: {small_peak:.0f} MB at 100,000 rows, at most {max(peaks):.0f} MB above; growth "
        f"{growth:.2f}x (target <= 1.3x: {'met' if growth <= 1.3 else 'NOT met'}); under 500 MB: "
        f"{'met' if max(peaks) < 500 else 'NOT met'}; targets: ratio >= 2x (semantic view issue), >= 3x (library issue)"
    )


if __name__ == "__main__":
    main()
