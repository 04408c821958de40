#include "node_facts.h"

#include <algorithm>
#include <map>
#include <string>
#include <unordered_map>

#include "impact.h"
#include "values.h"

namespace lm {

namespace {

// ``list`` sorted, each item once.
template <class T>
void sort_unique(std::vector<T>& list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
}

// Where the pairs of ``end`` are in ``pairs`` (sorted): [first, last).
std::pair<size_t, size_t> range_of(const std::vector<std::pair<StrId, StrId>>& pairs, StrId end) {
  auto first = std::lower_bound(pairs.begin(), pairs.end(), std::make_pair(end, StrId(0)));
  auto last = first;
  while (last != pairs.end() && last->first == end) ++last;
  return {size_t(first - pairs.begin()), size_t(last - pairs.begin())};
}

// A node's string property as the pool's id of the string (kNone: none, or not a string).
StrId string_id_prop(const Graph& g, NodeIdx n, StrId key) {
  if (key == kNone) return kNone;
  const uint8_t* v = g.node_value(n, key);
  if (v == nullptr || *v != kStr) return kNone;
  const uint8_t* p = v + 1;
  return StrId(get_varint(p));
}

class Facts {
 public:
  Facts(View& view, const std::vector<NodeIdx>& nodes, Budget budget)
      : v_(view), g_(view.g), nodes_(nodes), budget_(budget), aliases_(view), local_(!view.src.remote()) {}

  NodeFactsAnswer answer;

  // Each node's id as the neighbour walks name it (a dataset's and a column's canonical id).
  const std::vector<StrId>& walked_ids() {
    if (!walked_.empty() || nodes_.empty()) return walked_;
    std::vector<StrId> datasets;
    std::vector<NodeIdx> columns;
    for (NodeIdx n : nodes_) {
      if (n == kNone) continue;
      if (g_.node_kind[n] == kDataset && !unaliased(n)) datasets.push_back(v_.id_of(n));  // (else its own)
      else if (g_.node_kind[n] == kColumn) columns.push_back(n);
    }
    std::vector<StrId> canonical;
    aliases_.canonical(datasets, canonical);
    IdMap dataset_canonical, column_canonical;
    for (size_t i = 0; i < datasets.size(); i++) dataset_canonical[datasets[i]] = canonical[i];
    aliases_.canonical_columns(columns, column_canonical);
    for (NodeIdx n : nodes_) {
      StrId id = n == kNone ? kNone : v_.id_of(n);
      const StrId* found = n == kNone                         ? nullptr
                           : g_.node_kind[n] == kDataset ? dataset_canonical.find(id)
                           : g_.node_kind[n] == kColumn  ? column_canonical.find(id)
                                                          : nullptr;
      walked_.push_back(found != nullptr ? *found : id);
    }
    return walked_;
  }

  // Whether a dataset is known to have no alias either way without a read: on the embedded store,
  // whose adjacency is whole (its canonical id is then its own, its only name), when it has no
  // ALIAS_OF edge; most datasets have none, and the alias resolver's maps cost most of the counts.
  // Asked of each dataset and of each far end of its jobs' edges, both ways: known once a node.
  bool unaliased(NodeIdx n) {
    if (!local_ || n == kNone) return false;
    bool added;
    uint8_t& known = unaliased_.at(n, &added);
    if (added) {
      auto [out_begin, out_end] = g_.node_out[n].of_kind(kAliasOf);
      auto [in_begin, in_end] = g_.node_in[n].of_kind(kAliasOf);
      known = out_begin == out_end && in_begin == in_end ? kAlone : kAliased;
    }
    return known == kAlone;
  }

  // The canonical id of each edge's target (a dataset), out[k] for edges[k].
  void canonical_ends(const std::vector<EdgeRef>& edges, std::vector<StrId>& out) {
    std::vector<StrId> aliased, canonical;
    out.clear();
    for (const EdgeRef& e : edges) {
      bool alone = unaliased(e.target);
      out.push_back(alone ? v_.id_of(e.target) : kNone);
      if (!alone) aliased.push_back(v_.id_of(e.target));
    }
    if (aliased.empty()) return;
    aliases_.canonical(aliased, canonical);
    size_t at = 0;
    for (StrId& id : out)
      if (id == kNone) id = canonical[at++];
  }

