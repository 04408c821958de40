#include "view.h"

#include <algorithm>
#include <string>
#include <unordered_map>

#include "currency.h"
#include "ids.h"

namespace lm {

namespace {

const uint8_t* prop(const Graph& g, NodeIdx n, StrId key) {
  const uint8_t* v = g.node_value(n, key);
  return v == nullptr || *v == kAbsent ? nullptr : v;
}

// A value's text compared with a stamp's: <0, 0, >0 (a value that is not a string counts as "").
int compare_text(const Graph& g, const uint8_t* value, Stamp stamp) {
  if (value != nullptr && *value == kStampStr && !is_text_stamp(stamp)) {
    const uint8_t* p = value + 1;
    uint64_t v = get_u64(p);
    return v < stamp ? -1 : (v > stamp ? 1 : 0);
  }
  char a[32], b[32];
  std::string_view text;
  if (value == nullptr || !value_string(value, g.pool, a, text)) text = {};
  int c = text.compare(stamp_text(stamp, g.pool, b));
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// A table's names lifecycle_of looks among, and the ALIAS_OF hops read_names reads (aliases.h's
// kMaxChain): bounds on the work per node.
constexpr size_t kMaxTableNames = 256;
constexpr int kMaxNameHops = 16;

}  // namespace

std::string field_id(std::string_view namespace_, std::string_view dataset, std::string_view field) {
  return node_id(kColumn, {namespace_, dataset, field});
}

bool string_prop(const Graph& g, NodeIdx n, StrId key, std::string& out) {
  out.clear();
  const uint8_t* v = prop(g, n, key);
  char buf[32];
  std::string_view text;
  if (v == nullptr || !value_string(v, g.pool, buf, text)) return false;
  out.assign(text);
  return true;
}

View::View(Source& source, bool past_view, Stamp moment) : src(source), g(source.g), past(past_view), as_of(moment) {
  if (!source.remote()) g.settle();  // what the writes since the last read changed, judged now
}

bool View::existed(const uint8_t* first_seen) const {
  if (!past || first_seen == nullptr || *first_seen == kNull || *first_seen == kAbsent) return true;
  return compare_text(g, first_seen, as_of) <= 0;
}

bool View::visible(NodeIdx n) const {
  return n != kNone && src.exists(n) && (!past || existed(g.node_value(n, g.keys.first_seen_at)));
}

bool View::stated(NodeIdx n, Stamp& stamp, bool& drop) const {
  const uint8_t* v = g.node_value(n, g.keys.deleted, &stamp);
  if (v == nullptr || *v == kAbsent) return false;
  if (past && compare_stamps(stamp, as_of, g.pool) > 0) return false;
  drop = value_truthy(v, g.pool);
  return true;
}

bool View::deleted(NodeIdx n) const {
  Stamp stamp;
  bool drop = false;
  return n != kNone && stated(lifecycle_of(n), stamp, drop) && drop;
}

NodeIdx View::lifecycle_of(NodeIdx n) const {
  if (n == kNone || g.node_kind[n] != kDataset) return n;
  auto [out_b, out_e] = g.node_out[n].of_kind(kAliasOf);
  auto [in_b, in_e] = g.node_in[n].of_kind(kAliasOf);
  if (out_b == out_e && in_b == in_e) return n;  // (most datasets: a name of its own, read with no allocation)
  std::vector<NodeIdx> names{n};
  for (size_t i = 0; i < names.size() && names.size() < kMaxTableNames; i++)
    for (bool out : {true, false}) {
      auto [b, e] = (out ? g.node_out[names[i]] : g.node_in[names[i]]).of_kind(kAliasOf);
      for (const uint64_t* it = b; it < e && names.size() < kMaxTableNames; it++) {
        NodeIdx other = entry_neighbour(*it);
        if (past && !existed(g.edge_value(entry_edge(*it), g.keys.first_seen_at))) continue;
        if (!visible(other) || std::find(names.begin(), names.end(), other) != names.end()) continue;
        names.push_back(other);
      }
    }
  if (names.size() == 1) return n;
  NodeIdx best = kNone;
  Stamp best_stamp = 0;
  bool best_drop = false;
  for (NodeIdx m : names) {
    Stamp stamp;
    bool drop = false;
    if (!stated(m, stamp, drop)) continue;
    if (best != kNone) {
      int c = compare_stamps(stamp, best_stamp, g.pool);
      if (c < 0 || (c == 0 && (drop != best_drop ? !drop : text(id_of(m)) > text(id_of(best))))) continue;
    }
    best = m;
    best_stamp = stamp;
    best_drop = drop;
  }
  return best == kNone ? n : best;
}

void View::read_names(const std::vector<NodeIdx>& datasets) {
  if (!src.remote()) return;  // the graph holds every name
  FlatSet<NodeIdx> met;
  std::vector<NodeIdx> frontier, next, named;
  for (NodeIdx n : datasets)
    if (n != kNone && g.node_kind[n] == kDataset && met.insert(n)) frontier.push_back(n);
  std::vector<EdgeRef> links;
  for (int hop = 0; hop < kMaxNameHops && !frontier.empty(); hop++) {
    links.clear();
    edges(frontier, kind_bit(kAliasOf), true, links);
    edges(frontier, kind_bit(kAliasOf), false, links);
    next.clear();
    for (const EdgeRef& e : links)
      for (NodeIdx end : {e.source, e.target}) {
        named.push_back(end);
        if (met.insert(end)) next.push_back(end);
      }
    frontier.swap(next);
  }
  if (named.empty()) return;
  std::sort(named.begin(), named.end());
  named.erase(std::unique(named.begin(), named.end()), named.end());
  src.wholes(named);
}

NodeIdx View::find(std::string_view id) {
  NodeIdx n = src.find(id);
  return visible(n) ? n : kNone;
}

void View::find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean) {
  src.find_all(ids, out, lean && !past);
  if (past) {
    std::vector<NodeIdx> found;
    for (NodeIdx n : out)
      if (n != kNone) found.push_back(n);
    src.wholes(found);
  }
  for (NodeIdx& n : out)
    if (!visible(n)) n = kNone;
}

void View::find_shown(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool names_only) {
  out.clear();
  out.reserve(ids.size());
  for (StrId id : ids) out.push_back(node_of(id));
  std::vector<NodeIdx> existing;
  for (NodeIdx n : out)
    if (n != kNone) existing.push_back(n);
  if (names_only && !past)
    src.found(existing);  // (visible() is then whether a node exists)
  else if (names_only)
    src.named(existing);
  else
    summaries(existing);
  for (NodeIdx& n : out)
    if (!visible(n)) n = kNone;
}

void View::newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key, std::vector<NodeIdx>& found,
                  bool lean) {
  found.assign(nodes.size(), kNone);
  if (nodes.empty() || (!past && src.newest(nodes, kind, out, key, found, lean))) return;
  std::vector<EdgeRef> edges;
  this->edges(nodes, kind_bit(kind), out, edges, false, true);  // named only: the order is all read of the rest
  StrId k = g.pool.find(key);  // a mirror's pool holds it once a node carrying it is read
  // node -> (its far end's ``key`` value, read in place: compared without a copy; that far end)
  FlatMap<NodeIdx, std::pair<const uint8_t*, NodeIdx>> best;
  for (const EdgeRef& e : edges) {
    NodeIdx near = out ? e.source : e.target, far = out ? e.target : e.source;
    if (!visible(far)) continue;
    const uint8_t* order = k == kNone ? nullptr : prop(g, far, k);
    bool added;
    auto& [top, end] = best.at(near, &added);
    int c = added ? 1 : compare_value_texts(order, top, g.pool);
    if (c > 0 || (c == 0 && text(id_of(far)) > text(id_of(end)))) {
      top = order;
      end = far;
    }
  }
  std::vector<NodeIdx> chosen;
  for (size_t i = 0; i < nodes.size(); i++) {
    const auto* at = best.find(nodes[i]);
    if (at == nullptr) continue;
    found[i] = at->second;
    chosen.push_back(found[i]);
  }
  wholes(chosen);
}

