// The Source of a remote store (native/core/source.h): its graph mirrored as a query reads it,
// through the Python store's primitives.
#pragma once

#include "py.h"

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "source.h"

namespace lm {

// A new reference to ``o.name`` (PyErrorSet when it fails): the remote reads' attribute access.
PyObject* attr(PyObject* o, const char* name);
// A new list of the EdgeKind members in the ``kinds`` bits, as the store's reads take them.
PyObject* kinds_list(uint32_t kinds);
// The rows a remote store answers with, read without copying: a row of ``size`` items at least
// (PySequence_Fast of it, held by ``hold``), and a sequence's items with their number.
PyObject** row_items(PyObject* row, Py_ssize_t size, PyRef& hold, const char* what);
std::pair<PyObject**, Py_ssize_t> items(PyObject* seq, PyRef& hold, const char* what);

// A remote store's graph, mirrored as a query reads it. ``store`` is the Python Store; the mirror
// keeps, per node, how much of it was read (named only, in summary form, whole) and which kinds of
// edges in each direction, with their records or only their keys.
class RemoteSource : public Source {
 public:
  // ``summary``: the property names to read of the far ends of edges (None: whole nodes); ``names``:
  // those a caller reading only names needs (graph.read.view.NAMES; None: all of ``summary``).
  RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names, bool read_ahead);
  ~RemoteSource() override;

