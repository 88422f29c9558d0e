"""Evaluation: topic and tone metrics (rendered by ``classifier.figures``), calibration and intervals, the
baselines scored on the same rows (VADER, AFINN, TextBlob, majority, keywords, sentence
embeddings), evaluation reports on disk and their matplotlib figures.

It imports ``classifier.model``, ``classifier.data``, ``classifier.io`` and ``classifier.figures``, never ``predict``,
``trends``, ``serve``, ``workflows`` or ``cli``.
"""

__all__: list[str] = []
