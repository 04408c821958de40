"""The OpenLineage ingester is a pure translation: events in, mutations out, no store needed."""

from __future__ import annotations

import copy

import pytest
from openlineage_events import PRODUCER, complete

from graph import _native
from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Changes, UpsertEdge, UpsertNode, decode, encode, plan
from ingest.builder import GraphBuilder
from ingest.openlineage import translate
from ingest.openlineage_schema import InvalidEvent


def facet(**fields):
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-0-0/X.json",
        **fields,
    }


def run_event(**overrides):
    event = complete(
        "enrich",
        [{"namespace": "pg", "name": "public.users"}],
        [{"namespace": "pg", "name": "public.users_enriched"}],
        at="2026-01-05T06:00:00+02:00",
        job_namespace="spark",
        run_id="0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
    )
    event.update(overrides)
    return event


def applied(mutations) -> Changes:
    """What the mutations amount to on an empty graph (the shared merge rule, no store)."""
    return plan(mutations, {}, {})


def test_run_event_becomes_job_run_datasets_and_edges() -> None:
    changes = applied(translate(run_event()))
    kinds = {node_id: node.kind for node_id, node in changes.nodes.items()}
    assert kinds == {
        "job:spark:enrich": NodeKind.JOB,
        "run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11": NodeKind.RUN,
        "dataset:pg:public.users": NodeKind.DATASET,
        "dataset:pg:public.users_enriched": NodeKind.DATASET,
    }
    assert set(changes.edges) == {
        ("run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", EdgeKind.OF, "job:spark:enrich"),
        ("job:spark:enrich", EdgeKind.READS, "dataset:pg:public.users"),
        ("job:spark:enrich", EdgeKind.WRITES, "dataset:pg:public.users_enriched"),
        ("run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", EdgeKind.CONSUMED, "dataset:pg:public.users"),
        (
            "run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
            EdgeKind.PRODUCED,
            "dataset:pg:public.users_enriched",
        ),
    }
    run = changes.nodes["run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"]
    assert run.props["state"] == "COMPLETE" and run.props["endedAt"] == "2026-01-05T06:00:00+02:00"
    # Stamps are UTC, so events from different offsets order correctly.
    assert changes.nodes["job:spark:enrich"].stamps["name"] == "2026-01-05T04:00:00.000000Z"


def test_column_lineage_versions_and_dataset_level_entries() -> None:
    lineage = facet(
        fields={
            "email_hash": {
                "inputFields": [
                    {
                        "namespace": "pg",
                        "name": "public.users",
                        "field": "email",
                        "transformations": [
                            {
                                "type": "DIRECT",
                                "subtype": "TRANSFORMATION",
                                "description": "sha256",
                                "masking": True,
                            }
                        ],
                    }
                ],
            },
            "name": {  # 1-0-x style: transformation on the output field
                "inputFields": [{"namespace": "pg", "name": "public.users", "field": "name"}],
                "transformationType": "IDENTITY",
                "transformationDescription": "copied",
            },
        },
        dataset=[
            {
                "namespace": "pg",
                "name": "public.users",
                "field": "active",
                "transformations": [{"type": "INDIRECT", "subtype": "FILTER"}],
            }
        ],
    )
    event = run_event(
        outputs=[
            {
                "namespace": "pg",
                "name": "public.users_enriched",
                "facets": {"columnLineage": lineage},
            }
        ]
    )
    changes = applied(translate(event))
    out, src = "datasetField:pg:public.users_enriched:", "datasetField:pg:public.users:"
    masked = changes.edges[(out + "email_hash", EdgeKind.DERIVES_FROM, src + "email")]
    assert masked.props["transformations"] == [
        {"type": "DIRECT", "subtype": "TRANSFORMATION", "description": "sha256", "masking": True}
    ]
    assert masked.props["jobId"] == "job:spark:enrich"
    legacy = changes.edges[(out + "name", EdgeKind.DERIVES_FROM, src + "name")]
    assert (
        legacy.props["transformationType"] == "IDENTITY" and "transformations" not in legacy.props
    )
    whole = changes.edges[
        ("dataset:pg:public.users_enriched", EdgeKind.DERIVES_FROM, src + "active")
    ]
    assert whole.props["transformations"] == [{"type": "INDIRECT", "subtype": "FILTER"}]
    # Columns only named by lineage are recorded, but not as declared.
    assert "declared" not in changes.nodes[src + "email"].props


def test_symlinked_dataset_is_recorded_under_its_table_name() -> None:
    physical = {
        "namespace": "s3://lake",
        "name": "warehouse/crm/users",
        "facets": {
            "symlinks": facet(
                identifiers=[{"namespace": "glue://eu", "name": "crm.users", "type": "TABLE"}]
            ),
            "schema": facet(fields=[{"name": "id", "type": "long"}]),
        },
    }
    changes = applied(translate(run_event(inputs=[physical], outputs=[])))
    assert ("job:spark:enrich", EdgeKind.READS, "dataset:glue://eu:crm.users") in changes.edges
    assert (
        "dataset:s3://lake:warehouse/crm/users",
        EdgeKind.ALIAS_OF,
        "dataset:glue://eu:crm.users",
    ) in changes.edges
    assert "datasetField:glue://eu:crm.users:id" in changes.nodes


