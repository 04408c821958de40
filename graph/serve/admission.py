"""How much the server holds at once: a few per client, a few more in all, and as many working as
there are cores to work on.

Without a bound, a client repeating an expensive query (or giving up on it and sending it again)
takes every thread and the server stops answering anyone. So an operation (GraphQL over HTTP or a
websocket, a Marquez read) is admitted only while its client runs fewer than ``per_client`` and
the server fewer than ``total``; otherwise it is refused at once with 429 and a reason, never
queued. The slot is held until the work has really finished, not merely until the client stopped
waiting. Subscriptions (``graph.serve.subscriptions``) are capped per connection and in all by the
same count, :class:`Slots`.

Admitted work runs in the admission's own threads (:meth:`Admission.run`), ``threads`` at once:
the native core lets the GIL go while it walks and renders, so queries in threads use the cores,
but more of them at once than there are cores only share the same ones, and take them from the
event loop, which must keep answering (``/healthz``, small requests, sending answers). Measured
with 8 clients of 20k-node answers on 2 cores: one query thread answered /healthz at p99 71 ms
and 4.0 queries/s, eight threads 463 ms and 2.7 queries/s. So by default one core is left to the
event loop and the others work; an admitted operation beyond them waits its turn on the event
loop, holding no thread. ``/healthz`` is not admitted and needs none of these threads.

A principal of the tokens counts as one client across its addresses too (issue 74: one reader
token from two addresses held all 8 slots with slow health rollups, and an admin on a third
address got 429 on 18 of 20 queries): it holds at most ``per_client`` slots and half the threads
whatever addresses it comes from. The shared principals (``local``, ``anonymous``: no token) are
counted per address only.

Queries cannot be interrupted once in a thread, so a client may work in at most half of them
(``client_threads``): however long its queries run (up to ``--query-seconds``), the others keep a
thread. With one query thread, a single client's slow query made every other client's query wait
for its deadline; so there are at least two, even on two cores.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


def query_threads() -> int:
    """The cores this process may run on, but one for the event loop (at least two: see above)."""
    return max(2, len(os.sched_getaffinity(0)) - 1)


@dataclass(frozen=True)
class AdmissionLimits:
    per_client: int = 4  # operations one client (principal and address) may run at once
    total: int = 8  # operations the server runs at once
    threads: int = field(default_factory=query_threads)  # of those, working at once (the cores)
    client_threads: int = 0  # threads one client may work in at once; 0: half of ``threads``

    @property
    def threads_per_client(self) -> int:
        return self.client_threads or max(1, self.threads // 2)


_CLIENT: ContextVar[Hashable] = ContextVar("admitted_client", default=None)


class Overloaded(Exception):
    """Refused: too many operations in flight (429); the message says whose."""


class Full(Exception):
    """No slot free: the holder's own (``holder_full``; ``group_full``: its group's), or the
    server's."""

    def __init__(self, holder_full: bool, group_full: bool = False) -> None:
        super().__init__("the holder's slots are taken" if holder_full else "every slot is taken")
        self.holder_full = holder_full
        self.group_full = group_full


_SHARED_PRINCIPALS = frozenset({"local", "anonymous"})  # graph.core.auth: no token, per address


def principal_of(client: Hashable) -> Hashable:
    """The group a client (``principal@address``) counts in: its principal, when it is one of the
    tokens; else the client itself."""
    if not isinstance(client, str) or "@" not in client:
        return client
    principal = client.rpartition("@")[0]
    return client if principal in _SHARED_PRINCIPALS else ("principal", principal)


class Slots:
    """What each holder and all of them hold at once: a slot is taken only while its holder holds
    fewer than ``per_holder`` and all together fewer than ``total``; otherwise :class:`Full`."""

    def __init__(
        self,
        per_holder: int,
        total: int,
        group_of: Callable[[Hashable], Hashable] = lambda holder: holder,
    ) -> None:
        self.per_holder = per_holder
        self.total = total
        self.group_of = group_of  # holders of one group share ``per_holder`` slots as well
        self._lock = threading.Lock()
        self._held: Counter[Hashable] = Counter()
        self._groups: Counter[Hashable] = Counter()
        self._all = 0

    def take(self, holder: Hashable) -> None:
        """One slot for ``holder`` (give it back with :meth:`give_back`); raises :class:`Full`."""
        group = self.group_of(holder)
        with self._lock:
            if self._held[holder] >= self.per_holder:
                raise Full(holder_full=True)
            if group != holder and self._groups[group] >= self.per_holder:
                raise Full(holder_full=True, group_full=True)
            if self._all >= self.total:
                raise Full(holder_full=False)
            self._held[holder] += 1
            self._groups[group] += 1
            self._all += 1

    @property
    def held(self) -> int:
        """Slots taken now, by all holders."""
        return self._all

    def give_back(self, holder: Hashable) -> None:
        group = self.group_of(holder)
        with self._lock:
            self._all -= 1
            self._held[holder] -= 1
            if not self._held[holder]:
                del self._held[holder]
            self._groups[group] -= 1
            if not self._groups[group]:
                del self._groups[group]


class Admission:
    """Counts the operations in flight, per client and in all."""

    def __init__(self, limits: AdmissionLimits) -> None:
        self.limits = limits
        self._slots = Slots(limits.per_client, limits.total, principal_of)
        self._threads = anyio.CapacityLimiter(limits.threads)
        self._client_threads: dict[Hashable, tuple[anyio.CapacityLimiter, list[int]]] = {}

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` of an admitted operation, in a worker thread once one of the
        ``threads`` is free and its client works in fewer than ``threads_per_client`` (waiting
        otherwise on the event loop). The client is the one :meth:`admit` was entered for in this
        task (set there, so that the operations strawberry runs for it need not carry it)."""
        client = principal_of(_CLIENT.get())  # a principal's addresses share its threads
        entry = self._client_threads.get(client)
        if entry is None:
            entry = self._client_threads[client] = (
                anyio.CapacityLimiter(self.limits.threads_per_client),
                [0],
            )
        limiter, users = entry
        users[0] += 1
        try:
            async with limiter:
                return await anyio.to_thread.run_sync(work, *args, limiter=self._threads)
        finally:
            users[0] -= 1
            if not users[0]:
                del self._client_threads[client]

    @contextmanager
    def admit(self, client: str) -> Iterator[None]:
        """Hold a slot for ``client`` for the duration; raises ``Overloaded`` when none is free."""
        try:
            self._slots.take(client)
        except Full as e:
            if e.group_full:
                raise Overloaded(
                    f"too many queries in flight from this principal (at most {self.limits.per_client} "
                    "at once across its addresses, the server's --max-client-queries); retry when one "
                    "has finished"
                ) from None
            if e.holder_full:
                raise Overloaded(
                    f"too many queries in flight from this client (at most {self.limits.per_client} at once, "
                    "the server's --max-client-queries); retry when one has finished"
                ) from None
            raise Overloaded(
                f"the server is running its maximum of {self.limits.total} queries "
                "(--max-concurrent-queries); retry shortly"
            ) from None
        token = _CLIENT.set(client)
        try:
            yield
        finally:
            _CLIENT.reset(token)
            self._slots.give_back(client)