  bool remote() const override { return true; }
  NodeIdx node(StrId id) override;
  NodeIdx find(std::string_view id) override;
  void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean) override;
  void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
             uint32_t ahead_in, bool names_only) override;
  void edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts) override;
  bool batches_facts() const override { return reads_batches_; }
  void around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) override;
  void summaries(const std::vector<NodeIdx>& nodes) override;
  void wholes(const std::vector<NodeIdx>& nodes) override;
  void lean(const std::vector<NodeIdx>& nodes) override;
  void named(const std::vector<NodeIdx>& nodes) override;
  void found(const std::vector<NodeIdx>& nodes) override;
  bool newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key,
              std::vector<NodeIdx>& found, bool lean) override;
  void newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) override;
  bool exists(NodeIdx n) const override { return n != kNone && state(n) != kNamed; }
  // Whether the mirror holds the node ``id`` whole, or knows the store has none: reading it whole
  // asks the store nothing.
  bool holds_whole(std::string_view id) const;

  // The plan of the walk under way (a graph.stores.requests.WalkPlan, borrowed for the walk's call;
  // null: none), handed to the store with each of its level reads (NeighbourhoodRequest.plan).
  class Planned {
   public:
    Planned(RemoteSource* source, PyObject* plan) : source_(source) {
      if (source_) source_->plan_ = plan == Py_None ? nullptr : plan;
    }
    ~Planned() {
      if (source_) source_->plan_ = nullptr;
    }
    Planned(const Planned&) = delete;
    Planned& operator=(const Planned&) = delete;

   private:
    RemoteSource* source_;
  };

 private:
  // kFound: known to exist, with its kind and its drop, and no other property (a names-only read of
  // the facts' batch, EdgeRead::found_only); kNames: name_props_ read
  enum State : uint8_t { kNamed = 0, kFound = 1, kNames = 2, kSummary = 3, kWhole = 4 };
  struct Known {
    uint8_t state = kNamed;
    uint32_t keys[2] = {0, 0};   // kinds whose edges are held [in, out]
    uint32_t props[2] = {0, 0};  // ... with their records
    PyObject* handle = nullptr;  // the store's handle to seek the node by (graph.stores.Neighbourhood)
  };

  State state(NodeIdx n) const { return n < known_.size() ? State(known_[n].state) : kNamed; }
  Known& known(NodeIdx n) {
    if (n >= known_.size()) known_.resize(size_t(n) + 1);
    return known_[n];
  }
  NodeIdx named(PyObject* id);  // the mirror's node for an id (made, named only, when new)
  NodeIdx named(StrId id);
  NodeIdx install_node(PyObject* node, State wanted);
  void install_edge(PyObject* edge, bool props, PyObject* unrestated);
  // An edge known by its key alone (a (source, kind, target) tuple): found, or added without a record.
  EdgeIdx install_key(PyObject* key);
  // Mark a job edge restated or not by the store's verdict (``unrestated``: a set of keys, or None).
  void judge(EdgeIdx e, PyObject* source, uint8_t code, PyObject* target, PyObject* unrestated);
  // ``lean``: in summary form where the store reads so (``node_summaries``), else whole.
  void read_nodes(const std::vector<NodeIdx>& nodes, State wanted, bool lean = false);
  PyObject* ids_of(const std::vector<NodeIdx>& nodes);
  // What newest() asks the store about ``nodes``: those it may hold, once each, in order.
  std::vector<NodeIdx> newest_asked(const std::vector<NodeIdx>& nodes) const;
  // One edges() read: what it asks of the store (``need``: the nodes not held; none: nothing to
  // read), its request, and the installing of its answer.
  struct EdgesRead {
    std::vector<NodeIdx> need;
    uint32_t kinds = 0, ahead_in = 0;
    bool out = true, props = false, ahead = false, names_only = false, whole = false;
    bool found_only = false;  // read with the facts' reads, far ends as places or ids (install_found)
  };
  EdgesRead edges_read(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                       uint32_t ahead_in, bool names_only, bool whole);
  PyObject* edges_request(const EdgesRead& read);  // a graph.stores.NeighbourhoodRequest
  void install_read(const EdgesRead& read, PyObject* found);
  // A level read kept as the store's rows (graph.stores.remote_reads.NeighbourhoodRows,
  // remote_rows.cc): installed from them, no Python Node or Edge made (a read of records or whole
  // nodes is installed from its decoded fields).
  static bool is_rows(PyObject* found);
  // A lookup around an answer whose followed edges are kept as [source, type, target] rows
  // (graph.stores.remote_reads.NeighbourhoodKeys): those installed from their ids.
  static bool is_keys(PyObject* found);
  struct SummaryForm;
  void install_rows(const EdgesRead& read, PyObject* found);
  // A far end's [id, labels, summary, values, json keys] row (kNone: not a node of ours).
  NodeIdx install_summary_row(PyObject* row, const SummaryForm& form, State wanted);
  // An edge by its [source, type, target] row, found or added without a record; ``judged``: a job
  // edge's mark set to ``marked`` (unrestated).
  EdgeIdx install_row_key(PyObject* row, bool marked, bool judged);
  // Edges by their [source, type, target] rows, none marked (followed, or read ahead).
  void install_keys(PyObject* rows, const char* what);
  // Job edges by their [source, type, target, mark] rows, each marked unrestated where its mark is true.
  void install_marked_keys(PyObject* rows, const char* what);
  // The facts' reads (remote_facts.cc): the found_only reads, the runs and the owners a lineage
  // answer's facts ask (FactsRead), read with facts_read() (graph.stores.neo4j.facts_reads) by the
  // places of their nodes in a table (``table``: place -> node), and installed from its rows.
  void read_facts(std::vector<EdgesRead>& plain, std::vector<EdgesRead>& found, const FactsRead& facts,
                  const std::vector<NodeIdx>& owning);
  // A node a facts row names: by its place in ``table`` (an int) or by its id (a str).
  NodeIdx at(const std::vector<NodeIdx>& table, PyObject* place_or_id);
  // A found read's rows (facts_reads.FoundRows: edges as [place, far end, unrestated(, type)],
  // the far ends and alias sources the table lacks as [handle, id, kind, deleted], alias keys):
  // those far ends held kFound, no Python Node or Edge made.
  void install_found(const EdgesRead& read, PyObject* rows, const std::vector<NodeIdx>& table);
  void install_found_ends(PyObject* ends);
  // The runs read with the facts: a job -> its newest run (kNone: it has none), the run held with
  // only its createdAt and state (left named only: any other read of it reads it again).
  std::unordered_map<NodeIdx, NodeIdx> runs_;
  void install_runs(PyObject* runs, const std::vector<NodeIdx>& table);
  // The owner lists read with the facts (``owned``: [([(owner's handle, type)...], places)...]),
  // ``owners`` whole by handle; each of ``asked`` then holds its OWNED_BY edges out, with their
  // records (``type``).
  void install_owned(PyObject* owned, PyObject* owners, const std::vector<NodeIdx>& table,
                     const std::vector<NodeIdx>& asked);

  std::unique_ptr<Graph> mirror_;
  PyObject* store_;
  PyObject* summary_props_;  // graph.read.view.SUMMARY and the view's shown properties, or None when whole nodes are read
  PyObject* name_props_;     // graph.read.view.NAMES (for names_only reads), or as summary_props_
  bool read_ahead_;
  PyObject* plan_ = nullptr;  // (Planned)
  bool reads_batches_ = true;  // the store's reads_batches: neighbourhoods and facts_read called
  struct Soon {           // the newest() read started by newest_soon(), and what it asked
    PyObject* future = nullptr;
    std::vector<NodeIdx> asked;
    uint8_t kind = 0;
    bool out = false;
    std::string key;
  } soon_;
  std::vector<Known> known_;
  std::unordered_set<StrId> absent_;  // ids the store was asked for and does not have
};

}  // namespace lm
