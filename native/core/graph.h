// The graph in memory: nodes and edges as compact arrays, each with its record, every string held
// once (native/core/strings.h), each node's edges in two sorted arrays (native/core/adjacency.h).
//
// Writes are planned without touching the graph (``Plan``), then committed: the embedded store
// journals a plan before it commits it, so a failed write leaves memory as it was. Nodes and
// edges are never removed (a drop is a property), records are replaced whole.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "adjacency.h"
#include "batch.h"
#include "flat.h"
#include "id_order.h"
#include "kinds.h"
#include "locking.h"

namespace lm {

// Property keys the core reads (graph.core.model.PropertyKey, through kinds.h; interned once, held by
// the graph), and "" (the empty stamp's text).
struct Keys {
#define LM_KEY_MEMBER(member, text) StrId member;
  LM_PROPERTY_KEYS(LM_KEY_MEMBER)
#undef LM_KEY_MEMBER
  StrId empty;
  Stamp empty_stamp() const { return (uint64_t(empty) << 4) | kTextStamp; }  // "" as a stamp
};

class Plan;
struct SpareArrays;  // a freed plan's arrays, for the next (graph.cc)

class Graph {
 public:
  Graph();
  ~Graph();
  Graph(const Graph&) = delete;

  StringPool pool;
  Records records{pool};
  Keys keys;

  size_t node_count() const { return node_id.size(); }
  size_t edge_count() const { return edge_src.size(); }

  NodeIdx find_node(std::string_view id) const {
    StrId s = pool.find(id);
    return s == kNone ? kNone : pool.node(s);
  }
  NodeIdx find_node(StrId id) const { return pool.node(id); }
  EdgeIdx find_edge(NodeIdx source, uint8_t kind, NodeIdx target) const {
    return node_out[source].find(kind, target);
  }
  bool dropped(NodeIdx n) const { return node_flags[n] & kDropped; }
  bool unrestated(EdgeIdx e) const { return edge_flags[e] & kUnrestated; }
  void set_unrestated(EdgeIdx e, bool on) {
    edge_flags[e] = uint8_t(on ? (edge_flags[e] | kUnrestated) : (edge_flags[e] & ~kUnrestated));
  }
  // A value of a node's or an edge's record (nullptr: no such key; kAbsent: set to None).
  const uint8_t* node_value(NodeIdx n, StrId key, Stamp* stamp = nullptr) const {
    return record_value(node_record[n], key, stamp);
  }
  const uint8_t* edge_value(EdgeIdx e, StrId key, Stamp* stamp = nullptr) const {
    return record_value(edge_record[e], key, stamp);
  }

  // Job currency (native/core/currency.h), decided as the graph is written: commits note the
  // jobs and runs they touch, and ``settle`` judges them before the next read.
  void touch_job(NodeIdx job) { touched_jobs_.push_back(job); }
  void touch_run(NodeIdx run) { touched_runs_.push_back(run); }
  void touch_all();  // every job (a graph loaded whole: judged once, at its first read)
  void settle();

  // Plan a batch against the graph as it is; the plan keeps the batch alive. ``encoded``: a batch's
  // wire form (native/core/wire.h), decoded into the graph's pool.
  std::unique_ptr<Plan> plan(std::unique_ptr<Batch> batch);
  std::unique_ptr<Plan> plan(const uint8_t* encoded, size_t size);
  void commit(Plan& plan);

  // Install a record as it is (a snapshot, or the state another store read): no merge. The
  // record's reference passes to the graph.
  NodeIdx add_node(StrId id, uint8_t kind, Record* record);
  EdgeIdx add_edge(NodeIdx source, uint8_t kind, NodeIdx target, Record* record);

  // Graph.install's (the state another store read): a node with ``record`` (its reference passes to
  // the graph), replacing the record of one held; and an edge with ``record`` (likewise), each end
  // not held made bare (no properties, the kind its id implies): ValueError for an end's id of no
  // known prefix and for an edge held already (installed twice), the record then let go.
  void install_node(std::string_view id, uint8_t kind, Record* record);
  EdgeIdx install_edge(std::string_view source, uint8_t kind, std::string_view target, Record* record);

