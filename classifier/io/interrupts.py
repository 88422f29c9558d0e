"""Ctrl-C and SIGTERM as an exception, so that a run unwinds, removes what it half wrote and ends.

`stop_on_signals()` turns SIGINT and SIGTERM into `Interrupted` in the main thread. Everything that
writes registers its temporary files here while they exist (`temporary`), so that if unwinding
hangs (a worker pool stuck on a lock) or a second signal comes, `stop_now` can still remove them
and end the process at once. Worker processes run `quiet_worker`: they ignore Ctrl-C (the parent
stops them) and die quietly on SIGTERM.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from classifier.errors import Interrupted

__all__ = [
    "GRACE_SECONDS",
    "SIGNALS",
    "flush_quietly",
    "message",
    "quiet_worker",
    "received",
    "remove_temporary",
    "signals_blocked",
    "stop_now",
    "stop_on_signals",
    "temporary",
]

SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 3.0  # after a signal, the longest unwinding may take before the process is ended

_received: list[int] = []
_temporary: set[str] = set()
_watchdog: list[threading.Timer] = []


def received() -> int | None:
    """The signal that stopped the current run, if one did."""
    return _received[0] if _received else None


def message(signum: int) -> str:
    """The one line a stopped run prints."""
    return "interrupted" if signum == signal.SIGINT else "terminated"


@contextmanager
def temporary(path: str | Path) -> Iterator[Path]:
    """Register a temporary file or folder for the duration of a block (removed by `stop_now`)."""
    key = str(path)
    _temporary.add(key)
    try:
        yield Path(path)
    finally:
        _temporary.discard(key)


def remove_temporary() -> None:
    """Remove every registered temporary file or folder (best effort)."""
    for key in list(_temporary):
        with suppress(OSError):
            if os.path.isdir(key) and not os.path.islink(key):
                shutil.rmtree(key, ignore_errors=True)
            else:
                os.unlink(key)
        _temporary.discard(key)


def stop_now(signum: int) -> None:
    """End the process at once: remove temporary files, kill worker processes, print one line."""
    remove_temporary()
    import multiprocessing

    for child in multiprocessing.active_children():
        with suppress(OSError, AttributeError):
            child.kill()
    with suppress(OSError):
        os.write(2, f"error: {message(signum)}\n".encode())
    os._exit(128 + signum)


def _handler(signum: int, frame) -> None:
    if _received:  # a second signal while unwinding: stop without waiting
        stop_now(_received[0])
    _received.append(signum)
    timer = threading.Timer(GRACE_SECONDS, stop_now, args=(signum,))
    timer.daemon = True
    timer.start()
    _watchdog.append(timer)
    raise Interrupted(signum)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise `Interrupted` (in the main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    _received.clear()
    for s in SIGNALS:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        for timer in _watchdog:
            timer.cancel()
        _watchdog.clear()


def quiet_worker() -> None:
    """In a worker process: Ctrl-C is the parent's to handle, SIGTERM ends it without a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


@contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while worker processes are forked (they unblock in `quiet_worker`)."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def flush_quietly() -> None:
    """Point stdout at /dev/null after a closed pipe, so the exit-time flush reports nothing."""
    with suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
