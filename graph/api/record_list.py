"""Response lists kept as the records they come from, readable one field at a time.

A 10k-node lineage answer built as 10k strawberry objects spends ~2 µs on each before GraphQL
reads a single field of it, and most of their fields are never asked for. A :class:`RecordList`
holds the query's own records (nodes, edges, impacted nodes) and one function per field of the
response type. ``graph.api.execution.FlatListExecutor`` asks it for the selected fields' columns
and builds no object at all; anything else (graphql-core's own completion, a resolver that walks
the list) iterates it and gets the objects, made on demand by the very same functions, so both
paths read the same values.
"""

from __future__ import annotations

from typing import Any, Callable, Generic, Iterator, Mapping, Sequence, TypeVar, overload

T = TypeVar("T")
Fields = Mapping[str, Callable[[Any], Any]]
"""A response type's fields, by Python attribute name: how to read each from a record."""


class RecordList(Sequence[T], Generic[T]):
    """A read-only list of response objects of ``make``'s type, as ``records`` and ``fields``."""

    __slots__ = ("_make", "_fields", "_records")

    def __init__(self, make: Callable[..., T], fields: Fields, records: Sequence[Any]) -> None:
        self._make = make  # called with every field as a keyword argument
        self._fields = fields
        self._records = records

    def column(self, attribute: str) -> list[Any] | None:
        """One field of every object, in order; None for an attribute ``fields`` does not name."""
        read = self._fields.get(attribute)
        return None if read is None else list(map(read, self._records))

    def _object(self, record: Any) -> T:
        return self._make(**{name: read(record) for name, read in self._fields.items()})

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._object(record) for record in self._records[index]]
        return self._object(self._records[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._object, self._records)

    def __repr__(self) -> str:
        return f"RecordList({len(self._records)} records)"
