"""Bounded concurrency that still yields results in input order."""

from __future__ import annotations

import heapq
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

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


_DONE = object()


class _Feed:
    """One producer's items, handed from a worker thread to the consumer through a queue."""

    def __init__(self, produce: Callable[[], Iterable[Out]], buffer: int,
                 stop: threading.Event) -> None:
        self.produce = produce
        self.queue: queue.Queue = queue.Queue(maxsize=buffer)
        self.stop = stop

    def put(self, item: object) -> bool:
        while not self.stop.is_set():
            try:
                self.queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run(self) -> None:
        try:
            for item in self.produce():
                if not self.put(item):
                    return
        except BaseException as exc:  # handed to the consumer, in order
            self.put(exc)
            return
        self.put(_DONE)


def ordered_chain(producers: Iterable[Callable[[], Iterable[Out]]], workers: int,
                  ahead: int | None = None, buffer: int = 64) -> Iterator[Out]:
    """The items of every producer, producer by producer, with `workers` producers running at once.

    A producer that has finished frees its worker for the next one even before its items are
    consumed; at most `ahead` producers (default twice the workers) are started ahead of the
    consumer, and each may hold at most `buffer` unconsumed items, so memory stays bounded.
    With one worker the producers simply run one after the other in this thread.
    """
    if workers <= 1:
        for produce in producers:
            yield from produce()
        return
    ahead = ahead or workers * 2
    stop = threading.Event()
    pending = iter(producers)
    started: deque[_Feed] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="intercom-feed")
    try:
        while True:
            while len(started) < ahead and (producer := next(pending, None)) is not None:
                feed = _Feed(producer, buffer, stop)
                pool.submit(feed.run)
                started.append(feed)
            if not started:
                return
            feed = started.popleft()
            while (item := feed.queue.get()) is not _DONE:
                if isinstance(item, BaseException):
                    raise item
                yield item
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def merged(producers: Sequence[Callable[[], Iterable[Out]]], key: Callable[[Out], Any],
           buffer: int = 64) -> Iterator[Out]:
    """The items of every producer merged by `key`, all producers running at once.

    Each producer must yield its items in ascending `key` order; each holds at most `buffer`
    unconsumed items, so memory stays bounded.
    """
    if len(producers) <= 1:
        for produce in producers:
            yield from produce()
        return
    stop = threading.Event()
    feeds = [_Feed(produce, buffer, stop) for produce in producers]
    pool = ThreadPoolExecutor(max_workers=len(feeds), thread_name_prefix="intercom-merge")

    def drain(feed: _Feed) -> Iterator[Out]:
        while (item := feed.queue.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item

    try:
        for feed in feeds:
            pool.submit(feed.run)
        yield from heapq.merge(*(drain(feed) for feed in feeds), key=key)
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
