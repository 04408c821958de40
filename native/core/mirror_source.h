// The Source of a store this process does not hold (Neo4j): its graph mirrored as a query reads it.
//
// The mirror keeps, per node, how much of it was read (named only, found, names, summary form,
// whole) and which kinds of edges in each direction, with their records or only their keys; it
// decides what each of the query's reads still has to ask and asks it of a MirrorStore, whose
// answers install nodes, edges and marks into the mirror through MirrorSource's installing calls.
// The bindings' MirrorStore (native/bindings/remote_source.h) asks the Python store
// (graph.stores.remote_reads.NeighbourhoodSource); the core's tests ask a Graph of their own.
#pragma once

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "source.h"

namespace lm {

class MirrorSource;

// How much of a node the mirror holds. kFound: known to exist, with its kind and its drop, and no
// other property (EdgeRead::found_only); kNames: as names-only reads leave it (graph.read.view.NAMES).
enum HeldAs : uint8_t { kNamed = 0, kFound = 1, kNames = 2, kSummary = 3, kWhole = 4 };

// One edges() read as a store is asked it: the edges of ``kinds`` at ``need`` (the nodes that do
// not hold them yet) in one direction, as Source::edges() describes it; ``whole``: the far ends
// whole, ``names_only``: in the names form, else in summary form. ``found_only``: read with the
// facts (MirrorStore::facts), the far ends as MirrorSource::found_end installs them.
struct EdgesRead {
  std::vector<NodeIdx> need;
  uint32_t kinds = 0, ahead_in = 0;
  bool out = true, props = false, ahead = false, names_only = false, whole = false;
  bool found_only = false;
  HeldAs far() const { return whole ? kWhole : names_only ? kNames : kSummary; }
};

// A lineage answer's node facts, asked of a store in one call (MirrorStore::facts): the nodes in a
// table, each with its handle (0: none) and whether its ALIAS_OF edges both ways are held (the far
// ends' aliases the found reads then do not read again); each found read's nodes, and the jobs,
// written datasets and owning nodes of the FactsRead, by their places in it.
struct FactsAsk {
  std::vector<NodeIdx> table;
  std::vector<uint32_t> handles;
  std::vector<bool> aliased;
  std::vector<std::vector<uint32_t>> found;  // one a found read, in order
  std::vector<uint32_t> jobs, written, owning;
};

// What every far end of one level read keeps of its summary (the JSON text of an object of its
// summary properties, graph.stores.remote_reads.NeighbourhoodRows), and the other properties it
// was read with.
struct SummaryForm {
  std::vector<std::string> extras;  // the properties besides the summary, as each row's values
  std::vector<std::string> kept;    // the summary's properties kept
  bool all = true;                  // ... or all of them
};

// A far end's values of SummaryForm::extras, each written by ``value(i, sink, out)`` (false: it
// has none).
class SummaryValues {
 public:
  virtual bool value(size_t i, StringSink& sink, Bytes& out) = 0;

 protected:
  ~SummaryValues() = default;
};

// A far end's record from its ``summary`` and its ``values``, as a record of props without stamps
// is made: a walk over a remote store reads thousands of far ends in summary form, parsed here
// straight into records (no Python value made a property).
Record* summary_record(Graph& g, std::string_view summary, const SummaryForm& form, SummaryValues& values);

// A newest() read (Source::newest): the nodes asked, once each, in order.
struct NewestAsk {
  std::vector<NodeIdx> asked;
  uint8_t kind = 0;
  bool out = false;
  std::string key;
  bool operator==(const NewestAsk& o) const {
    return asked == o.asked && kind == o.kind && out == o.out && key == o.key;
  }
};

// The reads a mirror makes of its store, each answered by installing into ``m``. A handle is the
// store's token for a node it met (0: none), given back with the reads that seek that node.
class MirrorStore {
 public:
  virtual ~MirrorStore() = default;
  // The nodes of ``ids`` the store holds, whole (``lean``: in summary form), each with m.node().
  virtual void nodes(MirrorSource& m, const std::vector<NodeIdx>& ids, bool lean) = 0;
  // A level read: the edges (m.edge, m.mark), far ends (m.fill) and handles (m.set_handle), then
  // m.far_held() with the far ends; several at once with neighbourhoods().
  virtual void neighbourhood(MirrorSource& m, const EdgesRead& read) = 0;
  virtual void neighbourhoods(MirrorSource& m, const std::vector<EdgesRead>& reads) = 0;
  // The facts' reads: ``plain`` as neighbourhoods() reads them, the ``found`` reads (m.found_end,
  // m.found_edge, m.far_held), the jobs' newest runs (m.run) and the owners (m.owned).
  virtual void facts(MirrorSource& m, const FactsAsk& ask, const std::vector<EdgesRead>& plain,
                     const std::vector<EdgesRead>& found) = 0;
  // The edges of ``kinds`` at ``nodes`` both ways and their far ends whole, those of ``records``
  // with their records (Source::around).
  virtual void around(MirrorSource& m, const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) = 0;
  // Start a newest() read to be collected later; a read started and not collected is dropped by
  // the next newest() call (``collect`` false).
  virtual void newest_ahead(MirrorSource& m, const NewestAsk& ask) = 0;
  // Each asked node's newest far end, installed whole, into ``ends`` (asked node -> far end).
  virtual void newest(MirrorSource& m, const NewestAsk& ask, bool collect,
                      std::unordered_map<NodeIdx, NodeIdx>& ends) = 0;
};

class MirrorSource : public Source {
 public:
  // ``summaries``: the store reads far ends in summary form (else whole); ``names``: and in a
  // names form narrower than that; ``read_ahead``: read what a walk asks next with a level;
  // ``batches``: several level reads, and the facts, in one call (edges_batch()).
  MirrorSource(Graph& mirror, MirrorStore& store, bool summaries, bool names, bool read_ahead, bool batches);

