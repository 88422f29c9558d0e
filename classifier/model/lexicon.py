"""Word valences the tone model starts from: VADER and AFINN, corrected for the regional press.

VADER and AFINN are general-purpose lexicons: they read "Nifty" as praise, and know nothing of
"martyred", "hartal" or "IBO". The project's own entries below correct that. Values use VADER's
scale, -4 (worst) to +4 (best). The lexicons are read once, at training time, and copied into the
fitted model, so predicting needs neither package.
"""

from __future__ import annotations

from importlib import resources

__all__ = [
    "BAD_QUANTITIES",
    "FAILURE_WORDS",
    "FALL_WORDS",
    "GOOD_QUANTITIES",
    "GROWTH_WORDS",
    "INDEX_NAMES",
    "INTENSIFIERS",
    "NEGATORS",
    "NEUTRAL_NAMES",
    "NEWS_VALENCES",
    "RISE_WORDS",
    "SHRINK_WORDS",
    "afinn_lexicon",
    "corrected",
    "vader_lexicon",
]

# Names of indices, exchanges, currencies and places that general lexicons score as sentiment
# ("nifty" is praise in VADER) but that carry none in a headline.
NEUTRAL_NAMES: tuple[str, ...] = (
    "nifty", "sensex", "kse", "kse-100", "psx", "dsex", "dse", "cse", "aspi", "nepse", "nasdaq", "dow",
    "ftse", "nikkei", "hang", "seng", "kospi", "dax", "cac", "s&p", "bse", "nse", "sbp", "rbi", "fed",
    "ecb", "imf", "rupee", "taka", "dollar", "yuan", "gold", "silver", "crude", "brent", "bull",
    "bear", "bulls", "bears", "share", "shares", "stock", "stocks", "united", "pakistan", "india",
    "china", "iran", "gaza", "kashmir", "majesty", "pretty", "super", "grand", "trump", "gallant",
)  # fmt: skip

# Stock indices and exchanges, and the region's currencies: no valence of their own, but a
# quantity that is good to have more of ("Nifty falls 300 points", "rupee gains").
INDEX_NAMES: tuple[str, ...] = (
    "nifty", "sensex", "kse", "psx", "dsex", "dse", "cse", "aspi", "nepse", "nasdaq", "dow", "ftse",
    "nikkei", "seng", "kospi", "dax", "cac", "s&p", "bse", "nse", "rupee", "taka",
)  # fmt: skip

