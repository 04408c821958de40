"""A graphql-core executor that completes large lists of plain objects column by column.

graphql-core completes every field of every list item through its general machinery (a resolve
info, the resolver, awaitable checks, error wrapping): a few microseconds a field, hundreds of
milliseconds for a 10k-node lineage or impact answer. Those answers are lists of strawberry types
whose selected fields are plain attributes, so ``FlatListExecutor`` completes such a list by
reading the attributes directly: same keys in the same order, same scalar and enum serialisation.
It does so a column at a time (one field of every item), so that the common case runs in C: a
column of strings is checked by the set of its value types and kept as it is, an Int column by its
types and its min and max, an enum column through a map of its few distinct values; each item's
dict is then built from the completed columns. Columns it cannot check whole go value by value.

It takes the fast path only for lists of objects (or of leaves) whose selected fields, down to the
leaves, are strawberry attribute fields without resolver, arguments, extensions or directives
other than ``@include``/``@skip`` (which field collection has already applied), with no
``is_type_of``, no abstract types and no middleware. Anything else, and any value it does not
expect (a null where none may be, a value a scalar would have to convert or reject, an exception),
sends the whole list back to graphql-core, which then gives its usual answer and errors: reading
attributes has no side effects, so starting over is safe.

Every list it completes, on either path, is first charged to the operation's budget
(``graph.serve.budget``); going over it ends the whole execution, not just the field.

Each answer of a subscription (one event of its stream) is completed the same way, but in a worker
thread, by the server's ``AnswerBuilds`` (``graph.serve.live_answers``), never on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple
from weakref import ref

import orjson
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfoHelpers,
    GraphQLString,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.language import OperationType
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from graph.serve.budget import BUDGET_KEY, QueryAborted, QueryBudget, selected_fields
from graph.serve.live_answers import BUILDS_KEY, MARK_KEY
from graph.serve.record_list import ColumnList, RecordList

Plan = Callable[[Any], Any]
"""Completes one value as graphql-core would, or raises ``_Unusual``."""

Column = Callable[[Sequence[Any]], list[Any]]
"""Completes many values of one type (a list's items, or one field of a list's objects) into a new list."""


class _Completion(NamedTuple):
    """How to complete one value of a type, and how to complete a whole column of them at once."""

    one: Plan
    many: Column
    native: type | None = (
        None  # non-null leaves whose values of exactly this type serialise as themselves
    )
    #: How a list's renderer writes such values as JSON (``ColumnList.render``): "string", "bool",
    #: "int", "enum" (with its values' names), "strings", or "objects" (a list of objects, with
    #: the specs of their fields, all leaves); None where it cannot.
    render: tuple[str, Any, bool] | None = None
    #: An object's selected fields as render specs, when every one is a leaf a renderer writes.
    fields: list[tuple[Any, ...]] | None = None


_COLLECTED_DIRECTIVES = frozenset(
    {"include", "skip"}
)  # applied by field collection, nothing left to do
_NATIVE: dict[GraphQLNamedType, type] = {
    GraphQLString: str,
    GraphQLID: str,
    GraphQLBoolean: bool,
}  # values of this exact type serialise as themselves
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # GraphQL Int is 32-bit
_NONE = type(None)
_LISTS = (list, tuple, RecordList, ColumnList)  # the list values the fast path completes


class _Unusual(Exception):
    """A value the fast path does not handle: graphql-core completes the list instead."""


#: Set in the context of an execution whose result orjson encodes (the HTTP API): large lists may
#: then complete to ``orjson.Fragment``, JSON made by the native core, spliced in as it is.
JSON_FRAGMENTS = "json_fragments"


class FlatListExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with lists of plain objects completed column by column.

    graphql-core's executor holds helpers bound to itself (``async_helpers``): a reference cycle,
    so every operation's executor, with its context and root value (a subscription's answers, a
    query's store view), would wait for the cyclic collector to be freed. Here they are bound
    weakly, and an executor goes as soon as its operation is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weakly(self, "gather_async_work"), track=_weakly(self, "track_async_work")
        )
        context = self.context_value
        self._fragments = isinstance(context, dict) and bool(context.get(JSON_FRAGMENTS))
        self._budget: QueryBudget | None = (
            context.get(BUDGET_KEY) if isinstance(context, dict) else None
        )
        # (id of a field details list, list type) -> (that list, kept alive so its id stays unique; the plan)
        self._list_plans: dict[tuple[int, GraphQLList], tuple[FieldDetailsList, Plan | None]] = {}

    def execute_operation(self, serially: bool | None = None) -> Any:
        """One answer of a subscription (``serially`` False: an event of its stream) is completed
        in a worker by the server's answer builds, within the budget its subscription set for it
        (``graph.serve.subscriptions``), and shared with identical ones; anything else as usual."""
        context = self.context_value
        builds = context.get(BUILDS_KEY) if isinstance(context, dict) else None
        if (
            builds is None
            or serially is not False
            or self.operation.operation is not OperationType.SUBSCRIPTION
        ):
            return super().execute_operation(serially)
        self._budget = context.get(BUDGET_KEY)
        complete = super().execute_operation
        return builds.deliver(_answer_key(self), lambda: complete(False), context)

    def complete_list_value(
        self,
        return_type: Any,
        field_details_list: Any,
        info: Any,
        path: Any,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._budget is not None and hasattr(
            result, "__len__"
        ):  # answers of walks are bounded by the traversal budgets
            walk_answer = type(result) is ColumnList and result.walk_answer
            self._budget.charge(
                len(result),
                selected_fields(field_details_list),
                path.as_list(),
                counted=not walk_answer,
            )
        if type(result) in _LISTS:
            plan = self._list_plan(return_type, field_details_list)
            if plan is not None:
                try:
                    return plan(result)
                except Exception:  # noqa: BLE001 - anything unusual: graphql-core does it again, properly
                    pass
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def handle_field_error(
        self, raw_error: Any, return_type: Any, field_details_list: Any, path: Any
    ) -> None:
        """A field's error nulls that field; one over the operation's budget ends the whole execution."""
        if isinstance(raw_error, QueryAborted):
            if raw_error.path is None:  # raised by a resolver: say where
                raise QueryAborted(raw_error.message, raw_error.extensions["code"], path.as_list())  # type: ignore[index]
            raise raw_error
        super().handle_field_error(raw_error, return_type, field_details_list, path)

    def _list_plan(
        self, return_type: GraphQLList, field_details_list: FieldDetailsList
    ) -> Plan | None:
        key = (id(field_details_list), return_type)
        cached = self._list_plans.get(key)
        if cached is None:
            plan = None
            if not (
                self.middleware_manager and self.middleware_manager.middlewares
            ) and _collected_only(field_details_list):
                try:
                    completion = self._plan(return_type, field_details_list)
                except Exception:  # noqa: BLE001 - e.g. collecting subfields failed: graphql-core reports it where it should
                    completion = None
                plan = None if completion is None else completion.one
            cached = self._list_plans[key] = (field_details_list, plan)
        return cached[1]

    def _plan(
        self, type_: GraphQLOutputType, field_details_list: FieldDetailsList
    ) -> _Completion | None:
        """How to complete values of ``type_`` selected by ``field_details_list``; None if not plain."""
        nullable = not is_non_null_type(type_)
        inner = type_ if nullable else type_.of_type  # type: ignore[union-attr]
        if is_list_type(inner):
            item = self._plan(inner.of_type, field_details_list)
            return None if item is None else _list(item, nullable)
        if is_leaf_type(inner):
            return _leaf(inner, nullable)
        if is_object_type(inner):
            return self._object(inner, field_details_list, nullable)
        return None  # interfaces and unions: graphql-core resolves the runtime type

    def _object(
        self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, nullable: bool
    ) -> _Completion | None:
        if type_.is_type_of is not None:
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(type_, field_details_list)
        if defer_usages:
            return None
        fields: list[_Field] = []
        for response_name, details in grouped_field_set.items():
            if not _collected_only(details):
                return None
            name = details[0].node.name.value
            if name == "__typename":
                fields.append(_Field(response_name, None, _identity, _typename(type_.name)))
                continue
            field_def = self.schema.get_field(type_, name)
            attribute = _attribute(field_def) if field_def is not None else None
            completion = self._plan(field_def.type, details) if attribute is not None else None  # type: ignore[union-attr]
            if completion is None:
                return None
            fields.append(_Field(response_name, attribute, attrgetter(attribute), completion))  # type: ignore[arg-type]
        return _object(fields, nullable, self._fragments)


class _Field(NamedTuple):
    """One selected field of an object type: its response key, how to read it, how to complete what is read."""

    response_name: str
    attribute: str | None  # None for __typename
    read: Callable[[Any], Any]
    completion: _Completion


def _weakly(owner: object, method: str) -> Callable[..., Any]:
    """``owner.method`` called through a weak reference to ``owner`` (no cycle through it)."""
    reference = ref(owner)

    def call(*args: Any, **kwargs: Any) -> Any:
        target = reference()
        if target is None:
            raise RuntimeError("the operation's executor is gone")
        return getattr(target, method)(*args, **kwargs)

    return call


def _answer_key(executor: FlatListExecutor) -> tuple[Any, ...] | None:
    """What makes two subscription answers the same: the document, operation and variables asked,
    and the fingerprint of the graph's answer to complete (None: not to be shared)."""
    mark = executor.context_value.get(MARK_KEY)
    operation = executor.operation
    if mark is None or operation.loc is None:
        return None
    name = operation.name.value if operation.name else None
    variables = getattr(executor.variable_values, "coerced", executor.variable_values)
    return (operation.loc.source.body, name, repr(variables), mark)


