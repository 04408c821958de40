#include "lineage.h"

#include "strsort.h"

#include <algorithm>
#include <tuple>

namespace lm {

namespace {

// An answer edge by its ends: the kind follows from them (dataset -> job READS, job -> dataset
// WRITES, column -> column DERIVES_FROM).
inline uint64_t pair_key(StrId source, StrId target) { return uint64_t(source) << 32 | target; }

// Accumulates one answer.
class Walk {
 public:
  Walk(View& view, Budget budget) : v(view), budget_(budget) {}

  View& v;
  FlatMap<StrId, NodeIdx> nodes;
  bool truncated = false;  // a budget cut the walk: it goes no further
  // More graph past the depth: the answer is truncated all the same, but the walk the other way
  // (upstream, then downstream) must still go to its own depth.
  bool beyond = false;

  bool has(StrId id) const { return nodes.contains(id); }

  // Keep the unseen ones of ``ids`` (within budget) that the view shows.
  void add_nodes(std::vector<StrId> ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<StrId> fresh;
    for (StrId id : ids)
      if (!has(id)) fresh.push_back(id);
    if (fresh.empty()) return;
    if (budget_.over_time()) {
      truncated = true;
      return;
    }
    size_t room = budget_.max_nodes > nodes.size() ? budget_.max_nodes - nodes.size() : 0;
    if (fresh.size() > room) {
      truncated = true;
      std::vector<std::pair<std::string_view, StrId>> by_text;
      for (StrId id : fresh) by_text.emplace_back(v.text(id), id);
      sort_by_text(by_text);
      fresh.clear();
      for (size_t i = 0; i < room; i++) fresh.push_back(by_text[i].second);
    }
    std::vector<NodeIdx> found;
    v.find_shown(fresh, found);
    for (size_t i = 0; i < fresh.size(); i++)
      if (found[i] != kNone) nodes.emplace(fresh[i], found[i]);
  }

  void add_edge(StrId source, StrId target, uint8_t kind, EdgeIdx props) {
    if (has(source) && has(target)) edges_.emplace(pair_key(source, target), {kind, props});
  }

  LineageAnswer result() {
    LineageAnswer answer;
    answer.truncated = truncated || beyond;
    std::vector<std::pair<std::string_view, StrId>> ids;
    ids.reserve(nodes.size());
    for (const auto& [id, n] : nodes) ids.emplace_back(v.text(id), id);
    sort_by_text(ids);
    FlatMap<StrId, uint32_t> rank;  // each answer node's place: edges sort by their ends' places
    for (size_t i = 0; i < ids.size(); i++) {
      answer.nodes.push_back(*nodes.find(ids[i].second));
      rank[ids[i].second] = uint32_t(i);
    }
    std::vector<std::pair<uint64_t, std::pair<uint8_t, EdgeIdx>>> edges;  // (source place, target place)
    edges.reserve(edges_.size());
    for (const auto& [key, edge] : edges_)
      edges.emplace_back(uint64_t(*rank.find(StrId(key >> 32))) << 32 | *rank.find(StrId(key & 0xFFFFFFFFu)), edge);
    std::sort(edges.begin(), edges.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [places, edge] : edges)
      answer.edges.push_back({answer.nodes[places >> 32], answer.nodes[places & 0xFFFFFFFFu], edge.first, edge.second});
    return answer;
  }

