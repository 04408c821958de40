"""Judging a Neo4j write batch's jobs (``graph.stores.neo4j.judging``) reads what the rule needs in
the batch's first statement (the jobs of its runs, the jobs, their deciding runs, those runs'
inputs and outputs and the jobs' own) and judges while the batch's write runs, the marks that
move written after it; a batch whose job names a run the batch does not hold is judged after its write, from one
more statement, which also locks the jobs the batch had not locked. The verdicts are those of the
embedded store (the rule's reference) after every batch, whatever a batch holds: whole events, a
run without its job, a job without its run, runs arriving out of order."""

from __future__ import annotations

from typing import Any

import neo4j
import pytest
from openlineage_events import complete
from store_graphs import dump

from graph.core.model import EdgeKind, NodeKind
from graph.core.mutations import Mutation, UpsertEdge, UpsertNode
from graph.stores.embedded.store import EmbeddedStore
from graph.stores.neo4j import Neo4jStore
from graph.stores.neo4j.cypher.graph import _LOCK_AND_READ_BATCH
from graph.stores.neo4j.cypher.judging import JUDGING_READ, WRITE_MARKS
from ingest.openlineage import translate

JOBS = ["job:etl:load", "job:etl:other", "job:etl:late"]
PRIMITIVE_READ = "UNWIND $ids AS id MATCH (a:Node {id: id})"  # an edge read of _CypherReads


def run_of(job: str, ended: str, inputs: list[str]) -> list[Mutation]:
    """A completed run of ``job`` reading ``inputs`` and writing ``job``-out, as mutations."""
    return translate(
        complete(
            job,
            [{"namespace": "pg", "name": name} for name in inputs],
            [{"namespace": "pg", "name": f"{job}-out"}],
            at=ended,
            job_namespace="etl",
        )
    )


def runs_part(batch: list[Mutation]) -> tuple[list[Mutation], list[Mutation]]:
    """The mutations of a batch's runs (their nodes and the edges leaving them), and the rest."""
    runs = {m.id for m in batch if isinstance(m, UpsertNode) and m.kind is NodeKind.RUN}
    ours = [
        m
        for m in batch
        if (isinstance(m, UpsertNode) and m.id in runs)
        or (isinstance(m, UpsertEdge) and m.source in runs)
    ]
    return ours, [m for m in batch if m not in ours]


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every statement run in a write transaction from now on."""
    texts: list[str] = []
    run = neo4j.ManagedTransaction.run

    def recorded(self: Any, query: Any, parameters: Any = None, **kw: Any) -> Any:
        texts.append(str(getattr(query, "text", query)))
        return run(self, query, parameters, **kw)

    monkeypatch.setattr(neo4j.ManagedTransaction, "run", recorded)
    return texts


@pytest.mark.neo4j
def test_a_batch_is_judged_from_its_first_statement_as_the_rule_judges(
    neo4j_and_reference: tuple[Neo4jStore, EmbeddedStore], statements: list[str]
) -> None:
    store, reference = neo4j_and_reference
    first = run_of("load", "2026-01-01T00:00:00Z", ["a", "b"])
    second = run_of("load", "2026-01-02T00:00:00Z", ["a"])  # b no longer read: unrestated
    second_runs, second_rest = runs_part(second)
    third = run_of("load", "2026-01-03T00:00:00Z", ["b", "c"])
    third_runs, third_rest = runs_part(third)
    batches = [
        first + run_of("other", "2026-01-01T00:00:00Z", ["b"]),  # two jobs at once
        second_runs,  # a run without its job: its job is found through OF, and locked
        second_rest,  # its job names it newest only now
        third_rest,  # a job naming a run not written yet
        third_runs,
        run_of("load", "2025-12-31T00:00:00Z", ["z"]),  # an older run: decides nothing
        run_of("late", "2026-01-05T00:00:00Z", ["a"])
        + run_of("late", "2026-01-04T00:00:00Z", ["y"]),
    ]
    judged_after = []
    for batch in batches:
        statements.clear()
        assert store.apply(batch) == reference.apply(batch)
        assert store.unrestated_job_edges(JOBS) == reference.unrestated_job_edges(JOBS)
        assert statements.count(_LOCK_AND_READ_BATCH) == 1
        judged_after.append(statements.count(JUDGING_READ))
        assert not [text for text in statements if text.startswith(PRIMITIVE_READ)]
    # judged after the write where the batch holds a run without its job (its first statement
    # locked no job: a run's OF edge moves the run's clock, or is written after it), or a job
    # names a run the batch does not hold (one written by an earlier batch, or none yet: the
    # first statement read the run it named before)
    assert judged_after == [0, 1, 1, 1, 1, 0, 0]
    assert dump(store) == dump(reference)
    # a re-run that reads what the one before read moves no verdict: no mark is written
    for ended in ("2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"):
        statements.clear()
        store.apply(run_of("other", ended, ["b"]))
        assert JUDGING_READ not in statements and WRITE_MARKS not in statements
    statements.clear()
    store.apply(run_of("other", "2026-01-08T00:00:00Z", ["c"]))  # b no longer read: marked
    assert JUDGING_READ not in statements and WRITE_MARKS in statements
    assert store.unrestated_job_edges(["job:etl:other"]) == {
        "job:etl:other": frozenset({("job:etl:other", EdgeKind.READS, "dataset:pg:b")})
    }
    # the newest run read b and c: a (read before) and z (by an older run) are unrestated
    unrestated = store.unrestated_job_edges(JOBS)["job:etl:load"]
    assert {target for _, _, target in unrestated} == {"dataset:pg:a", "dataset:pg:z"}