void View::named_edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, std::vector<EdgeRef>& found,
                       bool props) {
  edges(nodes, kinds, out, found, props, false, true, true);
}

void View::edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, std::vector<EdgeRef>& found, bool props,
                 bool names_only, bool walks_on, bool reads_names) {
  size_t start = found.size();
  bool judged_props = past || (kinds & kind_bit(kDerivesFrom));
  bool ahead = !names_only && out && (kinds & kJobIo);  // the far ends are datasets, whose names a walk resolves next
  // A walk from jobs over one of READS/WRITES reaches datasets whose other job edges (and aliases)
  // it enters next: the next level's jobs come with this read.
  uint32_t io = kinds & kJobIo;
  uint32_t ahead_in = ahead && walks_on && !past && (io == kind_bit(kReads) || io == kind_bit(kWrites))
                          ? kind_bit(kAliasOf) | (kJobIo & ~io)
                          : 0;
  src.edges(nodes, kinds, out, props || judged_props, ahead, ahead_in, names_only);
  for (uint8_t kind = 0; kind < kEdgeKinds; kind++) {
    if (!(kinds & kind_bit(kind))) continue;
    for (NodeIdx n : nodes) {
      if (n == kNone) continue;
      auto [b, e] = (out ? g.node_out[n] : g.node_in[n]).of_kind(kind);
      for (const uint64_t* it = b; it < e; it++) {
        EdgeIdx edge = entry_edge(*it);
        NodeIdx other = entry_neighbour(*it);
        if (past && !existed(g.edge_value(edge, g.keys.first_seen_at))) continue;
        found.push_back(out ? EdgeRef{n, other, edge, kind} : EdgeRef{other, n, edge, kind});
      }
    }
  }
  if (!(kinds & (kJobIo | kind_bit(kDerivesFrom))) || found.size() == start) return;
  std::vector<EdgeRef> mine(found.begin() + long(start), found.end());
  std::vector<char> stale(mine.size(), 0);
  if (kinds & kJobIo) judge_job_edges(mine, stale, reads_names);
  if (kinds & kind_bit(kDerivesFrom)) judge_derivations(mine, stale);
  found.resize(start);
  for (size_t i = 0; i < mine.size(); i++)
    if (!stale[i]) found.push_back(mine[i]);
}

