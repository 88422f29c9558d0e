"""Explanations: what a model leans on is shown the way --explain names it."""

from __future__ import annotations

from classifier.model.explain import topic_head_terms


def test_topic_head_terms_mark_stems_so_they_are_not_read_as_words(tiny_model):
    terms = topic_head_terms(tiny_model, k=40)
    names = [name for listed in terms.values() for name, _ in listed]
    stems = [n for n in names if n.startswith("stem:")]
    assert stems and all(len(n) <= len("stem:") + 5 for n in stems)
    assert all("__" not in n for n in names)