def _object(fields: list[_Field], nullable: bool, fragments: bool) -> _Completion:
    """Objects complete to dicts; a list of them column by column, each column read and completed in one go.

    Each column is read on its own (``attrgetter`` of one attribute): reading all of them at once
    makes a tuple per object, and thousands of short-lived tuples cost more in garbage collection
    than visiting each object once per field does. A ``ColumnList`` that renders itself, in an
    execution orjson encodes (``fragments``), completes to its JSON when every field is a leaf it
    writes as GraphQL would.
    """
    response_names = [field.response_name for field in fields]
    renderable = bool(fields) and all(
        f.attribute is not None and f.completion.render is not None for f in fields
    )
    leaves = renderable and all(f.completion.render[0] != "objects" for f in fields)  # type: ignore[index]
    specs = None
    if fragments and renderable:
        specs = [(f.response_name, f.attribute, *f.completion.render) for f in fields]  # type: ignore[misc]

    def one(value: Any) -> Any:
        if value is None and nullable:
            return None
        if value is None or isinstance(value, Exception):
            raise _Unusual
        return {
            response_name: completion.one(read(value))
            for response_name, _, read, completion in fields
        }

    def many(values: Sequence[Any]) -> Any:
        if not values:
            return []
        if specs is not None and type(values) is ColumnList and values.render is not None:
            rendered = values.render(specs)
            if rendered is not None:
                return orjson.Fragment(rendered)
        if (
            type(values) is RecordList or type(values) is ColumnList
        ):  # its columns, if it has every selected one; else its objects
            if type(values) is ColumnList:
                values.expect([f.attribute for f in fields if f.attribute is not None])
            columns = [
                values if f.attribute is None else values.column(f.attribute) for f in fields
            ]
            if fields and all(column is not None for column in columns):
                completed = [f.completion.many(column) for f, column in zip(fields, columns)]  # type: ignore[arg-type]
                return _rows(response_names, completed)
            values = list(values)
        types = set(map(type, values))
        if not fields or _NONE in types or any(issubclass(t, Exception) for t in types):
            return list(map(one, values))  # nulls, errors and empty selections item by item
        return _rows(
            response_names,
            [completion.many(list(map(read, values))) for _, _, read, completion in fields],
        )

    return _Completion(
        one,
        many,
        fields=[(f.response_name, f.attribute, *f.completion.render) for f in fields]  # type: ignore[misc]
        if leaves
        else None,
    )


