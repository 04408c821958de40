// Where a query reads: the embedded store's graph itself, or a mirror of a remote store's graph
// (Neo4j) filled as the query reads it, through the store's own primitives (``neighbourhood``,
// ``nodes``). Either way the query reads one Graph, so every rule and walk is written once.
//
// A query says what it is about to read (``edges``, ``summaries``, ``wholes``, ``find``); the
// embedded graph has it all already, a mirror reads what it lacks, a whole level in one call.
#pragma once

#include <unordered_set>

#include "graph.h"

namespace lm {

constexpr uint32_t kind_bit(uint8_t kind) { return uint32_t(1) << kind; }
constexpr uint32_t kJobIo = kind_bit(kReads) | kind_bit(kWrites);

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
  // The nodes with these ids (kNone where there is none), read in one call.
  virtual void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out) {
    out.clear();
    for (StrId id : ids) out.push_back(g.find_node(id));
  }
  // Make the graph hold the edges of ``kinds`` at ``nodes`` in one direction, and their far ends
  // at least in summary form; ``props``: with their records; ``ahead``: and the ALIAS_OF edges
  // leaving the far ends (what a walk asks next).
  virtual void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead) {}
  // Make the graph hold these nodes at least in summary form (graph.view.SUMMARY), or whole.
  virtual void summaries(const std::vector<NodeIdx>& nodes) {}
  virtual void wholes(const std::vector<NodeIdx>& nodes) {}
  // Whether a node of the graph is one the store holds (a mirror's nodes may be ends only named).
  virtual bool exists(NodeIdx n) const { return n != kNone; }
};

// A remote store's graph, mirrored as a query reads it. ``store`` is the Python Store; the mirror
// keeps, per node, how much of it was read (named only, in summary form, whole) and which kinds of
// edges in each direction, with their records or only their keys.
class RemoteSource : public Source {
 public:
  // ``summary``: the property names to read of the far ends of edges (None: whole nodes).
  RemoteSource(std::unique_ptr<Graph> mirror, PyObject* store, PyObject* summary, bool read_ahead);
  ~RemoteSource() override;

  bool remote() const override { return true; }
  NodeIdx node(StrId id) override;
  NodeIdx find(std::string_view id) override;
  void find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out) override;
  void edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead) override;
  void summaries(const std::vector<NodeIdx>& nodes) override;
  void wholes(const std::vector<NodeIdx>& nodes) override;
  bool exists(NodeIdx n) const override { return n != kNone && state(n) != kNamed; }

 private:
  enum State : uint8_t { kNamed = 0, kSummary = 1, kWhole = 2 };
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
  void read_nodes(const std::vector<NodeIdx>& nodes, State wanted);
  PyObject* ids_of(const std::vector<NodeIdx>& nodes);

  std::unique_ptr<Graph> mirror_;
  PyObject* store_;
  PyObject* summary_props_;     // graph.view.SUMMARY, or None when whole nodes are read
  bool read_ahead_;
  std::vector<Known> known_;
  std::unordered_set<StrId> absent_;  // ids the store was asked for and does not have
};

}  // namespace lm
