"""Input and output: reading tables in chunks with row ids, the formats by suffix, writing
predictions atomically, which input columns a run keeps (``--keep``), and Ctrl-C/SIGTERM handling.

The bottom layer: it imports only ``classifier.config`` and ``classifier.errors``, never ``data``,
``model``, ``evaluation``, ``predict``, ``trends`` or ``serve``.
"""

__all__: list[str] = []