# Regional and news vocabulary, scored as the press means it (VADER scale).
NEWS_VALENCES: dict[str, float] = {
    # violence and security
    "martyred": -3.0, "martyrdom": -2.5, "shaheed": -2.5, "militant": -2.0, "militants": -2.0,
    "militancy": -2.0, "terrorist": -3.0, "terrorists": -3.0, "terror": -3.0, "khwarij": -2.5,
    "insurgents": -2.0, "insurgency": -2.0, "clash": -2.0, "clashes": -2.0, "shelling": -3.0,
    "shelled": -3.0, "airstrike": -3.0, "airstrikes": -3.0, "drone": -1.0, "blast": -3.0,
    "blasts": -3.0, "bombing": -3.2, "bombed": -3.0, "explosion": -2.8, "ied": -2.8,
    "suicide": -3.2, "gunmen": -2.5, "encounter": -1.5, "curfew": -2.0, "hartal": -1.5,
    "bandh": -1.5, "shutdown": -1.5, "toll": -2.0, "casualties": -3.0, "wounded": -2.5,
    "injured": -2.3, "dead": -3.3, "killed": -3.5, "kills": -3.5, "slain": -3.5, "massacre": -3.8,
    "carnage": -3.6, "bloodbath": -3.6, "mayhem": -3.0, "abducted": -2.8, "kidnapped": -2.8,
    "hostage": -2.3, "hostages": -2.3, "arrested": -1.5, "arrests": -1.3, "detained": -1.5,
    "raid": -1.0, "raids": -1.0, "ibo": -1.3, "crackdown": -1.5, "infiltration": -2.0,
    "incursion": -2.0, "offensive": -2.0, "escalation": -2.3, "retaliates": -2.0,
    "retaliation": -2.0, "ceasefire": 0.8, "truce": 1.2, "foiled": 1.5, "foils": 1.5,
    "busted": 1.0, "rescued": 2.2, "freed": 2.0, "released": 1.0, "defused": 1.8,
    "recovered": 1.0, "surrender": 0.5, "surrendered": 0.5, "peace": 2.5, "peaceful": 2.3,
    # disasters and health
    "flood": -2.0, "floods": -2.0, "flooding": -2.0, "quake": -2.5, "earthquake": -2.5,
    "landslide": -2.5, "landslides": -2.5, "cyclone": -2.3, "heatwave": -1.8, "smog": -1.8,
    "drought": -2.2, "dengue": -2.0, "cholera": -2.3, "outbreak": -2.3, "derails": -2.5,
    "plunges": -2.5, "stampede": -3.0, "wildfire": -2.5, "tremor": -1.0, "tremors": -1.0,
    # markets: direction words carry the tone, names carry none
    "gains": 1.5, "gained": 1.5, "rises": 1.3, "rose": 1.3, "climbs": 1.5, "jumps": 1.8,
    "soars": 2.5, "surges": 2.3, "rallies": 2.0, "rally": 1.8, "advances": 1.3, "recovers": 1.8,
    "rebounds": 1.8, "firms": 0.8, "strengthens": 1.5, "appreciates": 1.5, "upbeat": 1.8,
    "bullish": 1.8, "profit": 1.3, "profits": 1.3, "growth": 1.5, "surplus": 1.5, "upgrade": 1.8,
    "upgrades": 1.8, "record-high": 2.0, "falls": -1.5, "fell": -1.5, "drops": -1.5,
    "dropped": -1.5, "declines": -1.5, "dips": -1.0, "slides": -1.8, "slips": -1.2, "sheds": -1.8,
    "loses": -1.8, "tumbles": -2.3, "plunge": -2.5, "plummets": -2.8, "slumps": -2.3,
    "slump": -2.3, "sinks": -2.0, "crashes": -2.8, "weakens": -1.5, "depreciates": -1.5,
    "bearish": -1.8, "losses": -1.8, "deficit": -1.5, "inflation": -1.0, "default": -2.5,
    "downgrade": -1.8, "downgrades": -1.8, "layoffs": -2.0, "bankruptcy": -2.8, "insolvency": -2.5,
    "selloff": -2.0, "sell-off": -2.0, "record-low": -2.0, "slowdown": -1.5, "recession": -2.5,
    # diplomacy
    "summons": -1.0, "summoned": -1.0, "expels": -1.8, "expelled": -1.8, "condemns": -1.8,
    "condemned": -1.8, "protests": -1.3, "walkout": -1.5, "sanctions": -1.5, "accord": 1.8,
    "pact": 1.3, "mou": 1.0, "agreement": 1.2, "agree": 1.2, "agreed": 1.2, "felicitates": 1.5,
    "congratulates": 2.0, "condolences": -1.5, "condoles": -1.5, "landmark": 2.3, "historic": 1.5,
    "breakthrough": 2.8, "ties": 0.3, "cooperation": 1.5, "collapse": -2.5, "collapses": -2.5,
    "stall": -1.5, "stalls": -1.5, "deadlock": -1.8, "succeed": 2.2, "succeeds": 2.2,
    "fail": -1.8, "fails": -1.8, "failed": -1.8, "unable": -1.3, "misses": -1.0, "missed": -1.0,
}  # fmt: skip

# Words that reverse what follows: "not satisfied" is negative, "averts crisis" positive.
NEGATORS: frozenset[str] = frozenset(
    {"not", "no", "never", "without", "nor", "neither", "cannot", "can't", "won't", "don't",
     "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "hasn't", "haven't", "denies",
     "lack", "lacks", "halts", "averts", "averted"}
)  # fmt: skip
# Words that undo only good news: "fails to win" is bad, but "fails to stop attack" is bad too.
FAILURE_WORDS: frozenset[str] = frozenset({"fail", "fails", "failed", "unable", "misses", "missed"})
INTENSIFIERS: frozenset[str] = frozenset(
    {"record", "massive", "sharply", "steep", "biggest", "worst", "highest", "lowest", "huge",
     "historic", "deadliest", "heavy", "heavily", "major", "severe", "all-time", "sharp", "big"}
)  # fmt: skip
# Direction words read next to a figure ("gains 40 paisa", "sheds 1,200 points", "up 3pc").
RISE_WORDS: frozenset[str] = frozenset(
    {"up", "higher", "rise", "rises", "rose", "gain", "gains", "gained", "adds", "added", "climbs",
     "jumps", "surges", "soars", "rallies", "advances", "recovers", "rebounds", "increase", "+"}
)  # fmt: skip
FALL_WORDS: frozenset[str] = frozenset(
    {"down", "lower", "fall", "falls", "fell", "drop", "drops", "sheds", "shed", "loses", "lost",
     "slides", "slips", "dips", "declines", "plunges", "tumbles", "slumps", "sinks", "decrease", "-"}
)  # fmt: skip


