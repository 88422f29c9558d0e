"""Cold start of `headlines predict` against VADER's: wall time and peak memory, same headlines, same run.

For 1, 100 and 10,000 headlines (resampled from the shipped corpus, one a line), each tool starts
as a fresh process reading the headlines from standard input and writing its answers to standard
output, as `echo "..." | headlines predict -` does:
- `python -m classifier predict - --model MODEL` (topic, probabilities and tone, CSV out);
- a Python process that imports vaderSentiment, builds its analyser and prints the compound score
  of each line (tone only).
Each is run 5 times; the median wall time and the median peak resident memory (the process's own
maximum RSS, from wait4) are printed with the ratios. Targets (issue "A library first"): one
headline in at most 0.3 s and 100 MB.

Usage: .venv/bin/python benchmarks/startup.py [--model models/headlines.model] [--repeats 5]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (1, 100, 10_000)
VADER = (
    "import sys\n"
    "from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer\n"
    "analyser = SentimentIntensityAnalyzer()\n"
    "out = sys.stdout.write\n"
    "for line in sys.stdin:\n"
    "    out(f\"{analyser.polarity_scores(line.rstrip(chr(10)))['compound']}\\n\")\n"
)


def headlines(n: int, seed: int = 7) -> list[str]:
    """`n` headlines drawn from the shipped corpus (the first one is the issue's example)."""
    with open(ROOT / "data" / "headlines.csv", encoding="utf-8", newline="") as fh:
        corpus = [row["headline"] for row in csv.DictReader(fh)]
    picked = random.Random(seed).choices(corpus, k=n)
    picked[0] = "KSE-100 plunges 2,000 points as rupee slides"
    return picked


def run(command: list[str], source: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and output lines of one cold run reading `source` on stdin."""
    with open(source, "rb") as stdin, tempfile.TemporaryFile() as stdout:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdin=stdin, stdout=stdout, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed: {proc.stderr.read().decode()}")
        stdout.seek(0)
        lines = sum(1 for _ in stdout)
    return seconds, usage.ru_maxrss / 1024, lines


def median_run(command: list[str], source: Path, repeats: int) -> tuple[float, float, int]:
    runs = [run(command, source) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs), runs[0][2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not args.model.exists():
        raise SystemExit(f"{args.model}: no model; run `make train` first")
    ours = [sys.executable, "-m", "classifier", "predict", "-", "--model", str(args.model), "--quiet"]
    vader = [sys.executable, "-c", VADER]
    print(f"cores: {os.cpu_count()}  median of {args.repeats} cold runs; stdin in, stdout out\n")
    print("| headlines | predict s | predict MB | VADER s | VADER MB | time ratio | memory ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    first = None
    with tempfile.TemporaryDirectory() as folder:
        for n in SIZES:
            source = Path(folder) / f"{n}.txt"
            source.write_text("\n".join(headlines(n)) + "\n", encoding="utf-8")
            seconds, memory, lines = median_run(ours, source, args.repeats)
            if lines != n + 1:  # a header, then one row a headline
                raise SystemExit(f"predict wrote {lines - 1} rows for {n} headlines")
            v_seconds, v_memory, _ = median_run(vader, source, args.repeats)
            first = first or (seconds, memory)
            print(f"| {n:,} | {seconds:.2f} | {memory:.0f} | {v_seconds:.2f} | {v_memory:.0f} | "
                  f"{seconds / v_seconds:.1f}x | {memory / v_memory:.1f}x |")  # fmt: skip
    seconds, memory = first
    print(f"\none headline: {seconds:.2f} s (target <= 0.3 s: {'met' if seconds <= 0.3 else 'NOT met'}), "
          f"{memory:.0f} MB (target <= 100 MB: {'met' if memory <= 100 else 'NOT met'})")  # fmt: skip


if __name__ == "__main__":
    main()