void View::judge_job_edges(std::vector<EdgeRef>& found, std::vector<char>& stale, bool reads_names) {
  if (past) {  // the datasets' drops are judged by their stamps, and the runs by theirs
    std::vector<NodeIdx> datasets, jobs;
    for (const EdgeRef& e : found)
      if (kJobIo & kind_bit(e.kind)) {
        datasets.push_back(e.target);
        if (!deciding_.contains(e.source)) jobs.push_back(e.source);
      }
    src.wholes(datasets);
    if (!jobs.empty()) {
      std::sort(jobs.begin(), jobs.end());
      jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
      src.edges(jobs, kind_bit(kOf), false, true, false);
      std::vector<NodeIdx> runs;
      for (NodeIdx job : jobs) {
        auto [b, e] = g.node_in[job].of_kind(kOf);
        for (const uint64_t* it = b; it < e; it++) runs.push_back(entry_neighbour(*it));
      }
      src.wholes(runs);
      std::vector<NodeIdx> deciding;
      for (NodeIdx job : jobs) {
        NodeIdx run = deciding_run_then(job);
        if (run != kNone) deciding.push_back(run);
      }
      src.edges(deciding, kind_bit(kConsumed) | kind_bit(kProduced), true, false, false);
    }
  }
  if (reads_names) {  // (a walk's datasets: their names as it read them ahead)
    std::vector<NodeIdx> entered;
    for (const EdgeRef& e : found)
      if (kJobIo & kind_bit(e.kind)) entered.push_back(e.target);
    read_names(entered);
  }
  auto dropped = [&](NodeIdx dataset) {
    return past ? (visible(dataset) && deleted(dataset)) : g.dropped(lifecycle_of(dataset));
  };
  std::vector<NodeIdx> drops;  // dropped datasets written: their drop stamps and writers' edges are read whole
  for (const EdgeRef& e : found)
    if (e.kind == kWrites && dropped(e.target)) drops.push_back(e.target);
  if (!drops.empty()) {
    std::sort(drops.begin(), drops.end());
    drops.erase(std::unique(drops.begin(), drops.end()), drops.end());
    src.wholes(drops);
    src.edges(drops, kind_bit(kWrites), false, true, false);
  }
  for (size_t i = 0; i < found.size(); i++) {
    const EdgeRef& e = found[i];
    if (!(kJobIo & kind_bit(e.kind))) continue;
    if (dropped(e.target)) {
      if (e.kind != kWrites || !wrote_the_drop(e)) {
        stale[i] = 1;
        continue;
      }
    }
    if (!past) {
      if (g.unrestated(e.edge)) stale[i] = 1;
      continue;
    }
    NodeIdx run = deciding_run_then(e.source);
    if (run == kNone || !visible(run)) continue;
    uint8_t restated = e.kind == kReads ? kConsumed : kProduced;
    const AdjList& io = g.node_out[run];
    auto [cb, ce] = io.of_kind(kConsumed);
    auto [pb, pe] = io.of_kind(kProduced);
    if (cb == ce && pb == pe) continue;  // the run recorded no inputs or outputs
    if (io.find(restated, e.target) != kNone) continue;
    Stamp ended;
    if (!g.node_value(run, g.keys.ended_at, &ended)) ended = g.keys.empty_stamp();
    if (value_at_or_before(g, g.edge_value(e.edge, g.keys.first_seen_at), ended)) stale[i] = 1;
  }
}

