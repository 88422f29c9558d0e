"""Hostile input: any text, broken files and foreign model files never crash or lose a row."""

from __future__ import annotations

import csv
import io
import json
import pickle
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from classifier.cli import app
from classifier.config import PREDICTION_COLUMNS, PROBABILITY_COLUMNS
from classifier.errors import InputError, ModelFileError
from classifier.io.readers import iter_headlines
from classifier.model.files import CARD_NAME, PAYLOAD_NAME, load_model
from classifier.model.heads import predict_texts

runner = CliRunner()
OUTPUT_COLUMNS = ["id", "headline", *PREDICTION_COLUMNS]

NASTY = st.sampled_from(
    ["", " ", "\t\n", "\x00", "\x00\x01\x1b[31m", "\u202eRTL override\u202c", "مرحبا بالعالم", "हिंदी समाचार",
     "🔥📉💥", "e\u0301\u0301\u0301", "!!!???...", "1234567890", "=SUM(A1)", "\ufeffBOM inside", "a" * 100_000,
     "Rupee " * 20_000, "\ud7ff\ue000\uffff", "NULL", "NaN", "None"]
)  # fmt: skip
TEXTS = st.lists(st.one_of(st.text(max_size=300), NASTY), min_size=1, max_size=12)


def check_predictions(texts: list[str], out: pd.DataFrame) -> None:
    assert len(out) == len(texts)
    scored = out["tone"].notna()
    assert scored.tolist() == [bool(t.strip()) for t in texts]
    assert out.loc[scored, "tone"].between(-1, 1).all()
    sums = out.loc[scored, list(PROBABILITY_COLUMNS)].sum(axis=1)
    np.testing.assert_allclose(sums, 1.0, rtol=1e-6)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=TEXTS)
def test_predict_any_unicode(tiny_model, texts):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the count of blank texts
        check_predictions(texts, predict_texts(tiny_model, texts, explain=2))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(texts=TEXTS)
def test_cli_round_trip_of_any_text_through_csv(tiny_model_path, tmp_path, texts):
    src = tmp_path / "in.csv"
    frame_in = pd.DataFrame({"id": [f"x{i}" for i in range(len(texts))], "headline": texts})
    frame_in.to_csv(src, index=False, quoting=csv.QUOTE_ALL)  # pandas leaves a bare \r unquoted otherwise
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["predict", str(src), "--model", str(tiny_model_path), "--output", str(out)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["id"].tolist() == [f"x{i}" for i in range(len(texts))]
    # the truth is what a CSV reader finds in the input file
    expected = pd.read_csv(src, dtype=str, keep_default_na=False)["headline"].tolist()
    assert frame["headline"].tolist() == expected


def run_predict(model_path, *args):
    return runner.invoke(app, ["predict", *map(str, args), "--model", str(model_path)])


@pytest.mark.parametrize(
    "name,data,expect",
    [
        ("utf8.txt", "Rupee’s day\n".encode(), ["Rupee’s day"]),
        ("bom.txt", "\ufeffRupee’s day\n".encode(), ["Rupee’s day"]),
        ("utf16.txt", "Rupee’s day\n".encode("utf-16"), ["Rupee’s day"]),
        ("crlf.csv", b'headline\r\nA, quoted\r\n"B\r\nsplit"\r\n', ["A", "B\r\nsplit"]),
    ],
)
def test_files_that_decode(tiny_model_path, tmp_path, name, data, expect):
    src = tmp_path / name
    src.write_bytes(data)
    result = run_predict(tiny_model_path, src)
    if name == "crlf.csv":  # "A, quoted" has an unquoted comma: a ragged row, named
        assert result.exit_code == 2 and "line 2" in result.stderr
        return
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert frame["headline"].tolist() == expect


def test_quoted_newlines_and_crlf(tiny_model_path, tmp_path):
    src = tmp_path / "q.csv"
    src.write_bytes(b'id,headline\r\n1,"two\r\nlines, and ""quotes"""\r\n2,plain\r\n')
    out = tmp_path / "o.csv"
    assert run_predict(tiny_model_path, src, "--output", out).exit_code == 0
    frame = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert frame["headline"].tolist() == ['two\r\nlines, and "quotes"', "plain"]


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_legacy_encodings_refused_with_offset_or_read_when_named(tiny_model_path, tmp_path, codec):
    src = tmp_path / "legacy.txt"
    src.write_bytes("ok\nCafé – “quoted”\n".encode(codec, errors="replace"))
    refused = run_predict(tiny_model_path, src)
    assert refused.exit_code == 2 and "byte 6 (line 2)" in refused.stderr and str(src) in refused.stderr
    read = run_predict(tiny_model_path, src, "--encoding", codec)
    assert read.exit_code == 0
    assert "Café" in read.stdout


@pytest.mark.parametrize(
    "name,text,message",
    [
        ("empty.csv", "", "the file is empty"),
        ("dup.csv", "headline,id,headline\na,1,b\n", "column 'headline' appears twice"),
        ("nohead.csv", "title,id\na,1\n", "no column 'headline'"),
        ("ragged.csv", "id,headline\n1,a\n2,b\n3,c,d,e\n", "line 4"),
        ("bad.jsonl", '{"headline": "a"}\n[1,2\n', "line 2: not valid JSON"),
        ("list.jsonl", "[1, 2]\n", "line 1: expected a JSON object"),
        ("ext.xlsx", "x", "unknown file type"),
    ],
)
def test_broken_files_are_named(tiny_model_path, tmp_path, name, text, message):
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    result = run_predict(tiny_model_path, src)
    assert result.exit_code == 2
    assert message in result.stderr and str(src) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_header_only_gives_header_only(tiny_model_path, tmp_path):
    src = tmp_path / "h.csv"
    src.write_text("id,headline\n", encoding="utf-8")
    result = run_predict(tiny_model_path, src)
    assert result.exit_code == 0 and result.stdout.splitlines() == [",".join(OUTPUT_COLUMNS)]


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only /sys (Linux)")
def test_output_to_read_only_folder_fails_before_work(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("Rupee gains\n", encoding="utf-8")
    result = run_predict(tiny_model_path, src, "--output", "/sys/headlines-out.csv")
    assert result.exit_code == 5 and "not writable" in result.stderr


def test_interrupted_output_leaves_no_file(tiny_model_path, tmp_path):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"headline": f"Rupee gains {i}"}) for i in range(50)] + ["{broken"]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    from classifier.predict.stream import predict_to_file

    with pytest.raises(InputError, match="line 51"):
        predict_to_file(load_model(tiny_model_path), src, out, "csv", chunk_rows=10)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.jsonl"]


