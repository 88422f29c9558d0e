"""What one request may ask of the service, and how much it holds at once; defaults in classifier.config."""

from __future__ import annotations

from dataclasses import dataclass

from classifier.config import (
    SERVE_BODY_TIMEOUT,
    SERVE_MAX_BODY_BYTES,
    SERVE_MAX_BODY_BYTES_IN_FLIGHT,
    SERVE_MAX_EXPLAIN,
    SERVE_MAX_HEADLINES,
)

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Request limits: past any of them a request is refused with a message naming the limit."""

    max_body_bytes: int = SERVE_MAX_BODY_BYTES  # one request body (413)
    max_headlines: int = SERVE_MAX_HEADLINES  # headlines in one request (413)
    max_explain: int = SERVE_MAX_EXPLAIN  # the largest `explain` (422)
    body_timeout: float = SERVE_BODY_TIMEOUT  # seconds to receive a whole body (408)
    max_body_bytes_in_flight: int = SERVE_MAX_BODY_BYTES_IN_FLIGHT  # all bodies held by one worker (503)

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_headlines", "max_body_bytes_in_flight"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.max_explain < 0 or self.body_timeout <= 0:
            raise ValueError("max_explain must be at least 0 and body_timeout above 0")
