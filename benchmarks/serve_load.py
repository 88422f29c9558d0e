"""Load `headlines serve` on loopback and report what a desk would feel: requests/s, rows/s, latency, memory.

Starts the server on 127.0.0.1 (a free port) with the model, then runs two bounded phases, each
ending at its request count or its duration, whichever comes first, and stops by itself:

1. single: many concurrent clients (keep-alive connections), each sending one headline a request;
   the server's memory is sampled every half second, and its first and last ten seconds compared;
2. batch: a few clients each sending 1,000 headlines a request.

Then the batch phase's rows go through a plain `headlines predict` (a file in, JSON lines out,
all cores) for scale. Traffic goes only to 127.0.0.1. Run it with `make benchmark-serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def tree_memory(pid: int) -> int:
    """Proportional set size of a process and its children, in bytes (shared pages split fairly)."""
    total = 0
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            try:
                total += proc.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
    except psutil.NoSuchProcess:
        pass
    return total


class MemorySampler:
    """Samples a process tree's memory every `every` seconds in a thread, with timestamps."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), tree_memory(self.pid)))
            self._stop.wait(self.every)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, since: float = 0.0) -> int:
        return max((m for t, m in self.samples if t >= since), default=0)

    def mean(self, start: float, end: float) -> float:
        values = [m for t, m in self.samples if start <= t < end]
        return float(np.mean(values)) if values else float("nan")


def start_server(model: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`headlines serve` on a free loopback port; returns the process and its URL once it answers."""
    command = [str(BIN / "headlines"), "serve", "--model", str(model), "--host", "127.0.0.1", "--port", "0",
               "--workers", str(workers)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    line = proc.stdout.readline()
    if "http://" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line}{proc.stderr.read()}")
    url = line.split(" at ")[1].split()[0]
    return proc, url


class Client:
    """A keep-alive HTTP/1.1 connection that posts JSON bodies: small and fast, so the load is the server's."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader = self.writer = None

    async def connect(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, body: bytes) -> tuple[int, bytes]:
        head = (f"POST /v1/predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()  # fmt: skip
        self.writer.write(head + body)
        headers = await self.reader.readuntil(b"\r\n\r\n")
        status = int(headers.split(b" ", 2)[1])
        length = 0
        for line in headers.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


async def run_phase(port: int, clients: int, rows_per_request: int, texts: list[str], max_requests: int,
                    duration: float) -> dict:  # fmt: skip
    """Each client posts requests back to back until the phase's count or time runs out."""
    latencies: list[float] = []
    errors = 0
    sent = 0
    deadline = time.monotonic() + duration
    rng = random.Random(13)

    async def one_client() -> None:
        nonlocal errors, sent
        client = Client(port)
        await client.connect()
        try:
            while time.monotonic() < deadline and sent < max_requests:
                sent += 1
                start = rng.randrange(len(texts) - rows_per_request)
                body = json.dumps({"headlines": texts[start : start + rows_per_request]}).encode()
                began = time.perf_counter()
                try:
                    status, answer = await client.post(body)
                except (OSError, asyncio.IncompleteReadError):
                    errors += 1
                    await client.close()
                    await client.connect()
                    continue
                latencies.append(time.perf_counter() - began)
                if status != 200 or answer.count(b'{"id":') != rows_per_request:
                    errors += 1
        finally:
            await client.close()

    began = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*(one_client() for _ in range(clients))), duration + 60)
    elapsed = time.monotonic() - began
    lat = np.asarray(latencies) * 1000
    return {
        "clients": clients, "rows_per_request": rows_per_request, "requests": len(latencies), "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed, "rows_per_s": len(latencies) * rows_per_request / elapsed,
        "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
        "p99_ms": float(np.percentile(lat, 99)), "errors": errors,
    }  # fmt: skip


