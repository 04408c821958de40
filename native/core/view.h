// The graph as it stands: current facts only, or the facts as of a past moment (graph.read.view).
//
// The store keeps every fact ever observed (an edge once seen stays, with its first/last seen
// stamps). Queries want the graph as it is, or was, so they read through a View:
//
// * A job's READS/WRITES edges are current when its newest completed run read/wrote that dataset
//   (or first saw it after that run completed): native/core/currency.h. Now, the store's verdict
//   (an edge flag); as of a moment, judged with the run that was newest then.
// * Column lineage into a dataset is current when its latest columnLineage facet restated it.
// * Dropped datasets and columns removed from a schema leave no lineage behind. A table known under
//   several names (ALIAS_OF edges: symlinks, renames) is dropped as the newest lifecycle statement
//   under any of its names says (lifecycle_of): a DROP sent under its storage path and a CREATE
//   under its metastore name end as the later of the two, whichever name the read starts from.
// * ``as_of`` also hides nodes and edges first seen after that moment, and judges runs, drops
//   and deletions by their own stamps. (A property keeps only its latest value, so schemas and
//   column lineage are judged as they are now, limited to what existed then.)
//
// Nodes are named by their id's StrId in the source's pool: a walk also meets ids no node has
// (a column an alias's schema implies), which are ids all the same.
#pragma once

#include "flat.h"
#include "source.h"

namespace lm {

struct EdgeRef {
  NodeIdx source, target;
  EdgeIdx edge;
  uint8_t kind;
};

class View {
 public:
  View(Source& source, bool past, Stamp as_of);

  Source& src;
  Graph& g;
  const bool past;   // a view as of a moment
  const Stamp as_of;

  StrId id_of(NodeIdx n) const { return g.node_id[n]; }
  std::string_view text(StrId id) const { return g.pool.view(id); }
  NodeIdx node_of(StrId id) { return src.node(id); }  // to read through (see Source::node)
  std::vector<NodeIdx> nodes_of(const std::vector<StrId>& ids);  // those that are nodes, in order