 private:
  Budget budget_;
  FlatMap<uint64_t, std::pair<uint8_t, EdgeIdx>> edges_;
};

// -- datasets -------------------------------------------------------------------------------------

std::vector<StrId> datasets_to_jobs(Walk& walk, Aliases& aliases, const std::vector<StrId>& datasets, uint8_t kind,
                                    bool downstream) {
  IdMap members;
  std::vector<EdgeRef> keys;
  aliases.keys_into(datasets, kind_bit(kind), members, keys);
  std::vector<StrId> jobs;
  for (const EdgeRef& e : keys) jobs.push_back(walk.v.id_of(e.source));
  walk.add_nodes(jobs);
  for (const EdgeRef& e : keys) {
    StrId job = walk.v.id_of(e.source), dataset = members[walk.v.id_of(e.target)];
    if (downstream) walk.add_edge(dataset, job, kind, kNone); else walk.add_edge(job, dataset, kind, kNone);
  }
  std::vector<StrId> out;
  for (StrId job : jobs)
    if (walk.has(job)) out.push_back(job);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<StrId> jobs_to_datasets(Walk& walk, Aliases& aliases, const std::vector<StrId>& jobs, uint8_t kind,
                                    bool downstream) {
  if (jobs.empty()) return {};
  std::vector<EdgeRef> keys;
  walk.v.edges(walk.v.nodes_of(jobs), kind_bit(kind), true, keys);
  std::vector<StrId> targets;
  for (const EdgeRef& e : keys) targets.push_back(walk.v.id_of(e.target));
  std::vector<StrId> canonical;
  aliases.canonical(targets, canonical);
  walk.add_nodes(canonical);
  for (size_t i = 0; i < keys.size(); i++) {
    StrId job = walk.v.id_of(keys[i].source);
    if (downstream) walk.add_edge(job, canonical[i], kind, kNone); else walk.add_edge(canonical[i], job, kind, kNone);
  }
  std::vector<StrId> out;
  for (StrId d : canonical)
    if (walk.has(d)) out.push_back(d);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<StrId> minus(const std::vector<StrId>& a, const FlatSet<StrId>& b) {
  std::vector<StrId> out;
  for (StrId id : a)
    if (!b.contains(id)) out.push_back(id);
  return out;
}

void walk_datasets(Walk& walk, Aliases& aliases, StrId start, bool start_is_dataset, bool downstream, int depth) {
  uint8_t into_job = downstream ? kReads : kWrites, out_of_job = downstream ? kWrites : kReads;
  std::vector<StrId> datasets, jobs;
  if (start_is_dataset) datasets.push_back(start); else jobs.push_back(start);
  FlatSet<StrId> seen_datasets, seen_jobs;
  seen_datasets.insert(datasets.begin(), datasets.end());
  seen_jobs.insert(jobs.begin(), jobs.end());
  bool exhausted = true;
  for (int hop = 0; hop < depth; hop++) {
    if (!datasets.empty()) {
      jobs = minus(datasets_to_jobs(walk, aliases, datasets, into_job, downstream), seen_jobs);
      seen_jobs.insert(jobs.begin(), jobs.end());
    }
    datasets = minus(jobs_to_datasets(walk, aliases, jobs, out_of_job, downstream), seen_datasets);
    seen_datasets.insert(datasets.begin(), datasets.end());
    jobs.clear();
    if (datasets.empty() || walk.truncated) {
      exhausted = false;
      break;
    }
  }
  if (exhausted && (!datasets.empty() || !jobs.empty())) {  // the depth ran out: is there more beyond?
    IdMap members;
    std::vector<EdgeRef> beyond;
    aliases.keys_into(datasets, kind_bit(into_job), members, beyond);
    if (!beyond.empty()) walk.beyond = true;
  }
  if (depth == 0) {
    std::vector<EdgeRef> beyond;
    NodeIdx n = walk.v.node_of(start);
    if (n != kNone) walk.v.edges({n}, kind_bit(into_job), !start_is_dataset, beyond);
    if (!beyond.empty()) walk.beyond = true;
  }
}

// -- columns --------------------------------------------------------------------------------------

bool dataset_id_of(const Graph& g, NodeIdx column, StrId& out) {
  const uint8_t* value = g.node_value(column, g.keys.dataset_id);
  if (value == nullptr || *value != kStr) return false;
  const uint8_t* p = value + 1;
  out = StrId(get_varint(p));
  return !g.pool.view(out).empty();
}

// ``peek``: at the depth, look whether there is more beyond (``truncated``); a one-hop answer
// (``neighbours``) does not, as the hop is all it promises.
void walk_columns(Walk& walk, Aliases& aliases, std::vector<StrId> frontier, bool downstream, int depth, bool peek = true) {
  View& v = walk.v;
  FlatSet<StrId> seen;
  seen.insert(frontier.begin(), frontier.end());
  for (int hop = 0; hop <= depth; hop++) {
    if (hop == depth && !peek) return;
    std::vector<NodeIdx> columns;
    for (StrId id : frontier) {
      const NodeIdx* n = walk.nodes.find(id);
      if (n != nullptr && v.g.node_kind[*n] == kColumn) columns.push_back(*n);
    }
    IdMap members, dataset_members;
    aliases.column_members(columns, members);
    std::vector<EdgeRef> edges;
    std::vector<StrId> reads;
    for (auto& [id, owner] : members) reads.push_back(id);
    if (!downstream) {
      std::vector<StrId> datasets;
      for (NodeIdx c : columns) {
        StrId d;
        if (dataset_id_of(v.g, c, d)) datasets.push_back(d);
      }
      std::vector<EdgeRef> none;
      aliases.keys_into(datasets, 0, dataset_members, none);
      for (auto& [id, owner] : dataset_members) reads.push_back(id);
    }
    std::sort(reads.begin(), reads.end());
    reads.erase(std::unique(reads.begin(), reads.end()), reads.end());
    v.edges(v.nodes_of(reads), kind_bit(kDerivesFrom), !downstream, edges, true);
    if (hop == depth) {
      if (!edges.empty()) walk.beyond = true;
      return;
    }
    std::vector<NodeIdx> neighbours;
    for (const EdgeRef& e : edges) neighbours.push_back(downstream ? e.source : e.target);
    std::sort(neighbours.begin(), neighbours.end());
    neighbours.erase(std::unique(neighbours.begin(), neighbours.end()), neighbours.end());
    v.summaries(neighbours);
    std::vector<NodeIdx> neighbour_columns;
    std::vector<StrId> neighbour_datasets;
    for (NodeIdx n : neighbours) {
      if (!v.visible(n)) continue;
      if (v.g.node_kind[n] == kColumn) neighbour_columns.push_back(n);
      else if (v.g.node_kind[n] == kDataset) neighbour_datasets.push_back(v.id_of(n));
    }
    IdMap canonical;
    aliases.canonical_columns(neighbour_columns, canonical);
    std::vector<StrId> canonical_datasets;
    aliases.canonical(neighbour_datasets, canonical_datasets);
    for (size_t i = 0; i < neighbour_datasets.size(); i++) canonical[neighbour_datasets[i]] = canonical_datasets[i];
    std::vector<StrId> reached;
    for (auto& [id, c] : canonical) reached.push_back(c);
    walk.add_nodes(reached);
    // An answer keeps one edge per pair; when a pair is reached twice (a column's own derivation
    // and its dataset-wide one, or two aliases), the column's own wins, then the smaller key, so
    // the properties kept never depend on the order a store returns edges in.
    std::sort(edges.begin(), edges.end(), [&](const EdgeRef& a, const EdgeRef& b) {
      bool am = !members.contains(v.id_of(a.source)), bm = !members.contains(v.id_of(b.source));
      if (am != bm) return am < bm;
      int c = v.text(v.id_of(a.source)).compare(v.text(v.id_of(b.source)));
      if (c) return c < 0;
      return v.text(v.id_of(a.target)) < v.text(v.id_of(b.target));
    });
    auto mapped = [&](StrId id) {
      const StrId* to = canonical.find(id);
      return to == nullptr ? id : *to;
    };
    for (const EdgeRef& e : edges) {
      StrId source = v.id_of(e.source), target = v.id_of(e.target);
      if (downstream) {
        walk.add_edge(members[target], mapped(source), kDerivesFrom, e.edge);
        continue;
      }
      const StrId* owner = members.find(source);
      if (owner != nullptr) {
        walk.add_edge(mapped(target), *owner, kDerivesFrom, e.edge);
        continue;
      }
      const StrId* dataset = dataset_members.find(source);  // a dataset-wide derivation: every frontier column of it
      for (NodeIdx c : columns) {
        StrId d;
        if (dataset != nullptr && dataset_id_of(v.g, c, d) && d == *dataset)
          walk.add_edge(mapped(target), v.id_of(c), kDerivesFrom, e.edge);
      }
    }
    std::vector<StrId> next;
    for (StrId c : reached)
      if (walk.has(c) && !seen.contains(c)) next.push_back(c);
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    seen.insert(next.begin(), next.end());
    frontier.swap(next);
    if (frontier.empty() || walk.truncated) return;
  }
}

}  // namespace

LineageAnswer dataset_lineage(View& view, NodeIdx start, bool upstream, bool downstream, int depth, Budget budget) {
  Aliases aliases(view);
  Walk walk(view, budget);
  bool is_dataset = view.g.node_kind[start] == kDataset;
  StrId start_id = is_dataset ? aliases.canonical(view.id_of(start)) : view.id_of(start);
  walk.add_nodes({start_id});
  if (upstream) walk_datasets(walk, aliases, start_id, is_dataset, false, std::max(depth, 0));
  if (downstream) walk_datasets(walk, aliases, start_id, is_dataset, true, std::max(depth, 0));
  return walk.result();
}

LineageAnswer column_lineage(View& view, NodeIdx start, bool upstream, bool downstream, int depth, Budget budget) {
  Aliases aliases(view);
  Walk walk(view, budget);
  IdMap canonical;
  aliases.canonical_columns({start}, canonical);
  StrId start_id = canonical[view.id_of(start)];
  walk.add_nodes({start_id});
  if (upstream) walk_columns(walk, aliases, {start_id}, false, std::max(depth, 0));
  if (downstream) walk_columns(walk, aliases, {start_id}, true, std::max(depth, 0));
  return walk.result();
}

LineageAnswer neighbours(View& view, const std::vector<NodeIdx>& starts, bool downstream, Budget budget) {
  Aliases aliases(view);
  Walk walk(view, budget);
  std::vector<StrId> datasets, jobs, ids;
  std::vector<NodeIdx> columns;
  for (NodeIdx n : starts) {
    uint8_t kind = view.g.node_kind[n];
    if (kind == kDataset) datasets.push_back(aliases.canonical(view.id_of(n)));
    else if (kind == kJob) jobs.push_back(view.id_of(n));
    else if (kind == kColumn) columns.push_back(n);
  }
  IdMap canonical;
  aliases.canonical_columns(columns, canonical);
  std::vector<StrId> column_ids;
  for (NodeIdx c : columns) column_ids.push_back(canonical[view.id_of(c)]);
  ids.insert(ids.end(), datasets.begin(), datasets.end());
  ids.insert(ids.end(), jobs.begin(), jobs.end());
  ids.insert(ids.end(), column_ids.begin(), column_ids.end());
  walk.add_nodes(ids);
  auto kept = [&](std::vector<StrId> of) {
    std::vector<StrId> out;
    for (StrId id : of)
      if (walk.has(id)) out.push_back(id);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  datasets = kept(datasets);
  jobs = kept(jobs);
  column_ids = kept(column_ids);
  if (!datasets.empty()) datasets_to_jobs(walk, aliases, datasets, downstream ? kReads : kWrites, downstream);
  jobs_to_datasets(walk, aliases, jobs, downstream ? kWrites : kReads, downstream);
  if (!column_ids.empty()) walk_columns(walk, aliases, column_ids, downstream, 1, false);
  return walk.result();
}

}  // namespace lm
