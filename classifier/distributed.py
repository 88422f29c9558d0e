"""Predicting a Dask DataFrame partition by partition, for feeds larger than one machine handles.

Dask is an optional extra: `pip install 'headlines-classifier[dask]'`. Each worker loads the
model file once (the path, not the model, travels to the workers) and predicts its partitions;
partition order, and so row order, is kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import ID_COLUMN, TEXT_COLUMN
from classifier.errors import InputError
from classifier.model import PREDICTION_COLUMNS, REASON_COLUMNS

INSTALL_HINT = "the dask engine needs Dask: pip install 'headlines-classifier[dask]'"


def require_dask():
    """Import dask.dataframe, or fail with how to install it."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return dd


def output_meta(explain: int = 0, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty frame with the prediction columns and their dtypes, as Dask needs."""
    # Text as pandas "string" (not object): Dask fills object meta with sentinels Arrow cannot write.
    columns = {ID_COLUMN: pd.Series(dtype="string"), TEXT_COLUMN: pd.Series(dtype="string")}
    columns.update({name: pd.Series(dtype="string") for name in keep})  # kept input columns, as text
    for name in PREDICTION_COLUMNS + (REASON_COLUMNS if explain else ()):
        text = name in ("topic", "topic_alt", "tone_label", *REASON_COLUMNS)
        columns[name] = pd.Series(dtype="string" if text else np.float64)
    return pd.DataFrame(columns)


def _predict_partition(
    part: pd.DataFrame, model_path: str, column: str, offsets: list[int] | None, explain: int,
    min_confidence: float | None, keep: tuple[str, ...] = (), partition_info: dict | None = None,
) -> pd.DataFrame:  # fmt: skip
    from classifier.io import kept_text
    from classifier.keep import with_kept
    from classifier.model import predict_frame
    from classifier.predict import _model_from_file, serialise_reasons

    if ID_COLUMN in part.columns:
        ids = part[ID_COLUMN].astype(str).tolist()
    else:
        start = offsets[partition_info["number"]] if offsets and partition_info else 0
        ids = [str(i) for i in range(start + 1, start + 1 + len(part))]
    frame = pd.DataFrame(
        {ID_COLUMN: ids, TEXT_COLUMN: part[column].fillna("").astype(str).tolist()}, dtype=object
    )
    for name in keep:
        frame[name] = kept_text(part[name])
    out = with_kept(predict_frame(_model_from_file(model_path), frame, explain, min_confidence), frame)
    return serialise_reasons(out).astype(output_meta(explain, keep).dtypes.to_dict())


def predict_dask(
    frame,
    model_path: str | Path,
    column: str = TEXT_COLUMN,
    explain: int = 0,
    min_confidence: float | None = None,
    keep: tuple[str, ...] = (),
):
    """Lazily predict every row of a Dask DataFrame with the model at `model_path`, in order.

    `keep` names input columns carried, as text, between the id and headline and the predictions.

    Without an `id` column, ids are 1-based row numbers across partitions, which costs one pass to
    count the rows of each partition.
    """
    if column not in frame.columns:
        raise InputError(f"no column {column!r} in the input (columns: {', '.join(map(str, frame.columns))})")
    offsets = None
    if ID_COLUMN not in frame.columns:
        sizes = frame.map_partitions(len).compute().tolist()
        offsets = [int(x) for x in np.concatenate([[0], np.cumsum(sizes)[:-1]])]
    return frame.map_partitions(
        _predict_partition, str(model_path), column, offsets, explain, min_confidence, tuple(keep),
        meta=output_meta(explain, tuple(keep)), align_dataframes=False,
    )  # fmt: skip


def read_glob(pattern: str, column: str | None):
    """Read a Parquet or CSV/TSV glob as a Dask DataFrame of text columns."""
    dd = require_dask()
    suffix = Path(pattern.replace("*", "x")).suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return dd.read_parquet(pattern)
        if suffix in (".csv", ".tsv"):
            return dd.read_csv(pattern, sep="\t" if suffix == ".tsv" else ",", dtype=str, keep_default_na=False,
                               na_filter=False, blocksize="64MB")  # fmt: skip
    except (OSError, ValueError) as exc:
        raise InputError(f"{pattern}: cannot be read ({exc})") from None
    raise InputError(f"{pattern}: the dask engine reads Parquet or CSV/TSV globs")


def write_partitions(frame, output: str | Path, fmt: str) -> Path:
    """Write one file per partition into the folder `output` (made if missing)."""
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        frame.to_parquet(str(out), write_index=False)
    elif fmt in ("csv", "tsv"):
        frame.to_csv(str(out / f"part-*.{fmt}"), sep="\t" if fmt == "tsv" else ",", index=False)
    else:
        raise InputError(f"the dask engine writes parquet, csv or tsv, not {fmt}")
    return out


def run_on_cluster(
    pattern: str, model_path: str | Path, output: str | Path, fmt: str = "parquet", column: str | None = None,
    scheduler: str | None = None, workers: int = 2, explain: int = 0, min_confidence: float | None = None,
    keep: str | None = "none",
) -> Path:  # fmt: skip
    """Predict a file glob on a Dask cluster (a scheduler address, or a local cluster) into a folder.

    `keep` is a --keep choice: all, none or COL,...; it is checked before any cluster starts.
    """
    require_dask()
    from dask.distributed import Client, LocalCluster

    from classifier.keep import resolve_keep

    frame = read_glob(pattern, column)
    kept = resolve_keep(keep, list(map(str, frame.columns)), column, explain, pattern)
    if scheduler:
        client = Client(scheduler)
        cluster = None
    else:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        result = predict_dask(
            frame, Path(model_path).resolve(), column or TEXT_COLUMN, explain, min_confidence, kept
        )
        return write_partitions(result, output, fmt)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
