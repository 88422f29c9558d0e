"""Trends in predicted files: summaries per group and time bucket and the spikes in them
(``summary``, no disk, no drawing), reading predictions and writing summaries and reports
(``files``), and the trends plot (``plots``).

It imports ``classifier.io`` (and ``config``, ``errors``), never ``model``, ``data``,
``evaluation``, ``predict`` or ``serve``.
"""

__all__: list[str] = []
