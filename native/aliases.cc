#include "aliases.h"

#include <algorithm>

namespace lm {

namespace {

void unique(std::vector<StrId>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

bool contains(const std::vector<StrId>& v, StrId id) { return std::find(v.begin(), v.end(), id) != v.end(); }

}  // namespace

Aliases::~Aliases() {
  for (StrId id : held_) v.g.pool.decref(id);
}

StrId Aliases::held_id(const std::string& text) {
  StrId id = v.g.pool.intern(text);
  held_.push_back(id);
  return id;
}

bool Aliases::dataset_of(NodeIdx column, StrId& out) const {
  const uint8_t* value = v.g.node_value(column, v.g.keys.dataset_id);
  if (value == nullptr || *value != kStr) return false;
  const uint8_t* p = value + 1;
  out = StrId(get_varint(p));
  return !v.text(out).empty();
}

StrId Aliases::canonical(StrId id) {
  std::vector<StrId> out;
  canonical({id}, out);
  return out[0];
}

void Aliases::canonical(const std::vector<StrId>& ids, std::vector<StrId>& out) {
  std::vector<StrId> pending;
  for (StrId id : ids)
    if (!canonical_.contains(id)) pending.push_back(id);
  unique(pending);
  IdMap chase;  // origin -> where its chain has got to
  for (StrId id : pending) chase.emplace(id, id);
  std::vector<NodeIdx> nodes;
  std::vector<EdgeRef> links;
  for (int hop = 0; hop < kMaxChain && !chase.empty(); hop++) {
    nodes.clear();
    for (auto& [origin, current] : chase) nodes.push_back(v.node_of(current));
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
    links.clear();
    v.edges(nodes, kind_bit(kAliasOf), true, links);
    IdMap hops;  // a name with two targets (rare) follows the first by id, as every store does
    for (const EdgeRef& e : links) {
      StrId source = v.id_of(e.source), target = v.id_of(e.target);
      StrId* held = hops.find(source);
      if (held == nullptr || v.text(target) < v.text(*held)) hops[source] = target;
    }
    if (hops.empty()) {
      for (auto& [origin, current] : chase) canonical_[origin] = current;
      chase.clear();
      break;
    }
    IdMap next;
    for (auto& [origin, current] : chase) {
      const StrId* hop = hops.find(current);
      if (hop == nullptr) {
        canonical_[origin] = current;
      } else if (*hop != origin) {
        next.emplace(origin, *hop);
      }
    }
    chase.swap(next);
  }
  for (auto& [origin, current] : chase) canonical_[origin] = current;  // a cycle or an over-long chain: stop here
  for (StrId id : pending) canonical_.emplace(id, id);                 // a chain leading back to its origin
  out.clear();
  for (StrId id : ids) out.push_back(canonical_[id]);
}

void Aliases::keys_into(const std::vector<StrId>& canonical_ids, uint32_t kinds, IdMap& result, std::vector<EdgeRef>& found) {
  std::vector<StrId> ids(canonical_ids);
  unique(ids);
  std::vector<StrId> fresh, known, lone;
  for (StrId id : ids) {
    if (alone_.contains(id)) lone.push_back(id);
    else if (members_.contains(id)) known.push_back(id);
    else fresh.push_back(id);
  }
  result.clear();
  for (StrId cid : known)
    for (StrId member : members_[cid]) result[member] = cid;
  IdMap frontier;  // ids whose entering edges are still to read -> canonical id
  for (StrId id : fresh) frontier[id] = id;
  if (kinds) {  // known aliases too: their classes are complete, their edges unread
    for (auto& [member, cid] : result) frontier[member] = cid;
    for (StrId id : lone) frontier[id] = id;
  }
  std::vector<NodeIdx> nodes;
  std::vector<EdgeRef> edges;
  for (int hop = 0; hop < kMaxChain && !frontier.empty(); hop++) {
    nodes.clear();
    for (auto& [id, cid] : frontier) {
      NodeIdx n = v.node_of(id);
      if (n != kNone) nodes.push_back(n);
    }
    edges.clear();
    v.edges(nodes, kind_bit(kAliasOf) | kinds, false, edges);
    IdMap next;
    for (const EdgeRef& e : edges) {
      if (e.kind != kAliasOf) {
        found.push_back(e);
        continue;
      }
      StrId source = v.id_of(e.source);
      StrId owner = frontier[v.id_of(e.target)];
      auto& members = members_[owner];
      if (members.empty()) members.push_back(owner);
      if (!contains(members, source)) {
        members.push_back(source);
        next[source] = owner;
      }
    }
    frontier.swap(next);
  }
  if (!frontier.empty() && kinds) {  // the chain was cut: its last members' edges are still unread
    nodes.clear();
    for (auto& [id, cid] : frontier) {
      NodeIdx n = v.node_of(id);
      if (n != kNone) nodes.push_back(n);
    }
    v.edges(nodes, kinds, false, found);
  }
  FlatSet<StrId> known_set;
  known_set.insert(known.begin(), known.end());
  for (StrId id : ids) {
    if (known_set.contains(id)) continue;
    bool fresh_with_aliases = !alone_.contains(id) && members_.contains(id);
    if (fresh_with_aliases) continue;
    alone_.insert(id);
    result[id] = id;
    canonical_.emplace(id, id);
  }
  for (StrId cid : fresh) {
    if (alone_.contains(cid)) continue;
    for (StrId member : members_[cid]) {
      result[member] = cid;
      canonical_.emplace(member, cid);
    }
  }
}

void Aliases::column_members(const std::vector<NodeIdx>& columns, IdMap& out) {
  out.clear();
  std::vector<StrId> datasets;
  for (NodeIdx c : columns) {
    StrId d;
    if (dataset_of(c, d)) datasets.push_back(d);
  }
  IdMap by_dataset;
  std::vector<EdgeRef> none;
  keys_into(datasets, 0, by_dataset, none);
  std::vector<StrId> alias_ids;
  for (auto& [member, owner] : by_dataset)
    if (member != owner) alias_ids.push_back(member);
  std::sort(alias_ids.begin(), alias_ids.end());
  std::vector<NodeIdx> alias_nodes;
  v.find_all(alias_ids, alias_nodes);
  for (NodeIdx c : columns) out[v.id_of(c)] = v.id_of(c);
  if (alias_ids.empty()) return;
  std::string ns, name, column_name;
  std::vector<std::pair<StrId, NodeIdx>> aliases;
  for (size_t i = 0; i < alias_ids.size(); i++)
    if (alias_nodes[i] != kNone) aliases.emplace_back(alias_ids[i], alias_nodes[i]);
  std::vector<StrId> candidates;
  std::vector<StrId> owners;
  for (NodeIdx c : columns) {
    StrId d;
    if (!dataset_of(c, d)) continue;
    string_prop(v.g, c, v.g.keys.name, column_name);
    for (auto& [member, node] : aliases) {
      if (by_dataset[member] != d) continue;
      string_prop(v.g, node, v.g.keys.namespace_, ns);
      string_prop(v.g, node, v.g.keys.name, name);
      candidates.push_back(held_id(field_id(ns, name, column_name)));
      owners.push_back(v.id_of(c));
    }
  }
  std::vector<NodeIdx> found;
  v.find_all(candidates, found);  // a remote source learns which of them exist
  for (size_t i = 0; i < candidates.size(); i++) out[candidates[i]] = owners[i];
}

void Aliases::canonical_columns(const std::vector<NodeIdx>& columns, IdMap& out) {
  out.clear();
  std::vector<StrId> datasets;
  for (NodeIdx c : columns) {
    StrId d;
    if (dataset_of(c, d)) datasets.push_back(d);
  }
  unique(datasets);
  std::vector<StrId> canonical_ids;
  canonical(datasets, canonical_ids);
  IdMap moved;
  std::vector<StrId> targets;
  for (size_t i = 0; i < datasets.size(); i++)
    if (canonical_ids[i] != datasets[i]) {
      moved[datasets[i]] = canonical_ids[i];
      targets.push_back(canonical_ids[i]);
    }
  std::vector<NodeIdx> target_nodes;
  if (!targets.empty()) v.find_all(targets, target_nodes);
  FlatMap<StrId, NodeIdx> canonical_nodes;
  for (size_t i = 0; i < targets.size(); i++) canonical_nodes[targets[i]] = target_nodes[i];
  std::string ns, name, column_name;
  for (NodeIdx c : columns) {
    StrId id = v.id_of(c);
    StrId d;
    const StrId* to = dataset_of(c, d) ? moved.find(d) : nullptr;
    NodeIdx node = to == nullptr ? kNone : canonical_nodes[*to];
    if (node == kNone) {
      out[id] = id;
      continue;
    }
    string_prop(v.g, node, v.g.keys.namespace_, ns);
    string_prop(v.g, node, v.g.keys.name, name);
    string_prop(v.g, c, v.g.keys.name, column_name);
    out[id] = held_id(field_id(ns, name, column_name));
  }
}

}  // namespace lm
