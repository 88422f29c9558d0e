"""Running the service: bind the address, then serve in this process or in forked workers sharing the model.

uvicorn serves the app. With `workers` > 1 the parent binds the socket, loads and warms the model,
then forks the workers, so they share the model's memory (copy-on-write); the parent accepts
connections and hands them to the workers in turn (`classifier.serve.handoff`). The parent
restarts a worker that dies, and on SIGINT or SIGTERM stops them all. uvicorn's own `--workers`
starts fresh interpreters that would each load the model again, hence this small pre-fork loop.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import ipaddress
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

from classifier.config import BLAS_THREAD_SETTINGS
from classifier.errors import ServeError
from classifier.model.heads import HeadlineModel, predict_texts
from classifier.serve.app import create_app
from classifier.serve.guard import LOOPBACK_NAMES
from classifier.serve.handoff import Dispatcher, adopting_server, channel_pair
from classifier.serve.limits import Limits

__all__ = [
    "GIL_SWITCH_INTERVAL",
    "RESTARTS_ALLOWED",
    "RESTART_WINDOW",
    "bind",
    "freeze_loaded",
    "is_loopback",
    "one_blas_thread",
    "run_server",
    "url_of",
    "warm",
]

# The event loop reads and answers requests while the model thread predicts; both need the GIL.
# Python hands it over every 5 ms by default, so every answer could wait 5 ms per handover;
# 1 ms keeps one-headline latency down under load (measured with benchmarks/serve_load.py).
GIL_SWITCH_INTERVAL = 0.001
RESTARTS_ALLOWED = 5  # worker deaths within RESTART_WINDOW seconds before the server gives up
RESTART_WINDOW = 60.0


def is_loopback(host: str) -> bool:
    """Whether an address reaches only this machine: 127.0.0.0/8, ::1 or localhost."""
    if host.strip("[]").lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port, or a ServeError saying in one line why not."""
    where = f"{host}:{port}"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise ServeError(f"cannot listen on {where}: unknown host or bad port ({exc})") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        reason = {
            errno.EADDRINUSE: "the address is in use (is another server running there? pick another --port)",
            errno.EACCES: "permission denied (ports below 1024 need root)",
            errno.EADDRNOTAVAIL: "no such address on this machine",
        }.get(exc.errno, exc.strerror or str(exc))
        raise ServeError(f"cannot listen on {where}: {reason}") from None
    return sock


def url_of(sock: socket.socket) -> str:
    """The http:// address a socket listens on, with the port it really got (for --port 0)."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def warm(model: HeadlineModel) -> HeadlineModel:
    """Build every lookup table and name list a request may need, before any worker forks."""
    model.prepare()
    predict_texts(model, ["Rupee gains against dollar"], explain=1)
    return model


def freeze_loaded() -> None:
    """Hide everything loaded so far from the garbage collector, before the workers fork.

    A full collection in a forked worker writes to the header of every object it visits, so each
    worker's first one copied every page of the model it shared with the parent: the two workers'
    memory jumped by about 90 MB, whenever that collection happened to come (393 to 483 MB in the
    middle of a 60-second run). Objects frozen here are never visited again, so their pages stay
    shared; the model lives as long as the server anyway. What is garbage now is collected first.
    """
    gc.collect()
    gc.freeze()


def one_blas_thread() -> None:
    """Run numpy's BLAS on one thread in the server (and its workers) unless the user chose a number.

    Its products here are small (a batch's pooled vectors times the heads' weights), and the
    workers are processes: a pool of BLAS threads in each only spun beside them (a worker took 1.5
    cores for 1,000-headline requests, and gave a fifth fewer rows a second than on one thread).
    `headlines predict` starts its BLAS with one thread for the same reason.
    """
    if any(name in os.environ for name in BLAS_THREAD_SETTINGS):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # scikit-learn brings it; without it BLAS keeps its own count
        return
    threadpool_limits(1, user_api="blas")


def run_server(
    model: HeadlineModel, host: str = "127.0.0.1", port: int = 8000, workers: int = 1,
    limits: Limits | None = None, announce: Callable[[str], None] | None = None,
) -> None:  # fmt: skip
    """Serve until SIGINT/SIGTERM. `announce` is called with the URL once the socket listens."""
    sock = bind(host, port)
    try:
        warm(model)
        one_blas_thread()
        freeze_loaded()
        allowed = None
        if is_loopback(host):  # a loopback server answers only to loopback names (no DNS rebinding)
            allowed = frozenset(LOOPBACK_NAMES | {host.lower()})
        if announce is not None:
            announce(url_of(sock))
        if workers <= 1:
            _serve(model, sock, limits, allowed)
        else:
            _serve_forked(model, sock, limits, allowed, workers)
    finally:
        sock.close()


def _serve(model: HeadlineModel, sock: socket.socket | None, limits: Limits | None, allowed,
           channel: socket.socket | None = None) -> None:  # fmt: skip
    """Run uvicorn on the listening socket, or (a forked worker) on the connections sent down `channel`."""
    import uvicorn

    sys.setswitchinterval(GIL_SWITCH_INTERVAL)

    config = uvicorn.Config(
        create_app(model, limits, allowed), log_level="warning", access_log=False, server_header=False,
        lifespan="off", timeout_keep_alive=5, timeout_graceful_shutdown=5,
    )  # fmt: skip
    if channel is None:
        uvicorn.Server(config).run(sockets=[sock])
    else:
        adopting_server(config, channel).run()


def _serve_forked(
    model: HeadlineModel, sock: socket.socket, limits: Limits | None, allowed, workers: int
) -> None:
    metrics_dir = tempfile.mkdtemp(prefix="headlines-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir  # before any worker imports prometheus_client
    children: dict[int, int] = {}  # pid -> the worker's slot in `channels`
    channels: list[socket.socket | None] = [None] * workers  # the parent's end of each worker's channel
    dispatcher = Dispatcher(sock, channels)
    deaths: list[float] = []
    stopping = False

    def start(slot: int) -> None:
        parent_end, child_end = channel_pair()
        with dispatcher.lock:  # no accepted connection is in the parent's hands while it forks
            pid = os.fork()
        if pid:
            child_end.close()
            old, channels[slot] = channels[slot], parent_end
            if old is not None:
                old.close()
            children[pid] = slot
            return
        code = 0
        try:  # the worker: its own event loop and app around the shared model
            signal.signal(signal.SIGINT, signal.default_int_handler)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            for other in (sock, parent_end, *channels):  # connections come down its own channel
                if other is not None:
                    other.close()
            _serve(model, None, limits, allowed, channel=child_end)
        except KeyboardInterrupt:
            pass
        except BaseException:  # noqa: BLE001 (reported, then the parent decides)
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        dispatcher.stop()
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        for slot in range(workers):
            start(slot)
        dispatcher.start()
        while children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            slot = children.pop(pid, None)
            if stopping or slot is None:
                continue
            now = time.monotonic()
            deaths[:] = [t for t in deaths if now - t < RESTART_WINDOW] + [now]
            if len(deaths) > RESTARTS_ALLOWED:
                stop(None, None)
                raise ServeError(f"workers died {len(deaths)} times in {RESTART_WINDOW:g} s; stopping")
            sys.stderr.write(f"worker {pid} ended ({_how(status)}); starting another\n")
            sys.stderr.flush()
            start(slot)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        dispatcher.close()
        while children:
            try:
                children.pop(os.wait()[0], None)
            except ChildProcessError:
                break
        for channel in channels:
            if channel is not None:
                channel.close()
        shutil.rmtree(metrics_dir, ignore_errors=True)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.WEXITSTATUS(status)}"
