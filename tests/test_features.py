"""Text features: normalisation, and lexicon evidence with negation, intensity and direction."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.model.features import LEXICON_FEATURES, LexiconFeatures
from classifier.model.lexicon import NEUTRAL_NAMES, vader_lexicon
from classifier.model.tokens import normalise


@pytest.fixture(scope="module")
def lexicon():
    return LexiconFeatures().fit([])


def compound(lexicon, text: str) -> float:
    return float(lexicon.transform([text])[0, LEXICON_FEATURES.index("lexicon_compound")])


def test_normalise_folds_numbers_quotes_and_case():
    assert normalise("KSE-100 sheds 1,204 points — ‘Bloodbath’") == "kse-0 sheds 0,0 points - 'bloodbath'"


def test_index_names_carry_no_valence(lexicon):
    assert vader_lexicon()["nifty"] > 0  # the general lexicon's flaw ...
    for name in ("Nifty", "Sensex", "KSE-100", "DSEX"):
        assert compound(lexicon, name) == 0.0  # ... corrected here
    assert "nifty" in NEUTRAL_NAMES


def test_regional_words_read_as_the_press_means_them(lexicon):
    for text in ("Two soldiers martyred", "Hartal cripples Dhaka", "Curfew in Srinagar", "Toll rises to 290"):
        assert compound(lexicon, text) < 0, text


def test_negation_flips(lexicon):
    assert compound(lexicon, "Army chief satisfied with security") > 0
    assert compound(lexicon, "Army chief not satisfied with security") < 0
    assert compound(lexicon, "Govt averts crisis") > 0


def test_failure_words_undo_only_good_news(lexicon):
    assert compound(lexicon, "Team fails to win final") < 0
    assert compound(lexicon, "Police fail to stop attack") < 0


def test_direction_next_to_a_figure(lexicon):
    column = LEXICON_FEATURES.index("direction_with_figure")
    rows = lexicon.transform(["Rupee gains 40 paisa", "KSE-100 sheds 1,200 points", "Gains and losses"])
    assert rows[:, column].tolist() == [1.0, -1.0, 0.0]


def test_direction_of_a_good_or_bad_quantity(lexicon):
    column = LEXICON_FEATURES.index("metric_direction")
    texts = [
        "Operating profit rose to EUR 13.1 mn from EUR 8.7 mn",  # reads past the figures
        "Net loss narrowed to Rs2bn in the quarter",  # less of a bad thing is good news
        "Sales fell 9pc as demand weakened",
        "Costs widened the deficit",
        "Company cuts 500 jobs",
        "Profit",  # a quantity with no direction
        "Operating profit totalled EUR 9.0 mn, down from EUR 11.4 mn",  # figures do not count
    ]
    assert lexicon.transform(texts)[:, column].tolist() == [1.0, 1.0, -1.0, -1.0, -1.0, 0.0, -1.0]
    # the window never reaches into the next text of a chunk
    assert lexicon.transform(["Quarterly profit", "rose sharply"])[:, column].tolist() == [0.0, 0.0]


def test_intensity_strengthens(lexicon):
    assert compound(lexicon, "Stocks suffer record losses") < compound(lexicon, "Stocks suffer losses") < 0


def test_shape_and_empty_text(lexicon):
    out = lexicon.transform(["", "Rupee gains", "!!!"])
    assert out.shape == (3, len(LEXICON_FEATURES))
    assert np.all(out[0] == 0) and np.all(np.abs(out) <= 1)