bool View::wrote_the_drop(const EdgeRef& e) const {
  Stamp dropped_at;
  const uint8_t* deleted = g.node_value(lifecycle_of(e.target), g.keys.deleted, &dropped_at);
  if (deleted == nullptr || *deleted == kAbsent) return false;
  return compare_text(g, g.edge_value(e.edge, g.keys.last_seen_at), dropped_at) >= 0;
}

NodeIdx View::deciding_run_then(NodeIdx job) {
  const NodeIdx* known = deciding_.find(job);
  if (known != nullptr) return *known;
  // graph.read.view._deciding_runs: the newest completed run that had ended by then, ties by run id.
  NodeIdx best = kNone;
  Stamp best_ended = 0;
  auto [b, e] = g.node_in[job].of_kind(kOf);
  for (const uint64_t* it2 = b; it2 < e; it2++) {
    NodeIdx run = entry_neighbour(*it2);
    if (!visible(run)) continue;
    const uint8_t* state = prop(g, run, g.keys.state);
    char buf[32];
    std::string_view text;
    if (state == nullptr || !value_string(state, g.pool, buf, text) || text != "COMPLETE") continue;
    Stamp ended;
    if (!g.node_value(run, g.keys.ended_at, &ended)) continue;
    char eb[32];
    if (stamp_text(ended, g.pool, eb).empty() || compare_stamps(ended, as_of, g.pool) > 0) continue;
    if (best != kNone) {
      int c = compare_stamps(ended, best_ended, g.pool);
      if (c < 0 || (c == 0 && g.pool.view(g.node_id[run]) <= g.pool.view(g.node_id[best]))) continue;
    }
    best = run;
    best_ended = ended;
  }
  deciding_.emplace(job, best);
  return best;
}

bool View::dropped_column(NodeIdx n, const FlatMap<StrId, NodeIdx>& datasets) const {
  if (g.node_kind[n] != kColumn) return deleted(n);
  const uint8_t* dataset_id = prop(g, n, g.keys.dataset_id);
  if (dataset_id == nullptr || *dataset_id != kStr) return false;
  const uint8_t* p = dataset_id + 1;
  const NodeIdx* found = datasets.find(StrId(get_varint(p)));
  if (found == nullptr || *found == kNone) return false;
  NodeIdx dataset = *found;
  if (deleted(dataset)) return true;
  if (past) return false;
  const uint8_t* declared = prop(g, n, g.keys.declared);
  if (declared == nullptr || *declared != kTrue) return false;
  const uint8_t* schema = prop(g, dataset, g.keys.columns);
  if (schema == nullptr || *schema != kList) return false;
  const uint8_t* name = prop(g, n, g.keys.name);
  const uint8_t* q = schema + 1;
  uint64_t count = get_varint(q);
  for (uint64_t i = 0; i < count; i++) {
    if (values_equal(name ? name : kNullValue, q, g.pool)) return false;
    q = skip_value(q);
  }
  return true;
}

