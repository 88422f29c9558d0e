"""Feed cleaning: each rule on an invented example, and properties on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.model.cleaning import clean_headline, clean_texts
from classifier.model.tokens import normalise, tokenise_chunk

CLEAN = "Rupee gains 40 paisa against dollar"

EXAMPLES = [
    ("<b>Rupee</b> gains 40 paisa against <i>dollar</i>", CLEAN),  # HTML tags
    (
        "Rupee gains 40 paisa against dollar &amp; euro",
        "Rupee gains 40 paisa against dollar & euro",
    ),  # entities
    ("Rupee\u200b gains 40\u200f paisa against dollar", CLEAN),  # zero-width and bidi marks
    ("Ｒｕｐｅｅ gains 40 paisa against dollar", CLEAN),  # full-width forms (NFKC)
    ("LIVE: Rupee gains 40 paisa against dollar", CLEAN),  # kicker
    ("Opinion | Rupee gains 40 paisa against dollar", CLEAN),
    ("[VIDEO] Rupee gains 40 paisa against dollar", CLEAN),
    ("KARACHI (Reuters) - Rupee gains 40 paisa against dollar", CLEAN),  # dateline with wire tag
    ("(AP) — Rupee gains 40 paisa against dollar", CLEAN),
    ("Rupee gains 40 paisa against dollar - Reuters", CLEAN),  # wire trailer
    ("Rupee gains 40 paisa against dollar | Dawn", CLEAN),
    ("Rupee gains 40 paisa against dollar -TV", CLEAN),
    ("Rupee gains 40 paisa against dollar - Live updates", CLEAN),
    ("Rupee gains 40 paisa against dollar | Updated: Jan 5, 2024 10:32 PKT", CLEAN),  # timestamp
    ("Rupee gains 40 paisa against dollar - 10:32 AM", CLEAN),
    ("Rupee gains 40 paisa against dollar 2 hours ago", CLEAN),
    ("Rupee gains 40 paisa against dollar - By Staff Reporter", CLEAN),  # byline
    ("Rupee gains 40 paisa against dollar By Our Correspondent", CLEAN),
    (
        (
            "Rupee gains 40 paisa against dollar. Traders said demand from importers eased through the "
            "afternoon session as inflows from exporters picked up"
        ),
        CLEAN + ".",
    ),  # a standfirst run into the title
    ("LIVE: Rupee gains 40 paisa against dollar - Reuters | 10:32 PKT", CLEAN),  # stacked clutter
    ("  Rupee   gains\t40 paisa\nagainst dollar ", CLEAN),  # white space
]

UNCHANGED = [
    "Court adjourns hearing in graft case",
    "Newcastle thrashed by Bournemouth",  # "by" + a name is not a byline
    "Govt cuts petrol price by Rs4",
    "Stock recommendations for March 12, 2026",  # a date that is the content
    "Jet fuel prices up 195.50",
    "India-US trade deal: talks resume",
    "Army chief attends cricket final",
    "U.S. and Pakistan agree to talks. What next?",  # a short second sentence stays
]


@pytest.mark.parametrize(("raw", "cleaned"), EXAMPLES)
def test_each_rule_strips_its_clutter(raw, cleaned):
    assert clean_headline(raw) == cleaned


@pytest.mark.parametrize("text", UNCHANGED)
def test_clean_headlines_come_back_unchanged(text):
    assert clean_headline(text) == text


def test_features_see_the_cleaned_text():
    assert normalise("LIVE: Rupee gains - Reuters") == normalise("Rupee gains")
    assert tokenise_chunk(["LIVE: Rupee gains - Reuters"]).unique.tolist() == ["rupee", "gains"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_cleans_without_error_and_cleaning_is_idempotent(text):
    once = clean_headline(text)
    assert isinstance(once, str)
    assert clean_headline(once) == once


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(), st.sampled_from([raw for raw, _ in EXAMPLES])), max_size=8))
def test_a_chunk_cleans_like_each_text_alone(texts):
    assert clean_texts(texts) == [clean_headline(t) for t in texts]


SIGN_BITS = ["|", "•", "·", "<", ">", "&", "[", "(", " - ", " — ", " – ", "-", "By ", "  ", ". ", "? ", "! ", "...",
             "LIVE", "Opinion", "Watch", "x", "y", " ", "\x1e"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(SIGN_BITS), max_size=6).map("".join), max_size=8))
def test_the_chunk_wide_sign_search_flags_what_the_one_pattern_flags(texts):
    import numpy as np

    from classifier.model.cleaning import _SEP, _SIGNS, _sign_positions

    texts = [t.replace(_SEP, " ") for t in texts]
    joined = _SEP + _SEP.join(texts)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    hits = np.asarray(_sign_positions(joined), dtype=np.int64)
    flagged = set((np.searchsorted(starts, hits, side="right") - 1).tolist()) if texts else set()
    assert flagged == {i for i, t in enumerate(texts) if _SIGNS.search(_SEP + t)}


ENDS_BITS = [
    "ago",
    "AM",
    "pm",
    "IST",
    "TV",
    "LIVE",
    "live",
    "7",
    " ",
    "x",
    "é",
    "\u00a0",
    "\t",
    "ﬁ",
    "Ａ",
    "ab",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(ENDS_BITS), max_size=5).map("".join), max_size=8))
def test_the_chunk_wide_checks_refuse_what_each_text_check_refuses(texts):
    import numpy as np

    from classifier.model.cleaning import _SEP, _not_plainly_clean, _plainly_clean

    joined = _SEP + _SEP.join(texts)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    assert _not_plainly_clean(texts, joined, starts) == {
        i for i, t in enumerate(texts) if not _plainly_clean(t)
    }
