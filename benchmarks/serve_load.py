"""Load `headlines serve` on loopback and report what a desk would feel: requests/s, rows/s, latency, memory.

Starts the server on 127.0.0.1 (a free port) with the model, then runs three bounded phases, each
ending at its request count or its duration, whichever comes first, and stops by itself:

1. steady: one headline a request at a fixed rate (500 a second) for 60 seconds, over many
   keep-alive connections, after 15 unmeasured seconds of the same load; the server's memory is
   sampled every half second and the peaks of the run's first and last thirds compared;
2. single: many concurrent clients, each sending one headline a request as fast as answered;
3. batch: clients each sending 1,000 headlines a request as fast as answered, two per worker by
   default, so that a worker has the next request waiting while it predicts (as predict's
   workers have their next chunk). The server's parent hands connections to the workers in turn;
   the CPU each worker used is printed, so an uneven spread would show.

Then the batch phase's rows go through a plain `headlines predict` (a file in, JSON lines out,
`--jobs` all cores) for scale, and predict's start-up is timed on one row, so its rows a second
are given with and without it. Traffic goes only to 127.0.0.1. Run it with `make benchmark-serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
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


def tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) used so far by a process and its children."""
    parent = psutil.Process(pid)
    total = 0.0
    for proc in [parent, *parent.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def worker_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user and system) used so far by each child of a process (the server's workers)."""
    found = {}
    for proc in psutil.Process(pid).children():
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            found[proc.pid] = times.user + times.system
    return found


def tree_memory(pid: int) -> int:
    """Proportional set size of a process and its children, in bytes (shared pages split fairly)."""
    total = 0
    try:
        parent = psutil.Process(pid)
        for proc in [parent, *parent.children(recursive=True)]:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += proc.memory_full_info().pss
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

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, since: float = 0.0, until: float = float("inf")) -> int:
        return max((m for t, m in self.samples if since <= t < until), default=0)

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
    starts: list[int] = []  # the first row of each answered request, in texts
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
                starts.append(start)
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
        "p99_ms": float(np.percentile(lat, 99)), "errors": errors, "starts": starts,
    }  # fmt: skip


async def run_open_loop(port: int, rate: float, texts: list[str], max_requests: int, duration: float,
                        connections: int = 64) -> dict:  # fmt: skip
    """One headline a request at a fixed rate, whatever the answers' pace (an open loop).

    Latency runs from the moment a request was due, so time spent waiting for a free connection
    counts too (no coordinated omission).
    """
    idle: asyncio.Queue = asyncio.Queue()
    for _ in range(connections):
        client = Client(port)
        await client.connect()
        idle.put_nowait(client)
    latencies: list[float] = []
    errors = 0
    rng = random.Random(7)

    async def one(due: float, text: str) -> None:
        nonlocal errors
        client = await idle.get()
        try:
            status, answer = await client.post(json.dumps({"headlines": [text]}).encode())
            if status != 200 or answer.count(b'{"id":') != 1:
                errors += 1
        except (OSError, asyncio.IncompleteReadError):
            errors += 1
            await client.close()
            await client.connect()
        latencies.append(time.perf_counter() - due)
        idle.put_nowait(client)

    began = time.perf_counter()
    tasks = []
    count = min(max_requests, int(rate * duration))
    for i in range(count):
        due = began + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(one(due, texts[rng.randrange(len(texts))])))
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    elapsed = time.perf_counter() - began
    while not idle.empty():
        await idle.get_nowait().close()
    lat = np.asarray(latencies) * 1000
    return {
        "clients": connections, "rows_per_request": 1, "requests": len(latencies), "seconds": elapsed,
        "requests_per_s": len(latencies) / elapsed, "rows_per_s": len(latencies) / elapsed,
        "p50_ms": float(np.percentile(lat, 50)), "p95_ms": float(np.percentile(lat, 95)),
        "p99_ms": float(np.percentile(lat, 99)), "errors": errors,
    }  # fmt: skip


