"""Store conformance: lineage answers on every store, from the same events, must be identical.

Each test runs once per store (the ``store`` fixture); expectations are written out from the
events themselves (tests/food_delivery.py), never computed by the code under test.
"""

from __future__ import annotations

import copy
import random
import uuid
from typing import Any

import food_delivery as fd
import pytest
from openlineage_events import complete

from graph.core.errors import NodeNotFound, WrongNodeKind
from graph.core.model import Direction, EdgeKind, NodeKind
from graph.read import queries
from graph.read.lineage import column_lineage, dataset_lineage
from graph.read.view import GraphView
from graph.read.walk_defaults import Budget
from graph.stores import Store
from graph.stores.embedded.store import EmbeddedStore
from ingest.openlineage import translate


def ingest(store: Store, events: list[dict[str, Any]]) -> int:
    return sum(store.apply(translate(e)) for e in events)


def node_ids(graph) -> set[str]:
    return {n.id for n in graph.nodes}


def edge_keys(graph) -> set[tuple[str, str, str]]:
    return {(e.source, e.target, e.kind.value) for e in graph.edges}


def snapshot(store: Store) -> dict[str, Any]:
    """Everything in the store, as comparable plain data."""
    nodes = {}
    for kind in NodeKind:
        after = None
        while page := store.nodes_of_kind(kind, 500, after):
            for n in page:
                nodes[n.id] = (n.kind, n.props, n.stamps)
            after = page[-1].id
    edges = {
        (e.source, e.kind, e.target): (e.props, e.stamps)
        for e in store.edges(set(nodes), list(EdgeKind), "out")
    }
    return {"nodes": nodes, "edges": edges}


def test_food_delivery_dataset_lineage(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    up = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.UPSTREAM)
    assert node_ids(up) == fd.DELIVERY_7_DAYS_UPSTREAM_NODES
    assert edge_keys(up) == fd.DELIVERY_7_DAYS_UPSTREAM_EDGES
    assert not up.truncated
    down = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.DOWNSTREAM)
    assert node_ids(down) == fd.DELIVERY_7_DAYS_DOWNSTREAM_NODES
    assert edge_keys(down) == fd.DELIVERY_7_DAYS_DOWNSTREAM_EDGES
    both = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.BOTH)
    assert node_ids(both) == fd.DELIVERY_7_DAYS_UPSTREAM_NODES | fd.DELIVERY_7_DAYS_DOWNSTREAM_NODES
    assert (
        node_ids(dataset_lineage(store, fd.ds("discounts"), Direction.UPSTREAM))
        == fd.DISCOUNTS_UPSTREAM_NODES
    )
    assert (
        node_ids(dataset_lineage(store, fd.ds("discounts"), Direction.DOWNSTREAM))
        == fd.DISCOUNTS_DOWNSTREAM_NODES
    )


def test_depth_counts_dataset_hops_and_truncates(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    one = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.UPSTREAM, Budget(depth=1))
    assert node_ids(one) == {
        fd.ds("delivery_7_days"),
        fd.job("etl_delivery_7_days"),
        *(
            fd.ds(t)
            for t in ("orders_7_days", "customers", "order_status", "drivers", "restaurants")
        ),
    }
    assert one.truncated  # the writers of those inputs lie beyond depth 1
    zero = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.DOWNSTREAM, Budget(depth=0))
    assert node_ids(zero) == {fd.ds("delivery_7_days")} and zero.truncated
    leaf = dataset_lineage(
        store, fd.ds("popular_orders_day_of_week"), Direction.DOWNSTREAM, Budget(depth=0)
    )
    assert not leaf.truncated
    exact = dataset_lineage(store, fd.ds("delivery_7_days"), Direction.DOWNSTREAM, Budget(depth=2))
    assert node_ids(exact) == fd.DELIVERY_7_DAYS_DOWNSTREAM_NODES and not exact.truncated


