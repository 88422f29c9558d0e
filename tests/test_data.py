"""Validation of labelled files: every problem is found and named by row and column."""

from __future__ import annotations

import pytest

from classifier.data.corpus import load_corpus, load_evaluation, parse_tone
from classifier.errors import DataError, InputError


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_corpus_loads_with_float_tone(tiny_corpus_path):
    data = load_corpus(tiny_corpus_path)
    assert len(data.frame) == 40
    assert data.frame["tone"].dtype == float
    assert data.has_topic and data.has_tone
    assert len(data.sha256) == 64


def test_missing_column_is_named(tmp_path):
    path = write(tmp_path / "c.csv", "id,headline,topic\n1,Rupee gains,markets\n")
    with pytest.raises(InputError) as info:  # exit 2, as a missing column is everywhere
        load_corpus(path)
    assert "column 'tone': missing" in str(info.value)
    assert str(path) in str(info.value)


def test_all_problems_listed_with_rows_and_columns(tmp_path):
    path = write(
        tmp_path / "c.csv",
        "id,headline,topic,tone\n"
        "1,Rupee gains,markets,0.5\n"
        "2,   ,markets,0.5\n"
        "3,Talks held,sports,0\n"
        "4,Blast in city,security,0.7\n"
        "1,Another one,other,0\n"
        "6,rupee   GAINS,markets,0.5\n",
    )
    with pytest.raises(DataError) as info:
        load_corpus(path)
    message = str(info.value)
    assert info.value.total == 5
    assert "row 2, column 'headline': empty headline" in message
    assert "row 3, column 'topic': unknown topic 'sports'" in message
    assert "row 4, column 'tone': tone '0.7' is not one of" in message
    assert "row 5, column 'id': id '1' repeats row 1" in message
    assert "row 6, column 'headline': duplicate of row 1" in message


def test_problem_list_is_capped_but_counted(tmp_path):
    lines = "".join(f"{i},Headline {i},nonsense,0\n" for i in range(1, 81))
    path = write(tmp_path / "c.csv", "id,headline,topic,tone\n" + lines)
    with pytest.raises(DataError) as info:
        load_corpus(path)
    assert info.value.total == 80
    assert len(info.value.problems) == 50
    assert "and 30 more" in str(info.value)


@pytest.mark.parametrize("cell,expected", [("-1", -1.0), ("0.50", 0.5), (" 0 ", 0.0), ("+1.0", 1.0),
                                           ("0.7", None), ("x", None), ("", None)])  # fmt: skip
def test_parse_tone(cell, expected):
    assert parse_tone(cell) == expected


def test_evaluation_file_needs_a_label_column(tmp_path):
    path = write(tmp_path / "e.csv", "headline\nRupee gains\n")
    with pytest.raises(InputError, match="no label column"):
        load_evaluation(path)


def test_evaluation_file_allows_any_tone_in_range_and_repeats(tmp_path):
    path = write(tmp_path / "e.csv", "headline,tone\nRupee gains,0.37\nRupee gains,0.2\n")
    data = load_evaluation(path)
    assert data.frame["tone"].tolist() == [0.37, 0.2]
    assert data.frame["id"].tolist() == ["1", "2"]
    bad = write(tmp_path / "b.csv", "headline,tone\nRupee gains,1.7\n")
    with pytest.raises(DataError, match="row 1, column 'tone': tone 1.7 is outside"):
        load_evaluation(bad)


def test_evaluation_text_column_can_be_renamed(tmp_path):
    path = write(tmp_path / "e.tsv", "title\ttopic\nRupee gains\tmarkets\n")
    data = load_evaluation(path, text_column="title")
    assert data.frame["headline"].tolist() == ["Rupee gains"]


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_corpus(tmp_path / "nope.csv")