def run_cli(model: Path, texts: list[str]) -> dict:
    """The same rows through a plain `headlines predict` (all cores), timed with its peak memory."""
    with tempfile.TemporaryDirectory() as folder:
        source, output = Path(folder) / "rows.txt", Path(folder) / "out.jsonl"
        source.write_text("\n".join(texts) + "\n", encoding="utf-8")
        began = time.monotonic()
        proc = subprocess.Popen([str(BIN / "headlines"), "predict", str(source), "--model", str(model),
                                 "--output", str(output), "--quiet"], cwd=ROOT)  # fmt: skip
        with MemorySampler(proc.pid, every=0.2) as memory:
            code = proc.wait()
        elapsed = time.monotonic() - began
        if code != 0:
            raise SystemExit(f"headlines predict failed with exit code {code}")
        written = sum(1 for _ in open(output, encoding="utf-8"))
    return {"rows": written, "seconds": elapsed, "rows_per_s": written / elapsed, "peak_mb": memory.peak() / 2**20}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "headlines.csv")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32, help="Concurrent one-headline clients.")
    parser.add_argument("--single-seconds", type=float, default=60.0)
    parser.add_argument("--single-requests", type=int, default=100_000)
    parser.add_argument("--batch-clients", type=int, default=2)
    parser.add_argument("--batch-rows", type=int, default=1_000)
    parser.add_argument("--batch-seconds", type=float, default=30.0)
    parser.add_argument("--batch-requests", type=int, default=300)
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()

    corpus = pd.read_csv(args.data, dtype=str, keep_default_na=False)["headline"].tolist()
    rng = random.Random(13)
    texts = [rng.choice(corpus) for _ in range(50_000)]
    proc, url = start_server(args.model, args.workers)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    try:
        asyncio.run(run_phase(port, 4, 1, texts, 200, 10))  # warm up connections and caches
        with MemorySampler(proc.pid) as memory:
            began = time.monotonic()
            single = asyncio.run(run_phase(port, args.clients, 1, texts, args.single_requests, args.single_seconds))
            ended = time.monotonic()
            single["peak_mb"] = memory.peak() / 2**20
            single["first_10s_mb"] = memory.mean(began, began + 10) / 2**20
            single["last_10s_mb"] = memory.mean(ended - 10, ended) / 2**20
            batch_began = time.monotonic()
            batch = asyncio.run(
                run_phase(port, args.batch_clients, args.batch_rows, texts, args.batch_requests, args.batch_seconds)
            )
            batch["peak_mb"] = memory.peak(batch_began) / 2**20
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    cli_rows = [texts[i % len(texts)] for i in range(batch["requests"] * args.batch_rows)]
    cli = run_cli(args.model, cli_rows)

    print(f"server: {args.workers} workers on {url}; load from one asyncio process on the same machine")
    print()
    print("| load | requests | requests/s | rows/s | p50 ms | p95 ms | p99 ms | errors | peak memory (PSS) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, r in ((f"{args.clients} clients, 1 headline a request", single),
                    (f"{args.batch_clients} clients, {args.batch_rows:,} headlines a request", batch)):  # fmt: skip
        print(f"| {name} | {r['requests']:,} in {r['seconds']:.0f} s | {r['requests_per_s']:,.0f} | "
              f"{r['rows_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
              f"{r['peak_mb']:.0f} MB |")  # fmt: skip
    print(f"| `headlines predict`, same {cli['rows']:,} rows (file in, JSON lines out) | | | {cli['rows_per_s']:,.0f} | "
          f"| | | 0 | {cli['peak_mb']:.0f} MB |")  # fmt: skip
    print()
    print(f"memory over the {single['seconds']:.0f} s one-headline run: {single['first_10s_mb']:.0f} MB "
          f"in the first 10 s, {single['last_10s_mb']:.0f} MB in the last 10 s "
          f"({single['last_10s_mb'] / single['first_10s_mb']:.3f}x)")  # fmt: skip
    print(f"batch rows/s against predict's: {batch['rows_per_s'] / cli['rows_per_s']:.2f}x; "
          f"whole predict run {cli['seconds']:.1f} s including start-up")
    if args.json:
        args.json.write_text(json.dumps({"single": single, "batch": batch, "cli": cli}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
