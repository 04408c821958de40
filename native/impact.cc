#include "impact.h"

#include <algorithm>

namespace lm {

namespace {

constexpr uint8_t kNoCap = 255;

uint8_t lower(uint8_t severity) { return severity == kBreaking ? kWarning : kInfo; }

// The better way to reach a node: more severe, then certain, then shorter.
bool better(const Reach& a, const Reach& b) {
  if (a.severity != b.severity) return a.severity > b.severity;
  if (a.certain != b.certain) return a.certain;
  return a.distance < b.distance;
}

// Insertion-ordered id -> value (Python's dict, whose order decides ties downstream).
template <class T>
class Ordered {
 public:
  T* get(StrId id) {
    auto it = index_.find(id);
    return it == index_.end() ? nullptr : &items_[it->second].second;
  }
  void set(StrId id, const T& value) {
    auto it = index_.find(id);
    if (it != index_.end()) {
      items_[it->second].second = value;
    } else {
      index_.emplace(id, items_.size());
      items_.emplace_back(id, value);
    }
  }
  const std::vector<std::pair<StrId, T>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  std::unordered_map<StrId, size_t> index_;
  std::vector<std::pair<StrId, T>> items_;
};

class ImpactWalk {
 public:
  ImpactWalk(View& view, Budget budget, int limit) : v(view), aliases(view), budget_(budget), limit(limit) {}

  View& v;
  Aliases aliases;
  Budget budget_;
  const int limit;
  ImpactAnswer answer;
  Ordered<Reach> reached;

  int32_t step(int32_t parent, StrId id) {
    answer.steps.push_back({id, parent});
    return int32_t(answer.steps.size() - 1);
  }

  bool out_of_budget() {
    if (reached.items().size() >= budget_.max_nodes || budget_.over_time()) answer.truncated = true;
    return answer.truncated;
  }

  // Record a way to reach a node; whether it is new or better (so it must be expanded).
  bool offer(StrId id, const Reach& reach) {
    Reach* current = reached.get(id);
    if (current == nullptr) {
      if (reached.items().size() >= budget_.max_nodes) {
        answer.truncated = true;
        return false;
      }
    } else if (!better(reach, *current)) {
      return false;
    }
    reached.set(id, reach);
    return true;
  }

  static void keep_best(Ordered<Reach>& found, StrId id, const Reach& reach) {
    Reach* current = found.get(id);
    if (current == nullptr || better(reach, *current)) found.set(id, reach);
  }

  std::vector<NodeIdx> nodes_of(const std::vector<StrId>& ids) {
    std::vector<NodeIdx> out;
    for (StrId id : ids) {
      NodeIdx n = v.node_of(id);
      if (n != kNone) out.push_back(n);
    }
    return out;
  }

  bool str_value(const uint8_t* value, StrId& out) const {
    if (value == nullptr || *value != kStr) return false;
    const uint8_t* p = value + 1;
    out = StrId(get_varint(p));
    return !v.text(out).empty();
  }

  // Whether a DERIVES_FROM edge carries the value itself (DIRECT), not only shapes rows.
  bool is_direct(EdgeIdx edge) const {
    const uint8_t* list = v.g.edge_value(edge, v.g.keys.transformations);
    if (list == nullptr || *list != kList) return true;  // pre-1-2-0 column lineage (and IDENTITY/MASKED) is direct
    const uint8_t* p = list + 1;
    uint64_t n = get_varint(p);
    if (n == 0) return true;
    for (uint64_t i = 0; i < n; i++, p = skip_value(p)) {
      if (*p != kDict) continue;
      const uint8_t* q = p + 1;
      uint64_t items = get_varint(q);
      bool typed = false, direct = false;
      for (uint64_t k = 0; k < items; k++) {
        StrId key = StrId(get_varint(q));
        if (key == v.g.keys.type) {
          typed = true;
          char buf[32];
          std::string_view text;
          if (value_string(q, v.g.pool, buf, text) && text.size() == 6) {
            std::string upper(text);
            for (char& c : upper)
              if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
            direct = upper == "DIRECT";
          }
        }
        q = skip_value(q);
      }
      if (!typed || direct) return true;
    }
    return false;
  }

