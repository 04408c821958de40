// What a frontend draws a lineage node with (graph.read.node_facts), for a whole answer at once: how
// many direct neighbours each node has each way, its domain, its owners, its latest run's state.
//
// Each fact is a few reads of the view for all the nodes (one neighbour walk, one read of edges of
// a kind, one of the nodes they reach), never reads per node, so a 10k-node answer costs about as
// much again as the walk that found it, on the embedded store and on a remote one alike. On a
// remote one the reads are lean: the far ends of jobs' edges by name only (graph.read.view.NAMES, which
// says whether they were dropped), nothing read ahead for a walk, and the newest runs of the jobs
// and of the datasets' writers and the owners' edges read with the rest, lean (FactsRead). On the
// embedded store a dataset without ALIAS_OF edges either way skips the alias resolver (its
// adjacency is whole: it is its own canonical name).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "lineage.h"

namespace lm {

struct NodeFactsAnswer {
  // Direct neighbours (as neighbours() finds them) of each node: upstream, downstream.
  std::vector<uint32_t> upstream, downstream;
  // Index into ``texts`` of each node's domain name and latest run state (-1: none).
  std::vector<int32_t> domain, run_state;
  // The distinct lists of owners: (owner's id, index into ``texts`` of the ownership type, -1:
  // none), by id; and each node's, an index into them (-1: none). Most of an answer's nodes share
  // a few hundred lists: each is completed (or written as JSON) once.
  std::vector<std::vector<std::pair<StrId, int32_t>>> owner_lists;
  std::vector<int32_t> owners;
  std::vector<std::string> texts;  // the strings the facts name, each once
};

enum NodeFact : uint32_t {
  kUpstreamCount = 1,
  kDownstreamCount = 2,
  kDomainFact = 4,
  kOwnersFact = 8,
  kRunStateFact = 16,
};

// The NodeFact named ``name`` (upstream, downstream, domain, owners, run_state), 0 for none.
uint32_t node_fact_named(std::string_view name);
// The NodeFacts ``names`` name, each one of those (else a ValueError saying which there are).
uint32_t node_facts_named(const std::vector<std::string_view>& names);

// The ``facts`` (NodeFact bits) of ``nodes`` (kNone: not a node, no facts), in order. A node's
// domain: a dataset's own (dataset_domains), a column's dataset's, a job's (the least by id of the
// domains of the datasets it writes), a data product's, a domain's itself. Owners: a column's are
// its dataset's. Latest run: a job's newest by createdAt then id; a dataset's, the newest of its
// writers'. The neighbour walks keep ``budget`` (past it a count is a lower bound).
NodeFactsAnswer node_facts(View& view, const std::vector<NodeIdx>& nodes, uint32_t facts, Budget budget);

}  // namespace lm
