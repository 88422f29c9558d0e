"""The benchmark scripts that measure corpus batches run end to end on files the test builds."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from conftest import TINY_CORPUS

from classifier.data.datasets import headline_key

ROOT = Path(__file__).resolve().parents[1]


def test_transfer_adds_batches_in_order_and_scores_only_dev(tmp_path):
    corpus = tmp_path / "corpus.csv"
    with open(corpus, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "headline", "topic", "tone"])
        for i, (text, topic, tone) in enumerate(TINY_CORPUS):
            # every fourth row is batch `late`, the rest `base`: ids are BATCH-NNN as in the corpus
            writer.writerow([f"{'late' if i % 4 == 0 else 'base'}-{i:03d}", text, topic, tone])
    late = sum(1 for i in range(len(TINY_CORPUS)) if i % 4 == 0)
    real = [("Rupee gains against dollar", "markets", 0.5, "dev"), ("Troops trade fire", "conflict", -0.5, "dev"),
            ("Heatwave grips Colombo", "other", -0.5, "dev"), ("Envoy summoned over remarks", "diplomacy", "not a tone", "test")]  # fmt: skip
    pool = tmp_path / "pool.csv"
    pool.write_text(
        "headline,outlet,country\n" + "".join(f"{h},Dawn,PK\n" for h, *_ in real), encoding="utf-8"
    )
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "key,outlet,country,year,topic,topic_alt,tone,split\n"
        + "".join(f"{headline_key(h)},Dawn,PK,2025,{t},,{v},{s}\n" for h, t, v, s in real),
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "transfer.py"), "--data", str(corpus), "--labels", str(labels),
         "--batch", "late"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
        env={**os.environ, "HEADLINES_POOL": str(pool)},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = [
        line.split(" | ") for line in run.stdout.splitlines() if line.startswith("| ") and "---" not in line
    ]
    header, without, added = rows
    assert header[1] == "rows" and header[2] == "topic acc"
    assert without[0] == "| without late" and without[1] == f"{len(TINY_CORPUS) - late:,}"
    assert added[0] == "| + late" and added[1] == f"{len(TINY_CORPUS):,}"
    # the three dev rows only (the frozen test row, whose tone does not parse, is never read)
    for row in (without, added):
        assert abs(float(row[2]) * 3 - round(float(row[2]) * 3)) < 0.01
