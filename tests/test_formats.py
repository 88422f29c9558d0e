"""Formats by suffix and row ids: one table and one helper that readers, writers and Dask share."""

from __future__ import annotations

import doctest

import classifier.io.formats
from classifier.io.formats import FORMATS_BY_SUFFIX, OUTPUT_FORMATS, format_by_suffix, row_ids
from classifier.io.readers import detect_format
from classifier.io.writers import output_format_for


def test_readers_and_writers_name_formats_from_the_one_table():
    for suffix, fmt in FORMATS_BY_SUFFIX.items():
        assert detect_format(f"feed{suffix}") == fmt
        assert detect_format(f"feed{suffix.upper()}.gz") == fmt
        written = output_format_for(f"out{suffix}", None, is_terminal=False)
        assert written == (fmt if fmt in OUTPUT_FORMATS else "csv")


def test_row_ids_are_one_based_text_and_continue_after_start():
    assert row_ids(0) == []
    assert row_ids(3) == ["1", "2", "3"]
    assert row_ids(2, start=5) == ["6", "7"]
    assert format_by_suffix("x.unknown") is None


def test_docstring_examples_run():
    assert doctest.testmod(classifier.io.formats).failed == 0