  // A node the view shows, by id (read whole), or kNone.
  NodeIdx find(std::string_view id);
  // The nodes of ``ids`` the view shows (at least in summary form), kNone for the others.
  // ``lean``: the caller reads only the view's summary properties of them (Source::lean).
  void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean = false);
  // The same for the ends a walk met, as it reads them: each by node_of(), the summaries of those
  // that are nodes read in one call; ``out[i]`` is ids[i]'s node if the view shows it, else kNone.
  // ``names_only``: the caller needs no more than whether they are shown (Source::found; in the past
  // Source::named, whose names tell).
  void find_shown(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool names_only = false);
  // Whether the view shows a node (it exists and, as of a moment, was first seen by then).
  bool visible(NodeIdx n) const;
  // Dropped at the view's moment: as the newest lifecycle statement of its table says (lifecycle_of).
  bool deleted(NodeIdx n) const;
  // The name of a dataset's table whose lifecycle (``deleted``, ``lifecycleState``) stands for the
  // table: among the names joined to ``n`` by ALIAS_OF edges either way (the graph's, as far as it
  // holds them: read_names), the one whose ``deleted`` was stated newest (as of a moment: stated by
  // then), a drop before a creation at one stamp, then the least id; ``n`` itself when none stated
  // one, and for any other kind of node. Writes never merge nodes, so a DROP sent under one name
  // and a CREATE under another each sit on their own name: every read asks this.
  NodeIdx lifecycle_of(NodeIdx n) const;
  // Make the source hold the names of these datasets' tables, whole (what lifecycle_of reads): a
  // remote source reads their ALIAS_OF edges a hop at a time, skipping those it holds.
  void read_names(const std::vector<NodeIdx>& datasets);
  // edges() of a job's inputs or outputs asked, not a walk's: the names of the datasets its edges
  // enter are read before they are judged (a walk resolves every dataset's names it meets, read
  // ahead with its level, so edges() adds no read of them for it).
  void named_edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, std::vector<EdgeRef>& found, bool props);
  // Make the source hold these nodes at least in summary form / whole.
  void summaries(const std::vector<NodeIdx>& nodes) { src.summaries(nodes); }
  void wholes(const std::vector<NodeIdx>& nodes) { src.wholes(nodes); }
  // About to read the edges of ``kinds`` at ``nodes`` both ways and their far ends: a remote source
  // reads them all in one call (Source::around; ``records``: the kinds whose records the reads
  // that follow ask for); the reads that follow say what is current.
  void around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) {
    if (!past) src.around(nodes, kinds, records);
  }
  // summaries(), the caller reading only the view's summary properties of them (Source::lean).
  void lean(const std::vector<NodeIdx>& nodes) {
    if (past) src.wholes(nodes);
    else src.lean(nodes);
  }

  // The current edges of ``kinds`` at ``nodes`` in one direction, appended to ``found``;
  // ``props``: the caller reads their records (a remote source then reads them too); ``names_only``:
  // the caller reads only the far ends' names and creation times (graph.read.view.NAMES) and walks no
  // further from them (a remote source then reads no more of them, and nothing ahead); ``walks_on``
  // false: the caller walks no further from datasets reached over READS/WRITES (a remote source
  // then reads no edges entering them ahead, only their aliases); ``reads_names``: as named_edges.
  void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, std::vector<EdgeRef>& found,
             bool props = false, bool names_only = false, bool walks_on = true, bool reads_names = false);

  // Reads the calls of edges() that follow will make, asked at once (Source::edges_batch); a view
  // as of a moment reads more around them and leaves it to them.
  // ``facts``: and those runs and owners, where the source reads them so (Source::batches_facts()).
  void edges_soon(const std::vector<EdgeRead>& reads, const FactsRead& facts = {}) {
    if (!past) src.edges_batch(reads, facts);
  }
  // Whether edges_soon() reads the runs and owners it is given (else they are read as before).
  bool batches_facts() const { return !past && src.batches_facts(); }

  // For each of ``nodes``, the far end of its ``kind`` edges in one direction the view shows that
  // is greatest by (its ``key`` property if a string, else ""; then its id), read whole, into
  // ``found`` (kNone for a node with none): a job's latest run is its newest by ``createdAt``.
  // ``lean``: the caller reads only their ``key`` and state (a remote source may then answer with
  // runs it read lean, FactsRead, not whole).
  void newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key, std::vector<NodeIdx>& found,
              bool lean = false);
  // The same newest(), about to be asked: a remote source starts reading it now (Source::newest_soon).
  void newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) {
    if (!past) src.newest_soon(nodes, kind, out, key);
  }

  // Job currency (graph/stores/job_currency.py) for one job edge, as of the view's moment (the deciding run then, or kNone).
  NodeIdx deciding_run_then(NodeIdx job);

 private:
  bool existed(const uint8_t* first_seen) const;
  // Whether a node stated its lifecycle (by the view's moment): its ``deleted`` stamp, and a drop.
  bool stated(NodeIdx n, Stamp& stamp, bool& drop) const;
  // ``reads_names``: as named_edges.
  void judge_job_edges(std::vector<EdgeRef>& found, std::vector<char>& stale, bool reads_names);
  // Whether a WRITES edge into a dropped dataset is its drop's (or a later) writer's: last seen at
  // or after the drop, so lineage shows who dropped it, as Marquez does.
  bool wrote_the_drop(const EdgeRef& e) const;
  void judge_derivations(std::vector<EdgeRef>& found, std::vector<char>& stale);
  bool dropped_column(NodeIdx n, const FlatMap<StrId, NodeIdx>& datasets) const;

  FlatMap<NodeIdx, NodeIdx> deciding_;  // as of: job -> its deciding run then (kNone: none)
};

// Ids a caller names, as a view finds them: each id's StrId in the view's pool (kNone: no node there
// can have it) and node (kNone: none the view shows). A remote view's source interns them (it may
// learn they exist), and they are held while this lives.
class FoundIds {
 public:
  // ``lean``: the caller reads only the view's summary properties of them (View::find_all).
  FoundIds(View& view, const std::vector<std::string_view>& ids, bool lean = false);
  ~FoundIds();
  FoundIds(const FoundIds&) = delete;
  FoundIds& operator=(const FoundIds&) = delete;
  std::vector<StrId> strs;
  std::vector<StrId> known;  // strs but kNone, in order
  std::vector<NodeIdx> nodes;
  // The nodes found, each once, by index (``sorted`` false: in the order named, repeats kept).
  std::vector<NodeIdx> existing(bool sorted = true) const;

 private:
  Graph& g_;
  std::vector<StrId> held_;
};

// graph.core.model.field_id: the id of a dataset's column.
std::string field_id(std::string_view namespace_, std::string_view dataset, std::string_view field);

// A node's string property (``out`` empty and false when it has none, or one of another type).
bool string_prop(const Graph& g, NodeIdx n, StrId key, std::string& out);

}  // namespace lm
