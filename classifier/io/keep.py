"""Which input columns a prediction run carries through, checked once before any work, and where they go.

`headlines predict` keeps the input's other columns (outlet, date, url, ...) beside the predictions
so that they can be summarised later. This module only decides names and places columns; reading
them is `classifier.io.readers`'s job (`iter_headlines(..., keep=...)`), and every kept cell is text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from classifier.config import ID_COLUMN, PREDICTION_COLUMNS, REASON_COLUMNS, TEXT_COLUMN
from classifier.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KEEP_ALL", "KEEP_NONE", "output_names", "resolve_keep", "with_kept"]

KEEP_ALL = "all"
KEEP_NONE = "none"


def output_names(explain: int = 0) -> tuple[str, ...]:
    """Every column `predict` writes itself: id, headline, the predictions and, with explain, reasons.

    Examples
    --------
    >>> output_names()[:3]
    ('id', 'headline', 'topic')
    """
    return (ID_COLUMN, TEXT_COLUMN, *PREDICTION_COLUMNS, *(REASON_COLUMNS if explain else ()))


def resolve_keep(
    spec: str | None,
    columns: list[str],
    text_column: str | None = None,
    explain: int = 0,
    source: str = "input",
) -> tuple[str, ...]:
    """The input columns to keep, in input order; fails on an unknown name or a clash.

    Parameters
    ----------
    spec
        ``"all"`` (or None): every column but the id and the text column; ``"none"``: nothing
        (the output of earlier versions); otherwise names separated by commas.
    columns
        The input's columns in order (``classifier.io.readers.input_columns``).
    text_column
        The column the headlines are read from (default ``headline``); it becomes ``headline``.
    explain
        Whether reason columns will be written (they may clash too).
    source
        The input's name, for messages.

    Returns
    -------
    tuple of str
        Names to keep, in the order the input has them.

    Raises
    ------
    InputError
        A named column is not in the input, or a kept column has the name of an output column.

    Examples
    --------
    >>> resolve_keep("all", ["id", "headline", "outlet", "date"])
    ('outlet', 'date')
    >>> resolve_keep("date", ["headline", "outlet", "date"])
    ('date',)
    >>> resolve_keep("none", ["headline", "outlet"])
    ()
    """
    text_column = text_column or TEXT_COLUMN
    if spec is None or spec.strip() == KEEP_ALL:
        kept = [c for c in columns if c not in (ID_COLUMN, text_column)]
    elif spec.strip() == KEEP_NONE:
        kept = []
    else:
        names = list(dict.fromkeys(n.strip() for n in spec.split(",") if n.strip()))
        for name in names:
            if name not in columns:
                shown = ", ".join(repr(c) for c in columns[:20]) or "(none)"
                raise InputError(f"{source}: --keep {name!r}: no such column (columns: {shown})")
        # already in the output: the id, and the headline when it is read from `headline`
        already = {ID_COLUMN, TEXT_COLUMN} if text_column == TEXT_COLUMN else {ID_COLUMN}
        kept = [c for c in columns if c in names and c not in already]
    clashes = [c for c in kept if c in output_names(explain)]
    if clashes:
        raise InputError(
            f"{source}: input column {clashes[0]!r} has the name of an output column of predict; "
            "rename it, or choose the columns to keep with --keep COL,... (or --keep none)"
        )
    return tuple(kept)


def with_kept(predictions: pd.DataFrame, chunk: pd.DataFrame) -> pd.DataFrame:
    """Put a chunk's kept columns between the predictions' id and headline and their other columns.

    Examples
    --------
    >>> import pandas as pd
    >>> chunk = pd.DataFrame({"id": ["1"], "headline": ["h"], "outlet": ["Dawn"]})
    >>> predicted = pd.DataFrame({"id": ["1"], "headline": ["h"], "topic": ["other"]})
    >>> list(with_kept(predicted, chunk).columns)
    ['id', 'headline', 'outlet', 'topic']
    """
    extra = [c for c in chunk.columns if c not in (ID_COLUMN, TEXT_COLUMN)]
    if not extra:
        return predictions
    import pandas as pd

    head = [ID_COLUMN, TEXT_COLUMN]
    rest = predictions.drop(columns=head)
    return pd.concat([predictions[head], chunk[extra].set_axis(predictions.index), rest], axis=1)
