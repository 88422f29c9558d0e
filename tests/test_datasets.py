"""Importers of public sets: small fixtures written here, plus the real files when ../shared/dev exists."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_DEV

from classifier.datasets import IMPORTERS, load_dataset, parse_dataset_spec
from classifier.errors import InputError


def test_semeval2007(tmp_path):
    xml = tmp_path / "trial.xml"
    xml.write_text('<corpus><instance id="1">Mortar kills 18</instance>\n'
                   '<instance id="2">Goal delight &amp; joy</instance></corpus>', encoding="utf-8")  # fmt: skip
    (tmp_path / "trial.valence.gold").write_text("1 -98\n2 87\n", encoding="utf-8")
    data = load_dataset(f"semeval2007:{xml}")
    assert data.frame["headline"].tolist() == ["Mortar kills 18", "Goal delight & joy"]
    assert data.frame["tone"].tolist() == [-0.98, 0.87]


def test_semeval2017_averages_repeated_titles(tmp_path):
    path = tmp_path / "h.json"
    path.write_text(json.dumps([{"title": "A up", "sentiment": 0.4}, {"title": "B down", "sentiment": -0.5},
                                {"title": "A up", "sentiment": 0.2}]), encoding="utf-8")  # fmt: skip
    frame = load_dataset(f"semeval2017:{path}").frame
    assert frame["headline"].tolist() == ["A up", "B down"]
    assert frame["tone"].tolist() == pytest.approx([0.3, -0.5])


def test_phrasebank_latin1_and_stray_lines(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes(
        "Profit rose to EUR 5 mn .@positive\n1\nSales in Espoo \xe9tait flat .@neutral\n".encode("latin-1")
    )
    with pytest.warns(UserWarning, match="skipped 1 line.*line 2"):
        frame = load_dataset(f"phrasebank:{path}").frame
    assert frame["tone_label"].tolist() == ["positive", "neutral"]
    assert "était" in frame["headline"][1]


def test_sentfin_keeps_single_label_rows(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text('S No.,Title,Decisions,Words\n1,A up,"{""A"": ""positive""}",2\n'
                    '2,A up B down,"{""A"": ""positive"", ""B"": ""negative""}",4\n', encoding="utf-8")  # fmt: skip
    frame = load_dataset(f"sentfin:{path}").frame
    assert frame["headline"].tolist() == ["A up"] and frame["tone_label"].tolist() == ["positive"]


def test_cnh_psx_parses_lists_and_bylines(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("Publishing Date,Headlines,Category\n1/1/2006,\"['KSE index plunges', 'Stocks mixed,,,,By staff']\",Market\n"
                    "2/1/2006,\"['KSE index plunges']\",Market\n", encoding="utf-8")  # fmt: skip
    frame = load_dataset(f"cnh-psx:{path}").frame
    assert frame["headline"].tolist() == ["KSE index plunges", "Stocks mixed"]
    assert set(frame["topic"]) == {"markets"}


def test_agnews_groups_and_entities(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(
        '"3","Oil hits #36;50 (Reuters)","x"\n"1","Talks in Gaza","y"\n"2","Late goal","z"\n',
        encoding="utf-8",
    )
    frame = load_dataset(f"agnews:{path}").frame
    assert frame["headline"][0] == "Oil hits $50 (Reuters)"
    assert frame["topic_group"].tolist() == ["markets", "diplomacy|security|conflict|other", "other"]
    assert frame["source_class"].tolist() == ["Business", "World", "Sports"]


def test_csv_with_named_columns(tmp_path):
    path = tmp_path / "c.tsv"
    path.write_text("title\tlabel\tscore\nRupee gains\tmarkets\t0.4\n", encoding="utf-8")
    frame = load_dataset(f"csv:{path}", text_column="title", topic_column="label", tone_column="score").frame
    assert frame["headline"].tolist() == ["Rupee gains"] and frame["tone"].tolist() == [0.4]


@pytest.mark.parametrize(
    "spec,message", [("semeval2007", "expected FORMAT:PATH"), ("nope:x", "unknown format")]
)
def test_bad_specs(spec, message):
    with pytest.raises(InputError, match=message):
        parse_dataset_spec(spec)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_dataset(f"agnews:{tmp_path / 'none.csv'}")


REAL = {
    "semeval2007": "semeval2007_trial/affectivetext_trial.xml",
    "semeval2017": "semeval2017_task5_train/Headline_Trainingdata.json",
    "phrasebank": "financial_phrasebank/Sentences_AllAgree.txt",
    "sentfin": "sentfin/SEntFiN-v1.1.csv",
    "cnh-psx": "cnh_psx/CNH-PSX_Ver1.csv",
    "agnews": "ag_news/test_minus_heldout.csv",
}


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
def test_real_files_when_present(fmt):
    path = SHARED_DEV / REAL[fmt]
    if not path.exists():
        pytest.skip(f"{path} not present")
    with pytest.warns(UserWarning) if fmt == "phrasebank" else _no_warning():
        frame = load_dataset(f"{fmt}:{path}").frame
    assert len(frame) > 200
    assert frame["headline"].str.strip().ne("").all()


def _no_warning():
    import contextlib

    return contextlib.nullcontext()
