"""Labelled data: loading and validating the corpus, importers for public labelled sets and the
real labels, and the corpus checks (quality floors, openings, near-duplicates, summaries).

Corpus checks need no model: this package imports ``classifier.io`` (and ``config``, ``errors``)
only, never ``model``, ``evaluation``, ``predict``, ``trends`` or ``serve``.
"""

__all__: list[str] = []