void View::judge_derivations(std::vector<EdgeRef>& found, std::vector<char>& stale) {
  std::vector<NodeIdx> ends;
  for (const EdgeRef& e : found)
    if (e.kind == kDerivesFrom) {
      ends.push_back(e.source);
      ends.push_back(e.target);
    }
  if (ends.empty()) return;
  if (past) src.wholes(ends); else src.summaries(ends);
  // The datasets of the ends: a column's, or the end itself.
  std::vector<StrId> wanted;
  for (NodeIdx n : ends) {
    if (!visible(n)) continue;
    if (g.node_kind[n] != kColumn) {
      wanted.push_back(g.node_id[n]);
      continue;
    }
    const uint8_t* dataset_id = prop(g, n, g.keys.dataset_id);
    if (dataset_id != nullptr && *dataset_id == kStr) {
      const uint8_t* p = dataset_id + 1;
      wanted.push_back(StrId(get_varint(p)));
    }
  }
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  std::vector<NodeIdx> nodes;
  find_all(wanted, nodes);
  FlatMap<StrId, NodeIdx> datasets;
  for (size_t i = 0; i < wanted.size(); i++) datasets.emplace(wanted[i], nodes[i]);
  for (size_t i = 0; i < found.size(); i++) {
    const EdgeRef& e = found[i];
    if (e.kind != kDerivesFrom) continue;
    if (!visible(e.source) || !visible(e.target) || dropped_column(e.source, datasets) ||
        dropped_column(e.target, datasets)) {
      stale[i] = 1;
      continue;
    }
    if (past) continue;
    StrId output_id = g.node_id[e.source];
    if (g.node_kind[e.source] == kColumn) {
      const uint8_t* dataset_id = prop(g, e.source, g.keys.dataset_id);
      if (dataset_id == nullptr || *dataset_id != kStr) continue;
      const uint8_t* p = dataset_id + 1;
      output_id = StrId(get_varint(p));
    }
    const NodeIdx* output = datasets.find(output_id);
    if (output == nullptr || *output == kNone) continue;
    const uint8_t* restated = prop(g, *output, g.keys.column_lineage_at);
    const uint8_t* last_seen = g.edge_value(e.edge, g.keys.last_seen_at);
    if (last_seen != nullptr && *last_seen == kAbsent) last_seen = nullptr;
    if (compare_value_texts(last_seen, restated, g.pool) < 0) stale[i] = 1;
  }
}

std::vector<NodeIdx> View::nodes_of(const std::vector<StrId>& ids) {
  std::vector<NodeIdx> out;
  for (StrId id : ids) {
    NodeIdx n = node_of(id);
    if (n != kNone) out.push_back(n);
  }
  return out;
}

FoundIds::FoundIds(View& view, const std::vector<std::string_view>& ids, bool lean) : g_(view.g) {
  bool remote = view.src.remote();
  for (std::string_view text : ids) {
    StrId sid = remote ? g_.pool.intern(text) : g_.pool.find(text);
    if (remote) held_.push_back(sid);
    strs.push_back(sid);
  }
  for (StrId s : strs)
    if (s != kNone) known.push_back(s);
  std::vector<NodeIdx> found;
  view.find_all(known, found, lean);
  size_t k = 0;
  for (StrId s : strs) nodes.push_back(s == kNone ? kNone : found[k++]);
}

FoundIds::~FoundIds() {
  for (StrId s : held_) g_.pool.decref(s);
}

std::vector<NodeIdx> FoundIds::existing(bool sorted) const {
  std::vector<NodeIdx> out;
  for (NodeIdx n : nodes)
    if (n != kNone) out.push_back(n);
  if (!sorted) return out;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lm