  bool remote() const override { return true; }
  NodeIdx node(StrId id) override { return named(id); }
  NodeIdx find(std::string_view id) override;
  void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean) override;
  void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
             uint32_t ahead_in, bool names_only) override;
  void edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts) override;
  bool batches_facts() const override { return batches_; }
  void around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) override;
  void summaries(const std::vector<NodeIdx>& nodes) override { read_nodes(nodes, kSummary); }
  void wholes(const std::vector<NodeIdx>& nodes) override { read_nodes(nodes, kWhole); }
  void lean(const std::vector<NodeIdx>& nodes) override { read_nodes(nodes, kSummary, true); }
  void named(const std::vector<NodeIdx>& nodes) override { read_nodes(nodes, kNames, true); }
  void found(const std::vector<NodeIdx>& nodes) override;
  bool newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key,
              std::vector<NodeIdx>& found, bool lean) override;
  void newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) override;
  bool exists(NodeIdx n) const override { return n != kNone && held(n) != kNamed; }
  // Whether the mirror holds the node ``id`` whole, or knows the store has none: reading it whole
  // asks the store nothing.
  bool holds_whole(std::string_view id) const;

  // What a store's answers install (MirrorStore).
  HeldAs held(NodeIdx n) const { return n < known_.size() ? HeldAs(known_[n].held) : kNamed; }
  // The mirror's node for an id (made, named only, when new).
  NodeIdx named(std::string_view id);
  NodeIdx named(StrId id);
  // Whether a node read as ``wanted`` would add to what the mirror holds of it: a node read
  // earlier in the query stays as it was read (then fill() is not called).
  bool wants(NodeIdx n, HeldAs wanted) const { return held(n) < wanted; }
  // A node's kind and record (its reference passes to the mirror), now held as ``held``.
  void fill(NodeIdx n, uint8_t kind, Record* record, HeldAs held);
  // An edge, found or added; ``record`` (its reference passes to the mirror): its record, else
  // only its key (a record held stays).
  EdgeIdx edge(NodeIdx source, uint8_t kind, NodeIdx target, Record* record = nullptr);
  // A job edge marked unrestated or not by the store's verdict (other kinds are never marked).
  void mark(EdgeIdx e, bool unrestated) {
    if (kJobIo & kind_bit(g.edge_kind[e])) g.set_unrestated(e, unrestated);
  }
  // The store's handle of a node (0: none), and setting it.
  uint32_t handle(NodeIdx n) const { return n < known_.size() ? known_[n].handle : 0; }
  void set_handle(NodeIdx n, uint32_t handle) { known(n).handle = handle; }
  // A level read installed, or a found read (its ``far`` ends those of ours met): the ``far`` ends
  // hold the edges read ahead at them, ``read.need`` the edges read.
  void far_held(const EdgesRead& read, const std::vector<NodeIdx>& far);
  // A found read's far end, where it was named only (found_wanted): its kind and its drop
  // (``drop``, a record of its deleted property alone, or null), held kFound.
  bool found_wanted(NodeIdx n) const { return held(n) == kNamed; }
  void found_end(NodeIdx n, uint8_t kind, Record* drop);
  // A found read's edge between ``start`` (a node asked) and ``end``, by the store's mark; the
  // ends of ours met are gathered in ``far`` for far_held().
  void found_edge(const EdgesRead& read, NodeIdx start, NodeIdx end, uint8_t kind, bool unrestated,
                  std::vector<NodeIdx>& far);
  // A job's newest run read with the facts (kNone: it has none).
  void run(NodeIdx job, NodeIdx run) { runs_[job] = run; }
  // The OWNED_BY edges leaving ``nodes`` to each of ``owners`` with its record (a reference each
  // edge added takes); an edge held with its whole record, read from either end, keeps it.
  void owned(const std::vector<NodeIdx>& nodes, const std::vector<std::pair<NodeIdx, Record*>>& owners);

 private:
  struct Known {
    uint8_t held = kNamed;
    uint32_t keys[2] = {0, 0};   // kinds whose edges are held [in, out]
    uint32_t props[2] = {0, 0};  // ... with their records
    uint32_t handle = 0;         // the store's handle to seek the node by
  };
  Known& known(NodeIdx n) {
    if (n >= known_.size()) known_.resize(size_t(n) + 1);
    return known_[n];
  }
  // ``lean``: in summary form where the store reads so, else whole.
  void read_nodes(const std::vector<NodeIdx>& nodes, HeldAs wanted, bool lean = false);
  // What newest() asks the store about ``nodes``: those it may hold, once each, in order.
  std::vector<NodeIdx> newest_asked(const std::vector<NodeIdx>& nodes) const;
  EdgesRead edges_read(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                       uint32_t ahead_in, bool names_only, bool whole);
  void read_facts(const std::vector<EdgesRead>& plain, std::vector<EdgesRead>& found, const FactsRead& facts,
                  const std::vector<NodeIdx>& owning);

  MirrorStore& store_;
  bool summaries_, names_, read_ahead_, batches_;
  std::vector<Known> known_;
  std::unordered_set<StrId> absent_;  // ids the store was asked for and does not have
  // The runs read with the facts: a job -> its newest run (kNone: it has none), the run held with
  // only its createdAt and state (left named only: any other read of it reads it again).
  std::unordered_map<NodeIdx, NodeIdx> runs_;
  NewestAsk soon_;  // the newest() read started by newest_soon() (none: nothing asked)
};

}  // namespace lm
