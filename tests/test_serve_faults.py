"""Soak and faults: hostile bodies, clients that vanish or crawl, idle sockets and a burst leave the server serving.

One `headlines serve` process (two forked workers, the default limits, a 1-second body timeout)
takes everything below in order; the last test checks it still answers correctly.
"""

from __future__ import annotations

import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
from serving import call, post_json, serve_command

from classifier.model.files import load_model
from classifier.model.heads import predict_texts

pytestmark = pytest.mark.slow
MB = 1024 * 1024


@pytest.fixture(scope="module")
def server(tiny_model_path):
    with serve_command("--model", str(tiny_model_path), "--workers", "2", "--body-timeout", "1") as (
        proc,
        url,
    ):
        yield proc, url


def pss(pid: int) -> int:
    parent = psutil.Process(pid)
    return sum(p.memory_full_info().pss for p in [parent, *parent.children(recursive=True)])


def raw_socket(url: str) -> socket.socket:
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    return socket.create_connection((host, int(port)), timeout=10)


def read_answer(sock: socket.socket) -> bytes:
    """A whole HTTP answer off a raw socket: headers, then Content-Length bytes of body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    headers, _, body = data.partition(b"\r\n\r\n")
    length = int(
        next(
            line.split(b":")[1]
            for line in headers.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
    )
    while len(body) < length:
        body += sock.recv(65536)
    return headers + b"\r\n\r\n" + body


def head(length: int | None = None, content_type: str = "application/json", extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else ""
    return (
        f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{size}{extra}\r\n"
    ).encode()


def nested(depth: int) -> bytes:
    return b'{"headlines": ' + b"[" * depth + b"]" * depth + b"}"


def chunks(total: int, size: int = 256 * 1024):
    for _ in range(total // size):
        yield b"x" * size


HOSTILE = [
    ("truncated JSON", b'{"headlines": ["Rupee sli', "application/json", 422, "malformed JSON"),
    ("10 MB body", b"Rupee slides\n" * (10 * MB // 13), "text/plain", 413, "over the limit of 4,194,304 bytes"),
    ("10 MB chunked", chunks(10 * MB), "text/plain", 413, "over the limit of 4,194,304 bytes"),
    ("100,000 empty strings", json.dumps({"headlines": [""] * 100_000}).encode(), "application/json", 413,
     "100,000 headlines in one request; the limit is 10,000"),
    ("invalid UTF-8 JSON", b'{"headlines": ["Rupee \xff\xfe slides"]}', "application/json", 422, "not valid utf-8"),
    ("invalid UTF-8 CSV", b"headline\nRupee \xc3\x28 slides\n", "text/csv", 422, "byte 15 (line 2)"),
    ("deeply nested JSON", nested(200_000), "application/json", 422, "nested too deeply"),
    ("nested lists as a headline", nested(500), "application/json", 422, "headlines[0]: Input should be a valid string"),
    ("a number for the headlines", b'{"headlines": 12}', "application/json", 422, "headlines: Input should be a valid list"),
    ("NUL and escapes", json.dumps({"headlines": ["\x00\x1b[31m", "\u202e"]}).encode(), "application/json", 200, ""),
]  # fmt: skip


@pytest.mark.parametrize("name,body,content_type,status,message", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_bodies_are_refused_with_their_reason(server, name, body, content_type, status, message):
    _, url = server
    reply = call(url, "POST", "/v1/predict", body, {"Content-Type": content_type}, timeout=60)
    assert reply.status == status, reply.body[:300]
    if status != 200:
        assert message in reply.json()["error"]
    assert call(url, "GET", "/healthz").status == 200


def test_clients_that_vanish_mid_body_or_before_the_answer(server):
    _, url = server
    for _ in range(20):  # half a body, then gone
        with raw_socket(url) as sock:
            sock.sendall(head(100_000) + b'{"headlines": ["Rupee')
    body = json.dumps({"headlines": ["Rupee slides against dollar"] * 5_000}).encode()
    for _ in range(10):  # a whole request, gone before the answer
        with raw_socket(url) as sock:
            sock.sendall(head(len(body)) + body)
    assert post_json(url, {"headlines": ["Gold gains"]}).status == 200


def test_a_crawling_client_gets_408_while_others_are_served(server):
    _, url = server
    with raw_socket(url) as slow:
        slow.sendall(head(1_000) + b'{"headlines": [')
        began = time.monotonic()
        assert post_json(url, {"headlines": ["Gold gains"]}).status == 200
        assert time.monotonic() - began < 1.0
        answer = read_answer(slow)
        assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 1 s" in answer


def test_idle_and_half_open_connections_do_not_block_others(server):
    _, url = server
    idle = [raw_socket(url) for _ in range(200)]
    try:
        for i, sock in enumerate(idle[:100]):
            sock.sendall(b"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n" if i % 2 else b"GE")
        began = time.monotonic()
        for _ in range(5):
            assert post_json(url, {"headlines": ["Troops trade fire along LoC"]}).status == 200
        assert time.monotonic() - began < 5
    finally:
        for sock in idle:
            sock.close()


def test_a_burst_of_concurrent_requests_is_answered_whole(server):
    _, url = server
    sizes = [1, 1, 1, 100] * 75

    def one(size: int) -> bool:
        reply = post_json(url, {"headlines": [f"Rupee slides {i}" for i in range(size)]})
        return reply.status == 200 and len(reply.json()["predictions"]) == size

    with ThreadPoolExecutor(32) as pool:
        assert all(pool.map(one, sizes))


def test_memory_stays_flat_across_repeated_hostile_rounds(server):
    proc, url = server
    big = b"Rupee slides\n" * (6 * MB // 13)
    many = json.dumps({"headlines": ["Rupee slides against dollar"] * 10_000}).encode()
    before = None
    for round_ in range(4):
        for _ in range(5):
            assert call(url, "POST", "/v1/predict", big, {"Content-Type": "text/plain"}).status == 413
            assert call(url, "POST", "/v1/predict", many, {"Content-Type": "application/json"}).status == 200
        if round_ == 0:
            before = pss(proc.pid)  # after the first round has warmed every allocator
    assert pss(proc.pid) < before + 60 * MB


def test_afterwards_the_server_still_answers_correctly(server, tiny_model_path):
    proc, url = server
    assert proc.poll() is None and len(psutil.Process(proc.pid).children()) == 2
    assert call(url, "GET", "/healthz").json() == {"status": "ok"}
    texts = [
        "FO summons envoy over border remarks",
        "Blast kills 12 at Peshawar market",
        "Sensex soars to record high",
    ]
    expected = predict_texts(load_model(tiny_model_path), texts)
    rows = post_json(url, {"headlines": texts}).json()["predictions"]
    assert [r["topic"] for r in rows] == expected["topic"].tolist()
    assert [r["tone"] for r in rows] == pytest.approx(expected["tone"].tolist(), abs=1e-5)
    metrics = call(url, "GET", "/metrics").body.decode()
    for kind in ("too_large", "invalid", "timeout"):
        assert f'headlines_http_errors_total{{kind="{kind}"}}' in metrics
