"""One line and a documented exit code, never a traceback: each fault a new user met, by name."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import TINY_CORPUS, write_corpus
from typer.testing import CliRunner

from classifier.cli import app
from classifier.model.files import CARD_NAME, PAYLOAD_NAME

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def one_line(result, code: int, *fragments: str) -> None:
    """The exit code, one line on stderr holding every fragment, and no traceback anywhere."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


@pytest.fixture
def headlines(tmp_path) -> Path:
    path = tmp_path / "in.txt"
    path.write_text("Rupee gains\n", encoding="utf-8")
    return path


def rewrite_card(src: Path, dst: Path, card_bytes: bytes, compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(src) as archive:
        payload = archive.read(PAYLOAD_NAME)
    with zipfile.ZipFile(dst, "w", compression=compression) as archive:
        archive.writestr(CARD_NAME, card_bytes)
        archive.writestr(PAYLOAD_NAME, payload)
    return dst


def damaged_deflate(src: Path, dst: Path) -> Path:
    """A model whose card.json inflates with a zlib error (its compressed bytes flipped)."""
    rewrite_card(src, dst, json.dumps({"words": list(range(3000))}).encode())
    data = bytearray(dst.read_bytes())
    with zipfile.ZipFile(dst) as archive:
        info = archive.getinfo(CARD_NAME)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 2, start + 40):
        data[i] ^= 0x5A
    dst.write_bytes(bytes(data))
    return dst


def test_unknown_encoding(tiny_model_path, headlines):
    one_line(run("predict", headlines, "--model", tiny_model_path, "--encoding", "klingon"), 2, "klingon")
    one_line(
        run("predict", headlines, "--model", tiny_model_path, "--encoding", "base64"),
        2,
        "not a text encoding",
    )


def test_model_that_is_a_folder(tmp_path, headlines):
    one_line(run("predict", headlines, "--model", tmp_path), 4, "is a folder")
    one_line(run("evaluate", "--data", headlines, "--model", tmp_path), 4, "is a folder")


def test_model_whose_card_is_damaged_or_a_list(tiny_model_path, tmp_path, headlines):
    damaged = damaged_deflate(tiny_model_path, tmp_path / "zlib.model")
    one_line(run("predict", headlines, "--model", damaged), 4, "damaged")
    listed = rewrite_card(tiny_model_path, tmp_path / "list.model", b"[1, 2, 3]")
    one_line(run("predict", headlines, "--model", listed), 4, "not a headlines model file")
    deep = rewrite_card(tiny_model_path, tmp_path / "deep.model", b"[" * 100_000 + b"]" * 100_000)
    one_line(run("predict", headlines, "--model", deep), 4)


@pytest.fixture
def labelled(tmp_path) -> Path:
    path = tmp_path / "e.csv"
    path.write_text(
        "headline,topic,tone\nRupee gains,markets,0.5\nTroops fire,conflict,-0.5\n", encoding="utf-8"
    )
    return path


def test_report_onto_a_file_or_a_read_only_folder(tiny_model_path, tmp_path, labelled):
    existing = tmp_path / "report.md"
    existing.write_text("mine", encoding="utf-8")
    one_line(run("evaluate", "--data", labelled, "--model", tiny_model_path, "--report", existing), 5,
             "not a folder")  # fmt: skip
    assert existing.read_text(encoding="utf-8") == "mine"
    if Path("/sys").is_dir():  # a read-only mount: permission bits do not stop root, this does
        one_line(run("evaluate", "--data", labelled, "--model", tiny_model_path, "--report", "/sys/rep"), 5)


