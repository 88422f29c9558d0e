"""Nothing lost: outputs never overwrite what a command reads, empty inputs give valid files, and
every written file has the mode the umask says, like any Unix tool's."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.config import PREDICTION_COLUMNS

runner = CliRunner()
OUTPUT_COLUMNS = ["id", "headline", *PREDICTION_COLUMNS]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


@pytest.mark.parametrize(
    "name,text", [("same.csv", "headline\nRupee gains\n"), ("same.txt", "Rupee gains\n")]
)
def test_output_onto_the_input_is_refused_before_any_work(tiny_model_path, tmp_path, name, text):
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    for output in (src, tmp_path / "." / name):  # the same file, however spelled
        result = run("predict", src, "--model", tiny_model_path, "--output", output)
        assert result.exit_code == 2, result.output
        assert "input" in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert src.read_text(encoding="utf-8") == text


def test_output_through_a_link_to_the_input_is_refused(tiny_model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("headline\nRupee gains\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    result = run("predict", src, "--model", tiny_model_path, "--output", link)
    assert result.exit_code == 2 and src.read_text(encoding="utf-8") == "headline\nRupee gains\n"


def test_output_onto_the_model_is_refused(tiny_model_path, tmp_path):
    model = tmp_path / "copy.model"
    model.write_bytes(tiny_model_path.read_bytes())
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    result = run("predict", src, "--model", model, "--output", model)
    assert result.exit_code == 2 and "--model" in result.stderr
    assert model.read_bytes() == tiny_model_path.read_bytes()


def test_train_and_evaluate_never_write_over_their_inputs(tiny_corpus_path, tiny_model_path, tmp_path):
    data = tmp_path / "corpus.csv"
    data.write_bytes(tiny_corpus_path.read_bytes())
    result = run("train", "--data", data, "--model", data)
    assert result.exit_code == 2 and data.read_bytes() == tiny_corpus_path.read_bytes()
    for target in (data, tiny_model_path):
        before = Path(target).read_bytes()
        result = run("evaluate", "--data", data, "--model", tiny_model_path, "--json", target)
        assert result.exit_code == 2 and Path(target).read_bytes() == before
    errors = tmp_path / "rep" / "errors.csv"
    errors.parent.mkdir()
    errors.write_text("headline,topic\nRupee gains,markets\n", encoding="utf-8")
    result = run("evaluate", "--data", errors, "--model", tiny_model_path, "--report", errors.parent)
    assert result.exit_code == 2 and errors.read_text(encoding="utf-8").startswith("headline,topic")


@pytest.mark.parametrize("source", ["h.csv", "e.txt", "e.jsonl"])
@pytest.mark.parametrize("fmt", ["parquet", "csv", "tsv", "jsonl"])
def test_empty_input_gives_a_valid_empty_file(tiny_model_path, tmp_path, source, fmt):
    src = tmp_path / source
    src.write_text("id,headline\n" if source.endswith(".csv") else "", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = run("predict", src, "--model", tiny_model_path, "--output", out)
    assert result.exit_code == 0, result.output
    if fmt == "parquet":
        table = pq.read_table(out)
        assert table.num_rows == 0 and table.column_names == OUTPUT_COLUMNS
        assert str(table.schema.field("tone").type) == "double"
    elif fmt == "jsonl":
        assert out.read_text(encoding="utf-8") == ""  # no record; a valid JSON Lines file
    else:
        sep = "\t" if fmt == "tsv" else ","
        frame = pd.read_csv(out, sep=sep)
        assert list(frame.columns) == OUTPUT_COLUMNS and len(frame) == 0


def test_empty_input_gives_a_header_on_stdout(tiny_model_path):
    result = run("predict", "-", "--model", tiny_model_path, input="")
    assert result.exit_code == 0 and result.stdout.splitlines() == [",".join(OUTPUT_COLUMNS)]


@pytest.fixture
def umask():
    def set_to(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    yield set_to
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
def test_written_files_respect_the_umask(tiny_corpus_path, tiny_model_path, tmp_path, umask, mask):
    umask(mask)
    expected = 0o666 & ~mask
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        assert run("predict", src, "--model", tiny_model_path, "--output", out).exit_code == 0
        assert _mode(out) == expected, f"{fmt}: {oct(_mode(out))}"
    model = tmp_path / "m.model"
    assert run("train", "--data", tiny_corpus_path, "--model", model).exit_code == 0
    assert _mode(model) == expected and _mode(model.with_suffix(".card.md")) == expected
    data = tmp_path / "e.csv"
    data.write_text(
        "headline,topic,tone\nRupee gains,markets,0.5\nTroops fire,conflict,-0.5\n", encoding="utf-8"
    )
    result = run("evaluate", "--data", data, "--model", model, "--report", tmp_path / "rep", "--json",
                 tmp_path / "m.json")  # fmt: skip
    assert result.exit_code == 0, result.output
    for written in [tmp_path / "m.json", *(tmp_path / "rep").iterdir()]:
        assert _mode(written) == expected, f"{written.name}: {oct(_mode(written))}"


def test_overwriting_keeps_the_mode_of_the_file_replaced(tiny_model_path, tmp_path, umask):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert run("predict", src, "--model", tiny_model_path, "--output", out).exit_code == 0
    assert _mode(out) == 0o640 and out.read_text(encoding="utf-8").startswith("id,")


@pytest.fixture
def full_disk(tmp_path) -> Path:
    """A path whose writes fail with ENOSPC: a link to /dev/full (a tool that replaced the link by a
    file would only replace the link, never the device)."""
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full (Linux)")
    link = tmp_path / "full.out"
    link.symlink_to("/dev/full")
    return link


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_a_full_disk_is_one_line_and_exit_5(tiny_model_path, tmp_path, full_disk, fmt):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"Rupee gains {i}\n" for i in range(3000)), encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--output", full_disk, "--format", fmt)
    assert result.exit_code == 5, result.output
    assert result.stderr == f"error: {full_disk}: the disk is full (No space left on device)\n"


def test_a_device_or_pipe_output_is_written_in_place(tiny_model_path, tmp_path):
    import threading

    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("predict", src, "--model", tiny_model_path, "--output", fifo, "--format", "csv")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still the pipe, not a file put in its place
    assert received and received[0].startswith(b"id,headline")


def test_a_full_disk_while_saving_a_model_leaves_nothing(tiny_corpus_path, tmp_path, monkeypatch):
    import errno
    import zipfile

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    model = tmp_path / "m.model"
    result = run("train", "--data", tiny_corpus_path, "--model", model)
    assert result.exit_code == 5 and "the disk is full" in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_evaluate_json_on_a_full_disk(tiny_model_path, tmp_path, full_disk):
    data = tmp_path / "e.csv"
    data.write_text("headline,topic\nRupee gains,markets\n", encoding="utf-8")
    result = run("evaluate", "--data", data, "--model", tiny_model_path, "--json", full_disk)
    assert result.exit_code == 5 and f"{full_disk}: the disk is full" in result.stderr


def test_jsonl_output_of_known_words_is_an_integer(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--format", "jsonl")
    record = json.loads(io.StringIO(result.stdout).readline())
    assert record["known_words"] == 2
