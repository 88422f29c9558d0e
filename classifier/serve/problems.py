"""Refusals: an HTTP status, a kind the metrics count, and a one-line message, sent as JSON."""

from __future__ import annotations

import json

from starlette.responses import Response

__all__ = ["KIND_BY_STATUS", "RequestProblem", "field_name", "problem_response", "validation_problem"]

# The kind each refused status is counted as in the metrics (`headlines_http_errors_total{kind}`).
KIND_BY_STATUS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "timeout",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    499: "client_disconnected",  # nginx's code for a client that left before its answer
    500: "internal",
    503: "busy",
}


class RequestProblem(Exception):
    """A request the service refuses, with the status, the kind and a one-line message to send."""

    def __init__(
        self, status: int, message: str, errors: list[dict] | None = None, headers: dict | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    @property
    def kind(self) -> str:
        return KIND_BY_STATUS.get(self.status, "other")


def problem_response(problem: RequestProblem) -> Response:
    """The JSON answer to a refused request: {"error": message, "kind": kind[, "errors": [...]]}."""
    content: dict = {"error": problem.message, "kind": problem.kind}
    if problem.errors:
        content["errors"] = problem.errors
    return Response(
        json.dumps(content, ensure_ascii=False).encode("utf-8"),
        status_code=problem.status,
        media_type="application/json",
        headers=problem.headers,
    )


def field_name(loc: tuple | list) -> str:
    """A validation error's location as a reader writes it: ('headlines', 3) -> 'headlines[3]'."""
    name = ""
    for part in loc:
        if part in ("body", "query"):
            continue
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "body"


def validation_problem(errors: list[dict], limit: int = 10) -> RequestProblem:
    """A 422 naming the first invalid field (and how many more), with up to `limit` listed."""
    listed = [
        {"field": field_name(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors
    ]
    first = listed[0]
    more = f" (and {len(listed) - 1} more)" if len(listed) > 1 else ""
    return RequestProblem(422, f"{first['field']}: {first['message']}{more}", errors=listed[:limit])
