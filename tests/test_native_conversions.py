"""The bindings' conversions that the other tests reach least (native/bindings/pyspecs.cc's Marquez
renderings, pyvalues.cc, module.cc's HashFilter): Marquez's renderings of a walk and of a view as the
JSON the core writes, props handed over as any mapping, the values stored as their JSON text, and
the refusals each conversion words. Part of the instrumented bindings' workload
(tests/test_native_core.py)."""

from __future__ import annotations

import datetime
import enum
import math
import uuid
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from openlineage_events import complete

from graph import _native
from graph.core.model import NodeKind, dataset_id, field_id
from graph.read.view import GraphView
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.requests import WalkPlan
from ingest.openlineage import translate

SCHEMA = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json"
COLUMNS = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
RUN = "01234567-89ab-cdef-0123-456789abcdef"


def _schema(*fields: tuple[str, str]) -> dict[str, Any]:
    listed = [{"name": name, "type": type_} for name, type_ in fields]
    return {"schema": {"_producer": "p", "_schemaURL": SCHEMA, "fields": listed}}


@pytest.fixture
def rollup(tmp_path: Path) -> Any:
    """pg/orders (amount) loaded by one job, and pg/daily (total, from orders.amount) by another."""
    store = EmbeddedStore(tmp_path / "store")
    orders = {"namespace": "pg", "name": "orders"}
    store.apply(translate(complete("load", [], [{**orders, "facets": _schema(("amount", "int"))}])))
    derived = {"total": {"inputFields": [{**orders, "field": "amount"}]}}
    facets = {
        **_schema(("total", "bigint")),
        "columnLineage": {"_producer": "p", "_schemaURL": COLUMNS, "fields": derived},
    }
    daily = {"namespace": "pg", "name": "daily", "facets": facets}
    store.apply(translate(complete("rollup", [orders], [daily], run_id=RUN)))
    yield store
    store.close()


def test_marquez_renders_a_walk_with_its_runs_versions(rollup: Any) -> None:
    view = GraphView(rollup)
    walk = view.native.dataset_lineage(
        dataset_id("pg", "daily"), WalkPlan(10, upstream=True, downstream=True), 1000, 60.0
    )
    runs = walk.marquez_runs()
    assert f"run:{RUN}" in runs and len(runs) == 2  # each job's latest run
    graph = orjson.loads(walk.render_marquez())["graph"]
    ids = {node["id"] for node in graph}
    assert {
        "dataset:pg:daily",
        "dataset:pg:orders",
        "job:airflow:rollup",
        "job:airflow:load",
    } <= ids
    versions = '"inputDatasetVersions":[{"v":1}],"outputDatasetVersions":[]'
    stated = orjson.loads(walk.render_marquez({f"run:{RUN}": versions}))["graph"]
    (job,) = [node for node in stated if node["id"] == "job:airflow:rollup"]
    assert job["data"]["latestRun"]["inputDatasetVersions"] == [{"v": 1}]


def test_marquez_renders_nodes_and_column_lineage_of_a_view(rollup: Any) -> None:
    view = GraphView(rollup)
    daily, missing = orjson.loads(view.native.marquez([dataset_id("pg", "daily"), "nope"], True))
    assert missing is None
    assert daily["name"] == "daily"
    assert [(f["name"], f["type"]) for f in daily["fields"]] == [("total", "bigint")]
    body, truncated = view.native.marquez_column_lineage(
        [field_id("pg", "daily", "total")], False, 5, 1000, 60.0
    )
    assert truncated is False
    edges = {
        (edge["origin"], edge["destination"])
        for node in orjson.loads(body)["graph"]
        for edge in node["inEdges"]
    }
    assert ("datasetField:pg:daily:total", "datasetField:pg:orders:amount") in edges


def test_marquez_fields_are_the_json_text_a_remote_store_keeps() -> None:
    text = _native.marquez_fields([["total", "int", ["pii"], "the sum"], ["id", None, [], None]])
    assert orjson.loads(text) == [
        {"name": "total", "type": "int", "tags": ["pii"], "description": "the sum"},
        {"name": "id", "type": None, "tags": [], "description": None},
    ]
    with pytest.raises(TypeError, match="kept fields are a list of lists, one per column"):
        _native.marquez_fields(["total"])


class Tier(enum.Enum):
    GOLD = "gold"


def test_props_of_any_mapping_store_their_values_as_json_holds_them() -> None:
    builder = _native.Builder("2026-01-05T06:00:00.000000Z")
    props = {
        "tier": Tier.GOLD,
        "day": datetime.date(2026, 1, 5),
        "key": uuid.UUID(int=1),
        "pair": (1, [2.5, math.nan]),
        "big": 2**64 - 1,
        "nested": {"a": [True, None]},
    }
    builder.node("dataset:pg.t", NodeKind.DATASET, MappingProxyType(props))
    (node,) = builder.mutations
    assert dict(node.props) == {
        "tier": "gold",
        "day": "2026-01-05",
        "key": str(uuid.UUID(int=1)),
        "pair": [1, [2.5, None]],
        "big": 2**64 - 1,
        "nested": {"a": [True, None]},
    }
    assert _native.decode(builder.encoded()) == builder.mutations


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (["not", "a", "mapping"], "props must be a mapping"),
        (MappingProxyType({1: "x"}), "props: property keys must be str"),
        ({"n": 2**64}, "an integer beyond 64 bits cannot be stored"),
        ({"n": object()}, "a value of type object cannot be stored"),
        ({"n": {1: "x"}}, "a dict key must be a str"),
    ],
)
def test_props_a_store_cannot_hold_are_refused_by_name(props: Any, message: str) -> None:
    builder = _native.Builder("2026-01-05T06:00:00.000000Z")
    with pytest.raises(TypeError, match=message):
        builder.node("dataset:pg.t", NodeKind.DATASET, props)
    assert builder.mutations == []


def test_the_hash_filter_reads_hashes_sixteen_bytes_each() -> None:
    hashes = [bytes([k]) * 16 for k in range(1, 4)]
    held = _native.HashFilter(100)
    held.add(b"".join(hashes[:2]))
    assert {0, 1} <= set(held.maybe(b"".join(hashes)))  # (2 only as a false positive)
    assert held.maybe(b"") == []
    for wrong in (held.add, held.maybe):
        with pytest.raises(ValueError, match="hashes are 16 bytes each, end to end"):
            wrong(b"x" * 17)