def test_lineage_from_a_job_and_size_budget(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    from_job = dataset_lineage(store, fd.job("delivery_times_7_days"), Direction.DOWNSTREAM)
    assert node_ids(from_job) == {
        fd.job("delivery_times_7_days"),
        fd.ds("top_delivery_times"),
        fd.ds("discounts"),
        fd.job("orders_popular_day_of_week"),
        fd.ds("popular_orders_day_of_week"),
        fd.job("email_discounts"),
    }
    small = dataset_lineage(
        store, fd.ds("delivery_7_days"), Direction.UPSTREAM, Budget(max_nodes=5)
    )
    assert len(small.nodes) == 5 and small.truncated


def test_food_delivery_column_lineage(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    down = column_lineage(store, fd.col("customers", "email"), Direction.DOWNSTREAM)
    assert node_ids(down) == fd.CUSTOMERS_EMAIL_DOWNSTREAM_NODES
    assert edge_keys(down) == fd.CUSTOMERS_EMAIL_DOWNSTREAM_EDGES
    assert not down.truncated
    up = column_lineage(store, fd.col("customers", "email"), Direction.UPSTREAM)
    assert node_ids(up) == {fd.col("customers", "email")}
    discount_up = column_lineage(store, fd.col("discounts", "amount_off"), Direction.UPSTREAM)
    assert edge_keys(discount_up) == {
        (
            fd.col("delivery_7_days", "order_placed_on"),
            fd.col("discounts", "amount_off"),
            "DERIVES_FROM",
        ),
        (
            fd.col("delivery_7_days", "order_delivered_on"),
            fd.col("discounts", "amount_off"),
            "DERIVES_FROM",
        ),
        (
            fd.col("orders_7_days", "placed_on"),
            fd.col("delivery_7_days", "order_placed_on"),
            "DERIVES_FROM",
        ),
        (fd.col("orders", "placed_on"), fd.col("orders_7_days", "placed_on"), "DERIVES_FROM"),
        (
            fd.col("order_status", "transitioned_at"),
            fd.col("delivery_7_days", "order_delivered_on"),
            "DERIVES_FROM",
        ),
    }
    one_hop = column_lineage(
        store, fd.col("customers", "email"), Direction.DOWNSTREAM, Budget(depth=1)
    )
    assert node_ids(one_hop) == {
        fd.col("customers", "email"),
        fd.col("delivery_7_days", "customer_email"),
    }
    assert one_hop.truncated


def test_dirty_references_are_recorded_and_flagged(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    phantom = store.nodes([fd.ds("menu_item_id")])[
        fd.ds("menu_item_id")
    ]  # not a dataset in the seed
    assert phantom.kind is NodeKind.DATASET and not phantom.props.get("declared")
    declared = store.nodes([fd.ds("customers")])[fd.ds("customers")]
    assert declared.props["declared"] is True
    customer_email = store.nodes([fd.col("customers", "email")])[fd.col("customers", "email")]
    assert customer_email.props["declared"] is True and customer_email.props["type"] == "VARCHAR"


def test_unknown_start_nodes_are_clear_errors(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    with pytest.raises(NodeNotFound):
        dataset_lineage(store, "dataset:nowhere:nothing")
    with pytest.raises(WrongNodeKind):
        dataset_lineage(store, fd.col("customers", "email"))
    with pytest.raises(WrongNodeKind):
        column_lineage(store, fd.ds("customers"))


def test_duplicates_change_nothing(store: Store, food_delivery_events) -> None:
    first = ingest(store, food_delivery_events)
    before = snapshot(store)
    assert first > 0
    assert ingest(store, food_delivery_events) == 0
    assert snapshot(store) == before


def test_out_of_order_arrival_converges_to_the_reference(
    store: Store, food_delivery_events, tmp_path
) -> None:
    """Reversed and shuffled arrival on the store under test equals in-order arrival on the
    embedded reference: order independence and cross-store identity in one comparison."""
    shuffled = list(food_delivery_events)
    random.Random(42).shuffle(shuffled)
    ingest(store, list(reversed(food_delivery_events)))
    ingest(store, shuffled)
    reference = EmbeddedStore(tmp_path / "reference")
    try:
        ingest(reference, food_delivery_events)
        assert snapshot(store) == snapshot(reference)
    finally:
        reference.close()


def test_restart_restores_the_same_graph(open_test_store, food_delivery_events) -> None:
    store = open_test_store()
    ingest(store, food_delivery_events)
    before = snapshot(store)
    lineage_before = dataset_lineage(store, fd.ds("delivery_7_days"))
    store.close()
    reopened = open_test_store()
    assert snapshot(reopened) == before
    after = dataset_lineage(reopened, fd.ds("delivery_7_days"))
    assert (node_ids(after), edge_keys(after)) == (
        node_ids(lineage_before),
        edge_keys(lineage_before),
    )


def test_runs_accumulate_across_start_and_complete(store: Store, food_delivery_events) -> None:
    complete_first = sorted(food_delivery_events, key=lambda e: e["eventType"] != "COMPLETE")
    ingest(store, complete_first)
    job = queries.job(store, fd.NS, "etl_delivery_7_days")
    assert job is not None
    [run] = queries.runs(store, job, 10)
    assert run.props["state"] == "COMPLETE"
    assert run.props["startedAt"] == "2026-01-05T06:00:00.000Z"
    assert run.props["endedAt"] == "2026-01-05T06:06:00.000Z"
    inputs = {d.id for d in queries.job_datasets(store, job, EdgeKind.READS)}
    assert inputs == {
        fd.ds(t) for t in ("orders_7_days", "customers", "order_status", "drivers", "restaurants")
    }


def _event(
    event_type: str,
    time: str,
    inputs=(),
    outputs=(),
    run_id: str | None = None,
    job="spark_job",
    **extra,
) -> dict:
    return {
        "eventType": event_type,
        "eventTime": time,
        "run": {"runId": run_id or str(uuid.uuid4()), "facets": {}},
        "job": {"namespace": "spark", "name": job, "facets": {}},
        "inputs": list(inputs),
        "outputs": list(outputs),
        "producer": "https://example.com/test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        **extra,
    }


def _facet(**fields: Any) -> dict[str, Any]:
    return {
        "_producer": "https://example.com/test",
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def test_symlinks_make_one_node_per_table(store: Store) -> None:
    table = {"namespace": "hive://metastore", "name": "sales.orders", "type": "TABLE"}
    written = {
        "namespace": "s3://bucket",
        "name": "warehouse/sales/orders",
        "facets": {
            "symlinks": _facet(identifiers=[table]),
            "schema": _facet(
                fields=[{"name": "id", "type": "long"}, {"name": "email", "type": "string"}]
            ),
        },
    }
    ingest(
        store, [_event("COMPLETE", "2026-01-05T06:00:00Z", outputs=[written], job="load_orders")]
    )
    # A later job names the table only by its storage location, without symlinks.
    by_path = {"namespace": "s3://bucket", "name": "warehouse/sales/orders"}
    report = {"namespace": "s3://bucket", "name": "reports/daily"}
    ingest(
        store,
        [
            _event(
                "COMPLETE", "2026-01-05T07:00:00Z", inputs=[by_path], outputs=[report], job="report"
            )
        ],
    )
    canonical = "dataset:hive://metastore:sales.orders"
    down = dataset_lineage(store, canonical, Direction.DOWNSTREAM)
    assert node_ids(down) == {canonical, "job:spark:report", "dataset:s3://bucket:reports/daily"}
    via_path = dataset_lineage(store, "dataset:s3://bucket:warehouse/sales/orders", Direction.BOTH)
    assert node_ids(via_path) == {
        canonical,
        "job:spark:load_orders",
        "job:spark:report",
        "dataset:s3://bucket:reports/daily",
    }
    found = queries.dataset(store, "s3://bucket", "warehouse/sales/orders")
    assert found is not None and found.id == canonical
    assert [c.props["name"] for c in queries.columns(store, found)] == ["id", "email"]
    assert queries.aliases(store, found) == ["dataset:s3://bucket:warehouse/sales/orders"]


def test_lifecycle_drop_and_rename(store: Store) -> None:
    old = {
        "namespace": "pg",
        "name": "public.old_orders",
        "facets": {"schema": _facet(fields=[{"name": "id"}])},
    }
    ingest(store, [_event("COMPLETE", "2026-01-05T06:00:00Z", outputs=[old], job="load")])
    renamed = {
        "namespace": "pg",
        "name": "public.orders",
        "facets": {
            "lifecycleStateChange": _facet(
                lifecycleStateChange="RENAME",
                previousIdentifier={"namespace": "pg", "name": "public.old_orders"},
            )
        },
    }
    ingest(store, [_event("COMPLETE", "2026-01-05T07:00:00Z", outputs=[renamed], job="rename")])
    found = queries.dataset(store, "pg", "public.old_orders")
    assert found is not None and found.id == "dataset:pg:public.orders"
    up = dataset_lineage(store, "dataset:pg:public.orders", Direction.UPSTREAM)
    assert {"job:spark:load", "job:spark:rename"} <= node_ids(up)
    assert [c.props["name"] for c in queries.columns(store, found)] == ["id"]
    dropped: dict[str, Any] = {
        "namespace": "pg",
        "name": "public.orders",
        "facets": {"lifecycleStateChange": _facet(lifecycleStateChange="DROP")},
    }
    ingest(store, [_event("COMPLETE", "2026-01-05T08:00:00Z", outputs=[dropped], job="drop")])
    assert (
        store.nodes(["dataset:pg:public.orders"])["dataset:pg:public.orders"].props["deleted"]
        is True
    )
    # An older event arriving late does not resurrect it.
    recreated_earlier = copy.deepcopy(dropped)
    recreated_earlier["facets"]["lifecycleStateChange"]["lifecycleStateChange"] = "CREATE"
    ingest(
        store, [_event("COMPLETE", "2026-01-05T07:30:00Z", outputs=[recreated_earlier], job="drop")]
    )
    assert (
        store.nodes(["dataset:pg:public.orders"])["dataset:pg:public.orders"].props["deleted"]
        is True
    )


def test_the_job_that_drops_a_dataset_is_its_last_writer(store: Store) -> None:
    """As Marquez shows it: a run whose output carries ``lifecycleStateChange: DROP`` wrote the
    dataset last, so its job stays upstream of it; the writers before the drop are history."""
    orders = {"namespace": "pg", "name": "public.orders"}
    ingest(
        store,
        [
            _event(
                "COMPLETE",
                "2026-01-05T06:00:00Z",
                inputs=[{"namespace": "pg", "name": "src"}],
                outputs=[orders],
                job="load",
            )
        ],
    )
    dropped = {**orders, "facets": {"lifecycleStateChange": _facet(lifecycleStateChange="DROP")}}
    ingest(store, [_event("COMPLETE", "2026-01-05T08:00:00Z", outputs=[dropped], job="drop")])
    up = node_ids(dataset_lineage(store, "dataset:pg:public.orders", Direction.UPSTREAM))
    assert up == {"dataset:pg:public.orders", "job:spark:drop"}
    down = node_ids(dataset_lineage(store, "dataset:pg:src", Direction.DOWNSTREAM))
    assert "dataset:pg:public.orders" not in down

    def upstream_at(as_of: str) -> set[str]:
        return node_ids(
            dataset_lineage(GraphView(store, as_of), "dataset:pg:public.orders", Direction.UPSTREAM)
        )

    assert upstream_at("2026-01-05T09:00:00Z") == up
    assert upstream_at("2026-01-05T07:00:00Z") == {
        "dataset:pg:public.orders",
        "job:spark:load",
        "dataset:pg:src",
    }


def test_custom_facets_are_kept_raw_and_deletable(store: Store) -> None:
    custom = {
        "_producer": "https://example.com/x",
        "_schemaURL": "https://example.com/x.json",
        "nested": {"a": [1, 2]},
    }
    out = {"namespace": "pg", "name": "t", "facets": {"acme_quality": custom}}
    ingest(store, [_event("COMPLETE", "2026-01-05T06:00:00Z", outputs=[out])])
    node = store.nodes(["dataset:pg:t"])["dataset:pg:t"]
    assert node.props["facet:acme_quality"] == custom
    gone = {
        "namespace": "pg",
        "name": "t",
        "facets": {"acme_quality": {**custom, "_deleted": True}},
    }
    ingest(store, [_event("COMPLETE", "2026-01-05T07:00:00Z", outputs=[gone])])
    assert "facet:acme_quality" not in store.nodes(["dataset:pg:t"])["dataset:pg:t"].props


def test_nested_schema_fields_and_parent_runs(store: Store) -> None:
    parent_id = str(uuid.uuid4())
    out = {
        "namespace": "pg",
        "name": "events",
        "facets": {
            "schema": _facet(
                fields=[
                    {
                        "name": "user",
                        "type": "struct",
                        "fields": [
                            {"name": "id", "type": "int"},
                            {"name": "email", "type": "string"},
                        ],
                    },
                    {"name": "ts", "type": "timestamp"},
                ]
            )
        },
    }
    parent = _facet(run={"runId": parent_id}, job={"namespace": "airflow", "name": "dag"})
    event = _event("START", "2026-01-05T06:00:00Z", outputs=[out])
    event["run"]["facets"]["parent"] = parent
    ingest(store, [event])
    dataset = queries.dataset(store, "pg", "events")
    assert dataset is not None
    cols = queries.columns(store, dataset)
    assert [(c.props["name"], c.props.get("parent")) for c in cols] == [
        ("user", None),
        ("user.id", "user"),
        ("user.email", "user"),
        ("ts", None),
    ]
    run = store.nodes([f"run:{event['run']['runId']}"])[f"run:{event['run']['runId']}"]
    parent_run = queries.parent_run(store, run)
    assert parent_run is not None and parent_run.id == f"run:{parent_id}"
    assert parent_run.props["jobId"] == "job:airflow:dag"


def test_search_orders_exact_then_prefix_then_contains(store: Store, food_delivery_events) -> None:
    ingest(store, food_delivery_events)
    names = [n.props["name"] for n in queries.search(store, "public.orders", 10)]
    assert names == ["public.orders", "public.orders_7_days"]
    assert [n.id for n in queries.search(store, "ETL_ORDERS", 5)] == [
        fd.job("etl_orders"),
        fd.job("etl_orders_7_days"),
    ]


def test_a_pair_reached_directly_and_dataset_wide_keeps_the_direct_derivation(store: Store) -> None:
    """customer_id derives from orders.customer_id (DIRECT); the whole output is also filtered by
    orders.customer_id (INDIRECT, dataset-wide). The answer has one edge for the pair, and its
    properties are the column's own derivation's, whatever order the store reads them in (a dozen
    outputs, so that hash order puts the dataset-wide edge first for some of them)."""
    orders = {"namespace": "warehouse", "name": "orders", "field": "customer_id"}
    direct = [{"type": "DIRECT", "subtype": "IDENTITY"}]
    outputs = [
        {
            "namespace": "warehouse",
            "name": f"customers_{i}",
            "facets": {
                "columnLineage": {
                    "_producer": "https://example.com/test",
                    "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                    "fields": {
                        "customer_id": {"inputFields": [{**orders, "transformations": direct}]}
                    },
                    "dataset": [
                        {**orders, "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}]}
                    ],
                }
            },
        }
        for i in range(12)
    ]
    read = [{"namespace": "warehouse", "name": "orders"}]
    event = complete(
        "customers_by_order",
        read,
        outputs,
        at="2026-01-05T10:00:00Z",
        job_namespace="etl",
        run_id=str(uuid.UUID(int=7)),
    )
    ingest(store, [event])
    for output in outputs:
        target = f"datasetField:warehouse:{output['name']}:customer_id"
        up = column_lineage(store, target, Direction.UPSTREAM, Budget(depth=1))
        (edge,) = [
            e
            for e in up.edges
            if e.source == "datasetField:warehouse:orders:customer_id" and e.target == target
        ]
        assert edge.props["transformations"] == direct, output["name"]


def test_downstream_column_lineage_stops_at_a_dataset_wide_dependent(store: Store) -> None:
    """A column that filters a whole output (a columnLineage ``dataset`` entry) has that dataset
    downstream: the walk ends there with an edge column → dataset, and its own columns (derived
    from other inputs) are not reached through it. (It used to be dropped: the dataset was never
    added to the answer, so neither was the edge.)"""
    orders_id = {"namespace": "warehouse", "name": "orders", "field": "id"}
    customer_id = {"namespace": "warehouse", "name": "orders", "field": "customer_id"}
    output = {
        "namespace": "warehouse",
        "name": "customers",
        "facets": {
            "columnLineage": {
                "_producer": "https://example.com/test",
                "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
                "fields": {
                    "id": {
                        "inputFields": [
                            {
                                **orders_id,
                                "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                            }
                        ]
                    }
                },
                "dataset": [
                    {**customer_id, "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}]}
                ],
            }
        },
    }
    read = [{"namespace": "warehouse", "name": "orders"}]
    event = complete(
        "customers_by_filter",
        read,
        [output],
        at="2026-01-05T10:00:00Z",
        job_namespace="etl",
        run_id=str(uuid.UUID(int=8)),
    )
    ingest(store, [event])
    start = "datasetField:warehouse:orders:customer_id"
    down = column_lineage(store, start, Direction.DOWNSTREAM, Budget(depth=5))
    assert node_ids(down) == {start, "dataset:warehouse:customers"}
    assert edge_keys(down) == {(start, "dataset:warehouse:customers", "DERIVES_FROM")}
    assert not down.truncated
    up = column_lineage(
        store, "datasetField:warehouse:customers:id", Direction.UPSTREAM, Budget(depth=5)
    )
    assert node_ids(up) == {
        "datasetField:warehouse:customers:id",
        start,
        "datasetField:warehouse:orders:id",
    }
