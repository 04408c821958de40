"""The Cypher of judging a write batch's jobs (``graph.stores.neo4j.judging``, whose docstring
says what the rule reads and why in one statement): static text, labels and types only from the
enums, values only as parameters."""

from __future__ import annotations

from graph.core.model import JOB_IO, RUN_IO
from graph.stores.job_currency import DECIDING_RUN
from graph.stores.neo4j.codec import _LOCK, _UNRESTATED
from graph.stores.neo4j.cypher.graph import _PLANNED_ONCE, _types

# Per job (those of $jobs and those the runs of $runs are OF), in id order: write-locked unless in
# $locked; itself whole unless in $known (the batch holds it as written); the run its deciding
# property names (a text; the rule decides from the decoded value whether it is one), whole
# unless known, with its input and output keys; whether it is a :Job; and its own inputs and
# outputs whole, with their element ids (their marks are then written by element id, and only
# those that change). Everything is found through the node-id constraint's index or from a node
# found, so the plan does not depend on the statistics: it is kept (``_PLANNED_ONCE``).
JUDGING_READ = (
    _PLANNED_ONCE
    + f"""
// the jobs of a write batch, judged (graph.stores.neo4j.judging)
CALL () {{
  UNWIND $runs AS id
  MATCH (:Node {{id: id}})-[:OF]->(b)
  RETURN collect([id, 'OF', b.id]) AS of
}}
UNWIND $jobs + [key IN of | key[2]] AS job
WITH DISTINCT of, job ORDER BY job
MATCH (j:Node {{id: job}})
CALL (j) {{ WITH j WHERE j:Job AND NOT j.id IN $locked SET j.{_LOCK} = true REMOVE j.{_LOCK} }}
WITH of, j, j.`{DECIDING_RUN}` AS named
OPTIONAL MATCH (r:Node {{id: named}}) WHERE named IS :: STRING
WITH of, collect([
  j.id,
  CASE WHEN j.id IN $known THEN null ELSE [labels(j), properties(j)] END,
  CASE WHEN named IS :: STRING THEN named END,
  CASE WHEN r IS NULL OR r.id IN $known THEN null ELSE [labels(r), properties(r)] END,
  CASE WHEN r IS NULL THEN [] ELSE
    [(r)-[x:{_types(RUN_IO)}]->(d) | [r.id, type(x), d.id]] END,
  j:Job,
  [(j)-[e:{_types(JOB_IO)}]->(d) | [j.id, type(e), d.id, properties(e), elementId(e)]]
]) AS jobs
RETURN of, jobs
"""
)


# Rows: [element id of a READS/WRITES edge, whether it is unrestated]: the marks that change.
WRITE_MARKS = (
    _PLANNED_ONCE
    + f"""UNWIND $marks AS m MATCH ()-[r]->() WHERE elementId(r) = m[0]
SET r.{_UNRESTATED} = CASE WHEN m[1] THEN true END"""
)
