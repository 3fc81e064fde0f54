"""Worker processes over independent tasks (scenario batches, shocks, candidates).

:func:`parallel_map` runs ``fn(shared, task)`` for every task and returns the results
in task order, so a reduction over them in that order gives the same numbers whatever
the number of processes.  With ``jobs > 1`` the workers are *forked*: they inherit
``shared`` (a compiled :class:`~graphrisk.contagion.cascade.CascadeModel`, the
scenario parameters...) copy-on-write instead of receiving a pickled copy, and only
the tasks and their (small) results cross the process boundary.  The collector is
frozen first (:func:`gc.freeze`) so that a collection in a worker does not write to,
and so copy, the pages of the objects it inherited.

Where ``fork`` is unavailable (Windows, macOS spawn) or ``jobs == 1`` the tasks run
in the calling process: same numbers, one core.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["available_jobs", "resolve_jobs", "parallel_map"]

T = TypeVar("T")
R = TypeVar("R")

#: what the forked workers read: (function, shared state); set only while a pool runs
_WORK: tuple[Callable[[Any, Any], Any], Any] | None = None


def available_jobs() -> int:
    """Return the number of cores this process may run on (its CPU affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: int | None) -> int:
    """Return the number of processes to use: ``jobs``, or the cores available when None.

    >>> resolve_jobs(3)
    3
    >>> resolve_jobs(None) == available_jobs()
    True
    """
    return available_jobs() if jobs is None else max(1, int(jobs))


def _call(task: Any) -> Any:
    assert _WORK is not None  # set by parallel_map before the fork
    fn, shared = _WORK
    return fn(shared, task)


def parallel_map(fn: Callable[[Any, T], R], shared: Any, tasks: Sequence[T],
                 jobs: int | None = 1) -> list[R]:
    """Return ``[fn(shared, t) for t in tasks]``, computed by up to ``jobs`` processes.

    Results come back in task order.  ``fn`` must be a module-level function (it is
    called by name in the workers); ``shared`` is inherited by the forked workers, never
    pickled.  One task, ``jobs == 1`` or no ``fork`` start method: in this process.

    >>> parallel_map(lambda s, t: s * t, 10, [1, 2, 3])
    [10, 20, 30]
    """
    global _WORK
    n = min(resolve_jobs(jobs), len(tasks))
    if n <= 1 or "fork" not in mp.get_all_start_methods():
        return [fn(shared, t) for t in tasks]
    _WORK = (fn, shared)
    gc.collect()
    gc.freeze()
    try:
        with mp.get_context("fork").Pool(n) as pool:
            return pool.map(_call, tasks, chunksize=1)
    finally:
        gc.unfreeze()
        _WORK = None