def test_safe_csv_neutralises_formulas(tiny_model_path, tmp_path):
    src = tmp_path / "in.txt"
    src.write_text('=HYPERLINK("http://x")\n+1 rupee\n@SUM\nplain\n', encoding="utf-8")
    out = tmp_path / "o.csv"
    assert run_predict(tiny_model_path, src, "--output", out, "--safe-csv").exit_code == 0
    heads = pd.read_csv(out, dtype=str)["headline"].tolist()
    assert heads[:3] == ['\'=HYPERLINK("http://x")', "'+1 rupee", "'@SUM"] and heads[3] == "plain"


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "payload ran"))


def test_plain_pickle_refused_by_default_and_payload_never_runs(tmp_path):
    marker = tmp_path / "pwned.txt"
    evil = tmp_path / "evil.model"
    evil.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelFileError, match="--allow-pickle"):
        load_model(evil)
    result = run_predict(evil, tmp_path / "none.txt")
    assert result.exit_code == 4 and "--allow-pickle" in result.stderr
    assert not marker.exists()


def test_allow_pickle_loads_a_trusted_model_with_a_warning(tiny_model, tmp_path):
    import joblib

    path = tmp_path / "trusted.joblib"
    joblib.dump(tiny_model, path)
    with pytest.warns(UserWarning, match="runs any code"):
        loaded = load_model(path, allow_pickle=True)
    pd.testing.assert_frame_equal(
        predict_texts(loaded, ["Rupee gains"]), predict_texts(tiny_model, ["Rupee gains"])
    )


def test_edited_payload_is_caught(tiny_model_path, tmp_path):
    with zipfile.ZipFile(tiny_model_path) as archive:
        card, payload = archive.read(CARD_NAME), bytearray(archive.read(PAYLOAD_NAME))
    payload[len(payload) // 2] ^= 0xFF
    edited = tmp_path / "edited.model"
    with zipfile.ZipFile(edited, "w") as archive:
        archive.writestr(CARD_NAME, card)
        archive.writestr(PAYLOAD_NAME, bytes(payload))
    with pytest.raises(ModelFileError, match="does not match its card"):
        load_model(edited)


def test_stdin_with_undecodable_bytes(tiny_model_path):
    result = runner.invoke(
        app, ["predict", "-", "--model", str(tiny_model_path)], input=b"ok\n\xff\xfe bad\n"
    )
    assert result.exit_code in (0, 2)
    assert "Traceback" not in result.output


def test_chunk_boundaries_never_drop_rows(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("".join(f"h{i}\n" for i in range(1, 101)), encoding="utf-8")
    for size in (1, 3, 99, 100, 101):
        frame = pd.concat(list(iter_headlines(src, chunk_rows=size)), ignore_index=True)
        assert frame["id"].tolist() == [str(i) for i in range(1, 101)]


assert sys.version_info >= (3, 10)
