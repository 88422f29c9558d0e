"""Writers: atomic files, format choice, formula neutralising, and chunked CSV/JSONL/Parquet output."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from classifier.errors import OutputError
from classifier.io.writers import (
    TableWriter,
    atomic_path,
    check_writable,
    encode_chunk,
    neutralise_formulas,
    output_format_for,
)


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    with atomic_path(target) as tmp:
        tmp.write_text("whole", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "whole"


def test_check_writable_fails_for_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        check_writable(tmp_path / "no" / "out.csv")


def test_output_format_choice():
    assert output_format_for(None, None, is_terminal=True) == "table"
    assert output_format_for(None, None, is_terminal=False) == "csv"
    assert output_format_for("o.jsonl", None, is_terminal=True) == "jsonl"
    assert output_format_for("o.txt", "tsv", is_terminal=True) == "tsv"


def test_neutralise_formulas():
    frame = pd.DataFrame({"headline": ["=1+1", "@SUM", "plain", "-5 dead"], "x": [1, 2, 3, 4]})
    assert neutralise_formulas(frame)["headline"].tolist() == ["'=1+1", "'@SUM", "plain", "'-5 dead"]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_header_once_across_chunks_and_numbers_bare(fmt):
    sink = io.BytesIO()
    writer = TableWriter(fmt, sink)
    for start in (0, 2):
        writer.write(pd.DataFrame({"id": [str(start + 1), str(start + 2)], "headline": ["a, b", 'say "hi"'],
                                   "tone": [0.123456789, -1.0]}))  # fmt: skip
    writer.close()
    text = sink.getvalue().decode("utf-8")
    if fmt == "jsonl":
        assert len(text.splitlines()) == 4 and '"tone":0.12346' in text
        return
    sep = "\t" if fmt == "tsv" else ","
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype={"id": str})
    assert text.count("headline") == 1
    assert frame["headline"].tolist() == ["a, b", 'say "hi"'] * 2
    assert frame["tone"].tolist() == [0.12346, -1.0] * 2
    assert ",0.12346" in text or "\t0.12346" in text


def test_encoded_chunks_append_like_frames_and_refuse_other_columns():
    frames = [pd.DataFrame({"id": ["1"], "headline": ["=x, y"], "tone": [0.5]}),
              pd.DataFrame({"id": ["2"], "headline": ["z"], "tone": [float("nan")]})]  # fmt: skip
    direct, encoded = io.BytesIO(), io.BytesIO()
    writer_a, writer_b = TableWriter("csv", direct, safe_csv=True), TableWriter("csv", encoded)
    for frame in frames:
        writer_a.write(frame)
        writer_b.write_encoded(encode_chunk(frame, "csv", safe_csv=True))
    assert direct.getvalue() == encoded.getvalue()
    assert encoded.getvalue().decode("utf-8").splitlines() == [
        "id,headline,tone",
        '"1","\'=x, y",0.5',
        '"2","z",',
    ]
    with pytest.raises(OutputError, match="columns changed"):
        writer_b.write_encoded(encode_chunk(pd.DataFrame({"other": [1.0]}), "csv"))
    with pytest.raises(OutputError, match="cannot encode"):
        encode_chunk(frames[0], "parquet")
