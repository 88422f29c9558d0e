"""Importers of public sets: small fixtures written here, plus the real files when ../shared/dev exists."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED_DEV

from classifier.data.datasets import load_dataset, parse_dataset_spec
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


@pytest.mark.parametrize("fmt", sorted(REAL))
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


POOL = SHARED_DEV.parent / "real" / "pool.csv.gz"


def _tiny_pool(tmp_path, monkeypatch):
    """An invented pool and labels keyed by hash, the way data/real_dev_labels.csv is laid out."""
    from classifier.data.datasets import headline_key

    pool = tmp_path / "pool.csv"
    rows = [("Rupee gains against dollar", "Dawn", "PK"), ("Troops  trade fire", "NDTV", "IN"),
            ("Heatwave grips Colombo", "Daily FT", "LK")]  # fmt: skip
    pool.write_text(
        "headline,outlet,country\n" + "".join(f"{h},{o},{c}\n" for h, o, c in rows), encoding="utf-8"
    )
    labels = tmp_path / "labels.csv"
    lines = ["key,outlet,country,year,topic,topic_alt,tone,split"]
    for (text, outlet, country), (topic, tone, split) in zip(
        rows, [("markets", 0.5, "dev"), ("conflict", -0.5, "dev"), ("other", -0.5, "test")], strict=True
    ):
        lines.append(f"{headline_key(text)},{outlet},{country},2025,{topic},,{tone},{split}")
    lines.append("ffffffffffff,Dawn,PK,2025,other,,0,dev")  # not in the pool
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("HEADLINES_POOL", str(pool))
    return labels


def test_real_labels_join_texts_by_hash_and_split(tmp_path, monkeypatch):
    labels = _tiny_pool(tmp_path, monkeypatch)
    with pytest.warns(UserWarning, match="1 labelled key"):
        dev = load_dataset(f"realdev:{labels}").frame
    assert dev["headline"].tolist() == ["Rupee gains against dollar", "Troops  trade fire"]
    assert dev["topic"].tolist() == ["markets", "conflict"]
    assert dev["country"].tolist() == ["PK", "IN"]
    test = load_dataset(f"realdev-test:{labels}").frame
    assert test["headline"].tolist() == ["Heatwave grips Colombo"]


def test_real_labels_without_the_pool_name_it(tmp_path, monkeypatch):
    labels = _tiny_pool(tmp_path, monkeypatch)
    monkeypatch.setenv("HEADLINES_POOL", str(tmp_path / "absent.csv.gz"))
    with pytest.raises(InputError, match="absent.csv.gz"):
        load_dataset(f"realdev:{labels}")


def test_evaluate_real_labels_reports_per_country_and_outlet(tiny_model, tmp_path, monkeypatch):
    from classifier.evaluation.metrics import evaluate
    from classifier.figures import format_metrics

    labels = _tiny_pool(tmp_path, monkeypatch)
    with pytest.warns(UserWarning):
        data = load_dataset(f"realdev:{labels}")
    metrics = evaluate(tiny_model, data)
    assert set(metrics["per_group"]["country"]) == {"PK", "IN"}
    assert metrics["per_group"]["outlet"]["Dawn"]["rows"] == 1
    assert "by country:" in format_metrics(metrics)


def test_every_dataset_format_but_csv_has_one_importer():
    from classifier.config import DATASET_FORMATS
    from classifier.data.datasets import IMPORTERS

    assert tuple(IMPORTERS) == DATASET_FORMATS[:-1] and DATASET_FORMATS[-1] == "csv"


def test_agworld_labels_join_titles_as_agnews_reads_them(tmp_path, monkeypatch):
    from classifier.data.datasets import headline_key

    source = tmp_path / "ag.csv"
    source.write_text(
        '"1","Envoys meet over #39;border#39; row","x"\n"1","Car bomb hits market (AP)","y"\n'
        '"3","Oil hits #36;50","z"\n',
        encoding="utf-8",
    )
    labels = tmp_path / "labels.csv"
    envoys = "Envoys meet over 'border' row"
    labels.write_text(
        "key,topic,topic_alt,tone,split\n"
        f"{headline_key('Car bomb hits market (AP)')},security,conflict,-1.0,dev\n"
        f"{headline_key(envoys)},diplomacy,,0.0,dev\n"
        "ffffffffffff,other,,0,dev\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("HEADLINES_AGNEWS", str(source))
    with pytest.warns(UserWarning, match=f"1 labelled key.*not in {source}"):
        frame = load_dataset(f"agworld:{labels}").frame
    assert frame["headline"].tolist() == ["Car bomb hits market (AP)", "Envoys meet over 'border' row"]
    assert frame["topic"].tolist() == ["security", "diplomacy"]
    assert frame["tone"].tolist() == [-1.0, 0.0]
    monkeypatch.setenv("HEADLINES_AGNEWS", str(tmp_path / "absent.csv"))
    with pytest.raises(InputError, match="absent.csv: the AG News test file is not here"):
        load_dataset(f"agworld:{labels}")
    # an explicit source wins over the environment (benchmarks/accuracy.py passes its --dev copy)
    from classifier.data.datasets import agnews_labels

    with pytest.warns(UserWarning, match="1 labelled key"):
        assert agnews_labels(labels, source=source)["topic"].tolist() == ["security", "diplomacy"]


@pytest.mark.skipif(not (SHARED_DEV / REAL["agnews"]).exists(), reason="../shared/dev is absent")
def test_every_shipped_agworld_label_finds_its_title():
    import warnings

    from classifier.data.datasets import agnews_labels

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing key would warn
        frame = agnews_labels("data/agnews_world_labels.csv")
    assert len(frame) == 480
    assert set(frame["topic"]) <= {"diplomacy", "security", "conflict", "markets", "other"}


@pytest.mark.skipif(not POOL.exists(), reason="../shared/real is absent")
def test_every_shipped_real_label_finds_its_text_in_the_pool():
    import warnings

    from classifier.data.datasets import real_labels

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing key would warn
        frame = real_labels("data/real_dev_labels.csv", split=None)
    assert len(frame) == 2400
    assert frame["headline"].str.len().gt(0).all()
