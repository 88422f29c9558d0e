"""Worker processes of a prediction run: how many it may use, and a forked pool that keeps input order.

Standard library only (and `classifier.io.interrupts`), so the command line reads the defaults at once.
"""

from __future__ import annotations

import collections
import os
from collections.abc import Callable, Iterable, Iterator

from classifier.io import interrupts

__all__ = ["default_jobs", "forked_in_order", "max_jobs"]


def default_jobs() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def max_jobs() -> int:
    """The most worker processes a run may ask for: four per core (more only costs memory)."""
    return 4 * (os.cpu_count() or 1)


def forked_in_order(function: Callable, arguments: Iterable[tuple], jobs: int) -> Iterator:
    """`function(*args)` for each tuple of `arguments`, in forked workers, yielded in input order.

    A sliding window of 2 calls per worker: no barrier between groups, memory stays flat.
    Workers inherit what the parent loaded (nothing is pickled but the arguments), ignore Ctrl-C
    (the parent stops them) and are forked with signals held back, so none is killed half-way
    through a queue operation, which would hang the pool's shutdown.
    """
    import multiprocessing  # here, not at the top: a run of one chunk never forks

    context = multiprocessing.get_context("fork")
    with interrupts.signals_blocked():
        pool = context.Pool(jobs, initializer=interrupts.quiet_worker)
    with pool:
        pending: collections.deque = collections.deque()
        for args in arguments:
            pending.append(pool.apply_async(function, args))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
