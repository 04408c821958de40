"""Subscription answers are built in worker threads, a few at once, and shared when identical.

One ingested event can change the answer of every subscription on the server at once: 256 of them
on one large lineage are 256 walks and 256 answers of a megabyte to complete and encode. Done on
the event loop (as graphql-core completes a subscription's answers), that stalls every request,
ingest acknowledgements included, for seconds; done all at once in threads, it holds 256 answers
in memory at the same moment. So:

- every step of an answer (the walk, the completion into JSON) runs in a worker thread, and at
  most ``at_once`` of them run at a time server-wide (``--max-answer-builds``); the others wait
  their turn, holding nothing but their question;
- an answer is completed and encoded once for all the subscriptions asking the same document
  with the same variables of the same graph (the fingerprint of what the answer shows): the
  second one to ask gets the first one's JSON, built or being built;
- sending is paced: the server pushes at most ``--max-push-bytes`` a second in all. Each push
  copies its answer several times on the event loop (framing, the socket's buffer), so 256
  subscribers of a 1 MB answer each second would take all of it; a subscription waits for its
  turn before it asks again (so what it then gets is fresh), its wait the size of its last push.

A subscription asks again only after its previous answer was sent (``graph.serve.subscriptions``):
a change arriving meanwhile yields one newer answer, never a queue.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from graphql import ExecutionResult

from graph.core.heap import release_free_memory

T = TypeVar("T")

BUILDS_KEY = "answer_builds"  # context entry: the server's AnswerBuilds
MARK_KEY = "answer_mark"  # context entry: the fingerprint of the answer about to be completed
SIZE_KEY = "answer_bytes"  # context entry: the size of the subscription's last answer
KEPT = 4  # completed answers kept for the subscriptions still to ask for the same one


_FAILED = object()  # what waiters on a build that raised get: they build for themselves


class AnswerBuilds:
    """The server's subscription answer work: bounded and shared (see the module docstring)."""

    def __init__(
        self, at_once: int, encode: Callable[[object], bytes], push_bytes_per_second: int
    ) -> None:
        self.at_once = at_once
        self.encode = encode
        self.push_rate = push_bytes_per_second
        self.sizes: dict[Hashable, int] = {}  # the last answer's size, per question asked
        self._next_free = 0.0  # when the pushes reserved so far will have had their time
        self.building = 0
        self.shared = 0  # answers handed to a subscription without completing them again
        self._limiter: anyio.CapacityLimiter | None = None
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}
        self._kept: OrderedDict[Hashable, Any] = OrderedDict()

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """``work(*args)`` in a worker thread, once a build slot is free."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.at_once)
        async with self._limiter:
            self.building += 1
            try:
                return await anyio.to_thread.run_sync(work, *args)
            finally:
                self.building -= 1

    async def once(self, key: Hashable | None, work: Callable[[], T]) -> T:
        """``work()`` as :meth:`run` does, unless the answer of ``key`` is kept or being built."""
        if key is None:
            return await self.run(work)
        if key in self._kept:
            self._kept.move_to_end(key)
            self.shared += 1
            return self._kept[key]
        pending = self._pending.get(key)
        if pending is not None:
            built = await asyncio.shield(pending)
            if built is not _FAILED:
                self.shared += 1
                return built
            return await self.run(work)  # its own try, and its own error
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            result = await self.run(work)
        except BaseException:
            future.set_result(_FAILED)  # not the exception: its traceback would hold this frame
            raise
        finally:
            del self._pending[key]
        future.set_result(result)
        self._kept[key] = result
        while len(self._kept) > KEPT:
            self._kept.popitem(last=False)
        return result

    async def pace(self, size: int) -> None:
        """Wait for a push of ``size`` bytes to have its share of ``push_rate``."""
        if size <= 0:
            return
        now = asyncio.get_running_loop().time()
        start = max(self._next_free, now)
        self._next_free = start + size / self.push_rate
        if start > now:
            await asyncio.sleep(start - now)

    async def deliver(
        self, key: Hashable | None, work: Callable[[], ExecutionResult], context: dict[str, Any]
    ) -> ExecutionResult:
        """A subscription's answer through :meth:`once`, encoded in the worker (the event loop only
        copies it); its size noted in ``context`` for the subscription's pacing."""
        result, size = await self.once(key, lambda: self._finish(work()))
        if not context.get(SIZE_KEY):  # a first answer: its wait now, the later ones' before
            await self.pace(size)
        context[SIZE_KEY] = size
        return result

    def _finish(self, result: ExecutionResult) -> tuple[ExecutionResult, int]:
        if result.errors or result.data is None:
            return result, 0
        encoded = self.encode(result.data)
        return ExecutionResult(orjson.Fragment(encoded), None, result.extensions), len(encoded)  # type: ignore[arg-type]

    def forget(self) -> None:
        """Drop the kept answers (no subscription is left to want them), and give their memory
        back to the system."""
        self._kept.clear()
        self.sizes.clear()
        release_free_memory()
