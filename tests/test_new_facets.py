"""The facets of 2025-2026 producers send (tags on datasets, columns, jobs and runs; datasetType;
jobType's processingType and emissionPattern), as the real OpenLineage client builds them, shown through GraphQL
on every store."""

from __future__ import annotations

import uuid

from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import (
    dataset_type_dataset,
    job_type_job,
    schema_dataset,
    tags_dataset,
    tags_job,
    tags_run,
)
from openlineage.client.serde import Serde

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.openlineage import translate

QUERY = """{
  dataset(namespace: "kafka://broker:9092", name: "orders") {
    tags datasetType datasetSubType facets columns { name tags } }
  job(namespace: "flink", name: "orders_sink") {
    tags processingType integration jobType emissionPattern } }"""


def test_tags_dataset_type_and_job_type_are_shown(store: Store) -> None:
    dataset_tags = tags_dataset.TagsDatasetFacet(
        tags=[
            tags_dataset.TagsDatasetFacetFields(
                key="pii", value="true", source="USER", field="email"
            ),
            tags_dataset.TagsDatasetFacetFields(key="tier", value="gold", source="USER"),
            tags_dataset.TagsDatasetFacetFields(key="certified", value="true", source="USER"),
        ]
    )
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name="id", type="BIGINT"),
        schema_dataset.SchemaDatasetFacetFields(name="email", type="STRING"),
    ]
    output = OutputDataset(
        namespace="kafka://broker:9092",
        name="orders",
        facets={
            "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
            "tags": dataset_tags,
            "datasetType": dataset_type_dataset.DatasetTypeDatasetFacet(
                datasetType="TOPIC", subType="COMPACTED"
            ),
        },
    )
    job_facets = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="STREAMING",
            integration="FLINK",
            jobType="JOB",
            emissionPattern=job_type_job.EmissionPattern(
                eventTrigger="PERIODIC", eventContentMode="COMPLETE_SNAPSHOT", windowDuration=300
            ),
        ),
        "tags": tags_job.TagsJobFacet(
            tags=[tags_job.TagsJobFacetFields(key="team", value="orders", source="USER")]
        ),
    }
    run_tags = tags_run.TagsRunFacet(
        tags=[tags_run.TagsRunFacetFields(key="env", value="prod", source="USER")]
    )
    run_id = str(uuid.uuid4())
    event = RunEvent(
        eventType=RunState.START,
        eventTime="2026-01-05T06:00:00Z",
        run=Run(runId=run_id, facets={"tags": run_tags}),
        job=Job(namespace="flink", name="orders_sink", facets=job_facets),
        producer="https://example.com/tests",
        outputs=[output],
    )
    store.apply(translate(Serde.to_dict(event)))
    result = schema.execute_sync(QUERY, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    dataset, job = result.data["dataset"], result.data["job"]
    assert dataset["tags"] == ["tier:gold", "certified"]
    assert (dataset["datasetType"], dataset["datasetSubType"]) == ("TOPIC", "COMPACTED")
    assert "tags" in dataset["facets"]  # the facet itself is kept too
    assert {c["name"]: c["tags"] for c in dataset["columns"]} == {"id": None, "email": ["pii"]}
    assert job == {
        "tags": ["team:orders"],
        "processingType": "STREAMING",
        "integration": "FLINK",
        "jobType": "JOB",
        "emissionPattern": {
            "eventTrigger": "PERIODIC",
            "eventContentMode": "COMPLETE_SNAPSHOT",
            "windowDuration": 300,
        },
    }
    run = store.nodes([f"run:{run_id}"])[f"run:{run_id}"]
    assert run.props["tags"] == ["env:prod"]
    # the tags are what search filters by: the dataset, its tagged column, and the job
    found = schema.execute_sync(
        """query($tag: String!) { searchConnection(text: "orders", tag: $tag) {
             totalCount nodes { id } } }""",
        variable_values={"tag": "tier:gold"},
        context_value=context(store),
    )
    assert found.errors is None and found.data is not None, found.errors
    ids = [n["id"] for n in found.data["searchConnection"]["nodes"]]
    dataset_id = "dataset:kafka://broker:9092:orders"
    assert ids == [dataset_id], ids
    none = schema.execute_sync(
        """{ searchConnection(text: "orders", tag: "tier:silver") { totalCount } }""",
        context_value=context(store),
    )
    assert none.data is not None and none.data["searchConnection"]["totalCount"] == 0
    # a tag alone, no text, finds what carries it: the dataset, the job, the tagged column
    by_tag = {
        tag: schema.execute_sync(
            """query($tag: String!) { searchConnection(tag: $tag) { nodes { id } } }""",
            variable_values={"tag": tag},
            context_value=context(store),
        )
        for tag in ("tier:gold", "TEAM:orders", "pii", "tier:silver")
    }
    assert all(r.errors is None for r in by_tag.values())
    assert {
        t: [n["id"] for n in (r.data or {})["searchConnection"]["nodes"]] for t, r in by_tag.items()
    } == {
        "tier:gold": [dataset_id],
        "TEAM:orders": ["job:flink:orders_sink"],
        "pii": ["datasetField:kafka://broker:9092:orders:email"],
        "tier:silver": [],
    }