def test_dataset_and_job_events() -> None:
    dataset_event = {
        "eventTime": "2026-01-05T06:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
        "dataset": {
            "namespace": "pg",
            "name": "public.t",
            "facets": {
                "documentation": facet(description="a table"),
                "ownership": facet(owners=[{"name": "team:crm", "type": "team"}]),
            },
        },
    }
    changes = applied(translate(dataset_event))
    assert changes.nodes["dataset:pg:public.t"].props["description"] == "a table"
    assert (
        changes.edges[("dataset:pg:public.t", EdgeKind.OWNED_BY, "owner:team:crm")].props["type"]
        == "team"
    )
    job_event = {
        "eventTime": "2026-01-05T06:00:00Z",
        "producer": PRODUCER,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {
            "namespace": "dbt",
            "name": "model.orders",
            "facets": {"sql": facet(query="select 1")},
        },
        "inputs": [{"namespace": "pg", "name": "public.t"}],
        "outputs": [],
    }
    changes = applied(translate(job_event))
    assert changes.nodes["job:dbt:model.orders"].props["sql"] == "select 1"
    assert ("job:dbt:model.orders", EdgeKind.READS, "dataset:pg:public.t") in changes.edges
    assert not any(n.kind is NodeKind.RUN for n in changes.nodes.values())


def test_later_complete_wins_over_earlier_start_whatever_the_order() -> None:
    start = run_event(eventType="START", eventTime="2026-01-05T06:00:00Z")
    complete = run_event(
        eventType="COMPLETE", eventTime="2026-01-05T06:00:00Z", inputs=[], outputs=[]
    )
    forward = applied(translate(start) + translate(complete))
    backward = applied(translate(complete) + translate(start))
    assert forward == backward
    assert forward.nodes["run:0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11"].props["state"] == "COMPLETE"


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda e: e["run"].pop("runId"), "$.run: 'runId' is a required property"),
        (lambda e: e.__setitem__("eventTime", "soon"), "$.eventTime"),
        (lambda e: e["outputs"][0].__setitem__("name", None), "$.outputs[0].name"),
        (lambda e: e.__setitem__("eventType", "DONE"), "$.eventType"),
        (
            lambda e: e["outputs"][0].__setitem__("facets", {"schema": {"fields": []}}),
            "$.outputs[0].facets.schema",
        ),
    ],
)
def test_invalid_events_name_the_failing_field(mutate, fragment) -> None:
    event = copy.deepcopy(run_event())
    mutate(event)
    with pytest.raises(InvalidEvent) as raised:
        translate(event)
    assert fragment in str(raised.value)


def test_mutations_survive_encoding() -> None:
    mutations = translate(run_event())
    assert decode(encode(mutations)) == mutations
    assert all(isinstance(m, (UpsertNode, UpsertEdge)) for m in mutations)


def _lineage_event(event_time: str, run_id: str, description: str) -> dict:
    """A run whose output declares a schema and derives it from columns of its input."""
    fields = [
        {"name": "id", "type": "long", "description": description},
        {"name": "email", "type": "string"},
    ]
    lineage = facet(
        fields={
            f["name"]: {
                "inputFields": [{"namespace": "pg", "name": "public.users", "field": f["name"]}]
            }
            for f in fields
        }
    )
    return run_event(
        eventTime=event_time,
        run={"runId": run_id},
        inputs=[
            {"namespace": "pg", "name": "public.users", "facets": {"schema": facet(fields=fields)}}
        ],
        outputs=[
            {
                "namespace": "pg",
                "name": "public.users_enriched",
                "facets": {"schema": facet(fields=fields), "columnLineage": lineage},
            }
        ],
    )


