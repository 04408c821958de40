"""A STREAMING job (jobType 2-0-4's processingType) sends START and RUNNING for days and never
COMPLETE: its inputs and outputs count from its first event, a newer run supersedes them, and
they stop counting when it ends — on every store, from events the real OpenLineage client builds."""

from __future__ import annotations

import uuid
from typing import Any

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import job_type_job

from graph.core.model import Direction
from graph.read.lineage import dataset_lineage
from graph.read.walk_defaults import Budget
from graph.stores import Store
from ingest.openlineage import translate

PRODUCER = "https://example.com/tests"
ORDERS = "dataset:postgres://db:5432:public.orders"


def event(
    state: RunState, time: str, run: str, topic: str, processing: str = "STREAMING"
) -> dict[str, Any]:
    job_type = job_type_job.JobTypeJobFacet(
        processingType=processing, integration="FLINK", jobType="JOB"
    )
    built = RunEvent(
        eventType=state,
        eventTime=time,
        run=Run(runId=run),
        job=Job(namespace="flink", name="orders_sink", facets={"jobType": job_type}),
        producer=PRODUCER,
        inputs=[InputDataset(namespace="kafka://broker:9092", name=topic)],
        outputs=[OutputDataset(namespace="postgres://db:5432", name="public.orders")],
    )
    from openlineage.client.serde import Serde

    return Serde.to_dict(built)


def upstream(store: Store) -> set[str]:
    answer = dataset_lineage(store, ORDERS, Direction.UPSTREAM, Budget(depth=1))
    return {n.id for n in answer.nodes} - {ORDERS}


def test_a_streaming_jobs_edges_count_from_its_first_event_until_it_ends(store: Store) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    store.apply(translate(event(RunState.START, "2026-01-05T06:00:00Z", first, "orders.v1")))
    store.apply(translate(event(RunState.RUNNING, "2026-01-05T07:00:00Z", first, "orders.v1")))
    v1 = "dataset:kafka://broker:9092:orders.v1"
    assert upstream(store) == {"job:flink:orders_sink", v1}
    # Redeployed reading a new topic: the new run supersedes the old one, which never completed.
    store.apply(translate(event(RunState.START, "2026-01-06T06:00:00Z", second, "orders.v2")))
    v2 = "dataset:kafka://broker:9092:orders.v2"
    assert upstream(store) == {"job:flink:orders_sink", v2}
    # The old run's last RUNNING event arriving late changes nothing: the newer run decides.
    store.apply(translate(event(RunState.RUNNING, "2026-01-05T23:00:00Z", first, "orders.v1")))
    assert upstream(store) == {"job:flink:orders_sink", v2}
    # The stream stops: nothing flows into the table any more.
    store.apply(translate(event(RunState.ABORT, "2026-01-07T06:00:00Z", second, "orders.v2")))
    assert upstream(store) == set()


def test_a_batch_job_keeps_its_completed_runs_lineage_until_a_newer_run_completes(
    store: Store,
) -> None:
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for state, time in ((RunState.START, "06:00"), (RunState.COMPLETE, "06:10")):
        store.apply(translate(event(state, f"2026-01-05T{time}:00Z", first, "orders.v1", "BATCH")))
    store.apply(
        translate(event(RunState.START, "2026-01-06T06:00:00Z", second, "orders.v2", "BATCH"))
    )
    v1, v2 = "dataset:kafka://broker:9092:orders.v1", "dataset:kafka://broker:9092:orders.v2"
    assert upstream(store) == {"job:flink:orders_sink", v1, v2}  # the new run has not completed
    store.apply(
        translate(event(RunState.COMPLETE, "2026-01-06T06:10:00Z", second, "orders.v2", "BATCH"))
    )
    assert upstream(store) == {"job:flink:orders_sink", v2}
