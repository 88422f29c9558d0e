"""Prometheus metrics of the service, through prometheus-client: requests, rows, latency, errors by kind.

With forked workers (`--workers N`) each worker writes its figures to files in the folder named by
PROMETHEUS_MULTIPROC_DIR (the server sets it before any worker starts) and `/metrics` adds them up,
the client library's multiprocess mode. prometheus_client is imported here, when a Metrics is made,
never at import time: the library picks its mode on import.
"""

from __future__ import annotations

import os

from classifier.serve.problems import KIND_BY_STATUS

__all__ = ["BATCH_BUCKETS", "LATENCY_BUCKETS", "METHODS", "Metrics", "multiprocess"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 1_000, 10_000, 20_000)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def multiprocess() -> bool:
    """Whether the figures are shared between forked workers through files."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class Metrics:
    """The service's counters and histograms, in a registry of their own (several apps may share a process)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "headlines_http_requests", "HTTP requests answered, by route, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "headlines_http_request_duration_seconds", "Time from a request's arrival to its last byte sent.",
            ["route"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "headlines_http_errors", "Requests refused or failed, by kind (too_large, invalid, not_found, ...).",
            ["kind"], registry=self.registry,
        )  # fmt: skip
        self.rows = Counter("headlines_predicted_rows", "Headlines predicted.", registry=self.registry)
        self.batch_rows = Histogram(
            "headlines_model_batch_rows", "Rows per model call (requests that wait together share one call).",
            buckets=BATCH_BUCKETS, registry=self.registry,
        )  # fmt: skip

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request; a route is the matched template, never the client's raw path."""
        method = method if method in METHODS else "other"
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route).observe(seconds)
        if status >= 400:
            self.errors.labels(KIND_BY_STATUS.get(status, "other")).inc()

    def exposition(self) -> tuple[bytes, str]:
        """The text exposition format, summed over every worker when they are forked."""
        from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

        if multiprocess():
            from prometheus_client import multiprocess as mp

            registry = CollectorRegistry()
            mp.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