  // The (canonical) datasets each job writes, sorted.
  std::unordered_map<StrId, std::vector<StrId>> writes_by_job(const std::vector<StrId>& jobs) {
    std::vector<EdgeRef> writes;
    v.edges(nodes_of(jobs), kind_bit(kWrites), true, writes);
    std::vector<StrId> targets;
    for (const EdgeRef& e : writes) targets.push_back(v.id_of(e.target));
    std::vector<StrId> outputs;
    aliases.canonical(targets, outputs);
    std::unordered_map<StrId, std::vector<StrId>> by_job;
    for (size_t i = 0; i < writes.size(); i++) by_job[v.id_of(writes[i].source)].push_back(outputs[i]);
    for (auto& [job, written] : by_job)
      std::sort(written.begin(), written.end(), [&](StrId a, StrId b) { return v.text(a) < v.text(b); });
    return by_job;
  }

  // The datasets (under any alias) some producer reported column lineage for.
  std::unordered_set<StrId> with_column_lineage(const std::vector<StrId>& datasets) {
    std::unordered_set<StrId> covered;
    if (datasets.empty()) return covered;
    IdMap members;
    std::vector<EdgeRef> none;
    aliases.keys_into(datasets, 0, members, none);
    std::vector<StrId> member_ids;
    for (auto& [member, owner] : members) member_ids.push_back(member);
    std::vector<NodeIdx> member_nodes = nodes_of(member_ids);
    std::vector<EdgeRef> derived, columns;
    v.edges(member_nodes, kind_bit(kDerivesFrom), true, derived);
    for (const EdgeRef& e : derived) covered.insert(members[v.id_of(e.source)]);
    v.edges(member_nodes, kind_bit(kHasColumn), true, columns);
    std::unordered_map<NodeIdx, StrId> owner_of;
    std::vector<NodeIdx> column_nodes;
    for (const EdgeRef& e : columns) {
      owner_of[e.target] = members[v.id_of(e.source)];
      column_nodes.push_back(e.target);
    }
    std::sort(column_nodes.begin(), column_nodes.end());
    column_nodes.erase(std::unique(column_nodes.begin(), column_nodes.end()), column_nodes.end());
    derived.clear();
    v.edges(column_nodes, kind_bit(kDerivesFrom), true, derived);
    for (const EdgeRef& e : derived) covered.insert(owner_of[e.source]);
    return covered;
  }

  void sort_readers(std::vector<EdgeRef>& readers) const {
    std::sort(readers.begin(), readers.end(), [&](const EdgeRef& a, const EdgeRef& b) {
      int c = v.text(v.id_of(a.target)).compare(v.text(v.id_of(b.target)));
      if (c) return c < 0;
      return v.text(v.id_of(a.source)) < v.text(v.id_of(b.source));
    });
  }

  // Downstream through dataset lineage; the caps bound the severity of the seeds' readers and of
  // everything beyond (kNoCap: keep the seed's).
  void walk_datasets(const Ordered<Reach>& seeds, uint8_t first_cap, uint8_t later_cap) {
    Ordered<Reach> frontier = seeds;
    for (int hop = 0; !frontier.empty() && !out_of_budget(); hop++) {
      uint8_t cap = hop == 0 ? first_cap : later_cap;
      std::vector<StrId> ids;
      for (auto& [id, reach] : frontier.items()) ids.push_back(id);
      IdMap members;
      std::vector<EdgeRef> readers;
      aliases.keys_into(ids, kind_bit(kReads), members, readers);
      std::vector<StrId> jobs;
      for (const EdgeRef& e : readers) jobs.push_back(v.id_of(e.source));
      auto writes = writes_by_job(jobs);
      sort_readers(readers);
      Ordered<Reach> next;
      for (const EdgeRef& e : readers) {
        Reach* current = reached.get(members[v.id_of(e.target)]);
        if (current == nullptr) continue;
        Reach here = *current;
        if (here.distance >= limit) {
          answer.truncated = true;
          continue;
        }
        uint8_t severity = cap == kNoCap || cap >= here.severity ? here.severity : cap;
        StrId job = v.id_of(e.source);
        int32_t via = step(here.path, job);
        offer(job, Reach{here.distance + 1, via, severity, here.certain});
        auto written = writes.find(job);
        if (written == writes.end()) continue;
        for (StrId output : written->second) {
          Reach reach{here.distance + 1, step(via, output), severity, here.certain};
          if (offer(output, reach)) next.set(output, reach);
        }
      }
      frontier = std::move(next);
    }
  }

