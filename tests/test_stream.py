"""Streaming prediction: order and ids whatever the chunking and the number of workers."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from classifier.predict.stream import iter_predictions, predict_table, predict_to_file, serialise_reasons


@pytest.fixture
def numbered_input(tmp_path):
    path = tmp_path / "in.csv"
    texts = [f"Headline number {i} about rupee and troops" if i % 7 else "" for i in range(1, 101)]
    pd.DataFrame({"id": [f"r{i}" for i in range(1, 101)], "headline": texts}).to_csv(path, index=False)
    return path, texts


@pytest.mark.parametrize("chunk_rows,jobs", [(1000, 1), (7, 1), (13, 2)])
def test_every_row_comes_out_in_order(tiny_model, tiny_model_path, numbered_input, chunk_rows, jobs):
    path, texts = numbered_input
    model = str(tiny_model_path) if jobs > 1 else tiny_model
    frame = pd.concat(
        list(iter_predictions(model, path, chunk_rows=chunk_rows, jobs=jobs)), ignore_index=True
    )
    assert frame["id"].tolist() == [f"r{i}" for i in range(1, 101)]
    assert frame["headline"].tolist() == texts
    assert frame["topic"].isna().sum() == 14


def test_parallel_and_sequential_agree(tiny_model, tiny_model_path, numbered_input):
    path, _ = numbered_input
    one = pd.concat(list(iter_predictions(tiny_model, path, chunk_rows=9, jobs=1)), ignore_index=True)
    two = pd.concat(
        list(iter_predictions(str(tiny_model_path), path, chunk_rows=9, jobs=2)), ignore_index=True
    )
    pd.testing.assert_frame_equal(one, two)


def test_predict_to_file_counts_and_reasons_as_json(tiny_model, numbered_input, tmp_path):
    path, _ = numbered_input
    out = tmp_path / "out.csv"
    summary = predict_to_file(tiny_model, path, out, "csv", chunk_rows=30, explain=2)
    assert (summary.rows, summary.blank) == (100, 14)
    frame = pd.read_csv(out, keep_default_na=False)
    reasons = json.loads(frame.loc[0, "topic_reasons"])
    assert len(reasons) == 2 and isinstance(reasons[0][0], str)
    assert frame.loc[6, "topic_reasons"] == ""


def test_empty_input_gives_empty_table(tiny_model, tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("headline\n", encoding="utf-8")
    frame = predict_table(tiny_model, path)
    assert len(frame) == 0 and "tone" in frame.columns


def test_serialise_reasons_leaves_other_columns():
    frame = pd.DataFrame({"topic_reasons": [[["a", 1.0]], None], "x": [1, 2]})
    out = serialise_reasons(frame)
    assert out["topic_reasons"][0] == '[["a", 1.0]]' and pd.isna(out["topic_reasons"][1])
    assert out["x"].tolist() == [1, 2]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_files_written_by_workers_equal_sequential_ones(tiny_model_path, numbered_input, tmp_path, fmt):
    path, _ = numbered_input
    one, two = tmp_path / f"one.{fmt}", tmp_path / f"two.{fmt}"
    first = predict_to_file(str(tiny_model_path), path, one, fmt, chunk_rows=9, jobs=1, explain=1)
    second = predict_to_file(str(tiny_model_path), path, two, fmt, chunk_rows=9, jobs=2, explain=1)
    assert (first.rows, first.blank) == (second.rows, second.blank) == (100, 14)
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(one), pd.read_parquet(two))
    else:
        assert one.read_bytes() == two.read_bytes()
