"""A graphql-core executor that completes large lists of plain objects in a tight loop.

graphql-core completes every field of every list item through its general machinery (a resolve
info, the resolver, awaitable checks, error wrapping): a few microseconds a field, hundreds of
milliseconds for a 10k-node lineage or impact answer. Those answers are lists of strawberry types
whose selected fields are plain attributes, so ``FlatListExecutor`` completes such a list by
reading the attributes directly: same keys in the same order, same scalar and enum serialisation.

It takes the fast path only for lists of objects (or of leaves) whose selected fields, down to the
leaves, are strawberry attribute fields without resolver, arguments, extensions or directives
other than ``@include``/``@skip`` (which field collection has already applied), with no
``is_type_of``, no abstract types and no middleware. Anything else, and any value it does not
expect (a null where none may be, a value a scalar would have to convert or reject, an exception),
sends the whole list back to graphql-core, which then gives its usual answer and errors: reading
attributes has no side effects, so starting over is safe.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, Callable, Optional

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Plan = Callable[[Any], Any]
"""Completes one value as graphql-core would, or raises ``_Unusual``."""

_COLLECTED_DIRECTIVES = frozenset({"include", "skip"})  # applied by field collection, nothing left to do
_NATIVE = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}  # values of this exact type serialise as themselves
_INT_RANGE = range(-(2**31), 2**31)  # GraphQL Int is 32-bit


class _Unusual(Exception):
    """A value the fast path does not handle: graphql-core completes the list instead."""


class FlatListExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, with lists of plain objects completed in a tight loop."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (id of a field details list, list type) -> (that list, kept alive so its id stays unique; the plan)
        self._list_plans: dict[tuple[int, GraphQLList], tuple[FieldDetailsList, Optional[Plan]]] = {}

    def complete_list_value(self, return_type, field_details_list, info, path, result, position_context):  # type: ignore[no-untyped-def, override]
        if type(result) in (list, tuple):
            plan = self._list_plan(return_type, field_details_list)
            if plan is not None:
                try:
                    return plan(result)
                except Exception:  # noqa: BLE001 - anything unusual: graphql-core does it again, properly
                    pass
        return super().complete_list_value(return_type, field_details_list, info, path, result, position_context)

    def _list_plan(self, return_type: GraphQLList, field_details_list: FieldDetailsList) -> Optional[Plan]:
        key = (id(field_details_list), return_type)
        cached = self._list_plans.get(key)
        if cached is None:
            plan = None
            if not (self.middleware_manager and self.middleware_manager.middlewares) and _collected_only(field_details_list):
                try:
                    plan = self._plan(return_type, field_details_list)
                except Exception:  # noqa: BLE001 - e.g. collecting subfields failed: graphql-core reports it where it should
                    plan = None
            cached = self._list_plans[key] = (field_details_list, plan)
        return cached[1]

    def _plan(self, type_: GraphQLOutputType, field_details_list: FieldDetailsList) -> Optional[Plan]:
        """How to complete a value of ``type_`` selected by ``field_details_list``; None if not plain."""
        nullable = not is_non_null_type(type_)
        inner = type_ if nullable else type_.of_type  # type: ignore[union-attr]
        if is_list_type(inner):
            item = self._plan(inner.of_type, field_details_list)
            native = _NATIVE.get(inner.of_type.of_type) if is_non_null_type(inner.of_type) else None  # type: ignore[attr-defined]
            return None if item is None else _list(item, nullable, native)
        if is_leaf_type(inner):
            return _leaf(inner, nullable)
        if is_object_type(inner):
            return self._object(inner, field_details_list, nullable)
        return None  # interfaces and unions: graphql-core resolves the runtime type

    def _object(self, type_: GraphQLObjectType, field_details_list: FieldDetailsList, nullable: bool) -> Optional[Plan]:
        if type_.is_type_of is not None:
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(type_, field_details_list)
        if defer_usages:
            return None
        fields: list[tuple[str, Callable[[Any], Any], Plan]] = []
        for response_name, details in grouped_field_set.items():
            if not _collected_only(details):
                return None
            name = details[0].node.name.value
            if name == "__typename":
                fields.append((response_name, _constant(type_.name), _identity))
                continue
            field_def = self.schema.get_field(type_, name)
            attribute = _attribute(field_def) if field_def is not None else None
            plan = self._plan(field_def.type, details) if attribute is not None else None  # type: ignore[union-attr]
            if plan is None:
                return None
            fields.append((response_name, attrgetter(attribute), plan))  # type: ignore[arg-type]

        def complete(value: Any) -> Any:
            if value is None and nullable:
                return None
            if value is None or isinstance(value, Exception):
                raise _Unusual
            return {response_name: plan(read(value)) for response_name, read, plan in fields}

        return complete


def _collected_only(field_details_list: FieldDetailsList) -> bool:
    """No arguments, fragment variables or directives beyond those field collection applied."""
    for details in field_details_list:
        node = details.node
        if node.arguments or details.fragment_variable_values is not None:
            return False
        if node.directives and any(d.name.value not in _COLLECTED_DIRECTIVES for d in node.directives):
            return False
    return True


def _attribute(field_def: Any) -> Optional[str]:
    """The attribute a field reads, if it is a strawberry field with no resolver, argument or extension."""
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(definition, StrawberryField)
        or field_def.args
        or not definition.is_basic_field
        or definition.default_resolver is not getattr
        or getattr(field_def.resolve, "__name__", None) != "_get_basic_result"  # strawberry's resolver of such fields
    ):
        return None
    return definition.python_name


def _list(item: Plan, nullable: bool, native: Optional[type] = None) -> Plan:
    """A list plan; for lists of non-null ``native`` leaves, a copy when every item has that exact type."""
    def complete(value: Any) -> Any:
        if type(value) in (list, tuple):
            if native is not None and set(map(type, value)) <= {native}:
                return list(value)
            return [item(v) for v in value]
        if value is None and nullable:
            return None
        raise _Unusual

    return complete


def _leaf(type_: GraphQLLeafType, nullable: bool) -> Plan:
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

    native = _NATIVE.get(type_)  # type: ignore[call-overload]
    if native is not None:
        return lambda value: value if type(value) is native else slow(value)
    if type_ is GraphQLInt:
        return lambda value: value if type(value) is int and value in _INT_RANGE else slow(value)
    if isinstance(type_, GraphQLEnumType):
        return _enum(slow)
    return slow


def _enum(slow: Plan) -> Plan:
    """Enum values are few: serialise each once (by type too, as ``"x"`` and ``Kind("x")`` may differ)."""
    seen: dict[tuple[type, Any], Any] = {}

    def complete(value: Any) -> Any:
        key = (type(value), value)
        try:
            return seen[key]
        except KeyError:
            coerced = seen[key] = slow(value)
            return coerced
        except TypeError:  # unhashable: not an enum value anyway
            return slow(value)

    return complete


def _constant(value: Any) -> Callable[[Any], Any]:
    return lambda _: value


def _identity(value: Any) -> Any:
    return value
