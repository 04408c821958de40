#include "impact.h"

#include <algorithm>

#include "ids.h"
#include "strsort.h"

namespace lm {

bool is_direct_hop(const uint8_t* transformations, const StringPool& pool, StrId type_key,
                   std::vector<uint32_t>* direct) {
  if (transformations == nullptr || *transformations != kList) return true;
  const uint8_t* p = transformations + 1;
  uint64_t n = get_varint(p);
  if (n == 0) return true;
  bool any = false;
  for (uint64_t i = 0; i < n; i++, p = skip_value(p)) {
    bool is = true;  // an entry that is no dict, or states no type, is direct
    if (*p == kDict) {
      const uint8_t* q = p + 1;
      uint64_t items = get_varint(q);
      for (uint64_t k = 0; k < items; k++, q = skip_value(q)) {
        if (StrId(get_varint(q)) != type_key) continue;
        char buf[32];
        std::string_view text;
        is = value_string(q, pool, buf, text) && text.size() == 6;
        for (size_t c = 0; is && c < 6; c++) is = (text[c] & ~0x20) == "DIRECT"[c];
      }
    }
    if (!is) continue;
    if (direct == nullptr) return true;
    any = true;
    direct->push_back(uint32_t(i));
  }
  return any;
}

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
    const size_t* at = index_.find(id);
    return at == nullptr ? nullptr : &items_[*at].second;
  }
  void set(StrId id, const T& value) {
    bool inserted;
    size_t& at = index_.at(id, &inserted);
    if (inserted) {
      at = items_.size();
      items_.emplace_back(id, value);
    } else {
      items_[at].second = value;
    }
  }
  const std::vector<std::pair<StrId, T>>& items() const { return items_; }
  bool empty() const { return items_.empty(); }

 private:
  FlatMap<StrId, size_t> index_;
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

  bool str_value(const uint8_t* value, StrId& out) const {
    if (value == nullptr || *value != kStr) return false;
    const uint8_t* p = value + 1;
    out = StrId(get_varint(p));
    return !v.text(out).empty();
  }

  // Whether a DERIVES_FROM edge carries the value itself (DIRECT), not only shapes rows.
  bool is_direct(EdgeIdx edge) const {
    return is_direct_hop(v.g.edge_value(edge, v.g.keys.transformations), v.g.pool, v.g.keys.type);
  }

  // The (canonical) datasets each job writes, sorted.
  FlatMap<StrId, std::vector<StrId>> writes_by_job(const std::vector<StrId>& jobs) {
    std::vector<EdgeRef> writes;
    v.edges(v.nodes_of(jobs), kind_bit(kWrites), true, writes);
    std::vector<StrId> targets;
    for (const EdgeRef& e : writes) targets.push_back(v.id_of(e.target));
    std::vector<StrId> outputs;
    aliases.canonical(targets, outputs);
    FlatMap<StrId, std::vector<StrId>> by_job;
    for (size_t i = 0; i < writes.size(); i++) by_job[v.id_of(writes[i].source)].push_back(outputs[i]);
    for (size_t i = 0; i < writes.size(); i++) {
      std::vector<StrId>& written = by_job[v.id_of(writes[i].source)];
      std::sort(written.begin(), written.end(), [&](StrId a, StrId b) { return v.text(a) < v.text(b); });
    }
    return by_job;
  }

  // The datasets (under any alias) some producer reported column lineage for.
  FlatSet<StrId> with_column_lineage(const std::vector<StrId>& datasets) {
    FlatSet<StrId> covered;
    if (datasets.empty()) return covered;
    IdMap members;
    std::vector<EdgeRef> none;
    aliases.keys_into(datasets, 0, members, none);
    std::vector<StrId> member_ids;
    for (auto& [member, owner] : members) member_ids.push_back(member);
    std::vector<NodeIdx> member_nodes = v.nodes_of(member_ids);
    std::vector<EdgeRef> derived, columns;
    v.edges(member_nodes, kind_bit(kDerivesFrom), true, derived);
    for (const EdgeRef& e : derived) covered.insert(members[v.id_of(e.source)]);
    v.edges(member_nodes, kind_bit(kHasColumn), true, columns);
    FlatMap<NodeIdx, StrId> owner_of;
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

  // The jobs reading ``datasets`` through any of their aliases: the READS edges (sorted by dataset,
  // then job, so the walk offers in a stable order), the alias member each enters mapped to its
  // canonical dataset, and what each reading job writes.
  struct Readers {
    IdMap members;
    std::vector<EdgeRef> edges;
    FlatMap<StrId, std::vector<StrId>> writes;
  };
  Readers readers_of(const std::vector<StrId>& datasets) {
    Readers r;
    aliases.keys_into(datasets, kind_bit(kReads), r.members, r.edges);
    std::vector<StrId> jobs;
    for (const EdgeRef& e : r.edges) jobs.push_back(v.id_of(e.source));
    r.writes = writes_by_job(jobs);
    std::sort(r.edges.begin(), r.edges.end(), [&](const EdgeRef& a, const EdgeRef& b) {
      int c = v.text(v.id_of(a.target)).compare(v.text(v.id_of(b.target)));
      if (c) return c < 0;
      return v.text(v.id_of(a.source)) < v.text(v.id_of(b.source));
    });
    return r;
  }

  // Downstream through dataset lineage; the caps bound the severity of the seeds' readers and of
  // everything beyond (kNoCap: keep the seed's).
  void walk_datasets(const Ordered<Reach>& seeds, uint8_t first_cap, uint8_t later_cap) {
    Ordered<Reach> frontier = seeds;
    for (int hop = 0; !frontier.empty() && !out_of_budget(); hop++) {
      uint8_t cap = hop == 0 ? first_cap : later_cap;
      std::vector<StrId> ids;
      for (auto& [id, reach] : frontier.items()) ids.push_back(id);
      Readers readers = readers_of(ids);
      Ordered<Reach> next;
      for (const EdgeRef& e : readers.edges) {
        Reach* current = reached.get(readers.members[v.id_of(e.target)]);
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
        const std::vector<StrId>* written = readers.writes.find(job);
        if (written == nullptr) continue;
        for (StrId output : *written) {
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
  // (``level_reach``: each frontier column's reach at this level.)
  Ordered<Reach> uncovered_outputs(const std::vector<std::pair<StrId, NodeIdx>>& frontier,
                                   const FlatMap<StrId, Reach>& level_reach) {
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
    Readers readers = readers_of(datasets);
    std::vector<StrId> outputs;
    for (const auto& [job, written] : readers.writes) outputs.insert(outputs.end(), written.begin(), written.end());
    std::sort(outputs.begin(), outputs.end());
    outputs.erase(std::unique(outputs.begin(), outputs.end()), outputs.end());
    FlatSet<StrId> covered = with_column_lineage(outputs);
    for (const EdgeRef& e : readers.edges) {
      StrId* column = by_dataset.get(readers.members[v.id_of(e.target)]);
      const Reach* current = column ? level_reach.find(*column) : nullptr;
      if (current == nullptr) continue;
      Reach here = *current;
      StrId job = v.id_of(e.source);
      const std::vector<StrId>* written = readers.writes.find(job);
      std::vector<StrId> silent;
      if (written != nullptr)
        for (StrId output : *written)
          if (!covered.contains(output) && reached.get(output) == nullptr) silent.push_back(output);
      bool writes_something = written != nullptr && !written->empty();
      if (reached.get(job) != nullptr || (writes_something && silent.empty())) continue;  // column lineage explains it
      int32_t via = step(here.path, job);
      offer(job, Reach{here.distance + 1, via, lower(here.severity), false});
      for (StrId output : silent) keep_best(found, output, Reach{here.distance + 1, step(via, output), lower(here.severity), false});
    }
    return found;
  }

  // Downstream through column lineage from the changed columns (``frontier``: each reached id
  // with the column node read for it), with dataset lineage standing in where there is none.
  void walk_columns(std::vector<std::pair<StrId, NodeIdx>> frontier) {
    Ordered<Reach> fallback;
    while (!frontier.empty() && !out_of_budget()) {
      std::vector<NodeIdx> columns;
      FlatMap<StrId, StrId> key_of;  // a frontier node's own id -> the id it was reached as
      // Each frontier column walks on with the reach it was queued with: one it gains later in
      // this level (more severe, longer) is a new state, walked at the next level.
      FlatMap<StrId, Reach> level_reach;
      for (auto& [key, node] : frontier) {
        columns.push_back(node);
        key_of.emplace(v.id_of(node), key);
        level_reach[key] = *reached.get(key);
      }
      IdMap by_member, members;
      aliases.column_members(columns, by_member);
      std::vector<StrId> member_ids;
      for (auto& [member, owner] : by_member) {
        members[member] = key_of[owner];
        member_ids.push_back(member);
      }
      std::vector<EdgeRef> edges;
      v.edges(v.nodes_of(member_ids), kind_bit(kDerivesFrom), false, edges, true);
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
      FlatSet<StrId> visible_jobs;
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
        const Reach* current = level_reach.find(members[v.id_of(e.target)]);
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
        if (str_value(v.g.edge_value(e.edge, v.g.keys.job_id), job) && visible_jobs.contains(job)) {
          path = step(path, job);
          offer(job, Reach{here.distance + 1, path, severity, here.certain});
        }
        StrId source = v.id_of(e.source);
        const StrId* mapped = canonical.find(source);
        StrId target = mapped == nullptr ? source : *mapped;
        Reach reach{here.distance + 1, step(path, target), severity, here.certain};
        if (whole_dataset) keep_best(fallback, target, reach);
        else if (offer(target, reach)) reached_columns.set(target, e.source);
      }
      Ordered<Reach> uncovered = uncovered_outputs(frontier, level_reach);
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

std::vector<StrId> by_text(View& v, std::vector<StrId> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::pair<std::string_view, StrId>> keyed;
  for (StrId id : ids) keyed.emplace_back(v.text(id), id);
  sort_by_text(keyed);
  std::vector<StrId> out;
  for (auto& [text, id] : keyed) out.push_back(id);
  return out;
}

bool string_value(const View& v, const uint8_t* value, StrId& out) {
  if (value == nullptr || *value != kStr) return false;
  const uint8_t* p = value + 1;
  out = StrId(get_varint(p));
  return true;
}

}  // namespace

FlatMap<StrId, StrId> dataset_domains(View& v, const std::vector<StrId>& datasets) {
  std::vector<EdgeRef> edges;
  v.edges(v.nodes_of(datasets), kind_bit(kBelongsTo), true, edges, true);
  struct Best {
    bool declared;
    EdgeIdx edge;
    NodeIdx target;
  };
  FlatMap<NodeIdx, Best> best;
  char ba[32], bb[32];
  auto seen = [&](EdgeIdx e, char* buf) {
    const uint8_t* value = v.g.edge_value(e, v.g.keys.last_seen_at);
    std::string_view text;
    if (value == nullptr || !value_string(value, v.g.pool, buf, text)) text = {};
    return text;
  };
  for (const EdgeRef& e : edges) {
    const uint8_t* source = v.g.edge_value(e.edge, v.g.keys.source);
    char buf[32];
    std::string_view text;
    bool declared = !(source != nullptr && value_string(source, v.g.pool, buf, text) && text == "rule");
    bool inserted;
    Best& held = best.at(e.source, &inserted);
    if (!inserted) {
      if (declared != held.declared) {
        if (!declared) continue;
      } else {
        int c = seen(e.edge, ba).compare(seen(held.edge, bb));
        if (c < 0 || (c == 0 && v.text(v.id_of(e.target)) >= v.text(v.id_of(held.target)))) continue;
      }
    }
    held = Best{declared, e.edge, e.target};
  }
  FlatMap<StrId, StrId> out;
  for (const auto& [dataset, chosen] : best) out[v.id_of(dataset)] = v.id_of(chosen.target);
  return out;
}

namespace {

// The report of a walk (impact_report), whose first ``walked.changed`` reached nodes are the
// changed ones.
ImpactReportAnswer report_of(View& v, ImpactAnswer walked, bool semantic) {
  ImpactReportAnswer report;
  report.truncated = walked.truncated;
  report.steps = std::move(walked.steps);
  report.held = std::move(walked.held);
  const size_t changed = walked.changed;
  StrId changed_key = walked.reached[0].first;
  report.changed = v.node_of(changed_key);
  // The affected: what the walk reached that the view shows, the changed nodes aside.
  std::vector<NodeIdx> reached_nodes;
  for (size_t i = changed; i < walked.reached.size(); i++) reached_nodes.push_back(v.node_of(walked.reached[i].first));
  v.summaries(reached_nodes);
  FlatSet<StrId> present;
  std::vector<size_t> columns;
  for (size_t i = changed; i < walked.reached.size(); i++) {
    NodeIdx n = reached_nodes[i - changed];
    if (!v.visible(n)) continue;
    const auto& [id, reach] = walked.reached[i];
    present.insert(id);
    if (v.g.node_kind[n] == kColumn) columns.push_back(report.affected.size());
    report.affected.push_back({id, n, reach.distance, reach.path, reach.severity, reach.certain});
  }
  // Each dataset of an affected column, unless affected itself, as badly as its worst column.
  Ordered<size_t> best;
  for (size_t c : columns) {
    const auto& item = report.affected[c];
    StrId dataset;
    if (!string_value(v, v.g.node_value(item.node, v.g.keys.dataset_id), dataset) || present.contains(dataset)) continue;
    size_t* held = best.get(dataset);
    const auto& a = item;
    if (held == nullptr || better(Reach{a.distance, a.path, a.severity, a.certain},
                                  Reach{report.affected[*held].distance, 0, report.affected[*held].severity,
                                        report.affected[*held].certain}))
      best.set(dataset, c);
  }
  std::vector<StrId> dataset_ids;
  for (auto& [dataset, c] : best.items()) dataset_ids.push_back(dataset);
  dataset_ids = by_text(v, dataset_ids);
  std::vector<NodeIdx> dataset_nodes;
  v.find_all(dataset_ids, dataset_nodes);
  for (size_t i = 0; i < dataset_ids.size(); i++) {
    if (dataset_nodes[i] == kNone) continue;
    auto via = report.affected[*best.get(dataset_ids[i])];
    report.steps.push_back({dataset_ids[i], via.path});
    report.affected.push_back({dataset_ids[i], dataset_nodes[i], via.distance, int32_t(report.steps.size() - 1),
                               via.severity, via.certain});
  }
  std::vector<std::pair<std::string_view, size_t>> order;
  for (size_t i = 0; i < report.affected.size(); i++) order.emplace_back(v.text(report.affected[i].id), i);
  sort_by_text(order);
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return report.affected[a.second].distance < report.affected[b.second].distance;
  });
  std::vector<ImpactReportAnswer::Affected> sorted;
  for (auto& [text, i] : order) sorted.push_back(report.affected[i]);
  report.affected.swap(sorted);
  // Whom it concerns.
  std::vector<StrId> datasets, jobs;
  for (const auto& a : report.affected) {
    if (v.g.node_kind[a.node] == kDataset) datasets.push_back(a.id);
    else if (v.g.node_kind[a.node] == kJob) jobs.push_back(a.id);
  }
  std::vector<StrId> changed_datasets;
  for (size_t i = 0; i < changed; i++) {
    NodeIdx n = v.node_of(walked.reached[i].first);
    StrId dataset = kNone;
    if (n == kNone) continue;
    if (v.g.node_kind[n] == kDataset) dataset = walked.reached[i].first;
    else string_value(v, v.g.node_value(n, v.g.keys.dataset_id), dataset);
    if (dataset != kNone) changed_datasets.push_back(dataset);
  }
  std::vector<StrId> published(datasets);
  published.insert(published.end(), changed_datasets.begin(), changed_datasets.end());
  {  // what is looked up below around the datasets and jobs (but products' owners), read at once
    std::vector<StrId> around(published);
    around.insert(around.end(), jobs.begin(), jobs.end());
    // (of the edges' records only the domains' are read: dataset_domains judges them)
    v.around(v.nodes_of(around),
             kind_bit(kAliasOf) | kind_bit(kExposes) | kind_bit(kGoverns) | kind_bit(kOwnedBy) | kind_bit(kBelongsTo),
             kind_bit(kBelongsTo));
  }
  IdMap members;
  std::vector<EdgeRef> exposing;
  Aliases aliases(v);
  aliases.keys_into(published, kind_bit(kExposes), members, exposing);
  std::vector<StrId> candidates;
  for (const EdgeRef& e : exposing) candidates.push_back(v.id_of(e.source));
  candidates = by_text(v, candidates);
  std::vector<NodeIdx> product_nodes;
  v.find_all(candidates, product_nodes);
  std::vector<NodeIdx> products;
  for (size_t i = 0; i < candidates.size(); i++)
    if (product_nodes[i] != kNone) {
      report.products.push_back(candidates[i]);
      products.push_back(product_nodes[i]);
    }
  v.wholes(products);
  std::vector<StrId> domains;
  for (const auto& [dataset, domain] : dataset_domains(v, datasets)) domains.push_back(domain);
  std::string name;
  for (NodeIdx p : products)
    if (string_prop(v.g, p, v.g.keys.domain, name) && !name.empty()) {
      report.held.push_back(v.g.hold(node_id(kDomain, {name})));
      domains.push_back(report.held.back());
    }
  report.domains = by_text(v, domains);
  std::vector<StrId> subjects(datasets);
  subjects.insert(subjects.end(), jobs.begin(), jobs.end());
  subjects.insert(subjects.end(), report.products.begin(), report.products.end());
  std::vector<EdgeRef> owned;
  v.edges(v.nodes_of(subjects), kind_bit(kOwnedBy), true, owned);
  std::vector<StrId> owners;
  for (const EdgeRef& e : owned) owners.push_back(v.id_of(e.target));
  report.owners = by_text(v, owners);
  if (!semantic) {  // contracts promised a schema that will no longer hold
    std::vector<StrId> governed;
    for (const auto& a : report.affected) {
      if (a.severity != kBreaking) continue;
      StrId dataset;
      if (v.g.node_kind[a.node] == kColumn) {
        if (string_value(v, v.g.node_value(a.node, v.g.keys.dataset_id), dataset)) governed.push_back(dataset);
      } else if (v.g.node_kind[a.node] == kDataset && a.distance == 1) {
        governed.push_back(a.id);
      }
    }
    governed.insert(governed.end(), changed_datasets.begin(), changed_datasets.end());
    std::vector<EdgeRef> governing;
    v.edges(v.nodes_of(governed), kind_bit(kGoverns), false, governing);
    std::vector<StrId> contracts;
    for (const EdgeRef& e : governing) contracts.push_back(v.id_of(e.source));
    contracts = by_text(v, contracts);
    std::vector<NodeIdx> found;
    v.find_all(contracts, found);
    for (size_t i = 0; i < contracts.size(); i++)
      if (found[i] != kNone) report.contracts.push_back(contracts[i]);
  }
  aliases.hand_over(report.held);
  return report;
}

}  // namespace

ImpactReportAnswer impact_report(View& v, NodeIdx start, int depth, bool semantic, Budget budget) {
  return report_of(v, impact(v, start, depth, semantic ? kWarning : kBreaking, budget), semantic);
}

void read_impacts_ahead(View& v, const std::vector<NodeIdx>& starts, Budget budget) {
  if (starts.empty() || !v.src.remote()) return;  // (an embedded graph holds everything already)
  ImpactReportAnswer read = report_of(v, impact(v, starts, -1, kBreaking, budget), false);
  for (StrId id : read.held) v.g.pool.decref(id);
}

ImpactAnswer impact(View& view, const std::vector<NodeIdx>& starts, int depth, uint8_t top, Budget budget) {
  ImpactWalk walk(view, budget, depth < 0 ? (1 << 30) : depth);
  std::vector<NodeIdx> columns;
  std::vector<StrId> datasets;
  for (NodeIdx start : starts) {
    if (view.g.node_kind[start] == kColumn) columns.push_back(start);
    else datasets.push_back(view.id_of(start));
  }
  IdMap canonical;
  if (!columns.empty()) walk.aliases.canonical_columns(columns, canonical);
  std::vector<StrId> canonical_datasets;
  if (!datasets.empty()) walk.aliases.canonical(datasets, canonical_datasets);
  std::vector<StrId> start_ids;
  size_t next_dataset = 0;
  for (NodeIdx start : starts)
    start_ids.push_back(view.g.node_kind[start] == kColumn ? canonical[view.id_of(start)]
                                                           : canonical_datasets[next_dataset++]);
  std::vector<NodeIdx> nodes;
  if (starts.size() == 1) nodes.push_back(view.find(view.text(start_ids[0])));  // (whole, as a report reads it)
  else view.find_all(start_ids, nodes);
  std::vector<std::pair<StrId, NodeIdx>> frontier;
  Ordered<Reach> seeds;
  for (size_t i = 0; i < starts.size(); i++) {
    NodeIdx node = nodes[i] == kNone ? starts[i] : nodes[i];
    StrId key = view.id_of(node);
    if (walk.reached.get(key) != nullptr) continue;  // (two starts, one node)
    Reach first{0, walk.step(-1, key), top, true};
    walk.reached.set(key, first);
    if (view.g.node_kind[starts[i]] == kColumn) frontier.emplace_back(key, node);
    else seeds.set(key, first);
  }
  walk.answer.changed = walk.reached.items().size();
  if (!frontier.empty()) walk.walk_columns(std::move(frontier));
  if (!seeds.empty()) walk.walk_datasets(seeds, top, lower(top));
  walk.answer.reached = walk.reached.items();
  walk.aliases.hand_over(walk.answer.held);
  return std::move(walk.answer);
}

}  // namespace lm
