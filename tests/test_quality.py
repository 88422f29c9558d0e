"""Near-duplicate detection on hand-made pairs."""

from __future__ import annotations

import pandas as pd

from classifier.data.quality import near_duplicate_report, near_duplicates


def test_finds_only_pairs_above_threshold():
    texts = [
        "Rupee gains 40 paisa against the dollar in interbank trade",
        "Rupee gains 40 paisa against the dollar in open market trade",
        "Security forces kill six terrorists in Waziristan",
        "Gold slips",
    ]
    pairs = near_duplicates(texts, threshold=0.5)
    assert pairs[["row_a", "row_b"]].values.tolist() == [[1, 2]]
    assert 0.5 < pairs["jaccard"].iloc[0] < 1.0
    assert near_duplicates(texts, threshold=0.9).empty


def test_short_texts_only():
    assert near_duplicates(["Gold slips", "Rupee up"]).empty


def test_report_carries_both_headlines():
    frame = pd.DataFrame({"headline": ["a b c d e", "x y", "a b c d e f"]})
    report = near_duplicate_report(frame, threshold=0.5)
    assert report.loc[0, "headline_a"] == "a b c d e" and report.loc[0, "headline_b"] == "a b c d e f"


def test_floor_problems_name_each_shortfall(tiny_corpus_path):
    from classifier.data.corpus import load_corpus
    from classifier.data.quality import corpus_report, floor_problems

    frame = load_corpus(tiny_corpus_path).frame
    problems = floor_problems(frame)
    assert any(p.startswith("40 rows, fewer than 6000") for p in problems)
    assert any(p.startswith("topic markets: 8 rows") for p in problems)
    assert "topic by tone" in corpus_report(frame)


def test_pool_overlaps_flag_rows_close_to_a_real_headline():
    from classifier.data.quality import pool_overlaps, pool_problems

    ours = ["Rupee gains 40 paisa against the dollar in interbank trade", "Heatwave grips Sindh for a week"]
    pool = ["Rupee gains 40 paisa against the dollar in open market", "Floods hit the north", "x y"]
    found = pool_overlaps(ours, pool)
    assert found["row"].tolist() == [1] and found["pool_index"].tolist() == [0]
    assert 0.5 <= found["jaccard"].iloc[0] < 1.0
    assert pool_overlaps(ours, pool, threshold=0.99).empty
    frame = pd.DataFrame({"id": ["a1", "a2"], "headline": ours})
    assert pool_problems(frame, pool) == [pool_problems(frame, pool)[0]]
    assert "(id a1)" in pool_problems(frame, pool)[0]


def test_pool_overlaps_flag_a_real_headline_held_whole_in_a_longer_row():
    from classifier.data.quality import pool_overlaps, pool_problems

    ours = [
        "Envoy of Norway meets finance minister in Islamabad, discusses trade, energy, climate finance and a new visa regime for students",
        "Explainer: five things to watch today on the new tariffs",
        "Finance minister meets envoy of Norway in Islamabad",
    ]
    pool = ["Envoy of Norway meets finance minister in Islamabad", "Five things to watch today"]
    found = pool_overlaps(ours, pool)
    # row 1 holds the six-word headline whole though its Jaccard is far below the bar; the
    # five-word stock phrase in row 2 and the reordered words of row 3 are not flagged
    assert found["row"].tolist() == [1] and found["pool_index"].tolist() == [0]
    assert bool(found["contained"].iloc[0]) and found["jaccard"].iloc[0] < 0.5
    assert pool_overlaps(ours, pool, contained_trigrams=3)["row"].tolist() == [1, 2]
    frame = pd.DataFrame({"id": ["a1", "a2", "a3"], "headline": ours})
    assert pool_problems(frame, pool) == [
        "row 1 (id a1): holds a real headline of the pool whole (pool row 1)"
    ]


def test_pool_overlaps_see_through_typographic_quotes_and_dashes():
    from classifier.data.quality import near_duplicates, pool_overlaps

    ours = ["Pakistan's envoy meets Sri Lanka's foreign secretary - talks on trade"]
    pool = ["Pakistan\u2019s envoy meets Sri Lanka\u2019s foreign secretary \u2014 talks on trade"]
    found = pool_overlaps(ours, pool)
    assert found["row"].tolist() == [1] and found["jaccard"].iloc[0] == 1.0
    assert near_duplicates([ours[0], pool[0]])["jaccard"].tolist() == [1.0]


def test_check_corpus_fails_on_a_row_copied_from_the_pool(tiny_corpus_path, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from classifier.cli import app

    pool = tmp_path / "pool.csv"
    pool.write_text("headline\nSecurity tightened across Quetta ahead of Ashura\n", encoding="utf-8")
    monkeypatch.setenv("HEADLINES_POOL", str(pool))
    result = CliRunner().invoke(app, ["check-corpus", "--data", str(tiny_corpus_path)])
    assert result.exit_code == 3
    assert "within word-trigram Jaccard 1.00 of a real headline" in result.output
