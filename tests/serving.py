"""Helpers for the service's tests: a real uvicorn server on a free loopback port, and a plain HTTP client."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HEADLINES = Path(sys.executable).parent / "headlines"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(
    url: str, method: str, path: str, body=None, headers: dict | None = None, timeout: float = 30
) -> Reply:
    """One request on its own connection (http.client sends a chunked body for an iterator)."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        chunked = body is not None and not isinstance(body, (bytes, str))
        conn.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        conn.close()


def post_json(url: str, payload, path: str = "/v1/predict", **headers) -> Reply:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return call(url, "POST", path, data, {"Content-Type": "application/json", **headers})


@contextmanager
def running_app(app) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on 127.0.0.1 (a free port); yield its URL."""
    import uvicorn

    from classifier.serve.server import bind, url_of

    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def serve_command(*args: str, timeout: float = 60) -> Iterator[tuple[subprocess.Popen, str]]:
    """`headlines serve --port 0 ...` in a subprocess; yield it and its URL once it listens."""
    proc = subprocess.Popen([str(HEADLINES), "serve", "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        line = proc.stdout.readline()
        found = re.search(r"(http://\S+/) ", line)
        if not found:
            raise RuntimeError(
                f"serve did not start: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"
            )
        url = found.group(1)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if call(url, "GET", "/healthz", timeout=5).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def busy_port() -> tuple[socket.socket, int]:
    """A loopback socket listening on a port the kernel chose (close it when done)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock, sock.getsockname()[1]