# Financial reporting: a direction word near a quantity that is good or bad to have more of.
# "profit rose", "sales fell", "loss narrowed", "costs widened", "cuts 500 jobs". Unlike the
# figure rule above these read past a figure ("rose to EUR 13.1 mn"), and a fall of a bad
# quantity is good news.
GROWTH_WORDS: frozenset[str] = frozenset(
    {"up", "higher", "rise", "rises", "rose", "risen", "rising", "gain", "gains", "gained", "add",
     "adds", "added", "climb", "climbs", "climbed", "jump", "jumps", "jumped", "surge", "surges",
     "surged", "soar", "soars", "soared", "increase", "increases", "increased", "grow", "grows",
     "grew", "grown", "improve", "improves", "improved", "double", "doubles", "doubled", "widen",
     "widens", "widened", "expand", "expands", "expanded", "boost", "boosts", "boosted", "record"}
)  # fmt: skip
SHRINK_WORDS: frozenset[str] = frozenset(
    {"down", "lower", "fall", "falls", "fell", "fallen", "falling", "drop", "drops", "dropped",
     "decline", "declines", "declined", "decrease", "decreases", "decreased", "dip", "dips", "dipped",
     "slide", "slides", "slid", "slip", "slips", "slipped", "shed", "sheds", "lose", "loses", "lost",
     "plunge", "plunges", "plunged", "tumble", "tumbles", "tumbled", "slump", "slumps", "slumped",
     "shrink", "shrinks", "shrank", "narrow", "narrows", "narrowed", "cut", "cuts", "halve",
     "halved", "weaken", "weakens", "weakened", "reduce", "reduces", "reduced", "contract",
     "contracts", "contracted"}
)  # fmt: skip
GOOD_QUANTITIES: frozenset[str] = frozenset(
    {"profit", "profits", "sales", "revenue", "revenues", "income", "earnings", "turnover", "orders",
     "margin", "margins", "ebit", "ebitda", "eps", "dividend", "dividends", "output", "exports",
     "demand", "bookings", "shipments", "deliveries", "production", "remittances", "reserves",
     "investment", "investments", "surplus", "gdp", "growth", "shares", "stock", "stocks", "index",
     "value", "valuation", "volumes", "traffic", "subscribers", "customers", "jobs", "employment",
     *INDEX_NAMES}
)  # fmt: skip
BAD_QUANTITIES: frozenset[str] = frozenset(
    {"loss", "losses", "cost", "costs", "debt", "debts", "deficit", "unemployment", "inflation",
     "layoffs", "arrears", "npl", "npls", "defaults", "writedown", "writedowns", "impairment",
     "impairments", "provisions", "jobless", "liabilities", "expenses"}
)  # fmt: skip


def _read_tab_lexicon(text: str, value_column: int) -> dict[str, float]:
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) > value_column and " " not in parts[0]:
            try:
                lexicon[parts[0].lower()] = float(parts[value_column])
            except ValueError:
                continue
    return lexicon


def vader_lexicon() -> dict[str, float]:
    """VADER's word valences (scale -4..4), read from the installed vaderSentiment package."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    return _read_tab_lexicon(text, 1)


def afinn_lexicon() -> dict[str, float]:
    """AFINN-165 word valences (scale -5..5), read from the installed afinn package."""
    text = resources.files("afinn").joinpath("data/AFINN-en-165.txt").read_text(encoding="utf-8")
    return _read_tab_lexicon(text, 1)


def corrected(lexicon: dict[str, float], scale: float = 1.0) -> dict[str, float]:
    """A general lexicon with index and place names set to zero and news words rescored."""
    out = {word: value for word, value in lexicon.items() if word not in NEUTRAL_NAMES}
    for word, value in NEWS_VALENCES.items():
        out[word] = value * scale
    return out
