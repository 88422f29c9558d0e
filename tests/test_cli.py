"""The command line through typer's CliRunner: formats, stdin, order, ids, errors and exit codes."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.config import PREDICTION_COLUMNS

runner = CliRunner()
OUTPUT_COLUMNS = ["id", "headline", *PREDICTION_COLUMNS]


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def test_every_command_has_help_with_an_example():
    for command in ("train", "evaluate", "predict"):
        result = run(command, "--help")
        assert result.exit_code == 0, result.output
        assert "Example:" in result.output


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("headlines ")


def test_train_prints_heldout_figures_and_writes_model_and_card(tiny_corpus_path, tmp_path):
    model = tmp_path / "out" / "m.model"
    result = run("train", "--data", tiny_corpus_path, "--model", model)
    assert result.exit_code == 0, result.output
    assert "held-out figures" in result.output
    assert "macro-F1" in result.output and "Pearson" in result.output
    assert "What the model says" in result.output
    assert model.exists() and model.with_suffix(".card.md").exists()


def test_train_leaves_the_semantic_view_out_unless_given_a_weight(tiny_corpus_path, tmp_path):
    from classifier.model.files import load_model

    plain, with_view = tmp_path / "plain.model", tmp_path / "view.model"
    assert run("train", "--data", tiny_corpus_path, "--model", plain).exit_code == 0
    result = run("train", "--data", tiny_corpus_path, "--model", with_view, "--semantic-weight", "0.25")
    assert result.exit_code == 0, result.output
    assert load_model(plain).semantic is None
    fitted = load_model(with_view)
    assert fitted.semantic is not None and fitted.semantic.weight == 0.25
    assert fitted.card["params"]["semantic_weight"] == 0.25
    refused = run(
        "train", "--data", tiny_corpus_path, "--model", tmp_path / "x.model", "--semantic-weight", "-1"
    )
    assert refused.exit_code == 2 and not (tmp_path / "x.model").exists()


def test_train_on_bad_corpus_lists_problems_and_fails(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("id,headline,topic,tone\n1,,markets,0.5\n2,Talks,sport,3\n", encoding="utf-8")
    result = run("train", "--data", bad, "--model", tmp_path / "m.model")
    assert result.exit_code == 3
    assert "row 1, column 'headline': empty headline" in result.output
    assert "row 2, column 'topic'" in result.output and "row 2, column 'tone'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "m.model").exists()


def predict_csv(model_path, *args, input=None) -> pd.DataFrame:
    result = run("predict", *args, "--model", model_path, input=input)
    assert result.exit_code == 0, result.output
    return pd.read_csv(io.StringIO(result.stdout), dtype={"id": str}, keep_default_na=False)


def test_predict_stdin_keeps_every_row_in_order(tiny_model_path):
    lines = ["Rupee slides against dollar", "", "Troops trade fire along LoC", "PCB names squad"]
    result = run("predict", "-", "--model", tiny_model_path, input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), dtype={"id": str}, keep_default_na=False)
    assert list(frame.columns) == OUTPUT_COLUMNS
    assert frame["id"].tolist() == ["1", "2", "3", "4"]
    assert frame["headline"].tolist() == lines
    assert frame.loc[1, "topic"] == "" and frame.loc[0, "topic"] != ""
    assert "1 blank headline(s)" in result.stderr


def test_predict_csv_with_ids_and_named_column(tiny_model_path, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,title\nz1,Gold slips\nz0,Blast kills 12 in Quetta\n", encoding="utf-8")
    frame = predict_csv(tiny_model_path, src, "--column", "title")
    assert frame["id"].tolist() == ["z1", "z0"]
    assert frame["tone"].between(-1, 1).all()


@pytest.mark.parametrize("suffix", [".txt", ".tsv", ".jsonl", ".parquet"])
def test_predict_each_input_format(tiny_model_path, tmp_path, suffix):
    texts = ["Rupee gains", "Army retaliates after raid", "Film breaks records"]
    src = tmp_path / f"in{suffix}"
    if suffix == ".txt":
        src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    elif suffix == ".tsv":
        pd.DataFrame({"headline": texts}).to_csv(src, sep="\t", index=False)
    elif suffix == ".jsonl":
        src.write_text("".join(json.dumps({"headline": t}) + "\n" for t in texts), encoding="utf-8")
    else:
        pd.DataFrame({"headline": texts}).to_parquet(src)
    frame = predict_csv(tiny_model_path, src)
    assert frame["headline"].tolist() == texts
    assert frame["id"].tolist() == ["1", "2", "3"]


@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "tsv", "csv"])
def test_predict_output_formats_to_file(tiny_model_path, tmp_path, fmt):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\nGold slips\n", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = run("predict", src, "--model", tiny_model_path, "--output", out)
    assert result.exit_code == 0, result.output
    frame = {
        "jsonl": lambda: pd.read_json(out, lines=True, dtype={"id": str}),
        "parquet": lambda: pd.read_parquet(out),
        "tsv": lambda: pd.read_csv(out, sep="\t", dtype={"id": str}),
        "csv": lambda: pd.read_csv(out, dtype={"id": str}),
    }[fmt]()
    assert list(frame.columns) == OUTPUT_COLUMNS
    assert frame["headline"].tolist() == ["Rupee gains", "Gold slips"]


def test_predict_table_format(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--format", "table")
    assert result.exit_code == 0
    assert "tone_label" in result.stdout and "Rupee gains" in result.stdout


def test_python_dash_m_entry_point(tiny_model_path):
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "classifier", "predict", "-", "--model", str(tiny_model_path)],
        input="Rupee gains\n", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("id,headline,topic")


@pytest.mark.parametrize(
    "make_input,code,message",
    [
        (lambda d: d / "missing.txt", 2, "no such file"),
        (lambda d: _write(d / "x.csv", "title\nRupee\n"), 2, "no column 'headline'"),
        (lambda d: _write_bytes(d / "x.txt", b"ok\n\xff\xfe\xfa bad\n"), 2, "not valid utf-8 text at byte 3"),
        (lambda d: _write(d / "x.csv", ""), 2, "the file is empty"),
        (lambda d: _write(d / "x.docx", "hi"), 2, "unknown file type"),
    ],
)
def test_predict_bad_input_is_one_line_and_exit_code(tiny_model_path, tmp_path, make_input, code, message):
    src = make_input(tmp_path)
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == code
    assert message in result.stderr
    assert str(src) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_predict_with_missing_or_foreign_model(tmp_path):
    src = _write(tmp_path / "x.txt", "Rupee gains\n")
    result = run("predict", src, "--model", tmp_path / "none.model")
    assert result.exit_code == 4 and "no model file here" in result.stderr
    foreign = _write(tmp_path / "foreign.model", "not a model")
    result = run("predict", src, "--model", foreign)
    assert result.exit_code == 4 and "not a headlines model file" in result.stderr


def test_predict_output_into_missing_folder_fails_first(tiny_model_path, tmp_path):
    src = _write(tmp_path / "x.txt", "Rupee gains\n")
    result = run("predict", src, "--model", tiny_model_path, "--output", tmp_path / "no" / "o.csv")
    assert result.exit_code == 5 and "does not exist" in result.stderr


def test_evaluate_prints_and_writes_json(tiny_model_path, tmp_path):
    data = _write(
        tmp_path / "e.csv", "headline,topic,tone\nRupee gains,markets,0.5\nTroops trade fire,conflict,-0.5\n"
    )
    out = tmp_path / "m.json"
    result = run("evaluate", "--data", data, "--model", tiny_model_path, "--json", out)
    assert result.exit_code == 0, result.output
    assert "topic: accuracy" in result.stdout and "confusion" in result.stdout
    metrics = json.loads(out.read_text())
    assert metrics["topic"]["rows"] == 2 and "tone" in metrics
    assert metrics["data"]["sha256"]


def test_evaluate_warns_on_training_data(tiny_model_path, tiny_corpus_path):
    result = run("evaluate", "--data", tiny_corpus_path, "--model", tiny_model_path)
    assert result.exit_code == 0
    assert "own training data" in result.stderr


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _write_bytes(path, data):
    path.write_bytes(data)
    return path


def test_check_corpus_reports_and_fails_below_floors(tiny_corpus_path):
    result = run("check-corpus", "--data", tiny_corpus_path)
    assert result.exit_code == 3
    assert "topic by tone" in result.stdout
    assert "fewer than" in result.stderr


def test_predict_table_format_refuses_a_file(tiny_model_path, tmp_path):
    src = _write(tmp_path / "x.txt", "Rupee gains\n")
    result = run(
        "predict", src, "--model", tiny_model_path, "--format", "table", "--output", tmp_path / "o.txt"
    )
    assert result.exit_code == 5 and "table format is for a terminal" in result.stderr


def test_predict_explain_min_confidence_and_jobs(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"Rupee slides {i}\n" for i in range(30)), encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--explain", "2", "--min-confidence", "0.99",
                 "--jobs", "2", "--quiet")  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert len(frame) == 30 and set(frame["topic"]) == {"uncertain"}
    assert json.loads(frame.loc[0, "tone_reasons"])[0][0]


def test_progress_only_on_a_terminal(monkeypatch):
    from rich.console import Console

    from classifier import cli

    monkeypatch.setattr(cli, "err", Console(stderr=True, force_terminal=False))
    assert cli._progress(quiet=False) is None
    monkeypatch.setattr(cli, "err", Console(stderr=True, force_terminal=True))
    assert cli._progress(quiet=True) is None
    assert cli._progress(quiet=False) is not None


def _help(*command: str) -> str:
    return runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"}).output


def test_help_reads_plainly():
    predict_help = _help("predict")
    usage = next(line for line in predict_help.splitlines() if "Usage:" in line)
    assert "INPUT" in usage and "{" not in usage  # not typer's "{input}"
    for command in ((), ("predict",), ("evaluate",), ("train",), ("check-corpus",)):
        text = _help(*command)
        assert "<bool>" not in text, command  # a flag takes no value
    jobs = next(line for line in predict_help.splitlines() if "--jobs" in line)
    assert jobs.count("default") == 1  # one default, not "(default: all cores) [default: 2]"


def test_evaluate_help_names_every_dataset_format():
    from classifier.config import DATASET_FORMATS

    text = " ".join(_help("evaluate").split())
    for fmt in DATASET_FORMATS:
        assert fmt in text, fmt


def test_help_lists_the_exit_codes_and_offers_completion():
    from classifier.errors import EXIT_CODES

    top = _help()
    assert "--install-completion" in top and "--show-completion" in top
    for command in ((), ("predict",), ("evaluate",), ("train",), ("check-corpus",)):
        text = " ".join(_help(*command).split())
        assert all(f"{code} " in text for code in EXIT_CODES), command
        assert "130 interrupted" in text and "143 terminated" in text