  // The answer's ends of lineage, each once, for both ways: the (walked) ids of its datasets the
  // view shows, its jobs, its columns.
  struct Ends {
    std::vector<StrId> datasets;
    std::vector<NodeIdx> jobs, columns;
  };
  const Ends& ends() {
    if (ends_done_) return ends_;
    ends_done_ = true;
    const auto& ids = walked_ids();
    for (size_t i = 0; i < nodes_.size(); i++) {
      NodeIdx n = nodes_[i];
      if (n == kNone) continue;
      uint8_t kind = g_.node_kind[n];
      if (kind == kDataset) {
        NodeIdx canonical = v_.node_of(ids[i]);
        if (v_.visible(canonical)) ends_.datasets.push_back(ids[i]);
      } else if (kind == kJob) {
        ends_.jobs.push_back(n);
      } else if (kind == kColumn) {
        ends_.columns.push_back(n);
      }
    }
    sort_unique(ends_.datasets);
    sort_unique(ends_.jobs);
    sort_unique(ends_.columns);
    return ends_;
  }

  // The direct neighbours one way, as neighbours() finds them: (walked id, neighbour id) pairs,
  // sorted, each once. Datasets and jobs are read here edge kind by edge kind, the answer neither
  // walked nor sorted by name as a lineage answer is (most of a walk's cost); columns are walked.
  const std::vector<std::pair<StrId, StrId>>& neighbours(bool downstream) {
    auto& pairs = downstream ? down_ : up_;
    bool& done = downstream ? down_done_ : up_done_;
    if (done) return pairs;
    done = true;
    const auto& [datasets, jobs, columns] = ends();
    // A dataset's jobs: the edges of the kind entering it under any of its names.
    std::vector<StrId> aliased;
    std::vector<NodeIdx> alone;
    for (StrId d : datasets) {
      NodeIdx n = v_.node_of(d);
      if (unaliased(n)) alone.push_back(n);
      else aliased.push_back(d);
    }
    std::vector<EdgeRef> keys;
    if (!alone.empty()) v_.edges(alone, kind_bit(downstream ? kReads : kWrites), false, keys);
    for (const EdgeRef& e : keys) pairs.emplace_back(v_.id_of(e.target), v_.id_of(e.source));
    if (!aliased.empty()) {
      IdMap members;
      keys.clear();
      aliases_.keys_into(aliased, kind_bit(downstream ? kReads : kWrites), members, keys);
      for (const EdgeRef& e : keys) {
        const StrId* dataset = members.find(v_.id_of(e.target));
        if (dataset != nullptr) pairs.emplace_back(*dataset, v_.id_of(e.source));
      }
    }
    // A job's datasets: the (canonical) ends of its edges of the kind.
    if (!jobs.empty()) {
      std::vector<EdgeRef> keys;
      v_.edges(jobs, kind_bit(downstream ? kWrites : kReads), true, keys, false, true, false);
      std::vector<StrId> canonical;
      canonical_ends(keys, canonical);
      for (size_t k = 0; k < keys.size(); k++) pairs.emplace_back(v_.id_of(keys[k].source), canonical[k]);
    }
    sort_unique(pairs);
    // Only the neighbours the view shows, as a walk keeps them: each asked once for both ways.
    std::vector<StrId> asked;
    for (const auto& pair : pairs) {
      bool added;
      uint8_t& known = shown_.at(pair.second, &added);
      if (added) {
        known = kAsked;
        asked.push_back(pair.second);
      }
    }
    if (!asked.empty()) {
      std::vector<NodeIdx> found;
      v_.find_shown(asked, found, /*names_only=*/true);  // whether they are shown is all the facts need
      for (size_t k = 0; k < asked.size(); k++) shown_[asked[k]] = found[k] != kNone ? kShown : kHidden;
    }
    auto hidden = [&](const auto& p) { return *shown_.find(p.second) != kShown; };
    pairs.erase(std::remove_if(pairs.begin(), pairs.end(), hidden), pairs.end());
    if (!columns.empty()) {
      LineageAnswer walked = lm::neighbours(v_, columns, downstream, budget_);
      size_t before = pairs.size();
      for (const LineageAnswer::Edge& e : walked.edges) {
        NodeIdx end = downstream ? e.source : e.target, other = downstream ? e.target : e.source;
        pairs.emplace_back(g_.node_id[end], g_.node_id[other]);
      }
      if (pairs.size() > before) sort_unique(pairs);
    }
    return pairs;
  }

