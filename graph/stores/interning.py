"""Equal property data held once: what the embedded store's journal replay does to its memory.

Much of what the elements of a graph hold repeats. The columns of a dataset are written by one
event, so their stamps dicts are equal (one or two distinct times); the derivations a job declares
carry equal props (``lastSeenAt``, ``firstSeenAt``, ``jobId``, ``transformations``); namespaces,
dataset ids, types and times recur as equal strings, and after a restart every one of them is a
copy of its own, since the journal decodes each row afresh. :class:`Interner` hands back one
shared object for equal data: on the 10k mesh the store replayed through it holds 267 MiB instead
of 570 (1,710 bytes per element before any of this, 663 after).

The store uses it for the start-up replay only: looking every element up costs ~25 % of live
ingest CPU, while a replay spends its time decoding and is no slower for it. Live writes get
most of the sharing without the lookups: see ``graph.mutations.plan`` and ``ingest.builder``.

Sharing is safe because a stored record's dicts are never changed in place: ``plan`` copies a
stored element before changing it, and readers only read.

Bounded, not weak (Python cannot weak-reference a str or a dict): :meth:`Interner.trim` empties a
table once it holds ``limit`` entries. Equal data is mostly written close together (one event,
one batch), so forgetting costs a few extra copies.
"""

from __future__ import annotations

from typing import Any

import orjson

_StampsKey = tuple[str, ...]  # the keys, then the values


class Interner:
    """Tables of shared strings, JSON values, stamps dicts and edge props dicts (a
    :class:`graph.mutations.Sharing`)."""

    def __init__(self, limit: int = 1 << 16) -> None:
        self.limit = limit
        self._empty: dict[str, Any] = {}  # every element without props or stamps shares it
        self._strings: dict[str, str] = {}
        # Lists, dicts and edge props by the hash of their JSON, confirmed by ==: keeping the JSON
        # itself as the key scattered its allocations over the heap (replay RSS 549 MiB, not 275).
        self._values: dict[int, Any] = {}
        self._stamps: dict[_StampsKey, dict[str, str]] = {}
        self._props: dict[int, dict[str, Any]] = {}

    def trim(self) -> None:
        """Forget every table that reached ``limit`` (the store calls this after each batch)."""
        for table in (self._strings, self._values, self._stamps, self._props):
            if len(table) >= self.limit:
                table.clear()

    def stamps(self, stamps: dict[str, str]) -> dict[str, str]:
        """The shared dict equal to ``stamps`` (the same keys in the same order)."""
        if not stamps:
            return self._empty
        shared = self._stamps.get((*stamps, *stamps.values()))
        if shared is None:
            strings = self._strings
            for key, value in stamps.items():
                stamps[key] = strings.setdefault(value, value)
            self._stamps[(*stamps, *stamps.values())] = shared = stamps
        return shared

    def node_props(self, props: dict[str, Any]) -> dict[str, Any]:
        """``props`` holding shared strings. Node props are rarely equal as a whole (a column's
        name and ordinal are its own), so the dict itself is not looked up, and large JSON values
        (schemas, facets) are left alone rather than encoded to find their twin."""
        if not props:
            return self._empty
        strings = self._strings
        for key, value in props.items():
            if type(value) is str:
                props[key] = strings.setdefault(value, value)
        return props

    def edge_props(self, props: dict[str, Any]) -> dict[str, Any]:
        """The shared dict equal to ``props``: the same JSON (so ``1``, ``1.0`` and ``true`` stay
        apart), found by its hash and confirmed by ``==``. A tuple shares with an equal list, which
        is what the journal makes of it anyway on the next start."""
        if not props:
            return self._empty
        try:
            key = hash(orjson.dumps(props))
        except TypeError:  # not JSON; nothing ingests such a value, but sharing is no reason to fail
            return props
        shared = self._props.get(key)
        if shared is not None and shared == props:
            return shared
        strings, values = self._strings, self._values
        for name, value in props.items():
            kind = type(value)
            if kind is str:
                props[name] = strings.setdefault(value, value)
            elif kind is list or kind is dict:
                value_key = hash(orjson.dumps(value))
                twin = values.get(value_key)
                if twin is not None and twin == value:
                    props[name] = twin
                else:
                    values[value_key] = value
        self._props[key] = props
        return props