  // Where column lineage is silent: jobs reading a column's dataset that write nothing, or write
  // datasets without any column lineage. The column may flow there, nobody said: such jobs and
  // datasets are reported as not certain, and their datasets followed by dataset lineage.
  Ordered<Reach> uncovered_outputs(const std::vector<std::pair<StrId, NodeIdx>>& frontier) {
    Ordered<StrId> by_dataset;  // dataset -> the first frontier column of it
    for (auto& [key, node] : frontier) {
      StrId dataset;
      if (str_value(v.g.node_value(node, v.g.keys.dataset_id), dataset) && by_dataset.get(dataset) == nullptr)
        by_dataset.set(dataset, key);
    }
    Ordered<Reach> found;
    if (by_dataset.empty()) return found;
    std::vector<StrId> datasets;
    for (auto& [dataset, key] : by_dataset.items()) datasets.push_back(dataset);
    IdMap members;
    std::vector<EdgeRef> readers;
    aliases.keys_into(datasets, kind_bit(kReads), members, readers);
    std::vector<StrId> jobs;
    for (const EdgeRef& e : readers) jobs.push_back(v.id_of(e.source));
    auto writes = writes_by_job(jobs);
    std::vector<StrId> outputs;
    for (auto& [job, written] : writes) outputs.insert(outputs.end(), written.begin(), written.end());
    std::sort(outputs.begin(), outputs.end());
    outputs.erase(std::unique(outputs.begin(), outputs.end()), outputs.end());
    std::unordered_set<StrId> covered = with_column_lineage(outputs);
    sort_readers(readers);
    for (const EdgeRef& e : readers) {
      StrId* column = by_dataset.get(members[v.id_of(e.target)]);
      Reach* current = column ? reached.get(*column) : nullptr;
      if (current == nullptr) continue;
      Reach here = *current;
      StrId job = v.id_of(e.source);
      auto written = writes.find(job);
      std::vector<StrId> silent;
      if (written != writes.end())
        for (StrId output : written->second)
          if (!covered.count(output) && reached.get(output) == nullptr) silent.push_back(output);
      bool writes_something = written != writes.end() && !written->second.empty();
      if (reached.get(job) != nullptr || (writes_something && silent.empty())) continue;  // column lineage explains it
      int32_t via = step(here.path, job);
      offer(job, Reach{here.distance + 1, via, lower(here.severity), false});
      for (StrId output : silent) keep_best(found, output, Reach{here.distance + 1, step(via, output), lower(here.severity), false});
    }
    return found;
  }

