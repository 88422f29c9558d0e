"""Ctrl-C, SIGTERM and a closed pipe, on the real command in a process of its own: one line, the
documented exit code, promptly, with no partial or temporary file and no worker left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROWS = 150_000


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / "big.csv"
    words = [
        "rupee",
        "gains",
        "troops",
        "fire",
        "talks",
        "envoy",
        "blast",
        "kills",
        "market",
        "stocks",
        "budget",
        "flood",
        "film",
        "police",
    ]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("id,headline\n")
        fh.writelines(
            f"r{i}," + " ".join(words[(i * k) % len(words)] for k in range(1, 9)) + "\n" for i in range(ROWS)
        )
    return path


def command(*args) -> list[str]:
    return [sys.executable, "-m", "classifier", *map(str, args)]


def _wait_until_busy(process: psutil.Process, folder: Path, timeout: float = 120) -> None:
    """Until the workers run and the temporary output exists: the middle of the work."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if len(process.children()) >= 2 and any(p.name.endswith(".tmp") for p in folder.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError("the run never got going")


@pytest.mark.slow
@pytest.mark.parametrize(
    "fmt,signum,to_group",
    [("parquet", signal.SIGINT, True), ("csv", signal.SIGINT, True), ("parquet", signal.SIGTERM, False),
     ("csv", signal.SIGTERM, False), ("csv", signal.SIGTERM, True)],
    ids=["parquet-ctrl-c", "csv-ctrl-c", "parquet-term", "csv-term", "csv-term-group"],
)  # fmt: skip
def test_a_stopped_run_ends_promptly_with_one_line_and_nothing_left(
    tiny_model_path, big_input, tmp_path, fmt, signum, to_group
):
    out = tmp_path / f"out.{fmt}"
    # A session of its own: Ctrl-C at a terminal signals the whole process group, workers included.
    proc = subprocess.Popen(
        command("predict", big_input, "--model", tiny_model_path, "--output", out, "--jobs", "2", "-q"),
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    _wait_until_busy(parent, tmp_path)
    workers = parent.children()
    time.sleep(0.5)
    os.killpg(proc.pid, signum) if to_group else os.kill(proc.pid, signum)
    stopped = time.monotonic()
    try:
        code = proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise AssertionError("the run hung after the signal") from None
    assert time.monotonic() - stopped < 6
    stderr = proc.stderr.read().decode()
    assert code == 128 + signum
    assert stderr == ("error: interrupted\n" if signum == signal.SIGINT else "error: terminated\n")
    assert list(tmp_path.iterdir()) == []  # neither the output nor its temporary file
    time.sleep(0.2)
    assert not [w for w in workers if w.is_running() and w.status() != psutil.STATUS_ZOMBIE]


def test_a_closed_pipe_ends_quietly_with_exit_0(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"Rupee gains {i}\n" for i in range(30_000)), encoding="utf-8")
    proc = subprocess.Popen(command("predict", src, "--model", tiny_model_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    first = proc.stdout.readline()
    proc.stdout.close()  # what `| head -1` does
    code = proc.wait(timeout=120)
    assert first.startswith(b"id,headline")
    assert code == 0 and proc.stderr.read() == b""


@pytest.mark.parametrize("args", [("--help",), ("predict", "--help"), ("--version",)])
def test_help_into_a_closed_pipe_ends_quietly_too(args):
    proc = subprocess.Popen(command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={
        **os.environ, "COLUMNS": "80"})  # fmt: skip
    proc.stdout.close()  # the reader is gone before the first line
    assert proc.wait(timeout=120) == 0 and proc.stderr.read() == b""
