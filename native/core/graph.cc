#include "graph.h"

namespace lm {

struct SpareArrays {
  std::vector<Plan::PlannedNode> nodes;
  std::vector<Plan::PlannedEdge> edges;
};

// A plan's arrays kept for the next one up to this many entries each (~20 MB for edges): a
// batch of many more gives its memory back.
constexpr size_t kSpareEntries = size_t(1) << 16;

Graph::Graph() {
#define LM_INTERN_KEY(member, text) keys.member = pool.intern(text);
  LM_PROPERTY_KEYS(LM_INTERN_KEY)
#undef LM_INTERN_KEY
  keys.empty = pool.intern("");
}

Graph::~Graph() {
  // Nothing outlives the graph that could hold its records (a Capture holds the graph too), so
  // they are freed without the per-entry bookkeeping a live graph needs (Records::discard).
  for (size_t e = 0; e < edge_record.size(); e++) records.discard(edge_record[e]);
  for (size_t n = 0; n < node_record.size(); n++) {
    records.discard(node_record[n]);
    node_out[n].clear();
    node_in[n].clear();
  }
}

void Graph::set_record(NodeIdx n, Record* record, bool borrowing) {
  Record* old = node_record[n];
  node_record[n] = record;
  const uint8_t* deleted = record_value(record, keys.deleted);
  bool drop = deleted != nullptr && value_truthy(deleted, pool);
  node_flags[n] = uint8_t(drop ? (node_flags[n] | kDropped) : (node_flags[n] & ~kDropped));
  if (old == nullptr) return;
  if (borrowing) {
    records.hand_over(old, record);
  } else {
    records.release(old);
  }
}

void Graph::install_node(std::string_view id, uint8_t kind, Record* record) {
  StrId sid = pool.intern(id);
  NodeIdx existing = pool.node(sid);
  if (existing != kNone) set_record(existing, record);
  else add_node(sid, kind, record);
  pool.decref(sid);
}

EdgeIdx Graph::install_edge(std::string_view source, uint8_t kind, std::string_view target, Record* record) {
  NodeIdx s, t;
  try {
    s = held_or_bare(source);
    t = held_or_bare(target);
    if (find_edge(s, kind, t) != kNone) raise(Error::kValue, "an edge installed twice");
  } catch (...) {
    records.release(record);
    throw;
  }
  return add_edge(s, kind, t, record);
}

NodeIdx Graph::held_or_bare(std::string_view id) {
  NodeIdx n = find_node(id);
  if (n != kNone) return n;
  uint8_t kind = placeholder_kind(id);
  if (kind == kNodeKinds) raise(Error::kValue, "an installed edge's end has no known id prefix");
  StrId sid = pool.intern(id);
  n = add_node(sid, kind, records.freeze(Draft(), false));
  pool.decref(sid);
  return n;
}

NodeIdx Graph::add_node(StrId id, uint8_t kind, Record* record) {
  size_t n = node_id.size();
  if (n >= kIndexMask) {
    records.release(record);
    raise(Error::kMemory, "the embedded store holds at most 2**30 nodes");
  }
  pool.incref(id);
  pool.set_node(id, NodeIdx(n));
  node_id.push_back(id);
  node_kind.push_back(kind);
  node_flags.push_back(0);
  node_record.push_back(nullptr);
  node_out.push_back(AdjList());
  node_in.push_back(AdjList());
  nodes_of_kind[kind].push_back(NodeIdx(n));
  set_record(NodeIdx(n), record);
  return NodeIdx(n);
}

EdgeIdx Graph::add_edge(NodeIdx source, uint8_t kind, NodeIdx target, Record* record) {
  size_t e = edge_src.size();
  if (e >= kIndexMask) {
    records.release(record);
    raise(Error::kMemory, "the embedded store holds at most 2**30 edges");
  }
  edge_src.push_back(source);
  edge_dst.push_back(target);
  edge_kind.push_back(kind);
  edge_record.push_back(record);
  edge_flags.push_back(0);
  node_out[source].insert(adjacency_entry(kind, target, EdgeIdx(e)));
  node_in[target].insert(adjacency_entry(kind, source, EdgeIdx(e)));
  edges_of_kind[kind]++;
  return EdgeIdx(e);
}

std::unique_ptr<Plan> Graph::plan(std::unique_ptr<Batch> batch) {
  auto p = std::make_unique<Plan>(*this, std::move(batch));
  p->run();
  return p;
}

std::unique_ptr<Plan> Graph::plan(const uint8_t* encoded, size_t size) {
  auto batch = std::make_unique<Batch>(pool);
  batch->decode(encoded, size);
  return plan(std::move(batch));
}

void Graph::touch_all() {
  touched_jobs_.assign(nodes_of_kind[kJob].begin(), nodes_of_kind[kJob].end());
  touched_runs_.clear();
}

void Graph::commit(Plan& p) {
  if (p.committed) raise(Error::kState, "a plan is committed once");
  // Everything that can fail (allocation) fails before the graph changes only for new nodes and
  // edges past the size limits, which plans of real batches never reach.
  for (auto& planned : p.nodes) {
    Record* record = planned.record;
    planned.record = nullptr;
    if (planned.node == kNone) {
      planned.node = add_node(planned.id, planned.kind, record);
    } else if (planned.borrowing && node_record[planned.node] != planned.draft.from) {
      records.hold_strings(record);  // (the record it borrowed from was replaced since: never by a plan)
      set_record(planned.node, record);
    } else {
      set_record(planned.node, record, planned.borrowing);
    }
    if (planned.kind == kJob) touch_job(planned.node);
    if (planned.kind == kRun) touch_run(planned.node);
  }
  for (auto& planned : p.edges) {
    Record* record = planned.record;
    planned.record = nullptr;
    if (planned.edge == kNone) {
      planned.edge = add_edge(pool.node(planned.source), planned.kind, pool.node(planned.target), record);
    } else {
      Record* old = edge_record[planned.edge];
      edge_record[planned.edge] = record;
      records.release(old);
    }
    uint8_t kind = planned.kind;
    if (kJobIo & kind_bit(kind)) touch_job(edge_src[planned.edge]);
    else if (kind == kConsumed || kind == kProduced || kind == kOf) touch_run(edge_src[planned.edge]);
  }
  p.committed = true;
  if (touched_jobs_.size() + touched_runs_.size() >= (size_t(1) << 16)) settle();  // bounds what is kept
}

size_t Graph::heap_bytes() const {
  size_t adjacency = 0;
  for (size_t n = 0; n < node_out.size(); n++) adjacency += node_out[n].heap_bytes() + node_in[n].heap_bytes();
  size_t kinds = 0;
  for (const auto& v : nodes_of_kind) kinds += v.capacity() * sizeof(NodeIdx);
  for (const auto& order : id_order) kinds += order.heap_bytes();
  return pool.heap_bytes() + records.table_bytes() + adjacency + kinds + node_id.heap_bytes() +
         node_kind.heap_bytes() + node_flags.heap_bytes() + node_record.heap_bytes() + node_out.heap_bytes() +
         node_in.heap_bytes() + edge_src.heap_bytes() + edge_dst.heap_bytes() + edge_kind.heap_bytes() +
         edge_record.heap_bytes() + edge_flags.heap_bytes() +
         (touched_jobs_.capacity() + touched_runs_.capacity()) * sizeof(NodeIdx) +
         (spare_ ? spare_->nodes.capacity() * sizeof(Plan::PlannedNode) +
                       spare_->edges.capacity() * sizeof(Plan::PlannedEdge)
                 : 0);
}

// -- Plan ---------------------------------------------------------------------------------------

Plan::~Plan() {
  for (auto& planned : nodes) {
    if (planned.record == nullptr) continue;
    if (planned.borrowing) {
      graph_.records.discard(planned.record);
    } else {
      graph_.records.release(planned.record);
    }
  }
  for (auto& planned : edges)
    if (planned.record) graph_.records.release(planned.record);
  nodes.clear();
  edges.clear();
  if (nodes.capacity() > kSpareEntries || edges.capacity() > kSpareEntries) return;
  if (!graph_.spare_) graph_.spare_ = std::make_unique<SpareArrays>();
  graph_.spare_->nodes.swap(nodes);
  graph_.spare_->edges.swap(edges);
}

uint32_t Plan::placeholder(StrId id) {
  std::string_view text = graph_.pool.view(id);
  uint8_t kind = placeholder_kind(text);
  if (kind == kNodeKinds) {
    std::string shown;
    json_string(text, shown);
    raise(Error::kValue, "edge end " + shown + " has no known id prefix");
  }
  uint32_t i = uint32_t(nodes.size());
  nodes.push_back(PlannedNode{id, kNone, kind, {}, nullptr});
  node_index_.emplace(id, i);
  return i;
}

uint32_t Plan::planned_edge(StrId source, uint8_t kind, StrId target) const {
  const uint32_t* last = edge_ends_.find(uint64_t(source) << 32 | target);
  for (uint32_t i = last ? *last : kNone; i != kNone; i = edges[i].same_ends)
    if (edges[i].kind == kind) return i;
  return kNone;
}

void Plan::run() {
  Graph& g = graph_;
  Batch& b = *batch_;
  if (g.spare_) {
    nodes.swap(g.spare_->nodes);
    edges.swap(g.spare_->edges);
  }
  nodes.reserve(b.mutations.size() / 2);  // an event writes about twice as many edges as nodes
  edges.reserve(b.mutations.size());
  node_index_.reserve(b.mutations.size() / 3);
  edge_ends_.reserve(b.mutations.size() / 3 * 2);
  for (const Mutation& m : b.mutations) {
    const Observed& latest = b.maps[m.props];
    const Observed& first = b.maps[m.first];
    if (!m.edge) {
      if (const uint32_t* planned = node_index_.find(m.a)) {
        merge(nodes[*planned].draft, latest, first, m.at, g.pool);
        continue;
      }
      NodeIdx existing = g.find_node(m.a);
      if (existing == kNone) {
        nodes.push_back(PlannedNode{m.a, kNone, m.kind, {}, nullptr});
        fresh(nodes.back().draft, latest, first, m.at);
        node_index_.emplace(m.a, uint32_t(nodes.size() - 1));
      } else {  // drafted in place (a draft is ~260 bytes: moving each in was a copy of them)
        nodes.push_back(PlannedNode{m.a, existing, g.node_kind[existing], {}, nullptr});
        Draft& draft = nodes.back().draft;
        draft.load(g.node_record[existing]);
        if (merge(draft, latest, first, m.at, g.pool)) {
          node_index_.emplace(m.a, uint32_t(nodes.size() - 1));
        } else {
          nodes.pop_back();
        }
      }
      continue;
    }
    NodeIdx source = g.find_node(m.a);
    NodeIdx target = g.find_node(m.b);
    if (source == kNone && !node_index_.contains(m.a)) placeholder(m.a);
    if (target == kNone && !node_index_.contains(m.b)) placeholder(m.b);
    uint32_t planned = planned_edge(m.a, m.kind, m.b);
    if (planned != kNone) {
      merge(edges[planned].draft, latest, first, m.at, g.pool);
      continue;
    }
    EdgeIdx existing = (source != kNone && target != kNone) ? g.find_edge(source, m.kind, target) : kNone;
    edges.push_back(PlannedEdge{m.a, m.b, m.kind, existing, {}, nullptr, kNone});
    Draft& draft = edges.back().draft;
    if (existing == kNone) {
      fresh(draft, latest, first, m.at);
    } else {
      draft.load(g.edge_record[existing]);
      if (!merge(draft, latest, first, m.at, g.pool)) {
        edges.pop_back();
        continue;
      }
    }
    bool first_between;
    uint32_t& last = edge_ends_.at(uint64_t(m.a) << 32 | m.b, &first_between);
    if (first_between) last = kNone;
    edges.back().same_ends = last;
    last = uint32_t(edges.size() - 1);
  }
  for (auto& planned : nodes) {
    if (planned.node != kNone) planned.record = g.records.freeze_borrowing(planned.draft);
    planned.borrowing = planned.record != nullptr;
    if (!planned.borrowing) planned.record = g.records.freeze(planned.draft, false);
  }
  for (auto& planned : edges) planned.record = g.records.freeze(planned.draft, true);
}

}  // namespace lm
