"""Response lists kept as the records (or columns) they come from, readable one field at a time.

A 10k-node lineage answer built as 10k strawberry objects spends ~2 µs on each before GraphQL
reads a single field of it, and most of their fields are never asked for. A :class:`RecordList`
holds the query's own records (nodes, edges, impacted nodes) and one function per field of the
response type. ``graph.serve.execution.FlatListExecutor`` asks it for the selected fields' columns
and builds no object at all; anything else (graphql-core's own completion, a resolver that walks
the list) iterates it and gets the objects, made on demand by the very same functions, so both
paths read the same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")
Fields = Mapping[str, Callable[[Any], Any]]
"""A response type's fields, by Python attribute name: how to read each from a record."""


class _MadeOnDemand(Sequence[T], Generic[T]):
    """A read-only list whose objects are made when read, each from one key: the one indexing and
    iteration of both kinds of list below."""

    __slots__ = ()

    def _keys(self) -> Sequence[Any]:
        """What each object is made from, in order."""
        raise NotImplementedError

    def _object(self, key: Any) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self._keys())

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        keys = self._keys()
        if isinstance(index, slice):
            return [self._object(key) for key in keys[index]]
        return self._object(keys[index])

    def __iter__(self) -> Iterator[T]:
        return map(self._object, self._keys())


class RecordList(_MadeOnDemand[T]):
    """A read-only list of response objects of ``make``'s type, as ``records`` and ``fields``."""

    __slots__ = ("_fields", "_make", "_records")

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

    def _keys(self) -> Sequence[Any]:
        return self._records

    def __repr__(self) -> str:
        return f"RecordList({len(self._records)} records)"


class ColumnList(_MadeOnDemand[T]):
    """A read-only list of response objects of ``make``'s type, held as columns: ``column_of``
    gives one field of every object (the native answers of lineage and impact, which keep no
    Python object per node). Columns are made once, when first asked for; objects, for a reader
    that iterates, from the very same columns."""

    __slots__ = (
        "_column_of",
        "_columns",
        "_expect",
        "_length",
        "_make",
        "_names",
        "render",
        "walk_answer",
    )

    def __init__(
        self,
        make: Callable[..., T],
        names: Sequence[str],
        column_of: Callable[[str], list[Any]],
        length: int,
        render: Callable[[list[tuple[Any, ...]]], bytes | None] | None = None,
        walk_answer: bool = False,
        expect: Callable[[Sequence[str]], None] | None = None,
    ) -> None:
        self._make = make  # called with every field as a keyword argument
        self._expect = expect
        self._names = tuple(names)
        self._column_of = column_of
        self._length = length
        self._columns: dict[str, list[Any]] = {}
        #: The list as JSON, for selected leaf fields (``graph.serve.execution``): None when it cannot.
        self.render = render
        #: A lineage or impact walk's answer, which the traversal budgets bound: its items do not count
        #: towards the operation's cost (``graph.serve.budget``); a page of a connection's does.
        self.walk_answer = walk_answer

    def expect(self, attributes: Sequence[str]) -> None:
        """The fields about to be asked for (``column``): columns read together are read at once."""
        if self._expect is not None:
            self._expect(attributes)

    def column(self, attribute: str) -> list[Any] | None:
        """One field of every object, in order; None for an attribute it does not have."""
        if attribute not in self._names:
            return None
        found = self._columns.get(attribute)
        if found is None:
            found = self._columns[attribute] = self._column_of(attribute)
        return found

    def _object(self, index: int) -> T:
        return self._make(**{name: self.column(name)[index] for name in self._names})  # type: ignore[index]

    def _keys(self) -> Sequence[Any]:
        return range(self._length)

    def __repr__(self) -> str:
        return f"ColumnList({self._length} objects)"
