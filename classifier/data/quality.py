"""Corpus quality checks: near-duplicate headlines and the variety of their openings."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from classifier import config
from classifier.config import STRAIGHT_QUOTES, TEXT_COLUMN, TONE_COLUMN, TOPIC_COLUMN, WORD_PATTERN
from classifier.data.explore import opening_shares, topic_tone_table

__all__ = [
    "NEAR_DUPLICATE_JACCARD",
    "POOL_CONTAINED_TRIGRAMS",
    "POOL_OVERLAP_JACCARD",
    "corpus_report",
    "floor_problems",
    "near_duplicate_report",
    "near_duplicates",
    "pool_overlaps",
    "pool_problems",
]

NEAR_DUPLICATE_JACCARD = 0.6
POOL_OVERLAP_JACCARD = 0.5  # a corpus row this close to a real headline is too close to be original
# A corpus row holding every word trigram of a real headline this long or longer (4 trigrams: six
# words) holds that headline whole, however many words it adds around it (the Jaccard misses a
# short headline inside a long row). Shorter real headlines are stock phrases (an explainer's
# standard title, a festival greeting) that original rows may share.
POOL_CONTAINED_TRIGRAMS = 4


def _plain(text: str) -> str:
    """Lower-cased, quotes and dashes straightened: a copy with typographic quotes is still a copy."""
    for curly, straight in STRAIGHT_QUOTES:
        text = text.replace(curly, straight)
    return text.lower()


def _trigrams() -> CountVectorizer:
    return CountVectorizer(ngram_range=(3, 3), binary=True, preprocessor=_plain, token_pattern=WORD_PATTERN)


def near_duplicates(texts: list[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> pd.DataFrame:
    """Pairs of texts whose word-trigram sets overlap with Jaccard above `threshold`."""
    try:
        shingles = _trigrams().fit_transform(texts).astype(np.int32)
    except ValueError:  # no text has three words
        return pd.DataFrame(columns=["row_a", "row_b", "jaccard"])
    sizes = np.asarray(shingles.sum(axis=1)).ravel()
    overlap = (shingles @ shingles.T).tocoo()
    upper = overlap.row < overlap.col
    rows, cols, shared = overlap.row[upper], overlap.col[upper], overlap.data[upper]
    jaccard = shared / (sizes[rows] + sizes[cols] - shared)
    keep = jaccard > threshold
    pairs = pd.DataFrame({"row_a": rows[keep] + 1, "row_b": cols[keep] + 1, "jaccard": jaccard[keep]})
    return pairs.sort_values(["row_a", "row_b"]).reset_index(drop=True)


def pool_overlaps(texts: list[str], pool: list[str], threshold: float = POOL_OVERLAP_JACCARD,
                  contained_trigrams: int = POOL_CONTAINED_TRIGRAMS) -> pd.DataFrame:  # fmt: skip
    """Rows of `texts` whose word-trigram Jaccard with some `pool` text is at least `threshold`, or
    that hold every trigram of a pool text of at least `contained_trigrams` trigrams.

    Returns the 1-based row, the index of the closest pool text, the Jaccard, and `contained`:
    whether the row is flagged only for holding that pool text whole (its Jaccard under
    `threshold`). Used to keep real headlines (and close paraphrases of them) out of an authored
    corpus.
    """
    vectorizer = _trigrams()
    try:
        ours = vectorizer.fit_transform(texts).astype(np.int32)
    except ValueError:
        return pd.DataFrame(columns=["row", "pool_index", "jaccard", "contained"])
    analyse = vectorizer.build_analyzer()
    theirs = vectorizer.transform(pool).astype(np.int32)  # only trigrams the texts share count here ...
    pool_sizes = np.fromiter((len(set(analyse(t))) for t in pool), np.int64, len(pool))  # ... all count here
    sizes = np.asarray(ours.sum(axis=1)).ravel()
    overlap = (ours @ theirs.T).tocoo()
    jaccard = overlap.data / (sizes[overlap.row] + pool_sizes[overlap.col] - overlap.data)
    contained = (overlap.data == pool_sizes[overlap.col]) & (pool_sizes[overlap.col] >= contained_trigrams)
    close = jaccard >= threshold
    keep = close | contained
    found = pd.DataFrame({"row": overlap.row[keep] + 1, "pool_index": overlap.col[keep], "jaccard": jaccard[keep],
                          "contained": (contained & ~close)[keep]})  # fmt: skip
    found = found.sort_values(["row", "jaccard"], ascending=[True, False]).drop_duplicates("row")
    return found.reset_index(drop=True)


def near_duplicate_report(frame: pd.DataFrame, threshold: float = NEAR_DUPLICATE_JACCARD) -> pd.DataFrame:
    """Near-duplicate pairs with both headlines, for review (row numbers are 1-based)."""
    pairs = near_duplicates(frame[TEXT_COLUMN].tolist(), threshold)
    texts = frame[TEXT_COLUMN].to_numpy()
    return pairs.assign(
        headline_a=texts[pairs["row_a"].to_numpy(dtype=int) - 1] if len(pairs) else [],
        headline_b=texts[pairs["row_b"].to_numpy(dtype=int) - 1] if len(pairs) else [],
    )


def floor_problems(frame: pd.DataFrame) -> list[str]:
    """Every way the corpus falls short of the floors in config (empty when it meets them all)."""
    problems = []
    if len(frame) < config.CORPUS_MIN_ROWS:
        problems.append(f"{len(frame)} rows, fewer than {config.CORPUS_MIN_ROWS}")
    counts = frame[TOPIC_COLUMN].value_counts()
    for topic, floor in config.CORPUS_MIN_PER_TOPIC.items():
        if counts.get(topic, 0) < floor:
            problems.append(f"topic {topic}: {counts.get(topic, 0)} rows, fewer than {floor}")
    shares = frame[TONE_COLUMN].value_counts(normalize=True)
    for value in config.TONE_VALUES:
        if shares.get(value, 0.0) < config.CORPUS_MIN_TONE_SHARE:
            problems.append(
                f"tone {value:+g}: {shares.get(value, 0.0):.1%} of rows, under {config.CORPUS_MIN_TONE_SHARE:.0%}"
            )
    for topic in config.TOPICS:
        tones = frame.loc[frame[TOPIC_COLUMN] == topic, TONE_COLUMN]
        if not ((tones < 0).any() and (tones == 0).any() and (tones > 0).any()):
            problems.append(f"topic {topic}: lacks negative, neutral or positive rows")
    if "note" in frame.columns:
        rules = frame["note"].fillna("").astype(str).str.extract(r"rule (\d+)")[0].dropna().astype(int)
        counts = rules.value_counts()
        for rule in range(1, 6):
            if counts.get(rule, 0) < config.CORPUS_MIN_HARD_CASES_PER_RULE:
                problems.append(
                    f"rule {rule}: {counts.get(rule, 0)} hard cases, fewer than {config.CORPUS_MIN_HARD_CASES_PER_RULE}"
                )
    openings = opening_shares(frame, top=1)
    for key, limit in (("first_word", config.CORPUS_MAX_FIRST_WORD_SHARE),
                       ("first_two_words", config.CORPUS_MAX_FIRST_TWO_WORDS_SHARE)):  # fmt: skip
        if openings[key] and openings[key][0][1] > limit:
            word, share = openings[key][0]
            problems.append(f"opening {word!r} starts {share:.1%} of rows, over {limit:.0%}")
    pairs = near_duplicates(frame[TEXT_COLUMN].tolist())
    for row in pairs.head(20).itertuples(index=False):
        problems.append(
            f"rows {row.row_a} and {row.row_b}: near-duplicates (trigram Jaccard {row.jaccard:.2f})"
        )
    if len(pairs) > 20:
        problems.append(f"... and {len(pairs) - 20} more near-duplicate pairs")
    return problems


def pool_problems(frame: pd.DataFrame, pool: list[str]) -> list[str]:
    """A problem line for every corpus row too close to a real headline of the pool."""
    found = pool_overlaps(frame[TEXT_COLUMN].tolist(), pool)
    ids = frame["id"].astype(str).to_numpy() if "id" in frame.columns else None
    return [
        f"row {row.row}{f' (id {ids[row.row - 1]})' if ids is not None else ''}: "
        + ("holds a real headline of the pool whole" if row.contained
           else f"within word-trigram Jaccard {row.jaccard:.2f} of a real headline in the pool")
        + f" (pool row {row.pool_index + 1})"
        for row in found.itertuples(index=False)
    ]  # fmt: skip


def corpus_report(frame: pd.DataFrame) -> str:
    """Counts per topic, tone and topic-by-tone, openings and hard cases, as plain text."""
    table = topic_tone_table(frame)
    openings = opening_shares(frame, top=3)
    lines = [f"rows: {len(frame)}", "topic by tone:", table.to_string()]
    lines.append("tone shares: " + ", ".join(
        f"{v:+g} {s:.1%}" for v, s in frame[TONE_COLUMN].value_counts(normalize=True).sort_index().items()))  # fmt: skip
    lines.append("most common first words: " + ", ".join(f"{w!r} {s:.1%}" for w, s in openings["first_word"]))
    lines.append(
        "most common two-word openings: "
        + ", ".join(f"{w!r} {s:.1%}" for w, s in openings["first_two_words"])
    )
    if "note" in frame.columns:
        rules = frame["note"].fillna("").astype(str).str.extract(r"rule (\d+)")[0].dropna().astype(int)
        lines.append(
            "hard cases by codebook rule: "
            + ", ".join(f"{r}: {n}" for r, n in rules.value_counts().sort_index().items())
        )
    if "topic_alt" in frame.columns:
        lines.append(f"rows with topic_alt: {(frame['topic_alt'].fillna('').astype(str) != '').sum()}")
    return "\n".join(lines)
