"""Topic and tone of South Asian news headlines: TF-IDF features, a semantic view and linear models.

The public surface, imported on first use (so ``import classifier`` and the command line start
fast):

- `HeadlineModel`: a scikit-learn estimator; ``fit(texts, topics, tones)``, ``predict(texts)``
  (a DataFrame), ``predict_proba``, ``score_tone``, ``save(path)``, ``HeadlineModel.load(path)``.
- `train`, `evaluate`, `predict_file`, `load_corpus`: the workflows the command line runs.
- The errors, each with a one-line message and an exit code (`EXIT_CODES`).

Examples
--------
>>> import classifier
>>> sorted(classifier.__all__)[:3]
['DataError', 'EXIT_CODES', 'HeadlineModel']
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

from classifier import errors as _errors  # small, no dependencies

_API = {
    "HeadlineModel": "classifier.model.heads",
    "train": "classifier.api",
    "evaluate": "classifier.api",
    "predict_file": "classifier.api",
    "load_corpus": "classifier.api",
}
_PUBLIC = {**_API, **dict.fromkeys(_errors.__all__, "classifier.errors")}

__all__ = [*_API, *_errors.__all__]  # noqa: PLE0604  (names, spelled out in errors.__all__)


def __getattr__(name: str):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'classifier' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
