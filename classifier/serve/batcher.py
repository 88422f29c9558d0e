"""Requests that wait together go through the model together, on one thread beside the event loop.

A model call has a fixed cost that dwarfs a headline's own, so a service that predicted each
one-headline request alone would top out near 200 requests a second a core. Here each request
joins a queue; one thread takes everything queued, predicts each kind of request (same options,
same answer format) in one call, encodes the rows with `headlines predict`'s own encoder and hands
every request its slice. When the model is idle a request goes through at once; under load the
queue fills while the model is busy, so batches grow with the load and no request waits for a
timer. The event loop keeps reading and answering other requests (health checks, metrics) while
the thread predicts.

Requests without reasons (`explain` 0) take the command's fast path: the model's runtime predicts
with numpy arrays and `classifier.io.plain` encodes the rows (`predict_chunk_plain`), with no
DataFrame, byte for byte as the full path. Requests with reasons, and models whose views the
runtime does not cover, take the full path (`predict_frame` and `encode_predictions`).
"""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from classifier.config import ID_COLUMN, TEXT_COLUMN
from classifier.io.plain import PlainChunk
from classifier.io.writers import EncodedChunk, TableWriter
from classifier.model.heads import HeadlineModel, predict_frame
from classifier.predict.plain import predict_chunk_plain
from classifier.predict.stream import encode_predictions

__all__ = ["MAX_BATCH_ROWS", "Answer", "Batcher", "Job"]

MAX_BATCH_ROWS = 20_000  # rows taken off the queue for one turn of the thread


def _trusting_sklearn() -> None:
    """In the model thread only: skip scikit-learn's checks of each call's parameters and finiteness.

    The inputs are the model's own TF-IDF and lexicon features, always finite, and the calls' parameters
    are fixed; the checks cost a third of a small batch (9.0 to 6.5 ms for 8 rows, same output).
    scikit-learn's configuration is per thread, so this touches nothing else.
    """
    import sklearn

    sklearn.set_config(skip_parameter_validation=True, assume_finite=True)


@dataclass
class Job:
    """One request's rows, its options, and where its answer goes."""

    ids: list[str]
    texts: list[str]
    explain: int
    min_confidence: float | None
    fmt: str  # json, jsonl, csv or tsv
    safe_csv: bool
    future: asyncio.Future = field(repr=False)

    @property
    def key(self) -> tuple:
        """Jobs with the same key are predicted in one call (rows encode the same way)."""
        text_format = self.fmt in ("json", "jsonl")
        return (self.explain, self.min_confidence, "jsonl" if text_format else self.fmt, self.safe_csv)


@dataclass
class Answer:
    """A request's predictions encoded: JSON lines (one a row) or a whole CSV/TSV body, and the row counts."""

    lines: list[bytes] | None
    table: bytes | None
    rows: int
    blank: int


