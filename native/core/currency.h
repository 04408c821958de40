// Job currency (graph/stores/job_currency.py): a job's inputs and outputs are what its newest completed run read
// and wrote. A READS/WRITES edge that run did not restate, first seen before the run ended, is
// stale: a newer run that stopped reading a table no longer makes the job upstream of it.
// A STREAMING job (jobType.processingType) is decided by its newest started run, which may never
// complete: edges it did not restate, first seen before it started, are stale; once it ends, all
// its edges first seen by then are (a stopped stream carries no data).
//
// Written once: the embedded graph judges the jobs its commits touched before its next read
// (Graph::settle) and keeps the verdict as a flag on each edge; a Neo4j write transaction judges
// through a graph of what it read (graph.stores.job_currency); a view as of a past moment judges
// with the run that was newest then.
#pragma once

#include "graph.h"

namespace lm {

// The job's newest completed run as the job names it now, or kNone.
NodeIdx deciding_run(const Graph& g, NodeIdx job);

// The job's READS/WRITES edges its deciding ``run`` did not restate.
void unrestated_edges(const Graph& g, NodeIdx job, NodeIdx run, std::vector<EdgeIdx>& out);

// Judge ``jobs`` (their deciding runs as they name them now): set or clear each of their
// READS/WRITES edges' unrestated flag.
void judge_jobs(Graph& g, std::vector<NodeIdx> jobs);

// Whether text a <= text b for two stamps, or a value holding one (a first-seen stamp): a value
// that is not a string counts as "" (graph/stores/job_currency.py: ``(firstSeenAt or "") <= endedAt``).
bool value_at_or_before(const Graph& g, const uint8_t* value, Stamp stamp);

}  // namespace lm
