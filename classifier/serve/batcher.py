"""Requests that wait together go through the model together, on one thread beside the event loop.

A model call has a fixed cost that dwarfs a headline's own (about 5 ms for one row, 14 ms for
1,000 on the shipped model), so a service that predicted each one-headline request alone would
top out near 200 requests a second a core. Here each request joins a queue; one thread takes
everything queued, predicts each kind of request (same options, same answer format) in one call,
encodes the rows with `headlines predict`'s own encoder and hands every request its slice. When
the model is idle a request goes through at once; under load the queue fills while the model is
busy, so batches grow with the load and no request waits for a timer. The event loop keeps
reading and answering other requests (health checks, metrics) while the thread predicts.
"""

from __future__ import annotations

import asyncio
import io
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd

from classifier.config import ID_COLUMN, TEXT_COLUMN
from classifier.io.writers import TableWriter
from classifier.model.heads import HeadlineModel, predict_frame
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
            try:
                group = [jobs[i] for i in members]
                frame = pd.DataFrame({ID_COLUMN: [x for j in group for x in j.ids],
                                      TEXT_COLUMN: [x for j in group for x in j.texts]}, dtype=object)  # fmt: skip
                predicted = predict_frame(self.model, frame, explain, min_confidence)
                self.batches += 1
                if self.on_batch is not None:
                    self.on_batch(len(frame))
                blank = predicted["topic"].isna().to_numpy()
                start = 0
                lines = self._lines(predicted) if fmt == "jsonl" else None
                for index, job in zip(members, group, strict=True):
                    end = start + len(job.texts)
                    if lines is not None:
                        answers[index] = Answer(
                            lines[start:end], None, end - start, int(blank[start:end].sum())
                        )
                    else:
                        table = self._table(predicted.iloc[start:end], fmt, safe_csv)
                        answers[index] = Answer(None, table, end - start, int(blank[start:end].sum()))
                    start = end
            except Exception as exc:  # noqa: BLE001
                for index in members:
                    answers[index] = exc
        return answers

    @staticmethod
    def _lines(predicted: pd.DataFrame) -> list[bytes]:
        """One JSON object a row, exactly as `headlines predict --format jsonl` writes them."""
        if predicted.empty:
            return []
        lines = encode_predictions(predicted, "jsonl").data.split(b"\n")[:-1]
        if len(lines) != len(predicted):  # JSON escapes every newline inside a string, so never
            raise RuntimeError("JSON lines do not match the rows")
        return lines

    @staticmethod
    def _table(predicted: pd.DataFrame, fmt: str, safe_csv: bool) -> bytes:
        """A whole CSV/TSV body with its header, exactly as `headlines predict` writes a file."""
        sink = io.BytesIO()
        TableWriter(fmt, sink, safe_csv=safe_csv).write_encoded(encode_predictions(predicted, fmt, safe_csv))
        return sink.getvalue()

    def close(self) -> None:
        """Stop the worker thread (the event loop's task ends with its loop)."""
        if self._task is not None:
            self._task.cancel()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