def cli_jobs() -> int:
    """The worker processes `headlines predict` runs by default: all cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _predict(model: Path, source: Path, output: Path, jobs: int) -> tuple[float, float]:
    """Run `headlines predict` on a file; its seconds and its peak memory in MB."""
    began = time.monotonic()
    proc = subprocess.Popen([str(BIN / "headlines"), "predict", str(source), "--model", str(model),
                             "--output", str(output), "--quiet", "--jobs", str(jobs)], cwd=ROOT)  # fmt: skip
    with MemorySampler(proc.pid, every=0.2) as memory:
        code = proc.wait()
    elapsed = time.monotonic() - began
    if code != 0:
        raise SystemExit(f"headlines predict failed with exit code {code}")
    return elapsed, memory.peak() / 2**20


def run_cli(model: Path, texts: list[str], jobs: int) -> dict:
    """The same rows through a plain `headlines predict --jobs N`, timed with its peak memory.

    Its start-up (imports, loading the model) is timed on a one-row file first, the best of three.
    """
    with tempfile.TemporaryDirectory() as folder:
        one, source, output = Path(folder) / "one.txt", Path(folder) / "rows.txt", Path(folder) / "out.jsonl"
        one.write_text(texts[0] + "\n", encoding="utf-8")
        startup = min(_predict(model, one, output, jobs)[0] for _ in range(3))
        source.write_text("\n".join(texts) + "\n", encoding="utf-8")
        elapsed, peak = _predict(model, source, output, jobs)
        with open(output, encoding="utf-8") as lines:
            written = sum(1 for _ in lines)
    return {
        "rows": written,
        "jobs": jobs,
        "seconds": elapsed,
        "startup_seconds": startup,
        "rows_per_s": written / elapsed,
        "rows_per_s_after_startup": written / max(elapsed - startup, 1e-9),
        "peak_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "headlines.model")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "headlines.csv")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0, help="Offered one-headline requests a second.")
    parser.add_argument(
        "--rate-seconds", type=float, default=60.0, help="Length of the fixed-rate (memory) run."
    )
    parser.add_argument("--warmup-seconds", type=float, default=15.0, help="Unmeasured load before the runs.")
    parser.add_argument(
        "--clients", type=int, default=32, help="Concurrent one-headline clients, closed loop."
    )
    parser.add_argument("--single-seconds", type=float, default=20.0)
    parser.add_argument("--single-requests", type=int, default=50_000)
    parser.add_argument(
        "--batch-clients", type=int, help="Clients sending batches (default: two per worker)."
    )
    parser.add_argument("--batch-rows", type=int, default=1_000)
    parser.add_argument("--batch-seconds", type=float, default=30.0)
    parser.add_argument("--batch-requests", type=int, default=300)
    parser.add_argument(
        "--cli-jobs", type=int, default=cli_jobs(), help="predict's --jobs (default: all cores, as predict)."
    )
    parser.add_argument("--json", type=Path, help="Also write the figures here.")
    args = parser.parse_args()
    args.batch_clients = args.batch_clients or 2 * args.workers

    corpus = pd.read_csv(args.data, dtype=str, keep_default_na=False)["headline"].tolist()
    rng = random.Random(13)
    texts = [rng.choice(corpus) for _ in range(50_000)]
    proc, url = start_server(args.model, args.workers)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    results = {}
    try:
        # warm up: the same load, unmeasured, while each worker's allocator and caches settle
        asyncio.run(run_open_loop(port, args.rate, texts, 10**9, args.warmup_seconds))
        with MemorySampler(proc.pid) as memory:
            began, cpu = time.monotonic(), tree_cpu(proc.pid)
            steady = asyncio.run(run_open_loop(port, args.rate, texts, 10**9, args.rate_seconds))
            ended = time.monotonic()
            steady["server_cpu_ms_per_request"] = (tree_cpu(proc.pid) - cpu) * 1000 / steady["requests"]
            steady["peak_mb"] = memory.peak() / 2**20
            third = (ended - began) / 3
            steady["first_third_peak_mb"] = memory.peak(began, began + third) / 2**20
            steady["last_third_peak_mb"] = memory.peak(ended - third, ended) / 2**20
            steady["first_10s_mb"] = memory.mean(began, began + 10) / 2**20
            steady["last_10s_mb"] = memory.mean(ended - 10, ended) / 2**20
            results["steady"] = steady
            phase, cpu = time.monotonic(), tree_cpu(proc.pid)
            results["single"] = asyncio.run(
                run_phase(port, args.clients, 1, texts, args.single_requests, args.single_seconds)
            )
            del results["single"]["starts"]
            results["single"]["server_cpu_ms_per_request"] = (
                (tree_cpu(proc.pid) - cpu) * 1000 / results["single"]["requests"]
            )
            results["single"]["peak_mb"] = memory.peak(phase) / 2**20
            phase, workers, own = time.monotonic(), worker_cpu(proc.pid), time.process_time()
            results["batch"] = batch = asyncio.run(
                run_phase(
                    port, args.batch_clients, args.batch_rows, texts, args.batch_requests, args.batch_seconds
                )
            )
            batch["peak_mb"] = memory.peak(phase) / 2**20
            used = worker_cpu(proc.pid)
            batch["worker_cpu_share"] = sorted(
                ((used[pid] - workers.get(pid, 0.0)) / batch["seconds"] for pid in used), reverse=True
            )
            batch["load_generator_cpu_share"] = (time.process_time() - own) / batch["seconds"]
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    rows = [
        text for start in results["batch"].pop("starts") for text in texts[start : start + args.batch_rows]
    ]
    results["cli"] = run_cli(args.model, rows, args.cli_jobs)
    report(args, url, results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")


def report(args, url: str, results: dict) -> None:
    steady, single, batch, cli = results["steady"], results["single"], results["batch"], results["cli"]
    print(f"server: {args.workers} workers on {url}; load from one asyncio process on the same machine; "
          f"{psutil.cpu_count()} cores, load average {psutil.getloadavg()[0]:.1f} at the end")  # fmt: skip
    print()
    print(
        "| load | requests | requests/s | rows/s | p50 ms | p95 ms | p99 ms | errors | server peak memory (PSS) |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    rows = (
        (f"1 headline a request, {args.rate:,.0f}/s offered for {args.rate_seconds:.0f} s", steady),
        (f"1 headline a request, {args.clients} clients as fast as answered", single),
        (f"{args.batch_rows:,} headlines a request, {args.batch_clients} clients as fast as answered", batch),
    )
    for name, r in rows:
        print(f"| {name} | {r['requests']:,} in {r['seconds']:.0f} s | {r['requests_per_s']:,.0f} | "
              f"{r['rows_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | "
              f"{r['peak_mb']:.0f} MB |")  # fmt: skip
    print(f"| `headlines predict --jobs {cli['jobs']}` on the same {cli['rows']:,} rows (file in, JSON lines out) "
          f"| | | {cli['rows_per_s_after_startup']:,.0f} ({cli['rows_per_s']:,.0f} with its start-up) | | | | 0 | "
          f"{cli['peak_mb']:.0f} MB |")  # fmt: skip
    print()
    first, last = steady["first_third_peak_mb"], steady["last_third_peak_mb"]
    print(f"memory over the {steady['seconds']:.0f} s fixed-rate run (after {args.warmup_seconds:.0f} s of the same "
          f"load, unmeasured): peak {first:.0f} MB in its first third, {last:.0f} MB in its last ({last / first:.3f}x); "
          f"mean {steady['first_10s_mb']:.0f} MB in the first 10 s, {steady['last_10s_mb']:.0f} MB in the last 10 s "
          f"({steady['last_10s_mb'] / steady['first_10s_mb']:.3f}x)")  # fmt: skip
    print(f"server CPU per one-headline request: {steady['server_cpu_ms_per_request']:.2f} ms at the fixed rate, "
          f"{single['server_cpu_ms_per_request']:.2f} ms with {args.clients} clients")  # fmt: skip
    shares = ", ".join(f"{share:.0%}" for share in batch["worker_cpu_share"])
    print(f"batch phase: {args.batch_clients} clients x {args.batch_rows:,} headlines a request (JSON in, JSON out) "
          f"against {args.workers} workers, which used {shares} of a core each; the load generator used "
          f"{batch['load_generator_cpu_share']:.0%} of a core")  # fmt: skip
    print(f"compared with: headlines predict --jobs {cli['jobs']} ({cli['jobs']} processes) on the same rows, a file "
          f"in and JSON lines out; its start-up ({cli['startup_seconds']:.2f} s, timed on one row) left out, and "
          f"counted in brackets")  # fmt: skip
    print(
        f"batches against predict: {batch['rows_per_s'] / cli['rows_per_s_after_startup']:.2f}x its rows/s "
        f"({batch['rows_per_s'] / cli['rows_per_s']:.2f}x counting its start-up)"
    )


if __name__ == "__main__":
    main()
