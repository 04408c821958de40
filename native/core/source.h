// Where a query reads: the embedded store's graph itself, or a mirror of a remote store's graph
// (Neo4j) filled as the query reads it, through the store's own primitives (``neighbourhood``,
// ``nodes``: core/mirror_source.h). Either way the query reads one Graph, so every rule and
// walk is written once.
//
// A query says what it is about to read (``edges``, ``summaries``, ``wholes``, ``find``); the
// embedded graph has it all already, a mirror reads what it lacks, a whole level in one call.
#pragma once

#include "graph.h"

namespace lm {

// One edges() read, asked beside others (Source::edges_batch).
struct EdgeRead {
  std::vector<NodeIdx> nodes;
  uint32_t kinds = 0;
  bool out = true;
  bool props = false;       // with the edges' records
  bool names_only = false;  // the far ends as names-only reads leave them (graph.read.view.NAMES)
  bool whole = false;       // the far ends whole
  bool aliases = false;     // and the ALIAS_OF edges leaving and entering the far ends (keys)
  // With names_only: the caller reads no more of the far ends than whether they exist and were
  // dropped (found()), which a source may then read as ids, kinds and drops only (a lineage
  // answer's node facts).
  bool found_only = false;
};

// What a lineage answer's node facts read of runs and owners, read with a batch of edges() reads
// (Source::edges_batch), lean: the newest runs of ``jobs`` and of the jobs writing the datasets
// ``written``, for a caller reading only a run's createdAt and state (newest() with ``lean``: a
// job's latest run state); and the OWNED_BY edges leaving ``owning`` with only their ``type``, their
// far ends whole (as edges(owning, OWNED_BY, out, props) reads them, for a caller reading no more).
struct FactsRead {
  std::vector<NodeIdx> jobs, written, owning;
  bool empty() const { return jobs.empty() && written.empty() && owning.empty(); }
};

class Source {
 public:
  explicit Source(Graph& graph) : g(graph) {}
  virtual ~Source() = default;
  Graph& g;

  virtual bool remote() const { return false; }
  // The graph's node for an id, to read its edges and record through (a mirror makes one, named
  // only, for an id it has not met: whether the store has such a node is learnt by reading it).
  virtual NodeIdx node(StrId id) { return g.find_node(id); }
  // The node with this id, or kNone.
  virtual NodeIdx find(std::string_view id) { return g.find_node(id); }
  // The nodes with these ids (kNone where there is none), read in one call; ``lean``: as lean() reads.
  virtual void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean = false) {
    out.clear();
    for (StrId id : ids) out.push_back(g.find_node(id));
  }
  // Make the graph hold the edges of ``kinds`` at ``nodes`` in one direction, and their far ends
  // at least in summary form; ``props``: with their records; ``ahead``: and the ALIAS_OF edges
  // leaving the far ends; ``ahead_in``: and the edges of those kinds entering the far ends, with
  // their sources in summary form (what a walk asks next: a level's reads in one call);
  // ``names_only``: the caller reads no more of the far ends than graph.read.view.NAMES.
  virtual void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                     uint32_t ahead_in = 0, bool names_only = false) {}
  // Several edges() reads in one call: what a query will read next, asked at
  // once (a remote store then answers them in one round trip). A source may read none of them:
  // each is still made by the edges() call that needs it, which finds it held when it was read.
  // ``facts``: and those runs and owners (FactsRead), when the source reads them with the batch
  // (batches_facts()); the newest() calls with ``lean`` and the edges() calls that follow find
  // them held.
  virtual void edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts = {}) {}
  virtual bool batches_facts() const { return false; }
  // Make the graph hold the edges of ``kinds`` at ``nodes`` both ways and their far ends whole,
  // those of ``records`` (a subset of ``kinds``) with their records, the others as keys: what a
  // report is about to look up around what a walk reached, in one call. (Impact's lookup around a
  // 10k-node answer read every OWNED_BY edge's record, 2.5 MB, to follow them to their owners.)
  virtual void around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) {}
  // Make the graph hold these nodes at least in summary form (graph.read.view.SUMMARY), or whole.
  virtual void summaries(const std::vector<NodeIdx>& nodes) {}
  virtual void wholes(const std::vector<NodeIdx>& nodes) {}
  // summaries(), for a caller that reads no more of them than the summary properties the view was
  // made with: a mirror then reads only those where the store can (summaries() may read whole).
  virtual void lean(const std::vector<NodeIdx>& nodes) {}
  // Make the graph hold these nodes at least in the form names-only reads leave them
  // (graph.read.view.NAMES): enough to know they exist, their kind and whether they were dropped.
  virtual void named(const std::vector<NodeIdx>& nodes) {}
  // Make the graph know which of these nodes exist, their kinds and whether they were dropped, and
  // no more of them (a mirror reads those it has not met as named() reads them).
  virtual void found(const std::vector<NodeIdx>& nodes) {}
  // For each of ``nodes``, the far end of its ``kind`` edges in one direction that is greatest by
  // (its ``key`` property if a string, else ""; then its id), held whole afterwards, into ``found``
  // (kNone for a node with none): the newest of a job's runs in one read, however many it has.
  // False for a source with no such read of its own: View::newest then reads the edges. ``lean``:
  // the caller reads only the far ends' ``key`` and state (runs a batch read: FactsRead).
  virtual bool newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key,
                      std::vector<NodeIdx>& found, bool lean = false) {
    return false;
  }
  // newest(), asked ahead: a remote store may start that read now and answer it while the caller
  // reads something else; the newest() call with the same arguments then collects it.
  virtual void newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) {}
  // Whether a node of the graph is one the store holds (a mirror's nodes may be ends only named).
  virtual bool exists(NodeIdx n) const { return n != kNone; }
};

}  // namespace lm
