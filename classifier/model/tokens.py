"""Headline text to word tokens: normalising, stemming and tokenising a chunk at once.

Every feature view (the TF-IDF views, the lexicon, the semantic view) reads the same normalised
word tokens. This module needs only the standard library and numpy, so the prediction path can
tokenise without importing scikit-learn or pandas.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from classifier.config import STRAIGHT_QUOTES, WORD_PATTERN
from classifier.model.cleaning import clean_headline, clean_texts

__all__ = [
    "SEPARATOR",
    "WORD_PATTERN",
    "ChunkTokens",
    "fold",
    "normalise",
    "raw_tokens",
    "settle_tokens",
    "stem_words",
    "tokenise_chunk",
    "word_stems",
]

_DIGITS = re.compile(r"\d+")


def normalise(text: str) -> str:
    """Clean feed clutter, lower-case, straighten quotes and fold every number to 0."""
    return fold(clean_headline(text))


def fold(text: str) -> str:
    """Lower-case, straighten quotes and fold every number to 0, so figures generalise."""
    for curly, straight in STRAIGHT_QUOTES:  # chained str.replace: faster than str.translate here
        if curly in text:
            text = text.replace(curly, straight)
    return _DIGITS.sub("0", text.lower())


_LONG_WORD = re.compile(r"\b([a-z]{5})[a-z]+")


def _first_five(match: re.Match) -> str:
    return match.group(1)  # a function replacement runs faster than the template r"\1"


def stem_words(text: str) -> str:
    """Cut each word of normalised text to its first five letters: a crude, fast stemmer."""
    return _LONG_WORD.sub(_first_five, text)


def word_stems(text: str) -> str:
    """Normalise, then stem: the preprocessor of the stems view."""
    return stem_words(normalise(text))


# Joins the texts of a chunk. Not a word character, so it never sits inside a token, and
# normalising maps it to itself; texts that contain it have it replaced by a space first.
SEPARATOR = "\x1e"  # ASCII record separator; not "\\x00", which numpy strips from str scalars
# WORD_PATTERN rewritten without boundary checks, which makes it a fifth faster; it finds the
# same tokens (tests compare the two on arbitrary text).
_CHUNK_TOKENS = re.compile(r"\w+(?:['&]+\w+)*|" + SEPARATOR)


@dataclass(frozen=True)
class ChunkTokens:
    """The normalised word tokens of a chunk of texts, factorised: what every feature view reads.

    `unique[codes]` is the token sequence of the whole chunk, with the SEPARATOR token before the
    tokens of each text after the first.
    """

    unique: np.ndarray  # distinct tokens in order of first appearance (object array)
    codes: np.ndarray  # for each token position, its index into `unique`
    doc: np.ndarray  # for each token position, the index of its text
    n_texts: int


# ASCII text splits faster than a regex finds its words: every byte that is no word character,
# apostrophe or ampersand becomes a space (the separator stays), then str.split. What the regex
# does differently, dropping apostrophes and ampersands at a word's ends and folding numbers, is
# then done once per distinct token (`settle_tokens`), not over the whole text.
# str.split takes the separator for white space, so it travels as "\x01" (which the text cannot keep).
_SPLIT_MARK = "\x01"
_ASCII_WORDS = bytes(
    1 if chr(b) == SEPARATOR else b if b < 128 and (chr(b).isalnum() or chr(b) in "_'&") else 32
    for b in range(256)
)
_WORD_EDGES = re.compile(r"(?m)^['&]+|['&]+$")


def _ascii_found(joined: str) -> list[str]:
    """Raw tokens of ASCII text: lower-cased, numbers not folded, edge apostrophes and ampersands kept."""
    spaced = joined.lower().replace(SEPARATOR, f" {SEPARATOR} ")
    return spaced.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()


def _chunk_found(texts: list[str]) -> list[str]:
    """Raw tokens of a chunk's texts (without the separator), a separator token between texts.

    Runs of ASCII texts take the split path, other texts the regex over folded text; both kinds
    of token come out right after `settle_tokens`.
    """
    joined = SEPARATOR.join(texts)
    if joined.isascii():
        return _ascii_found(joined)
    found: list[str] = []
    for k, (ascii_, run) in enumerate(itertools.groupby(texts, key=str.isascii)):
        part = SEPARATOR.join(run)
        if k:
            found.append(SEPARATOR)
        found.extend(_ascii_found(part) if ascii_ else _CHUNK_TOKENS.findall(fold(part)))
    return found


def settle_tokens(tokens: list[str]) -> list[str]:
    """Distinct raw tokens as WORD_PATTERN over folded text gives them ('' for none)."""
    joined = "\n".join(tokens).replace(_SPLIT_MARK, SEPARATOR)
    if "'" in joined or "&" in joined:
        joined = _WORD_EDGES.sub("", joined)
    return _DIGITS.sub("0", joined).split("\n")


def raw_tokens(texts: list[str]) -> list[str]:
    """A chunk's raw tokens, feed cleaning included, a separator token between texts.

    `settle_tokens` makes each distinct raw token what WORD_PATTERN finds in normalised text (or
    '' where it finds nothing): a caller that remembers raw tokens settles each one once.
    """
    texts = clean_texts([str(t) for t in texts])
    if SEPARATOR.join(texts).count(SEPARATOR) != max(len(texts) - 1, 0):
        texts = [t.replace(SEPARATOR, " ") for t in texts]
    return _chunk_found(texts)


def tokenise_chunk(texts: list[str]) -> ChunkTokens:
    """Tokenise a chunk at once: one normalise and one pass over the joined texts.

    Equal to WORD_PATTERN over `normalise(text)` for each text (feed cleaning included). Stemming
    commutes with it (it only shortens letter runs inside tokens), so the stems view reuses these
    tokens.
    """
    found = raw_tokens(texts)
    # dict.fromkeys keeps first appearances in order; both passes run at C speed
    index = {token: i for i, token in enumerate(dict.fromkeys(found))}
    codes = np.fromiter(map(index.__getitem__, found), dtype=np.intp, count=len(found))
    names = list(index)
    settled = settle_tokens(names)
    if settled != names:  # raw tokens that fold together ("2" and "3"), or vanish (a lone "&")
        merged: dict[str, int] = {}
        remap = np.fromiter((merged.setdefault(t, len(merged)) if t else -1 for t in settled), np.intp,
                            len(settled))  # fmt: skip
        codes = remap[codes]
        codes = codes[codes >= 0]
        names = list(merged)
    unique = np.empty(len(names), dtype=object)
    unique[:] = names
    doc = np.cumsum((unique == SEPARATOR)[codes])  # the separator token starts each next text
    return ChunkTokens(unique=unique, codes=codes, doc=doc, n_texts=len(texts))
