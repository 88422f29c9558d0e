"""Reading every input format in order with ids, and writing outputs atomically."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from classifier.errors import InputError
from classifier.io.readers import detect_format, iter_headlines, read_table


def collect(path, **kwargs) -> pd.DataFrame:
    return pd.concat(list(iter_headlines(path, **kwargs)), ignore_index=True)


def test_txt_keeps_blank_lines_as_rows_with_line_numbers(tmp_path):
    path = tmp_path / "h.txt"
    path.write_text("First one\n\nThird one\r\nFourth\n", encoding="utf-8")
    frame = collect(path)
    assert frame["id"].tolist() == ["1", "2", "3", "4"]
    assert frame["headline"].tolist() == ["First one", "", "Third one", "Fourth"]


def test_csv_uses_id_column_and_keeps_na_like_text(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text('id,headline\nx9,NA\nx2,"Quoted, with comma"\nx5,"two\nlines"\n', encoding="utf-8")
    frame = collect(path)
    assert frame["id"].tolist() == ["x9", "x2", "x5"]
    assert frame["headline"].tolist() == ["NA", "Quoted, with comma", "two\nlines"]


def test_tsv_with_named_column_and_row_numbers(tmp_path):
    path = tmp_path / "h.tsv"
    path.write_text("when\ttitle\n2024\tRupee gains\n2025\tGold slips\n", encoding="utf-8")
    frame = collect(path, column="title")
    assert frame["id"].tolist() == ["1", "2"]
    assert frame["headline"].tolist() == ["Rupee gains", "Gold slips"]


def test_jsonl_objects_and_strings(tmp_path):
    path = tmp_path / "h.jsonl"
    rows = [{"id": 7, "headline": "Rupee gains"}, {"id": 8, "headline": None}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n", encoding="utf-8")
    frame = collect(path)
    assert frame["id"].tolist() == ["7", "8"]
    assert frame["headline"].tolist() == ["Rupee gains", ""]


def test_parquet_round_trip(tmp_path):
    path = tmp_path / "h.parquet"
    pd.DataFrame({"headline": ["a", "b", "c"]}).to_parquet(path)
    assert collect(path, chunk_rows=2)["id"].tolist() == ["1", "2", "3"]


def test_chunking_preserves_order_and_ids(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("headline\n" + "".join(f"h{i}\n" for i in range(1, 26)), encoding="utf-8")
    chunks = list(iter_headlines(path, chunk_rows=7))
    assert [len(c) for c in chunks] == [7, 7, 7, 4]
    frame = pd.concat(chunks, ignore_index=True)
    assert frame["id"].tolist() == [str(i) for i in range(1, 26)]
    assert frame["headline"].tolist() == [f"h{i}" for i in range(1, 26)]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_bom_encodings_are_decoded(tmp_path, encoding):
    path = tmp_path / "h.txt"
    path.write_text("Karachi’s rupee — up\n", encoding=encoding)
    assert collect(path)["headline"].tolist() == ["Karachi’s rupee — up"]


def test_undecodable_file_names_byte_offset_and_line(tmp_path):
    path = tmp_path / "h.txt"
    path.write_bytes(b"fine line\ncaf\xe9 au lait\n")
    with pytest.raises(InputError) as info:
        collect(path)
    assert str(path) in str(info.value)
    assert "byte 13 (line 2)" in str(info.value)
    assert collect(path, encoding="cp1252")["headline"].tolist() == ["fine line", "café au lait"]


def test_missing_column_lists_columns(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("title\nRupee gains\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column 'headline' \(columns: 'title'\).*--column"):
        collect(path)


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("e.csv", "", "the file is empty"),
        ("d.csv", "headline,headline\na,b\n", "column 'headline' appears twice"),
        ("r.csv", "id,headline\n1,a\n2,b,c,d\n", "malformed row"),
        ("j.jsonl", '{"headline": "a"}\n{oops\n', "line 2: not valid JSON"),
        ("j2.jsonl", '{"title": "a"}\n', "line 1: no field 'headline'"),
        ("x.docx", "whatever", "unknown file type '.docx'"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        collect(path)


def test_header_only_csv_gives_no_rows(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("id,headline\n", encoding="utf-8")
    assert list(iter_headlines(path)) == []


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        collect(tmp_path / "none.txt")
    (tmp_path / "dir.txt").mkdir()
    with pytest.raises(InputError, match="is a folder"):
        collect(tmp_path / "dir.txt")


def test_detect_format_and_stdin():
    assert detect_format("-") == "txt"
    assert detect_format("A.JSONL") == "jsonl"


def test_read_table_keeps_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("headline,topic\nNULL,other\n", encoding="utf-8")
    assert read_table(path)["headline"].tolist() == ["NULL"]
