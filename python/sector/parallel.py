"""Bounded parallelism for the many-file verbs: one native call per file on up to
``workers`` threads (the native client is thread-safe and releases the GIL, and each
file has its own session on the data channel, so the files move side by side)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from storewire import errors

__all__ = ["DEFAULT_WORKERS", "run_parallel"]

T = TypeVar("T")
R = TypeVar("R")

#: Files in flight at once unless the caller says otherwise.
DEFAULT_WORKERS = 4


def run_parallel(fn: Callable[[T], R], items: Sequence[T], workers: int,
                 operation: str) -> list[R]:
    """``fn`` over ``items`` on up to ``workers`` threads; the results in order. Every
    started call finishes before the first failure is raised. On Ctrl-C (which only the
    main thread sees) the files not yet started are dropped, and the ones in flight end
    before KeyboardInterrupt goes on."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise errors.InvalidRequestError(f"workers must be a positive int, not {workers!r}",
                                         operation=operation)
    if len(items) <= 1 or workers == 1:
        return [fn(item) for item in items]
    pool = ThreadPoolExecutor(max_workers=min(workers, len(items)),
                              thread_name_prefix=f"sector-{operation}")
    try:
        futures = [pool.submit(fn, item) for item in items]
        for f in futures:
            f.exception()  # waits; interruptible by Ctrl-C in the main thread
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    for f in futures:
        failure = f.exception()
        if failure is not None:
            raise failure
    return [f.result() for f in futures]
