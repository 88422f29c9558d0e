"""Near-duplicate detection on hand-made pairs."""

from __future__ import annotations

import pandas as pd

from classifier.quality import near_duplicate_report, near_duplicates


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
    from classifier.data import load_corpus
    from classifier.quality import corpus_report, floor_problems

    frame = load_corpus(tiny_corpus_path).frame
    problems = floor_problems(frame)
    assert any(p.startswith("40 rows, fewer than 6000") for p in problems)
    assert any(p.startswith("topic markets: 8 rows") for p in problems)
    assert "topic by tone" in corpus_report(frame)