class Batcher:
    """Predicts queued requests in batches on one worker thread; `await predict(...)` from the event loop."""

    def __init__(self, model: HeadlineModel, max_batch_rows: int = MAX_BATCH_ROWS) -> None:
        self.model = model
        self.runtime = model.runtime()  # the fast path's arrays; None when a view needs the estimators
        self.max_batch_rows = max_batch_rows
        self.batches = 0  # model calls made, for the metrics and the tests
        self._queue: list[Job] = []
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.on_batch = None  # called with each batch's row count (the metrics' histogram)

    async def predict(self, ids: list[str], texts: list[str], explain: int, min_confidence: float | None,
                      fmt: str, safe_csv: bool = False) -> Answer:  # fmt: skip
        """Queue one request's rows and wait for its encoded answer."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._loop is not loop:
            self._loop = loop
            self._queue = []
            self._wake = asyncio.Event()
            self._executor = self._executor or ThreadPoolExecutor(
                1, thread_name_prefix="headlines-predict", initializer=_trusting_sklearn
            )
            self._task = loop.create_task(self._run())
        job = Job(ids, texts, explain, min_confidence, fmt, safe_csv, loop.create_future())
        self._queue.append(job)
        self._wake.set()
        return await job.future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue:
                jobs = self._take()
                try:
                    answers = await loop.run_in_executor(self._executor, self.predict_jobs, jobs)
                except Exception as exc:  # noqa: BLE001 (handed to the requests, which answer 500)
                    answers = [exc] * len(jobs)
                for job, answer in zip(jobs, answers, strict=True):
                    if job.future.done():  # the client went away
                        continue
                    if isinstance(answer, BaseException):
                        job.future.set_exception(answer)
                    else:
                        job.future.set_result(answer)

    def _take(self) -> list[Job]:
        """Queued jobs up to MAX_BATCH_ROWS rows (at least one), oldest first."""
        taken, rows = 0, 0
        for job in self._queue:
            if taken and rows + len(job.texts) > self.max_batch_rows:
                break
            taken += 1
            rows += len(job.texts)
        jobs, self._queue = self._queue[:taken], self._queue[taken:]
        return jobs

    def predict_jobs(self, jobs: list[Job]) -> list[Answer | BaseException]:
        """Predict and encode every job, one model call per kind; an error fails only its own kind."""
        groups: dict[tuple, list[int]] = defaultdict(list)
        for index, job in enumerate(jobs):
            groups[job.key].append(index)
        answers: list[Answer | BaseException] = [None] * len(jobs)  # type: ignore[list-item]
        for (explain, min_confidence, fmt, safe_csv), members in groups.items():
            group = [jobs[i] for i in members]
            try:
                if explain or self.runtime is None:
                    done = self._predict_full(group, explain, min_confidence, fmt, safe_csv)
                else:
                    done = self._predict_plain(group, min_confidence, fmt, safe_csv)
                self.batches += 1
                if self.on_batch is not None:
                    self.on_batch(sum(len(job.texts) for job in group))
                for index, answer in zip(members, done, strict=True):
                    answers[index] = answer
            except Exception as exc:  # noqa: BLE001
                for index in members:
                    answers[index] = exc
        return answers

    def _predict_plain(self, group: list[Job], min_confidence: float | None, fmt: str,
                       safe_csv: bool) -> list[Answer]:  # fmt: skip
        """The fast path: one runtime call for the group, encoded as `headlines predict` encodes it."""
        chunk = PlainChunk([x for j in group for x in j.ids], [x for j in group for x in j.texts])
        encoded, _ = predict_chunk_plain(self.runtime, chunk, min_confidence, fmt, safe_csv)
        bounds = _bounds(group)
        if fmt == "jsonl":
            lines = self._split_lines(encoded.data, len(chunk))
            return [
                Answer(lines[s:e], None, e - s, _blank(j.texts))
                for j, (s, e) in zip(group, bounds, strict=True)
            ]
        if len(group) == 1:
            return [Answer(None, self._write(encoded, fmt, safe_csv), len(chunk), _blank(chunk.texts))]
        ends = [0, *_row_ends(encoded.data).tolist()]
        if len(ends) != len(chunk) + 1:
            raise RuntimeError("CSV rows do not match the rows")
        answers = []
        for job, (start, end) in zip(group, bounds, strict=True):
            part = EncodedChunk(encoded.columns, end - start, encoded.data[ends[start] : ends[end]])
            answers.append(Answer(None, self._write(part, fmt, safe_csv), end - start, _blank(job.texts)))
        return answers

    def _predict_full(self, group: list[Job], explain: int, min_confidence: float | None, fmt: str,
                      safe_csv: bool) -> list[Answer]:  # fmt: skip
        """Reasons, or a model the runtime does not cover: a DataFrame through `predict_frame`."""
        frame = pd.DataFrame({ID_COLUMN: [x for j in group for x in j.ids],
                              TEXT_COLUMN: [x for j in group for x in j.texts]}, dtype=object)  # fmt: skip
        predicted = predict_frame(self.model, frame, explain, min_confidence)
        blank = predicted["topic"].isna().to_numpy()
        lines = self._lines(predicted) if fmt == "jsonl" else None
        answers = []
        for start, end in _bounds(group):
            if lines is not None:
                answers.append(Answer(lines[start:end], None, end - start, int(blank[start:end].sum())))
            else:
                table = self._table(predicted.iloc[start:end], fmt, safe_csv)
                answers.append(Answer(None, table, end - start, int(blank[start:end].sum())))
        return answers

    @staticmethod
    def _split_lines(data: bytes, rows: int) -> list[bytes]:
        """JSON lines bytes as one line a row (JSON escapes every newline inside a string)."""
        lines = data.split(b"\n")[:-1]
        if len(lines) != rows:
            raise RuntimeError("JSON lines do not match the rows")
        return lines

    @classmethod
    def _lines(cls, predicted: pd.DataFrame) -> list[bytes]:
        """One JSON object a row, exactly as `headlines predict --format jsonl` writes them."""
        if predicted.empty:
            return []
        return cls._split_lines(encode_predictions(predicted, "jsonl").data, len(predicted))

    @staticmethod
    def _write(encoded: EncodedChunk, fmt: str, safe_csv: bool) -> bytes:
        """A whole CSV/TSV body with its header, exactly as `headlines predict` writes a file."""
        sink = io.BytesIO()
        TableWriter(fmt, sink, safe_csv=safe_csv).write_encoded(encoded)
        return sink.getvalue()

    @classmethod
    def _table(cls, predicted: pd.DataFrame, fmt: str, safe_csv: bool) -> bytes:
        return cls._write(encode_predictions(predicted, fmt, safe_csv), fmt, safe_csv)

    def close(self) -> None:
        """Stop the worker thread (the event loop's task ends with its loop)."""
        if self._task is not None:
            self._task.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


def _bounds(group: list[Job]) -> list[tuple[int, int]]:
    """Each job's first and last-plus-one row in the group's rows."""
    ends = np.cumsum([len(job.texts) for job in group]).tolist()
    return list(zip([0, *ends[:-1]], ends, strict=True))


def _blank(texts: list[str]) -> int:
    return sum(not t.strip() for t in texts)


def _row_ends(data: bytes) -> np.ndarray:
    """The offset just past each row of CSV/TSV rows whose text cells are all quoted.

    A newline ends a row where the quotes before it pair up: inside a quoted cell their count is
    odd (the opening quote; an escaped quote adds two).
    """
    raw = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(raw == ord("\n"))
    quotes = np.cumsum(raw == ord('"'))
    return newlines[quotes[newlines] % 2 == 0] + 1
