"""Tone behaviour of a model trained on the shipped corpus: checks that a bad tone model would fail."""

from __future__ import annotations

import pytest

from classifier.model.heads import predict_texts

pytestmark = pytest.mark.slow


def tone(model, text: str) -> float:
    return float(predict_texts(model, [text])["tone"].iloc[0])


def test_direction_of_the_rupee(shipped_model):
    assert tone(shipped_model, "Rupee gains against dollar") > tone(
        shipped_model, "Rupee slides against dollar"
    )


def test_talks_collapse_below_talks_succeed(shipped_model):
    assert tone(shipped_model, "Talks collapse") < tone(shipped_model, "Talks succeed")


def test_not_flips_satisfaction(shipped_model):
    plain = tone(shipped_model, "Army chief satisfied with security")
    negated = tone(shipped_model, "Army chief not satisfied with security")
    # "not" turns a mildly good line bad: the sign flips and the score falls by a wide margin
    assert plain > 0 and negated < -0.1 and plain - negated > 0.4


@pytest.mark.parametrize("name", ["Nifty", "Sensex", "KSE-100", "DSEX"])
def test_an_index_name_alone_does_not_move_the_score(shipped_model, name):
    assert abs(tone(shipped_model, name)) < 0.25
    assert abs(tone(shipped_model, f"{name} closes at 24,150")) < 0.25


def test_market_falls_are_negative_whatever_the_index(shipped_model):
    for name in ("Nifty", "Sensex", "KSE-100"):
        assert tone(shipped_model, f"{name} falls 300 points") < -0.25


def test_deaths_are_very_negative(shipped_model):
    assert tone(shipped_model, "Colombo blast: toll rises to 290") < -0.5
