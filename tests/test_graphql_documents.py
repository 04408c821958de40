"""The server's schema parses and validates a query text once (graph.serve.document_cache), and
still answers every request by its own variables, and still refuses what breaks a limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import food_delivery as fd
import pytest
import strawberry.schema.schema as strawberry_schema

from graph.serve.app import limited_schema
from graph.serve.document_cache import ValidDocuments
from graph.serve.limits import GraphQLLimits
from graph.serve.schema import context
from graph.stores import Store, open_store
from ingest.openlineage import translate

LINEAGE = "query($id: String!) { lineage(nodeId: $id, direction: UPSTREAM) { nodes { id } } }"


@pytest.fixture
def seeded(tmp_path: Path, food_delivery_events) -> Iterator[Store]:
    """An embedded store with the food_delivery seed: the cache is the same whatever the store."""
    store = open_store(data_dir=str(tmp_path / "store"))
    for event in food_delivery_events:
        store.apply(translate(event))
    yield store
    store.close()


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The query texts strawberry parses and validates, in order."""
    seen: list[str] = []
    parse, validate = strawberry_schema.parse, strawberry_schema.validate_document

    def counting_parse(source: Any, **options: Any) -> Any:
        seen.append(f"parse {source}")
        return parse(source, **options)

    def counting_validate(schema: Any, document: Any, rules: Any) -> Any:
        seen.append("validate")
        return validate(schema, document, rules)

    monkeypatch.setattr(strawberry_schema, "parse", counting_parse)
    monkeypatch.setattr(strawberry_schema, "validate_document", counting_validate)
    return seen


def _run(schema: Any, store: Store, query: str, **variables: Any) -> Any:
    return schema.execute_sync(query, variable_values=variables, context_value=context(store))


def test_a_text_is_checked_once_and_answered_by_each_requests_variables(
    seeded: Store, checks: list[str]
) -> None:
    schema = limited_schema(GraphQLLimits())
    answers = [
        _run(schema, seeded, LINEAGE, id=fd.ds(name))
        for name in ("delivery_7_days", "customers", "delivery_7_days")
    ]
    assert all(not a.errors for a in answers)
    ids = [{n["id"] for n in a.data["lineage"]["nodes"]} for a in answers]
    assert (
        fd.ds("customers") in ids[0] and fd.ds("delivery_7_days") not in ids[1] and ids[2] == ids[0]
    )
    assert checks == [f"parse {LINEAGE}", "validate"]


def test_invalid_texts_are_refused_every_time(seeded: Store, checks: list[str]) -> None:
    schema = limited_schema(GraphQLLimits(max_depth=2))
    deep = (
        '{ dataset(namespace: "%s", name: "public.customers") { columns { owners { name } } } }'
        % fd.NS
    )
    for _ in range(2):
        result = _run(schema, seeded, deep)
        assert (
            result.data is None
            and result.errors[0].message == "'anonymous' exceeds maximum operation depth of 2"
        )
    unknown = '{ lineage(nodeId: "x") { nodes { nope } } }'
    for _ in range(2):
        assert "Cannot query field 'nope'" in _run(schema, seeded, unknown).errors[0].message
    assert checks == [
        f"parse {deep}",
        "validate",
        f"parse {deep}",
        "validate",
        f"parse {unknown}",
        "validate",
        f"parse {unknown}",
        "validate",
    ]


def test_each_schema_keeps_its_own_documents(seeded: Store, checks: list[str]) -> None:
    """A text valid under loose limits is still checked against a stricter schema's."""
    query = (
        '{ dataset(namespace: "%s", name: "public.customers") { columns { owners { name } } } }'
        % fd.NS
    )
    assert not _run(limited_schema(GraphQLLimits()), seeded, query).errors
    assert _run(limited_schema(GraphQLLimits(max_depth=2)), seeded, query).errors
    assert checks.count("validate") == 2


def test_the_least_recently_used_text_goes_first() -> None:
    documents = ValidDocuments(size=2)
    a, b, c = object(), object(), object()
    documents.put("a", a)  # type: ignore[arg-type]
    documents.put("b", b)  # type: ignore[arg-type]
    assert documents.get("a") is a
    documents.put("c", c)  # type: ignore[arg-type]
    assert (documents.get("a"), documents.get("b"), documents.get("c"), len(documents)) == (
        a,
        None,
        c,
        2,
    )