def _typename(name: str) -> _Completion:
    """``__typename`` reads nothing from the object: it completes to the type's name."""
    return _Completion(lambda _: name, lambda values: [name] * len(values))


def _rows(keys: list[str], columns: list[list[Any]]) -> list[dict[str, Any]]:
    """One dict per row, ``{keys[0]: columns[0][i], ...}``. (A dict display generated per width
    builds them ~2x faster, but would take ``exec`` in the server; this keeps half the gain.)"""
    return [dict(zip(keys, row)) for row in zip(*columns)]


def _collected_only(field_details_list: FieldDetailsList) -> bool:
    """No arguments, fragment variables or directives beyond those field collection applied."""
    for details in field_details_list:
        node = details.node
        if node.arguments or details.fragment_variable_values is not None:
            return False
        if node.directives and any(
            d.name.value not in _COLLECTED_DIRECTIVES for d in node.directives
        ):
            return False
    return True


def _attribute(field_def: Any) -> str | None:
    """The attribute a field reads, if it is a strawberry field with no resolver, argument or extension."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or field_def.args
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
        or getattr(field_def.resolve, "__name__", None)
        != "_get_basic_result"  # strawberry's resolver of such fields
    ):
        return None
    return definition.python_name


def _list(item: _Completion, nullable: bool) -> _Completion:
    """A list completes its items as one column; a column of lists of native leaves is checked all at once."""
    items, native = item.many, item.native

    def one(value: Any) -> Any:
        if type(value) in _LISTS:
            return items(value)
        if value is None and nullable:
            return None
        raise _Unusual

    def many(values: Sequence[Any]) -> list[Any]:
        if (
            native is not None
            and set(map(type, values)) <= {list, tuple}
            and set(map(type, chain.from_iterable(values))) <= {native}
        ):
            return list(map(list, values))
        completed: dict[int, Any] = {}  # a list many rows hold (a lineage node's owners) once
        return [
            completed[key]
            if (key := id(value)) in completed
            else completed.setdefault(key, one(value))
            for value in values
        ]

    render = (
        ("strings", None, nullable)
        if native is str
        else ("objects", item.fields, nullable)
        if item.fields is not None
        else None
    )
    return _Completion(one, many, render=render)


def _leaf(type_: GraphQLLeafType, nullable: bool) -> _Completion:
    """Serialise as ``type_.coerce_output_value`` does, without calling it for plain values."""
    coerce = type_.coerce_output_value

    def slow(value: Any) -> Any:
        if value is None and nullable:
            return None
        if value is None or isinstance(value, Exception):
            raise _Unusual
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _Unusual
        return coerced

    native = _NATIVE.get(type_)
    if native is not None:
        return _native(native, nullable, slow)._replace(
            render=("string" if native is str else "bool", None, nullable)
        )
    if type_ is GraphQLInt:
        return _int(slow)._replace(render=("int", None, nullable))
    if isinstance(type_, GraphQLEnumType):
        names = {value.value: name for name, value in type_.values.items()}
        return _enum(slow)._replace(render=("enum", names, nullable))
    return _Completion(slow, _each(slow))


def _native(native: type, nullable: bool, slow: Plan) -> _Completion:
    """Values of exactly the ``native`` type (or nulls, where allowed) serialise as themselves."""
    allowed = {native, _NONE} if nullable else {native}

    def one(value: Any) -> Any:
        return value if type(value) is native else slow(value)

    def many(values: Sequence[Any]) -> list[Any]:
        return list(values) if set(map(type, values)) <= allowed else list(map(one, values))

    return _Completion(one, many, None if nullable else native)


def _int(slow: Plan) -> _Completion:
    """Exact ints within 32 bits serialise as themselves (bools, floats and nulls go through ``slow``)."""

    def one(value: Any) -> Any:
        return value if type(value) is int and _INT_MIN <= value <= _INT_MAX else slow(value)

    def many(values: Sequence[Any]) -> list[Any]:
        if set(map(type, values)) <= {int} and (
            not values or (min(values) >= _INT_MIN and max(values) <= _INT_MAX)
        ):
            return list(values)
        return list(map(one, values))

    return _Completion(one, many)


def _enum(slow: Plan) -> _Completion:
    """Enum values are few: serialise each once (per type too, as ``"x"`` and ``Kind("x")`` may differ)."""
    seen: dict[type, dict[Any, Any]] = {}

    def known(kind: type) -> dict[Any, Any]:
        found = seen.get(kind)
        if found is None:
            found = seen[kind] = {}
        return found

    def one(value: Any) -> Any:
        of_kind = known(type(value))
        try:
            return of_kind[value]
        except KeyError:
            coerced = of_kind[value] = slow(value)
            return coerced
        except TypeError:  # unhashable: not an enum value anyway
            return slow(value)

    def many(values: Sequence[Any]) -> list[Any]:
        kinds = set(map(type, values))
        if len(kinds) != 1:
            return list(map(one, values))
        of_kind = known(kinds.pop())
        try:
            for value in set(values).difference(of_kind):
                of_kind[value] = slow(value)
        except TypeError:  # an unhashable value
            return list(map(one, values))
        return list(map(of_kind.__getitem__, values))

    return _Completion(one, many)


def _each(plan: Plan) -> Column:
    """A column completed value by value."""
    return lambda values: list(map(plan, values))


def _identity(value: Any) -> Any:
    return value
