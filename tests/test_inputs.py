"""No wrong answer without a word: what an input means is read as the user meant it, or refused.

CSV on standard input, inputs whose name does not say their format, compressed inputs, values
that are not text, and headlines with no word the model knows.
"""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.errors import InputError
from classifier.model.heads import classify, predict_texts

runner = CliRunner()


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


FEED = 'id,headline,source\nk1,"Rupee gains, stocks rally",Dawn\nk2,Troops trade fire along LoC,PTI\n'


def test_column_on_stdin_is_refused_unless_the_input_format_says_csv(tiny_model_path):
    refused = run("predict", "-", "--column", "headline", "--model", tiny_model_path, input=FEED)
    assert refused.exit_code == 2 and "--input-format" in refused.stderr
    assert refused.stdout == ""  # nothing classified: not the header, not raw CSV lines
    read = run("predict", "-", "--input-format", "csv", "--column", "headline", "--model", tiny_model_path,
               input=FEED)  # fmt: skip
    assert read.exit_code == 0, read.output
    frame = read_csv(read.stdout)
    assert frame["id"].tolist() == ["k1", "k2"]
    assert frame["headline"].tolist() == ["Rupee gains, stocks rally", "Troops trade fire along LoC"]


def test_column_on_a_text_file_is_refused(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    result = run("predict", src, "--column", "title", "--model", tiny_model_path)
    assert result.exit_code == 2 and "headline a line" in result.stderr


def test_input_format_and_delimiter_for_files_whose_name_does_not_say(tiny_model_path, tmp_path):
    src = tmp_path / "feed.dat"
    src.write_text("id;title\nk1;Rupee gains, stocks rally\nk2;Troops trade fire\n", encoding="utf-8")
    result = run("predict", src, "--input-format", "csv", "--delimiter", ";", "--column", "title",
                 "--model", tiny_model_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    frame = read_csv(result.stdout)
    assert frame["id"].tolist() == ["k1", "k2"] and frame["headline"][0] == "Rupee gains, stocks rally"
    tab = tmp_path / "feed.txt"
    tab.write_text("title\tx\nRupee gains\t1\n", encoding="utf-8")
    result = run("predict", tab, "--input-format", "csv", "--delimiter", "\\t", "--column", "title",
                 "--model", tiny_model_path)  # fmt: skip
    assert result.exit_code == 0 and read_csv(result.stdout)["headline"].tolist() == ["Rupee gains"]


@pytest.mark.parametrize("name", ["feed.csv.gz", "feed.txt.gz", "feed.jsonl.gz", "feed.tsv.gz"])
def test_gzip_compressed_inputs_are_read(tiny_model_path, tmp_path, name):
    texts = ["Rupee gains, stocks rally", "Troops trade fire"]
    if ".csv" in name or ".tsv" in name:
        sep = "\t" if ".tsv" in name else ","
        body = pd.DataFrame({"headline": texts}).to_csv(sep=sep, index=False)
    elif ".jsonl" in name:
        body = "".join(json.dumps({"headline": t}) + "\n" for t in texts)
    else:
        body = "\n".join(texts) + "\n"
    src = tmp_path / name
    src.write_bytes(gzip.compress(body.encode("utf-8")))
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == 0, result.output
    assert read_csv(result.stdout)["headline"].tolist() == texts


def test_undecodable_gzip_content_names_the_decompressed_offset(tiny_model_path, tmp_path):
    src = tmp_path / "feed.txt.gz"
    src.write_bytes(gzip.compress(b"fine\ncaf\xe9\n"))
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == 2 and "decompressed byte 8 (line 2)" in result.stderr


@pytest.mark.parametrize(
    "value,shown",
    [(123, "123"), (["a", "b"], '["a", "b"]'), ({"t": 1}, '{"t": 1}'), (True, "true"), (1.5, "1.5")],
)
def test_jsonl_values_that_are_not_text_are_refused_with_the_line(tiny_model_path, tmp_path, value, shown):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"headline": "Rupee gains"}) + "\n" + json.dumps({"headline": value}) + "\n",
                   encoding="utf-8")  # fmt: skip
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == 2
    assert f"{src}: line 2: the headline {shown} is a" in result.stderr and "not text" in result.stderr