def test_an_event_states_each_fact_once() -> None:
    """Columns named by lineage and by a schema in the same event are one mutation, still declared."""
    mutations = translate(
        _lineage_event("2026-01-05T06:00:00Z", "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "key")
    )
    keys = [(m.id, m.at) if isinstance(m, UpsertNode) else (m.key, m.at) for m in mutations]
    assert len(keys) == len(set(keys))
    changes = applied(mutations)
    assert changes.nodes["datasetField:pg:public.users:email"].props["declared"] is True
    assert (
        "dataset:pg:public.users",
        EdgeKind.HAS_COLUMN,
        "datasetField:pg:public.users:email",
    ) in changes.edges


def test_one_batch_plans_like_one_event_at_a_time_and_leaves_the_current_state_alone() -> None:
    events = [
        _lineage_event("2026-01-05T06:00:00Z", "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "first"),
        _lineage_event("2026-01-05T08:00:00Z", "1b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "latest"),
        _lineage_event("2026-01-05T07:00:00Z", "2b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11", "between"),
    ]
    base = applied(translate(run_event(eventTime="2026-01-05T05:00:00Z")))
    before = copy.deepcopy(base)
    one_batch = plan([m for e in events for m in translate(e)], base.nodes, base.edges)
    assert base == before  # planning never writes into the state it is given
    nodes, edges = dict(base.nodes), dict(base.edges)
    for event in reversed(events):
        step = plan(translate(event), nodes, edges)
        nodes.update(step.nodes)
        edges.update(step.edges)
    assert {**base.nodes, **one_batch.nodes} == nodes and {**base.edges, **one_batch.edges} == edges
    column = nodes["datasetField:pg:public.users:id"]
    assert (
        column.props["description"] == "latest"
        and column.stamps["description"] == "2026-01-05T08:00:00.000000Z"
    )
    has_column = edges[
        ("dataset:pg:public.users", EdgeKind.HAS_COLUMN, "datasetField:pg:public.users:id")
    ]
    assert has_column.props["firstSeenAt"] == "2026-01-05T06:00:00.000000Z"
    assert has_column.props["lastSeenAt"] == "2026-01-05T08:00:00.000000Z"


def test_an_event_states_edges_alike_with_one_props_dict_and_column_strings_once() -> None:
    """Equal edge props are one map of the batch (one dict decoded), and the strings columns repeat
    (names, types, descriptions) are held once by a graph across events, however each was parsed."""

    def event(time: str, description: str) -> dict:
        fields = [
            {
                "name": "".join(["i", "d"]),
                "type": "".join(["BIG", "INT"]),
                "description": description,
            }
        ]
        identity = [{"type": "DIRECT", "subtype": "IDENTITY"}]
        lineage = {
            name: {
                "inputFields": [
                    {
                        "namespace": "pg",
                        "name": "public.users",
                        "field": name,
                        "transformations": identity,
                    }
                ]
            }
            for name in ("id", "email", "name")
        }
        return run_event(
            eventTime=time,
            outputs=[
                {
                    "namespace": "pg",
                    "name": "public.users_enriched",
                    "facets": {
                        "schema": facet(fields=fields),
                        "columnLineage": facet(fields=lineage),
                    },
                }
            ],
        )

    first = translate(event("2026-01-05T06:00:00Z", "".join(["Surrogate ", "key"])))
    second = translate(event("2026-01-05T07:00:00Z", "".join(["Surrogate ", "key"])))
    derived = [m for m in first if isinstance(m, UpsertEdge) and m.kind is EdgeKind.DERIVES_FROM]
    assert len(derived) == 3 and all(m.props is derived[0].props for m in derived)
    assert derived[0].props == {
        "lastSeenAt": "2026-01-05T06:00:00.000000Z",
        "jobId": "job:spark:enrich",
        "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
        "transformationType": None,
        "transformationDescription": None,
    }
    graph = _native.Graph()
    graph.commit(graph.plan(encode(first)))
    strings = graph.stats()["strings"]
    graph.commit(graph.plan(encode(second)))
    # The run is the same one; only the event time as sent (its endedAt) is a string not held already.
    assert (
        graph.stats()["strings"] - strings == 1
    )  # the columns' names, types, descriptions: held already
    builder = GraphBuilder("2026-01-05T06:00:00.000000Z")
    for target, n in (("job:a", 1), ("job:b", True), ("job:c", 1.0), ("job:d", 1)):
        builder.edge("dataset:x", EdgeKind.READS, target, {"n": n})
    one, true, float_one, one_again = (m.props for m in builder.mutations)
    assert (
        one_again is one and true is not one and float_one is not one
    )  # equal to Python, not as JSON
    assert true["n"] is True and type(float_one["n"]) is float


@pytest.mark.parametrize("leaf", ["x", 2**70], ids=["json", "beyond-orjson"])
def test_nesting_is_refused_exactly_past_the_limit(leaf) -> None:
    from ingest.openlineage_schema import MAX_DEPTH

    def with_custom_facet(levels: int) -> dict:
        value = leaf
        for _ in range(levels):
            value = [value]
        # event, run, facets, custom facet, list: the facet's "deep" list is at depth 5
        return run_event(
            run={
                "runId": "0b5b8a2e-9a43-4d7a-8f3e-1c6f0f5d2a11",
                "facets": {"custom": facet(deep=value)},
            }
        )

    if isinstance(leaf, int):  # within the limit, the integer itself is what no layer can store
        with pytest.raises(InvalidEvent, match="beyond 64 bits"):
            translate(with_custom_facet(MAX_DEPTH - 4))
    else:
        translate(with_custom_facet(MAX_DEPTH - 4))
    with pytest.raises(InvalidEvent, match=f"nested deeper than {MAX_DEPTH} levels") as raised:
        translate(with_custom_facet(MAX_DEPTH - 3))
    assert raised.value.path.startswith("$.run.facets.custom.deep[0]")