  // Replace a node's record (its reference passes to the graph), keeping its drop flag current.
  // ``borrowing``: the record was frozen borrowing the strings of the one it replaces.
  void set_record(NodeIdx n, Record* record, bool borrowing = false);

  size_t heap_bytes() const;

  // An id held for a reader's answer (one more reference the caller lets go with ``let_go``), safe
  // while other readers share the graph (native/core/locking.h): under a ReadLock, a string the pool
  // does not hold yet throws NeedsExclusive, and a last reference is let go by the next writer.
  StrId hold(std::string_view text);
  void let_go(StrId id);
  // Work only a writer may do, met by a thread that holds the graph shared (a plan freed while a
  // read makes Python objects): done by the next writer.
  void when_alone(std::function<void()> work);

  static constexpr uint8_t kDropped = 1;
  static constexpr uint8_t kUnrestated = 1;

  // Nodes (by index).
  Chunked<StrId> node_id;
  Chunked<uint8_t> node_kind;
  Chunked<uint8_t> node_flags;
  Chunked<Record*> node_record;
  Chunked<AdjList> node_out;
  Chunked<AdjList> node_in;
  std::vector<NodeIdx> nodes_of_kind[kNodeKinds];
  IdOrder id_order[kNodeKinds];  // each kind by id, for the kinds read that way (id_order.h)

  // Edges (by index).
  Chunked<NodeIdx> edge_src;
  Chunked<NodeIdx> edge_dst;
  Chunked<uint8_t> edge_kind;
  Chunked<Record*> edge_record;
  Chunked<uint8_t> edge_flags;
  size_t edges_of_kind[kEdgeKinds] = {};

 private:
  friend class ReadLock;
  friend class WriteLock;
  bool unsettled() const { return !touched_jobs_.empty() || !touched_runs_.empty(); }
  NodeIdx held_or_bare(std::string_view id);  // an installed edge's end (install_edge)
  void let_go_deferred();  // under the writer's lock

  std::vector<NodeIdx> touched_jobs_, touched_runs_;
  RwLock lock_;                       // native/core/locking.h
  std::atomic<int> readers_{0};       // ReadLocks held now
  std::mutex holds_;                  // hold / let_go while readers share the graph
  std::vector<StrId> deferred_;       // last references readers let go, for the next writer
  std::vector<std::function<void()>> deferred_work_;  // when_alone
  // The arrays of the last plan freed, taken by the next (plans are made and freed by a writer):
  // their pages stay mapped rather than being faulted in anew each batch (~10 % of planning).
  friend class Plan;
  std::unique_ptr<SpareArrays> spare_;
};

// What a batch changes: new records for nodes and edges, not yet in the graph.
class Plan {
 public:
  Plan(Graph& graph, std::unique_ptr<Batch> batch) : graph_(graph), batch_(std::move(batch)) {}
  ~Plan();

  struct PlannedNode {
    StrId id;
    NodeIdx node;  // kNone: new
    uint8_t kind;
    Draft draft;
    Record* record = nullptr;
    bool borrowing = false;  // record holds the strings of draft.from (Records::freeze_borrowing)
  };
  struct PlannedEdge {
    StrId source, target;
    uint8_t kind;
    EdgeIdx edge;  // kNone: new
    Draft draft;
    Record* record = nullptr;
    uint32_t same_ends = kNone;  // the planned edge before this one between the same two nodes
  };

  size_t changed() const { return nodes.size() + edges.size(); }
  bool committed = false;
  std::vector<PlannedNode> nodes;
  std::vector<PlannedEdge> edges;

 private:
  friend class Graph;
  void run();
  uint32_t placeholder(StrId id);

  uint32_t planned_edge(StrId source, uint8_t kind, StrId target) const;  // kNone: not planned

  Graph& graph_;
  std::unique_ptr<Batch> batch_;
  FlatMap<StrId, uint32_t> node_index_;    // id -> its entry in nodes
  FlatMap<uint64_t, uint32_t> edge_ends_;  // source << 32 | target -> the last such entry in edges
};

}  // namespace lm