def test_unreachable_scheduler_is_one_line_with_the_address_after_a_short_wait(tiny_model_path, tmp_path):
    pytest.importorskip("dask.distributed")
    import pandas as pd

    pd.DataFrame({"headline": ["Rupee gains"]}).to_parquet(tmp_path / "a.parquet")
    started = time.monotonic()
    result = run("predict", tmp_path / "*.parquet", "--engine", "dask", "--model", tiny_model_path, "--output",
                 tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "1")  # fmt: skip
    one_line(result, 2, "tcp://127.0.0.1:9", "within 1 s")
    assert time.monotonic() - started < 20
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "rows,fragment",
    [
        (TINY_CORPUS[:3], "training needs at least 2 of every topic"),  # a tiny corpus
        ([r for r in TINY_CORPUS if r[1] != "conflict"] + [TINY_CORPUS[16]], "topic 'conflict': 1 row"),
        ([r for r in TINY_CORPUS if r[1] != "markets"], "topic 'markets': 0 row"),
    ],
    ids=["tiny", "one-row-topic", "missing-topic"],
)
def test_train_on_too_little_data_names_what_is_missing(tmp_path, rows, fragment):
    data = write_corpus(tmp_path / "c.csv", rows)
    result = run("train", "--data", data, "--model", tmp_path / "m.model")
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert fragment in result.stderr and result.stderr.startswith("error: ")
    assert not (tmp_path / "m.model").exists()
    cv = run("evaluate", "--cv", "5", "--data", data)
    assert cv.exit_code == 3 and "Traceback" not in cv.output


def test_train_into_a_folder_under_a_file(tiny_corpus_path, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    one_line(run("train", "--data", tiny_corpus_path, "--model", tmp_path / "afile" / "m.model"), 5)


def test_usage_errors_are_one_line_too(tiny_model_path, headlines):
    one_line(run("predict", headlines, "--jobs", "0"), 2, "--jobs", "predict --help")
    one_line(run("predict", headlines, "--no-such-option"), 2)
    one_line(run("no-such-command"), 2)


def test_a_bug_is_one_line_unless_debugging(tiny_model_path, headlines, monkeypatch):
    from classifier import cli

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli, "predict_to_file", broken)
    monkeypatch.setattr(cli, "_predict_plain", broken)  # the fast path, which a .txt input takes
    one_line(
        run("predict", headlines, "--model", tiny_model_path, "--format", "csv"), 1, "ZeroDivisionError: boom"
    )


assert sys.version_info >= (3, 10)


# Further faults of the same kinds, found while fixing the reported ones.


def test_markup_in_a_path_or_a_headline_is_shown_as_written(tiny_model_path, tmp_path):
    one_line(run("predict", tmp_path / "missing[/].csv", "--model", tiny_model_path), 2, "missing[/].csv")
    src = tmp_path / "mk[b].csv"
    src.write_text("headline\n[bold red]Rupee[/] gains\n[/]broken markup\n", encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--format", "table")
    assert result.exit_code == 0, result.output
    assert "[bold red]Rupee[/]" in result.stdout and "[/]broken" in result.stdout


def test_an_output_link_is_written_through_and_stays_a_link(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    target = tmp_path / "real.csv"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    result = run("predict", src, "--model", tiny_model_path, "--output", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("id,headline")


def _without(package: str, *args: str) -> subprocess.CompletedProcess:
    """Run the command line in a fresh interpreter where `package` cannot be imported."""
    blocker = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name.split('.')[0] == {package!r}: raise ModuleNotFoundError(name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from classifier.cli import app\n"
        f"app({list(args)!r}, prog_name='headlines')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", blocker], capture_output=True, text=True, timeout=300, check=False
    )


def test_a_missing_optional_package_is_exit_code_7_naming_the_extra(
    tiny_model_path, tiny_corpus_path, tmp_path
):
    result = _without("textblob", "evaluate", "--data", str(tiny_corpus_path), "--model", str(tiny_model_path),
                      "--baseline", "textblob")  # fmt: skip
    assert result.returncode == 7, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: the textblob baseline needs textblob, which is not installed: "
        "pip install 'headlines-classifier[eval]'"
    )
    report = tmp_path / "report"
    result = _without("matplotlib", "evaluate", "--data", str(tiny_corpus_path), "--model", str(tiny_model_path),
                      "--report", str(report))  # fmt: skip
    assert (
        result.returncode == 7
        and "headlines-classifier[eval]" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert not result.stdout  # refused before any work


def test_an_unexpected_missing_module_is_exit_code_7_too():
    from classifier.cli import _fail_line
    from classifier.errors import EXIT_CODES

    line, code = _fail_line(ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow"))
    assert code == 7 and code in EXIT_CODES and "pyarrow is not installed" in line
    assert _fail_line(ModuleNotFoundError("x", name="classifier.nope"))[1] == 1  # a bug of ours, not an extra
