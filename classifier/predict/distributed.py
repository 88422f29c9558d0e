"""Predicting a Dask DataFrame partition by partition, for feeds larger than one machine handles.

Dask is an optional extra: `pip install 'headlines-classifier[dask]'`. Each worker loads the
model file once (the path, not the model, travels to the workers) and predicts its partitions;
partition order, and so row order, is kept. Files are written by the workers through the same
encoder as the local engine (`predict.prepare_for_file`), so the same input gives the same rows,
numbers and quoting whichever engine ran it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from classifier.config import ID_COLUMN, PREDICTION_COLUMNS, REASON_COLUMNS, SCHEDULER_TIMEOUT, TEXT_COLUMN
from classifier.errors import InputError, OutputError, missing_extra
from classifier.io import interrupts
from classifier.io.formats import format_by_suffix, row_ids
from classifier.io.readers import headline_text, id_text, input_separator, kept_text, parser_message
from classifier.io.writers import check_writable, current_umask
from classifier.predict.stream import PredictSummary

__all__ = [
    "PART_NAME",
    "ClusterSummary",
    "check_output_folder",
    "connect",
    "output_meta",
    "predict_dask",
    "read_glob",
    "require_dask",
    "run_on_cluster",
]

PART_NAME = "part-{:05d}.{}"  # the same for every output format


def require_dask():
    """Import dask.dataframe, or fail with how to install it."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise missing_extra("dask", "dask", "the dask engine") from None
    return dd


def output_meta(explain: int = 0, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty frame with the prediction columns and their dtypes, as Dask needs."""
    # Text as pandas "string" (not object): Dask fills object meta with sentinels Arrow cannot write.
    columns = {ID_COLUMN: pd.Series(dtype="string"), TEXT_COLUMN: pd.Series(dtype="string")}
    columns.update({name: pd.Series(dtype="string") for name in keep})  # kept input columns, as text
    for name in PREDICTION_COLUMNS + (REASON_COLUMNS if explain else ()):
        text = name in ("topic", "topic_alt", "tone_label", *REASON_COLUMNS)
        columns[name] = pd.Series(
            dtype="string" if text else np.int64 if name == "known_words" else np.float64
        )
    return pd.DataFrame(columns)


def _partition_frame(
    part: pd.DataFrame, column: str, start: int | None, where: str, keep: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The (id, headline) frame of one partition, with its kept columns, by the same rules as the local readers."""
    texts = part[column].tolist()
    if ID_COLUMN in part.columns:
        ids = [id_text(v) for v in part[ID_COLUMN].tolist()]
    else:
        ids = row_ids(len(part), start)
    first = (start or 0) + 1
    label = (
        (lambda i: f"{where}: row {first + i}") if start is not None else (lambda i: f"{where}: row {i + 1}")
    )
    frame = pd.DataFrame(
        {ID_COLUMN: ids, TEXT_COLUMN: [headline_text(v, label(i)) for i, v in enumerate(texts)]}, dtype=object
    )
    for name in keep:  # kept input columns, as text, after id and headline
        frame[name] = kept_text(part[name])
    return frame


def _predict_partition(
    part: pd.DataFrame, model_path: str, column: str, offsets: list[int] | None, explain: int,
    min_confidence: float | None, keep: tuple[str, ...] = (), allow_pickle: bool = False,
    partition_info: dict | None = None,
) -> pd.DataFrame:  # fmt: skip
    from classifier.io.keep import with_kept
    from classifier.model.archive import load_predictor_cached
    from classifier.model.inference import predict_frame
    from classifier.predict.stream import serialise_reasons

    number = partition_info["number"] if partition_info else 0
    frame = _partition_frame(part, column, offsets[number] if offsets else None, f"partition {number}", keep)
    out = with_kept(
        predict_frame(
            load_predictor_cached(model_path, allow_pickle, explain), frame, explain, min_confidence
        ),
        frame,
    )
    return serialise_reasons(out).astype(output_meta(explain, keep).dtypes.to_dict())


def _offsets(frame) -> list[int] | None:
    """Where each partition starts, in rows (one counting pass), when ids are row numbers."""
    if ID_COLUMN in frame.columns:
        return None
    sizes = frame.map_partitions(len).compute().tolist()
    return [int(x) for x in np.concatenate([[0], np.cumsum(sizes)[:-1]])]


def _check_column(frame, column: str, where: str) -> None:
    if column not in frame.columns:
        raise InputError(f"{where}: no column {column!r} (columns: {', '.join(map(str, frame.columns))})")
    kind = frame[column].dtype
    if pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind):
        raise InputError(f"{where}: column {column!r} holds {kind} values, not text")