  // Downstream through column lineage, with dataset lineage standing in where there is none.
  void walk_columns(StrId start, NodeIdx start_node) {
    std::vector<std::pair<StrId, NodeIdx>> frontier{{start, start_node}};  // reached id -> the column node read for it
    Ordered<Reach> fallback;
    while (!frontier.empty() && !out_of_budget()) {
      std::vector<NodeIdx> columns;
      std::unordered_map<StrId, StrId> key_of;  // a frontier node's own id -> the id it was reached as
      for (auto& [key, node] : frontier) {
        columns.push_back(node);
        key_of.emplace(v.id_of(node), key);
      }
      IdMap by_member, members;
      aliases.column_members(columns, by_member);
      std::vector<StrId> member_ids;
      for (auto& [member, owner] : by_member) {
        members[member] = key_of[owner];
        member_ids.push_back(member);
      }
      std::vector<EdgeRef> edges;
      v.edges(nodes_of(member_ids), kind_bit(kDerivesFrom), false, edges, true);
      std::vector<StrId> job_ids;
      std::vector<NodeIdx> source_nodes;
      for (const EdgeRef& e : edges) {
        source_nodes.push_back(e.source);
        StrId job;
        if (str_value(v.g.edge_value(e.edge, v.g.keys.job_id), job)) job_ids.push_back(job);
      }
      v.summaries(source_nodes);
      std::sort(job_ids.begin(), job_ids.end());
      job_ids.erase(std::unique(job_ids.begin(), job_ids.end()), job_ids.end());
      std::vector<NodeIdx> job_nodes;
      v.find_all(job_ids, job_nodes);
      std::unordered_set<StrId> visible_jobs;
      for (size_t i = 0; i < job_ids.size(); i++)
        if (job_nodes[i] != kNone) visible_jobs.insert(job_ids[i]);
      std::vector<NodeIdx> source_columns;
      std::vector<StrId> source_datasets;
      for (NodeIdx n : source_nodes) {
        if (!v.visible(n)) continue;
        if (v.g.node_kind[n] == kColumn) source_columns.push_back(n);
        else if (v.g.node_kind[n] == kDataset) source_datasets.push_back(v.id_of(n));
      }
      std::sort(source_columns.begin(), source_columns.end());
      source_columns.erase(std::unique(source_columns.begin(), source_columns.end()), source_columns.end());
      std::sort(source_datasets.begin(), source_datasets.end());
      source_datasets.erase(std::unique(source_datasets.begin(), source_datasets.end()), source_datasets.end());
      IdMap canonical;
      aliases.canonical_columns(source_columns, canonical);
      std::vector<StrId> canonical_datasets;
      aliases.canonical(source_datasets, canonical_datasets);
      for (size_t i = 0; i < source_datasets.size(); i++) canonical[source_datasets[i]] = canonical_datasets[i];
      std::sort(edges.begin(), edges.end(), [&](const EdgeRef& a, const EdgeRef& b) {
        int c = v.text(v.id_of(a.target)).compare(v.text(v.id_of(b.target)));
        if (c) return c < 0;
        return v.text(v.id_of(a.source)) < v.text(v.id_of(b.source));
      });
      Ordered<NodeIdx> reached_columns;
      for (const EdgeRef& e : edges) {
        Reach* current = reached.get(members[v.id_of(e.target)]);
        if (current == nullptr || !v.visible(e.source)) continue;
        Reach here = *current;
        if (here.distance >= limit) {
          answer.truncated = true;
          continue;
        }
        bool whole_dataset = v.g.node_kind[e.source] == kDataset;  // a columnLineage `dataset` entry: always indirect
        uint8_t severity = is_direct(e.edge) && !whole_dataset ? here.severity : lower(here.severity);
        int32_t path = here.path;
        StrId job;
        if (str_value(v.g.edge_value(e.edge, v.g.keys.job_id), job) && visible_jobs.count(job)) {
          path = step(path, job);
          offer(job, Reach{here.distance + 1, path, severity, here.certain});
        }
        StrId source = v.id_of(e.source);
        auto mapped = canonical.find(source);
        StrId target = mapped == canonical.end() ? source : mapped->second;
        Reach reach{here.distance + 1, step(path, target), severity, here.certain};
        if (whole_dataset) keep_best(fallback, target, reach);
        else if (offer(target, reach)) reached_columns.set(target, e.source);
      }
      Ordered<Reach> uncovered = uncovered_outputs(frontier);
      for (auto& [id, reach] : uncovered.items()) keep_best(fallback, id, reach);
      std::vector<StrId> reached_ids;
      for (auto& [id, source] : reached_columns.items()) reached_ids.push_back(id);
      std::vector<NodeIdx> canonical_nodes;
      v.find_all(reached_ids, canonical_nodes);
      frontier.clear();
      for (size_t i = 0; i < reached_ids.size(); i++)
        frontier.emplace_back(reached_ids[i], canonical_nodes[i] != kNone ? canonical_nodes[i] : reached_columns.items()[i].second);
    }
    Ordered<Reach> seeds;
    for (auto& [id, reach] : fallback.items())
      if (offer(id, reach)) seeds.set(id, reach);
    if (!seeds.empty()) walk_datasets(seeds, kNoCap, kNoCap);
  }
};

}  // namespace

ImpactAnswer impact(View& view, NodeIdx start, int depth, uint8_t top, Budget budget) {
  ImpactWalk walk(view, budget, depth < 0 ? (1 << 30) : depth);
  StrId start_id;
  if (view.g.node_kind[start] == kColumn) {
    IdMap canonical;
    walk.aliases.canonical_columns({start}, canonical);
    start_id = canonical[view.id_of(start)];
  } else {
    start_id = walk.aliases.canonical(view.id_of(start));
  }
  NodeIdx node = view.find(view.text(start_id));
  if (node == kNone) node = start;
  StrId key = view.id_of(node);
  Reach first{0, walk.step(-1, key), top, true};
  walk.reached.set(key, first);
  if (view.g.node_kind[start] == kColumn) {
    walk.walk_columns(key, node);
  } else {
    Ordered<Reach> seeds;
    seeds.set(key, first);
    walk.walk_datasets(seeds, top, lower(top));
  }
  walk.answer.reached = walk.reached.items();
  return std::move(walk.answer);
}

}  // namespace lm
