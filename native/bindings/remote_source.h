// The Source of a remote store: the core's mirror (native/core/mirror_source.h) reading through the
// Python store (graph.stores.remote_reads.NeighbourhoodSource), whose answers are converted here.
#pragma once

#include "py.h"

#include <memory>
#include <vector>

#include "mirror_source.h"

namespace lm {

// A row a remote store answers with, read without copying: ``size`` items at least (``what``: the
// error when it is not a sequence, or shorter).
class Row : public Items {
 public:
  Row(nb::handle row, Py_ssize_t size, const char* what) : Items(row, what) {
    if (this->size() < size) raise(PyExc_ValueError, what);
  }
};
nb::object attr(nb::handle o, const char* name);  // ``o.name``
bool truth(PyObject* o);
nb::list kinds_list(uint32_t kinds);  // the EdgeKind members in the ``kinds`` bits
nb::dict dict_of(nb::handle o, const char* what);  // a dict a store answers (``what``: the TypeError)
// A level read kept as the store's rows (graph.stores.remote_reads.NeighbourhoodRows), and a lookup
// around an answer whose followed edges are kept as [source, type, target] rows (NeighbourhoodKeys).
bool is_rows(PyObject* found);
bool is_keys(PyObject* found);

// A remote store's graph, mirrored as a query reads it: the MirrorStore asking the Python ``store``.
class RemoteSource : public MirrorSource, private MirrorStore {
 public:
  // ``summary``: the property names to read of the far ends of edges (None: whole nodes); ``names``:
  // those a caller reading only names needs (graph.read.view.NAMES; None: all of ``summary``).
  RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, PyObject* names, bool read_ahead);

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
  void nodes(MirrorSource& m, const std::vector<NodeIdx>& ids, bool lean) override;
  void neighbourhood(MirrorSource& m, const EdgesRead& read) override;
  void neighbourhoods(MirrorSource& m, const std::vector<EdgesRead>& reads) override;
  void facts(MirrorSource& m, const FactsAsk& ask, const std::vector<EdgesRead>& plain,
             const std::vector<EdgesRead>& found) override;
  void around(MirrorSource& m, const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) override;
  bool newest_ahead(MirrorSource& m, const NewestAsk& ask) override;
  void newest(MirrorSource& m, const NewestAsk& ask, bool collect, std::unordered_map<NodeIdx, NodeIdx>& ends) override;

  using MirrorSource::named;
  NodeIdx named(PyObject* id);  // the mirror's node for an id (a str)
  NodeIdx install_node(PyObject* node, HeldAs wanted);
  void install_edge(PyObject* edge, bool props, PyObject* unrestated);
  // An edge known by its key alone (a (source, kind, target) tuple): found, or added without a record;
  // a job edge marked by the store's verdict (``unrestated``: a set of keys, or None).
  void install_key(PyObject* key, PyObject* unrestated);
  // The ids of ``nodes``; ``handles``: and id -> handle for those with one.
  nb::list ids_of(const std::vector<NodeIdx>& nodes, nb::dict* handles = nullptr);
  uint32_t token(PyObject* handle);  // a handle kept, by its token
  nb::object edges_request(const EdgesRead& read);  // a graph.stores.NeighbourhoodRequest
  void install_read(const EdgesRead& read, PyObject* found);
  // A level read kept as the store's rows (graph.stores.remote_reads.NeighbourhoodRows,
  // remote_rows.cc): installed from them, no Python Node or Edge made.
  void install_rows(const EdgesRead& read, PyObject* found);
  NodeIdx install_summary_row(PyObject* row, const SummaryForm& form, HeldAs wanted);
  // Edges by their [source, type, target(, mark)] rows; ``marked``: a job edge's mark set by the
  // fourth item (unrestated where true).
  void install_keys(PyObject* rows, bool marked, const char* what);
  // The facts' answer (remote_facts.cc, graph.stores.neo4j.facts_reads.FoundRows): a node by its
  // place in the ``table`` (an int) or by its id (a str).
  NodeIdx at(const std::vector<NodeIdx>& table, PyObject* place_or_id);
  void install_found(const EdgesRead& read, PyObject* rows, const std::vector<NodeIdx>& table);
  void install_found_ends(PyObject* ends);
  void install_runs(PyObject* runs, const std::vector<NodeIdx>& table);
  void install_owned(PyObject* owned, PyObject* owners, const std::vector<NodeIdx>& table);

  std::unique_ptr<Graph> mirror_;
  nb::object store_;
  nb::object summary_props_;  // graph.read.view.SUMMARY and the view's shown properties, or None when whole nodes are read
  nb::object name_props_;     // graph.read.view.NAMES (for names_only reads), or as summary_props_
  PyObject* plan_ = nullptr;  // (Planned)
  nb::object soon_;           // the newest() read started by newest_ahead()
  std::vector<nb::object> handles_;  // the handles met, by token - 1
};

}  // namespace lm
