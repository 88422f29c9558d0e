"""Prediction at scale: streaming a file of headlines through a model to a file, in order and in
parallel, and the same on a Dask cluster.

It imports ``classifier.model`` and ``classifier.io``, never ``data``, ``evaluation``, ``trends``
or ``serve``.
"""

__all__: list[str] = []