def predict_dask(
    frame,
    model_path: str | Path,
    column: str = TEXT_COLUMN,
    explain: int = 0,
    min_confidence: float | None = None,
    keep: tuple[str, ...] = (),
    allow_pickle: bool = False,
):
    """Lazily predict every row of a Dask DataFrame with the model at `model_path`, in order.

    `keep` names input columns carried, as text, between the id and headline and the predictions.

    Without an `id` column, ids are 1-based row numbers across partitions, which costs one pass to
    count the rows of each partition.
    """
    _check_column(frame, column, "the input")
    return frame.map_partitions(
        _predict_partition, str(model_path), column, _offsets(frame), explain, min_confidence, tuple(keep),
        allow_pickle, meta=output_meta(explain, tuple(keep)), align_dataframes=False,
    )  # fmt: skip


def read_glob(
    pattern: str, column: str | None = None, input_format: str | None = None, delimiter: str | None = None,
    encoding: str | None = None,
):  # fmt: skip
    """Read a Parquet or CSV/TSV glob (.gz too) as a Dask DataFrame of text columns."""
    dd = require_dask()
    compressed = pattern.lower().endswith(".gz")
    name = pattern[:-3] if compressed else pattern
    fmt = input_format or format_by_suffix(name.replace("*", "x"))
    if fmt not in ("parquet", "csv", "tsv") or (fmt == "parquet" and compressed):
        raise InputError(f"{pattern}: the dask engine reads Parquet or CSV/TSV (.gz too) globs")
    sep = input_separator(fmt, delimiter)
    try:
        if fmt == "parquet":
            return dd.read_parquet(pattern)
        return dd.read_csv(pattern, sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                           blocksize=None if compressed else "64MB", encoding=encoding or "utf-8",
                           compression="gzip" if compressed else None)  # fmt: skip
    except (OSError, ValueError, IndexError) as exc:
        raise InputError(
            f"{pattern}: cannot be read ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        ) from None
    except pd.errors.ParserError as exc:
        raise InputError(f"{pattern}: {parser_message(exc)}") from None


def check_output_folder(output: str | Path) -> None:
    """Fail before any work unless `output` is a new or empty folder whose parent can be written."""
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; --engine dask writes a folder of part files")
    if out.is_dir() and any(out.iterdir()):
        raise OutputError(f"{out}: already holds files; give a new or empty folder (parts never mix runs)")
    check_writable(out.parent / "probe" if str(out.parent) else Path("probe"))


@dataclass
class ClusterSummary(PredictSummary):
    """What a cluster run did: the counts of a local run, and the files written."""

    files: int = 0


def _write_partition(
    part: pd.DataFrame, path: str, model_path: str, column: str, start: int | None, where: str, explain: int,
    min_confidence: float | None, fmt: str, safe_csv: bool, allow_pickle: bool, keep: tuple[str, ...] = (),
) -> PredictSummary:  # fmt: skip
    """On a worker: predict one partition and write it as one file, exactly as the local engine would."""
    from classifier.io.keep import with_kept
    from classifier.io.writers import open_writer
    from classifier.model.archive import load_predictor_cached
    from classifier.model.inference import predict_frame
    from classifier.predict.stream import prepare_for_file, write_prepared

    frame = _partition_frame(part, column, start, where, keep)
    predictions = with_kept(
        predict_frame(
            load_predictor_cached(model_path, allow_pickle, explain), frame, explain, min_confidence
        ),
        frame,
    )
    prepared, counts = prepare_for_file(predictions, fmt, safe_csv)
    with open_writer(path, fmt, safe_csv=safe_csv) as writer:
        write_prepared(writer, prepared)
    return counts


@contextmanager
def _quiet_dask():
    """Dask's own logging off (its connection retries and shutdown notes), so errors stay one line."""
    loggers = [logging.getLogger(name) for name in ("distributed", "tornado", "asyncio")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def connect(scheduler: str | None, workers: int, timeout: float = SCHEDULER_TIMEOUT):
    """A client of the scheduler at `scheduler`, or of a new local cluster; with the cluster to close."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=timeout), None
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"--scheduler {scheduler}: no Dask scheduler answered within {timeout:g} s "
                             f"({reason[:120]})") from None  # fmt: skip
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return Client(cluster), cluster


def run_on_cluster(
    pattern: str, model_path: str | Path, output: str | Path, fmt: str = "parquet", column: str | None = None,
    scheduler: str | None = None, workers: int = 2, explain: int = 0, min_confidence: float | None = None,
    keep: str | None = "none", *, encoding: str | None = None, safe_csv: bool = False, allow_pickle: bool = False,
    input_format: str | None = None, delimiter: str | None = None, timeout: float = SCHEDULER_TIMEOUT,
) -> ClusterSummary:  # fmt: skip
    """Predict a file glob on a Dask cluster into a folder of part files, written whole or not at all.

    The parts go to a hidden folder beside `output`, renamed onto it when every part is written.
    `keep` is a --keep choice: all, none or COL,...; it is checked before any cluster starts.
    """
    require_dask()
    import dask

    from classifier.io.keep import resolve_keep

    if fmt not in ("csv", "tsv", "jsonl", "parquet"):
        raise OutputError(f"the dask engine writes csv, tsv, jsonl or parquet, not {fmt}")
    check_output_folder(output)
    column = column or TEXT_COLUMN
    out = Path(output)
    frame = read_glob(pattern, column, input_format, delimiter, encoding)
    _check_column(frame, column, pattern)
    kept = resolve_keep(keep, list(map(str, frame.columns)), column, explain, pattern)
    with _quiet_dask():
        client, cluster = connect(scheduler, workers, timeout)
        try:
            offsets = _offsets(frame)
            folder = tempfile.mkdtemp(
                prefix=f".{out.name}.", suffix=".tmp", dir=out.parent if str(out.parent) else "."
            )
            with interrupts.temporary(folder):
                try:
                    model_file = str(Path(model_path).resolve())
                    tasks = []
                    for number, part in enumerate(frame.to_delayed()):
                        path = str(Path(folder) / PART_NAME.format(number, fmt))
                        start = offsets[number] if offsets else None
                        options = (explain, min_confidence, fmt, safe_csv, allow_pickle, kept)
                        where = f"{pattern}: partition {number}"
                        tasks.append(
                            dask.delayed(_write_partition)(
                                part, path, model_file, column, start, where, *options
                            )
                        )
                    counts = dask.compute(*tasks)
                    os.chmod(folder, 0o777 & ~current_umask())
                    if out.is_dir():
                        out.rmdir()  # empty, checked above
                    os.replace(folder, out)
                except pd.errors.ParserError as exc:
                    raise InputError(f"{pattern}: {parser_message(exc)}") from None
                except UnicodeDecodeError as exc:
                    raise InputError(f"{pattern}: not valid {exc.encoding} text (pass --encoding)") from None
                finally:
                    shutil.rmtree(folder, ignore_errors=True)  # gone already when renamed
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    summary = ClusterSummary(files=len(counts))
    for part in counts:
        summary.add(part)
    return summary
