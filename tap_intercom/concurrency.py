"""Bounded concurrency that still yields results in input order."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


def ordered_map(fn: Callable[[In], Out], items: Iterable[In], workers: int,
                ahead: int | None = None) -> Iterator[tuple[In, Out | BaseException]]:
    """Run `fn` over `items` on `workers` threads, yielding (item, result or error) in input order.

    At most `ahead` calls (default twice the workers) run or wait ahead of the one being yielded,
    so memory stays bounded however long `items` is.
    """
    ahead = ahead or workers * 2
    if workers <= 1:
        for item in items:
            try:
                yield item, fn(item)
            except Exception as exc:
                yield item, exc
        return
    pending: deque[tuple[In, Future]] = deque()
    source = iter(items)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intercom") as pool:
        try:
            for item in source:
                pending.append((item, pool.submit(fn, item)))
                if len(pending) >= ahead:
                    yield _settle(*pending.popleft())
            while pending:
                yield _settle(*pending.popleft())
        finally:
            for _, future in pending:
                future.cancel()


def _settle(item: In, future: Future) -> tuple[In, Out | BaseException]:
    try:
        return item, future.result()
    except Exception as exc:
        return item, exc
