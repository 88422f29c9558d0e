"""The ASGI middleware in front of every route: body size and time limits, a memory budget, metrics.

- A Content-Length over the limit is refused (413) before a byte of the body is read; a body
  sent in chunks is counted as it arrives and refused when it passes the limit.
- A client that sends its body too slowly gets 408 once `body_timeout` seconds have passed, so
  slow clients hold no request open for long.
- All bodies one worker holds at once stay under `max_body_bytes_in_flight`; past it a request
  gets 503 with Retry-After, so a burst of large requests cannot run the server out of memory.
- When the server listens on loopback only, a request must name a loopback host: a web page
  elsewhere cannot reach the service through DNS rebinding.
- Every answered request is counted by its matched route (never the client's raw path, so no
  client can grow the metrics without bound), with its status and latency.
"""

from __future__ import annotations

import asyncio
import time

from classifier.serve.limits import Limits
from classifier.serve.metrics import Metrics
from classifier.serve.problems import RequestProblem, problem_response

__all__ = ["LOOPBACK_NAMES", "SECURITY_HEADERS", "Guard", "host_name"]

SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def host_name(host_header: str) -> str:
    """The name part of a Host header: 'localhost:8000' -> 'localhost', '[::1]:8000' -> '[::1]'."""
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class Guard:
    """Wrap an ASGI app with the limits, the host check and the metrics described above."""

    def __init__(self, app, limits: Limits, metrics: Metrics, allowed_hosts: frozenset[str] | None = None):
        self.app = app
        self.limits = limits
        self.metrics = metrics
        self.allowed_hosts = allowed_hosts
        self.in_flight = 0  # body bytes held by requests not yet answered

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0
        held = 0
        body_done = False

        async def sending(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        async def receiving():
            nonlocal held, body_done
            if body_done:
                return await receive()
            remaining = started + self.limits.body_timeout - time.perf_counter()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0.001))
            except asyncio.TimeoutError:
                raise RequestProblem(
                    408, f"the request body did not arrive within {self.limits.body_timeout:g} s"
                ) from None
            if message["type"] == "http.request":
                size = len(message.get("body", b""))
                held += size
                self.in_flight += size
                body_done = not message.get("more_body", False)
                if held > self.limits.max_body_bytes:
                    raise self.too_large(held, "at least ")
                if self.in_flight > self.limits.max_body_bytes_in_flight:
                    raise RequestProblem(
                        503, "the server is holding too many request bodies; retry in a moment",
                        headers={"Retry-After": "1"},
                    )  # fmt: skip
            return message

        try:
            problem = self.check_headers(scope)
            if problem is not None:
                await problem_response(problem)(scope, receive, sending)
            else:
                await self.app(scope, receiving, sending)
        except BaseException:
            status = status or 500
            raise
        finally:
            self.in_flight -= held
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(route, scope.get("method", ""), status or 499, time.perf_counter() - started)

    def too_large(self, size: int, qualifier: str = "") -> RequestProblem:
        return RequestProblem(
            413, f"request body of {qualifier}{size:,} bytes is over the limit of "
            f"{self.limits.max_body_bytes:,} bytes (--max-body-bytes)",
        )  # fmt: skip

    def check_headers(self, scope) -> RequestProblem | None:
        """Refuse by the headers alone: a foreign Host on a loopback server, or a declared body too large."""
        host = length = None
        for name, value in scope.get("headers", ()):
            if name == b"host":
                host = value.decode("latin-1")
            elif name == b"content-length":
                length = value
        if self.allowed_hosts is not None and host_name(host or "").lower() not in self.allowed_hosts:
            return RequestProblem(400, f"Host {(host or '(none)')[:100]!r} is not this server's name")
        if length is not None:
            try:
                declared = int(length)
            except ValueError:
                return RequestProblem(400, "Content-Length is not a number")
            if declared > self.limits.max_body_bytes:
                return self.too_large(declared)
        return None