  void counts(bool downstream, std::vector<uint32_t>& out) {
    const auto& pairs = neighbours(downstream);
    const auto& ids = walked_ids();
    out.assign(nodes_.size(), 0);
    for (size_t i = 0; i < nodes_.size(); i++) {
      if (nodes_[i] == kNone) continue;
      uint8_t kind = g_.node_kind[nodes_[i]];
      if (kind != kDataset && kind != kJob && kind != kColumn) continue;
      auto [first, last] = range_of(pairs, ids[i]);
      out[i] = uint32_t(last - first);
    }
  }

  // The answer's jobs, each once, in order of their index.
  std::vector<NodeIdx> answer_jobs() const {
    std::vector<NodeIdx> jobs;
    for (NodeIdx n : nodes_)
      if (n != kNone && g_.node_kind[n] == kJob) jobs.push_back(n);
    std::sort(jobs.begin(), jobs.end());
    jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
    return jobs;
  }

  // What the facts will read, asked first: the edges around the answer's own datasets and jobs in
  // one call (View::edges_soon), and with them, where the source can (View::batches_facts), the
  // newest runs of the answer's jobs and of its datasets' writers and the owners' edges, lean
  // (FactsRead); else the jobs' newest runs are read beside the rest (View::newest_soon). The
  // reads below find them held. What depends on what those reads find (aliases, a job's datasets
  // outside the answer, writers met only through aliases) is read as it is met.
  void start(uint32_t facts) {
    const bool batched = v_.batches_facts();  // runs and owners read with the batch, lean
    if ((facts & kRunStateFact) && !batched) v_.newest_soon(answer_jobs(), kOf, false, "createdAt");
    std::vector<NodeIdx> datasets, jobs, owning;
    for (NodeIdx n : nodes_) {
      if (n == kNone) continue;
      uint8_t kind = g_.node_kind[n];
      if (kind == kDataset) datasets.push_back(n);
      else if (kind == kJob) jobs.push_back(n);
      if (kind != kColumn) owning.push_back(n);
    }
    for (auto* list : {&datasets, &jobs, &owning}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
    bool up = facts & (kUpstreamCount | kRunStateFact), down = facts & kDownstreamCount;
    std::vector<EdgeRead> reads;
    auto read = [&](const std::vector<NodeIdx>& at, uint8_t kind, bool out, bool props, bool names_only, bool whole,
                    bool aliases = false) {
      // (names only: whether the far ends exist is all the facts read of them, find_shown())
      if (!at.empty())
        reads.push_back(EdgeRead{at, kind_bit(kind), out, props, names_only, whole, aliases, names_only && batched});
    };
    // walked_ids() and neighbours(): the datasets' aliases, their jobs, the jobs' datasets; of the
    // far ends only their names (the facts read no more of them: graph.read.view.NAMES)
    if (up || down) {
      read(datasets, kAliasOf, true, false, true, false);
      read(datasets, kAliasOf, false, false, true, false);
    }
    if (up) {
      read(datasets, kWrites, false, false, true, false);
      read(jobs, kReads, true, false, true, false, true);  // (with what resolves the datasets' names)
    }
    if (down) read(datasets, kReads, false, false, true, false);
    if (down || (facts & kDomainFact)) read(jobs, kWrites, true, false, true, false, true);
    if (facts & kDomainFact) read(datasets, kBelongsTo, true, true, false, true);  // dataset_domains(), domains' names
    // With them (a source that can), lean: the newest runs of the answer's jobs and of its
    // datasets' writers (run_states() reads only their createdAt and state; writers met only
    // through aliases are read there as before), and the owners' edges as [owner, type] lists
    // (owners() reads only their type; the owners whole, as graph.read.node_facts reads them).
    FactsRead lean;
    if (batched && (facts & kRunStateFact)) {
      lean.jobs = jobs;
      lean.written = datasets;
    }
    if (batched && (facts & kOwnersFact)) lean.owning = owning;
    else if (facts & kOwnersFact) read(owning, kOwnedBy, true, true, false, true);
    v_.edges_soon(reads, lean);
  }

  int32_t text_index(std::string_view text) {
    auto [at, added] = text_at_.try_emplace(std::string(text), int32_t(answer.texts.size()));
    if (added) answer.texts.emplace_back(text);
    return at->second;
  }

  // text_index() of a value's string (-1: none, or not a string); a pooled one looked up by its id.
  int32_t value_text_index(const uint8_t* value) {
    if (value == nullptr) return -1;
    if (*value == kStr) {
      const uint8_t* p = value + 1;
      StrId id = StrId(get_varint(p));
      bool added;
      int32_t& at = pooled_at_.at(id, &added);
      if (added) at = text_index(g_.pool.view(id));
      return at;
    }
    char buf[32];
    std::string_view text;
    return value_string(value, g_.pool, buf, text) ? text_index(text) : -1;
  }

  void domains() {
    // Each node's domain id, then the domains' names.
    std::vector<StrId> datasets;
    std::vector<NodeIdx> jobs;
    std::vector<StrId> column_dataset(nodes_.size(), kNone);
    for (size_t i = 0; i < nodes_.size(); i++) {
      NodeIdx n = nodes_[i];
      if (n == kNone) continue;
      uint8_t kind = g_.node_kind[n];
      if (kind == kDataset) datasets.push_back(v_.id_of(n));
      else if (kind == kJob) jobs.push_back(n);
      else if (kind == kColumn && (column_dataset[i] = string_id_prop(g_, n, g_.keys.dataset_id)) != kNone)
        datasets.push_back(column_dataset[i]);
    }
    // A job's: those of the (canonical) datasets it writes, the least by id.
    std::vector<EdgeRef> writes;
    if (!jobs.empty()) v_.edges(jobs, kind_bit(kWrites), true, writes, false, false, false);
    std::vector<StrId> canonical;
    canonical_ends(writes, canonical);
    datasets.insert(datasets.end(), canonical.begin(), canonical.end());
    std::sort(datasets.begin(), datasets.end());
    datasets.erase(std::unique(datasets.begin(), datasets.end()), datasets.end());
    FlatMap<StrId, StrId> of_dataset;
    if (!datasets.empty()) of_dataset = dataset_domains(v_, datasets);
    FlatMap<NodeIdx, StrId> of_job;
    for (size_t k = 0; k < writes.size(); k++) {
      const StrId* domain = of_dataset.find(canonical[k]);
      if (domain == nullptr) continue;
      bool added;
      StrId& held = of_job.at(writes[k].source, &added);
      if (added || v_.text(*domain) < v_.text(held)) held = *domain;
    }
    std::vector<StrId> domain_of(nodes_.size(), kNone);
    std::vector<std::string> product_domain(nodes_.size());  // "domain:NAME" of a product
    std::string text;
    for (size_t i = 0; i < nodes_.size(); i++) {
      NodeIdx n = nodes_[i];
      if (n == kNone) continue;
      uint8_t kind = g_.node_kind[n];
      const StrId* found = nullptr;
      if (kind == kDataset) found = of_dataset.find(v_.id_of(n));
      else if (kind == kColumn && column_dataset[i] != kNone) found = of_dataset.find(column_dataset[i]);
      else if (kind == kJob) found = of_job.find(n);
      else if (kind == kDomain) domain_of[i] = v_.id_of(n);
      else if (kind == kDataProduct) {
        v_.wholes({n});
        if (string_prop(g_, n, g_.keys.domain, text) && !text.empty()) product_domain[i] = "domain:" + text;
      }
      if (found != nullptr) domain_of[i] = *found;
    }
    // The domains' nodes (those the view shows) and their names.
    std::vector<StrId> ids;
    for (StrId d : domain_of)
      if (d != kNone) ids.push_back(d);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    std::vector<NodeIdx> domain_nodes;
    v_.find_all(ids, domain_nodes);
    v_.wholes(domain_nodes);
    FlatMap<StrId, int32_t> name_of;
    for (size_t k = 0; k < ids.size(); k++) {
      if (domain_nodes[k] == kNone) continue;
      name_of[ids[k]] = string_prop(g_, domain_nodes[k], g_.keys.name, text) ? text_index(text) : text_index(v_.text(ids[k]));
    }
    answer.domain.assign(nodes_.size(), -1);
    for (size_t i = 0; i < nodes_.size(); i++) {
      if (!product_domain[i].empty()) {
        NodeIdx d = v_.find(product_domain[i]);
        if (d != kNone)
          answer.domain[i] = string_prop(g_, d, g_.keys.name, text) ? text_index(text) : text_index(product_domain[i]);
      } else if (domain_of[i] != kNone) {
        const int32_t* name = name_of.find(domain_of[i]);
        if (name != nullptr) answer.domain[i] = *name;
      }
    }
  }

  void owners() {
    // A column's owners are its dataset's.
    std::vector<NodeIdx> owning(nodes_.size(), kNone);
    std::vector<StrId> column_datasets;
    std::vector<size_t> columns_at;
    for (size_t i = 0; i < nodes_.size(); i++) {
      NodeIdx n = nodes_[i];
      if (n == kNone) continue;
      if (g_.node_kind[n] != kColumn) {
        owning[i] = n;
      } else if (StrId d = string_id_prop(g_, n, g_.keys.dataset_id); d != kNone) {
        column_datasets.push_back(d);
        columns_at.push_back(i);
      }
    }
    if (!column_datasets.empty()) {
      std::vector<NodeIdx> found;
      v_.find_all(column_datasets, found);
      for (size_t k = 0; k < columns_at.size(); k++) owning[columns_at[k]] = found[k];
    }
    std::vector<NodeIdx> asked;
    for (NodeIdx n : owning)
      if (n != kNone) asked.push_back(n);
    std::sort(asked.begin(), asked.end());
    asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
    std::vector<EdgeRef> edges;
    if (!asked.empty()) v_.edges(asked, kind_bit(kOwnedBy), true, edges, true);
    // Each asked node's owners (edges() gives them node by node), sorted by the owners' ids.
    FlatMap<NodeIdx, uint32_t> list_of;  // node -> its index in lists
    std::vector<std::vector<std::pair<StrId, int32_t>>> lists;
    NodeIdx last = kNone;
    std::vector<std::pair<StrId, int32_t>>* list = nullptr;
    for (const EdgeRef& e : edges) {  // the owners the view shows: graph.read.node_facts reads them
      if (e.source != last || list == nullptr) {
        bool added;
        uint32_t& at = list_of.at(e.source, &added);
        if (added) {
          at = uint32_t(lists.size());
          lists.emplace_back();
        }
        list = &lists[at];
        last = e.source;
      }
      list->emplace_back(v_.id_of(e.target), value_text_index(g_.edge_value(e.edge, g_.keys.type)));
    }
    auto by_id = [&](const auto& a, const auto& b) { return v_.text(a.first) < v_.text(b.first); };
    std::map<std::vector<std::pair<StrId, int32_t>>, int32_t> distinct;  // a list -> its index in owner_lists
    std::vector<int32_t> distinct_at(lists.size());
    for (size_t k = 0; k < lists.size(); k++) {
      auto& owned = lists[k];
      if (owned.size() > 1) std::sort(owned.begin(), owned.end(), by_id);
      auto [at, added] = distinct.try_emplace(owned, int32_t(answer.owner_lists.size()));
      if (added) answer.owner_lists.push_back(std::move(owned));
      distinct_at[k] = at->second;
    }
    answer.owners.assign(nodes_.size(), -1);
    for (size_t i = 0; i < nodes_.size(); i++) {
      const uint32_t* at = owning[i] == kNone ? nullptr : list_of.find(owning[i]);
      if (at != nullptr) answer.owners[i] = distinct_at[*at];
    }
  }

  void run_states() {
    // Each job's newest run; a dataset's writers are its direct upstream neighbours.
    bool any_dataset = false;
    std::vector<NodeIdx> jobs = answer_jobs(), writing;
    for (NodeIdx n : nodes_)
      if (n != kNone && g_.node_kind[n] == kDataset) any_dataset = true;
    if (any_dataset) {
      const auto& pairs = neighbours(false);  // a dataset's writers: its range_of() there
      for (size_t k = 0; k < pairs.size(); k++) {
        NodeIdx job = v_.node_of(pairs[k].second);
        if (job != kNone && g_.node_kind[job] == kJob && !std::binary_search(jobs.begin(), jobs.end(), job))
          writing.push_back(job);
      }
    }
    std::sort(writing.begin(), writing.end());
    writing.erase(std::unique(writing.begin(), writing.end()), writing.end());
    // The answer's own jobs' newest runs, then those of its datasets' other writers (a remote
    // store read them with the facts' batch, lean, or started the first read beside it: start()).
    std::vector<NodeIdx> runs, more;
    v_.newest(jobs, kOf, false, "createdAt", runs, /*lean=*/true);
    if (!writing.empty()) v_.newest(writing, kOf, false, "createdAt", more, /*lean=*/true);
    jobs.insert(jobs.end(), writing.begin(), writing.end());
    runs.insert(runs.end(), more.begin(), more.end());
    // Each job's newest run, its createdAt read in place (compared without a copy: runs are many).
    struct Latest {
      const uint8_t* created_at;
      NodeIdx run;
      int32_t state = -2;  // its text_index(), -2: not read yet
    };
    FlatMap<StrId, uint32_t> latest_at;  // job id -> index in latest
    std::vector<Latest> latest;
    for (size_t k = 0; k < jobs.size(); k++) {
      if (runs[k] == kNone) continue;
      latest_at[v_.id_of(jobs[k])] = uint32_t(latest.size());
      latest.push_back(Latest{g_.node_value(runs[k], g_.keys.created_at), runs[k]});
    }
    auto newer = [&](const Latest& a, const Latest& b) {  // a after b: by createdAt, then run id
      int c = compare_value_texts(a.created_at, b.created_at, g_.pool);
      return c > 0 || (c == 0 && v_.text(v_.id_of(a.run)) > v_.text(v_.id_of(b.run)));
    };
    const auto& walked = walked_ids();
    answer.run_state.assign(nodes_.size(), -1);
    for (size_t i = 0; i < nodes_.size(); i++) {
      NodeIdx n = nodes_[i];
      if (n == kNone) continue;
      Latest* best = nullptr;
      if (g_.node_kind[n] == kJob) {
        const uint32_t* at = latest_at.find(v_.id_of(n));
        if (at != nullptr) best = &latest[*at];
      } else if (g_.node_kind[n] == kDataset) {
        auto [first, last] = range_of(up_, walked[i]);
        for (size_t k = first; k < last; k++) {
          const uint32_t* at = latest_at.find(up_[k].second);
          if (at != nullptr && (best == nullptr || newer(latest[*at], *best))) best = &latest[*at];
        }
      }
      if (best == nullptr) continue;
      if (best->state == -2) {
        const uint8_t* state = g_.node_value(best->run, g_.keys.state);
        best->state = state != nullptr && *state != kAbsent ? value_text_index(state) : -1;
      }
      answer.run_state[i] = best->state;
    }
  }

 private:
  View& v_;
  const Graph& g_;
  const std::vector<NodeIdx>& nodes_;
  Budget budget_;
  Aliases aliases_;
  const bool local_;  // the embedded store: a node's adjacency is all there is (unaliased())
  enum : uint8_t { kAlone = 1, kAliased };
  FlatMap<NodeIdx, uint8_t> unaliased_;  // on the embedded store: unaliased() as found
  std::vector<StrId> walked_;
  std::vector<std::pair<StrId, StrId>> up_, down_;
  bool up_done_ = false, down_done_ = false;
  Ends ends_;
  bool ends_done_ = false;
  enum : uint8_t { kAsked, kShown, kHidden };
  FlatMap<StrId, uint8_t> shown_;  // the neighbours met -> whether the view shows them
  std::unordered_map<std::string, int32_t> text_at_;
  FlatMap<StrId, int32_t> pooled_at_;  // a pooled string's id -> text_index() of it
};

}  // namespace

uint32_t node_fact_named(std::string_view name) {
  static const std::pair<std::string_view, uint32_t> kFacts[] = {{"upstream", kUpstreamCount}, {"downstream", kDownstreamCount},
                                                                 {"domain", kDomainFact},     {"owners", kOwnersFact},
                                                                 {"run_state", kRunStateFact}};
  for (const auto& [text, fact] : kFacts)
    if (name == text) return fact;
  return 0;
}

uint32_t node_facts_named(const std::vector<std::string_view>& names) {
  uint32_t facts = 0;
  for (std::string_view name : names) {
    uint32_t bit = node_fact_named(name);
    if (bit == 0) raise(Error::kValue, "facts are upstream, downstream, domain, owners, run_state");
    facts |= bit;
  }
  return facts;
}

NodeFactsAnswer node_facts(View& view, const std::vector<NodeIdx>& nodes, uint32_t facts, Budget budget) {
  Facts found(view, nodes, budget);
  found.start(facts);
  if (facts & kUpstreamCount) found.counts(false, found.answer.upstream);
  if (facts & kDownstreamCount) found.counts(true, found.answer.downstream);
  if (facts & kDomainFact) found.domains();
  if (facts & kOwnersFact) found.owners();
  if (facts & kRunStateFact) found.run_states();
  return std::move(found.answer);
}

}  // namespace lm
