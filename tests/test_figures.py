"""The one renderer of a metrics dict: terminal, report, card and benchmarks read the same figures."""

from __future__ import annotations

from classifier.figures import card_lines, comparison_rows, markdown_table, show, with_interval

METRICS = {
    "topic": {"accuracy": 0.5, "macro_f1": 0.25, "rows": 8},
    "tone": {"pearson": None, "mae": 0.125, "accuracy_3class": 0.75, "cosine": 0.5, "macro_f1_3class": 0.5},
    "intervals_95": {"topic.macro_f1": [0.1, 0.4]},
    "baselines": {
        "vader": {"tone": {"pearson": 0.3, "cosine": 0.2, "accuracy_3class": 0.6, "macro_f1_3class": 0.4}}
    },
}


def test_one_number_format_everywhere():
    assert show(0.5) == "0.500" and show(None) == "-"
    assert with_interval(METRICS, "topic", "macro_f1") == "0.250 [0.100, 0.400]"
    assert with_interval(METRICS, "topic", "accuracy") == "0.500"


def test_card_lines_and_report_table():
    assert card_lines(METRICS) == [
        "- Topic accuracy 0.500, macro-F1 0.250 (8 rows)",
        "- Tone Pearson -, MAE 0.125, 3-class accuracy 0.750",
    ]
    assert card_lines({}) == []
    table = markdown_table(comparison_rows(METRICS)).splitlines()
    assert table[0].startswith("| system | topic acc | topic F1 | tone r")
    assert table[2].startswith("| model | 0.500 | 0.250 | - |")
    assert table[3].startswith("| vader | - | - | 0.300 |")
