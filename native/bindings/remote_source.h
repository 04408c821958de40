// The Source of a remote store: the core's mirror (native/core/mirror_source.h) reading through the
// Python store (graph.stores.remote_reads.NeighbourhoodSource), whose answers are converted here.
#pragma once

#include "py.h"

#include <memory>
#include <vector>

#include "mirror_source.h"

namespace lm {

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
  void newest_ahead(MirrorSource& m, const NewestAsk& ask) override;
  void newest(MirrorSource& m, const NewestAsk& ask, bool collect, std::unordered_map<NodeIdx, NodeIdx>& ends) override;
  nb::object edges_request(const EdgesRead& read);  // a graph.stores.NeighbourhoodRequest

  std::unique_ptr<Graph> mirror_;
  nb::object store_;
  nb::object summary_props_;  // graph.read.view.SUMMARY and the view's shown properties, or None when whole nodes are read
  nb::object name_props_;     // graph.read.view.NAMES (for names_only reads), or as summary_props_
  PyObject* plan_ = nullptr;  // (Planned)
  nb::object soon_;           // the newest() read started by newest_ahead()
  std::vector<nb::object> handles_;  // the handles met, by token - 1
};

}  // namespace lm