def test_jsonl_null_and_parquet_null_stay_blank_with_a_warning(tiny_model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"headline": "Rupee gains"}\n{"headline": null}\n', encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == 0 and "1 blank headline(s)" in result.stderr
    assert read_csv(result.stdout)["topic"].tolist()[1] == ""
    parquet = tmp_path / "in.parquet"
    pd.DataFrame({"headline": ["Rupee gains", None]}).to_parquet(parquet)
    result = run("predict", parquet, "--model", tiny_model_path)
    assert result.exit_code == 0 and "1 blank headline(s)" in result.stderr


def test_the_python_api_follows_the_same_rule(tiny_model):
    with pytest.warns(UserWarning, match="2 blank headline"):
        out = predict_texts(tiny_model, ["Rupee gains", None, float("nan")])
    assert out["topic"].isna().tolist() == [False, True, True]  # never the word "nan"
    with pytest.warns(UserWarning, match="1 blank headline"):
        predict_texts(tiny_model, pd.Series(["Rupee gains", np.nan]))
    with pytest.raises(InputError, match=r"row 2: the headline 123 is a int, not text"):
        predict_texts(tiny_model, ["Rupee gains", 123])
    with pytest.raises(InputError, match=r"row 1: the headline \[\"a\", \"b\"\] is a list"):
        classify(tiny_model, [["a", "b"]])


NO_ENGLISH = ["پاکستان میں بارش", "हिंदी समाचार आज", "🔥📉💥", "zxqv blorft"]


def test_headlines_with_no_known_word_are_marked_counted_and_uncertain(tiny_model, tiny_model_path, tmp_path):
    out = predict_texts(tiny_model, ["Rupee gains against dollar", *NO_ENGLISH])
    assert out["known_words"].tolist()[0] == 4 and out["known_words"].tolist()[1:] == [0] * len(NO_ENGLISH)
    strict = predict_texts(tiny_model, ["Rupee gains against dollar", *NO_ENGLISH], min_confidence=0.01)
    assert strict["topic"].tolist()[1:] == ["uncertain"] * len(NO_ENGLISH)
    assert strict["topic"][0] != "uncertain"
    src = tmp_path / "in.txt"
    src.write_text("\n".join(["Rupee gains", *NO_ENGLISH]) + "\n", encoding="utf-8")
    result = run("predict", src, "--model", tiny_model_path, "--min-confidence", "0.05")
    assert result.exit_code == 0
    assert "4 headline(s) with no word the model knows" in result.stderr
    frame = read_csv(result.stdout)
    assert frame["known_words"].tolist() == ["2", "0", "0", "0", "0"]
    assert frame["topic"].tolist()[1:] == ["uncertain"] * 4


def test_full_width_and_ascii_twins_get_the_same_prediction(tiny_model):
    # NFKC is applied by classifier/model/cleaning.py, which the features use: this holds already.
    twins = [
        "Ｒｕｐｅｅ ｇａｉｎｓ ４０ ｐａｉｓａ",
        "Rupee gains 40 paisa",
        "ＫＳＥ－１００ ｐｌｕｎｇｅｓ",
        "KSE-100 plunges",
    ]
    out = predict_texts(tiny_model, twins)
    for a, b in ((0, 1), (2, 3)):
        pd.testing.assert_series_equal(out.drop(columns=[]).iloc[a], out.iloc[b], check_names=False)


def test_a_jsonl_null_id_is_blank_like_an_empty_csv_cell(tiny_model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": null, "headline": "Rupee gains"}\n{"id": 7.5, "headline": "Gold slips"}\n', encoding="utf-8"
    )
    result = run("predict", src, "--model", tiny_model_path)
    assert result.exit_code == 0, result.output
    assert read_csv(result.stdout)["id"].tolist() == ["", "7.5"]
