"""Predict keeps the input's other columns: every format, --keep choices, clashes, workers and Dask."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.config import PREDICTION_COLUMNS
from classifier.errors import InputError
from classifier.io.keep import resolve_keep
from classifier.io.readers import input_columns
from classifier.predict.stream import iter_predictions

runner = CliRunner()

FEED = pd.DataFrame(
    {
        "date": ["2024-01-02", "2024-01-03", "", "2024-01-05"],
        "headline": ["Rupee slides against dollar", "Troops trade fire along LoC", "", "PCB names squad"],
        "outlet": ["Dawn", "The Hindu", "Dawn", "Geo News"],
        "url": ["https://a.example/1", "https://b.example/2", "", "https://c.example/4"],
    }
)


def write_feed(path, frame=FEED):
    suffix = path.suffix
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    return path


def read_output(path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    if path.suffix == ".jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    return pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",", dtype=str, keep_default_na=False)


def predict(*args):
    return runner.invoke(app, ["predict", *map(str, args)])


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_format_keeps_all_other_columns_in_order_before_the_predictions(
    tiny_model_path, tmp_path, suffix
):
    src = write_feed(tmp_path / f"feed{suffix}")
    out = tmp_path / f"out{suffix}"
    result = predict(src, "--model", tiny_model_path, "--output", out)
    assert result.exit_code == 0, result.output
    frame = read_output(out)
    assert list(frame.columns) == ["id", "headline", "date", "outlet", "url", *PREDICTION_COLUMNS]
    assert frame["outlet"].tolist() == FEED["outlet"].tolist()
    assert frame["date"].fillna("").tolist() == FEED["date"].tolist()
    assert frame["headline"].tolist() == FEED["headline"].tolist()


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_keep_a_subset_or_none(tiny_model_path, tmp_path, suffix):
    src = write_feed(tmp_path / f"feed{suffix}")
    out = tmp_path / "out.csv"
    assert predict(src, "--model", tiny_model_path, "--output", out, "--keep", "url,date").exit_code == 0
    assert list(read_output(out).columns)[:4] == ["id", "headline", "date", "url"]  # input order
    assert predict(src, "--model", tiny_model_path, "--output", out, "--keep", "none").exit_code == 0
    assert list(read_output(out).columns) == ["id", "headline", *PREDICTION_COLUMNS]


def test_non_text_values_are_kept_as_text(tiny_model_path, tmp_path):
    src = tmp_path / "feed.jsonl"
    records = [{"headline": "Rupee gains", "n": 3, "share": 0.5, "tags": ["a", "b"], "ok": True},
               {"headline": "Gold slips", "n": None}]  # fmt: skip
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = predict(src, "--model", tiny_model_path)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), dtype=str, keep_default_na=False)
    assert frame[["n", "share", "tags", "ok"]].values.tolist() == [["3", "0.5", '["a", "b"]', "true"],
                                                                 ["", "", "", ""]]  # fmt: skip
    dated = tmp_path / "dated.parquet"
    pd.DataFrame(
        {"headline": ["Rupee gains"], "when": pd.to_datetime(["2024-03-05 10:00"]), "n": [7]}
    ).to_parquet(dated)
    frame = pd.read_csv(io.StringIO(predict(dated, "--model", tiny_model_path).stdout), dtype=str)
    assert frame.loc[0, "when"] == "2024-03-05T10:00:00" and frame.loc[0, "n"] == "7"


def test_a_clash_fails_clearly_before_the_model_is_loaded(tmp_path):
    src = tmp_path / "labelled.csv"
    src.write_text("headline,topic,tone\nRupee gains,markets,0.5\n", encoding="utf-8")
    result = predict(src, "--model", tmp_path / "no.model")  # a missing model would exit 4
    assert result.exit_code == 2
    assert "input column 'topic'" in result.stderr and "--keep" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = predict(src, "--model", tmp_path / "no.model", "--keep", "nope")
    assert result.exit_code == 2 and "--keep 'nope': no such column" in result.stderr


def test_resolve_keep_rules():
    columns = ["id", "title", "headline", "outlet", "tone_reasons"]
    with pytest.raises(InputError, match="'headline' has the name of an output column"):
        resolve_keep("all", columns, text_column="title")  # read from title: headline would clash
    assert resolve_keep("outlet,title", columns, text_column="title") == ("title", "outlet")
    assert resolve_keep("headline,outlet,id", columns) == ("outlet",)  # already in the output
    assert resolve_keep("outlet,tone_reasons", columns) == ("outlet", "tone_reasons")
    with pytest.raises(InputError, match="tone_reasons"):
        resolve_keep("outlet,tone_reasons", columns, explain=2)
    assert resolve_keep("all", []) == ()


def test_input_columns_reads_headers_only(tmp_path):
    assert input_columns(write_feed(tmp_path / "f.tsv")) == list(FEED.columns)
    assert input_columns(write_feed(tmp_path / "f.parquet")) == list(FEED.columns)
    jsonl = tmp_path / "f.jsonl"
    jsonl.write_text(
        '"bare"\n{"headline": "a", "x": 1}\nnot json\n{"y": 2, "headline": "b"}\n', encoding="utf-8"
    )
    assert input_columns(jsonl) == ["headline", "x", "y"]
    assert input_columns("-") == [] and input_columns(tmp_path / "f.txt") == []
    with pytest.raises(InputError, match="no such file"):
        input_columns(tmp_path / "missing.csv")


def test_kept_columns_stay_in_order_with_workers(tiny_model_path, tmp_path):
    n = 95
    frame = pd.DataFrame(
        {"headline": [f"Rupee slides {i}" for i in range(n)], "row": [str(i) for i in range(n)]}
    )
    src = write_feed(tmp_path / "many.csv", frame)
    one = pd.concat(list(iter_predictions(str(tiny_model_path), src, chunk_rows=7, jobs=1, keep=("row",))))
    two = pd.concat(list(iter_predictions(str(tiny_model_path), src, chunk_rows=7, jobs=2, keep=("row",))))
    assert one["row"].tolist() == two["row"].tolist() == frame["row"].tolist()
    assert one["id"].tolist() == [str(i) for i in range(1, n + 1)]


def test_dask_keeps_columns(tiny_model_path, tmp_path):
    pytest.importorskip("dask.dataframe")
    for part in range(2):
        write_feed(tmp_path / f"feed-{part}.parquet", FEED.assign(part=str(part)))
    out = tmp_path / "out"
    result = predict(tmp_path / "feed-*.parquet", "--engine", "dask", "--model", tiny_model_path,
                     "--output", out, "--jobs", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["id", "headline", "date", "outlet", "url", "part", *PREDICTION_COLUMNS]
    assert (
        frame["outlet"].tolist() == FEED["outlet"].tolist() * 2
        and frame["part"].tolist() == ["0"] * 4 + ["1"] * 4
    )
    # a new folder: --engine dask refuses an output folder that already holds files (exit 5)
    clash = predict(tmp_path / "feed-*.parquet", "--engine", "dask", "--model", tiny_model_path,
                    "--output", tmp_path / "out2", "--column", "url")  # fmt: skip
    assert clash.exit_code == 2 and "'headline'" in clash.stderr


def test_standard_input_keeps_no_columns_and_refuses_named_ones(tiny_model_path):
    feed = "headline,outlet\nRupee slides against dollar,Dawn\n"
    read_as_csv = ["predict", "-", "--input-format", "csv", "--model", str(tiny_model_path)]
    result = runner.invoke(app, read_as_csv, input=feed)
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0].split(",")
    assert header[:2] == ["id", "headline"] and "outlet" not in header
    named = runner.invoke(app, [*read_as_csv, "--keep", "outlet"], input=feed)
    assert named.exit_code == 2 and "needs an input file" in named.stderr
