#include "aliases.h"

#include <algorithm>

#include "namespaces.h"

namespace lm {

namespace {

void unique(std::vector<StrId>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// Whether a dataset id names a storage location (its namespace's scheme: ``storage_namespace``).
bool storage_name(std::string_view id) {
  constexpr std::string_view kPrefix = "dataset:";
  if (id.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view rest = id.substr(kPrefix.size());
  return storage_namespace(rest.substr(0, rest.find(':')));
}

// Which of two names of one table is its canonical one: a catalog's, metastore's or database's
// before a storage location's (a table dropped under its Hadoop warehouse path and re-created
// under its metastore name is shown by the metastore's), then the least.
bool named_before(std::string_view a, std::string_view b) {
  bool storage_a = storage_name(a), storage_b = storage_name(b);
  return storage_a != storage_b ? storage_b : a < b;
}


}  // namespace

Aliases::~Aliases() {
  for (StrId id : held_) v.g.let_go(id);
}

StrId Aliases::held_id(const std::string& text) {
  StrId id = v.g.hold(text);
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
  if (!pending.empty()) {
    IdMap root;            // every name met -> a name of its table (union-find)
    FlatSet<StrId> read;   // names whose edges were read both ways
    FlatSet<StrId> named;  // names that are some name's alias (an ALIAS_OF leaves them)
    // Every name given is in ``root``: looked up with find(), which never grows the map (at() may,
    // and the loop choosing canonical names below iterates ``root`` while it calls this).
    auto find = [&](StrId x) {
      StrId r = x;
      for (StrId up = *root.find(r); up != r; up = *root.find(r)) r = up;
      while (x != r) {
        StrId* up = root.find(x);
        x = *up;
        *up = r;
      }
      return r;
    };
    std::vector<StrId> frontier(pending), next;
    for (StrId id : pending) root[id] = id;
    std::vector<NodeIdx> nodes;
    std::vector<EdgeRef> links;
    for (int hop = 0; hop < kMaxChain && !frontier.empty(); hop++) {
      nodes.clear();
      for (StrId id : frontier) {
        read.insert(id);
        NodeIdx n = v.node_of(id);
        if (n != kNone) nodes.push_back(n);
      }
      std::sort(nodes.begin(), nodes.end());
      nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
      links.clear();
      v.edges(nodes, kind_bit(kAliasOf), true, links);
      v.edges(nodes, kind_bit(kAliasOf), false, links);
      next.clear();
      for (const EdgeRef& e : links) {
        StrId source = v.id_of(e.source), target = v.id_of(e.target);
        named.insert(source);
        for (StrId end : {source, target}) {
          bool added;
          StrId& r = root.at(end, &added);
          if (added) {
            r = end;
            next.push_back(end);
          }
        }
        StrId a = find(source), b = find(target);
        if (a != b) *root.find(a) = b;
      }
      frontier.swap(next);
    }
    // A table's canonical name: its first name (``named_before``) that is no one's alias (read, so
    // known to be one); a table of names all aliases (a cycle of renames), its first name.
    IdMap best_end, best_any;
    for (auto& [name, parent] : root) {
      StrId table = find(name);
      bool end = read.contains(name) && !named.contains(name);
      for (IdMap* best : {&best_any, end ? &best_end : nullptr}) {
        if (best == nullptr) continue;
        StrId* held = best->find(table);
        if (held == nullptr || named_before(v.text(name), v.text(*held))) (*best)[table] = name;
      }
    }
    for (StrId id : pending) {
      StrId table = find(id);
      const StrId* end = best_end.find(table);
      canonical_[id] = end != nullptr ? *end : best_any[table];
    }
  }
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
  IdMap owner;     // every name met -> the canonical id whose table it is in
  IdMap frontier;  // names whose entering edges are still to read -> canonical id
  FlatSet<StrId> start, walked;  // the canonical ids themselves (no alias leaves an end); those walked here
  walked.insert(fresh.begin(), fresh.end());
  for (StrId id : fresh) {
    frontier[id] = id;
    owner[id] = id;
    start.insert(id);
  }
  if (kinds) {  // known aliases too: their tables are complete, their edges unread
    for (auto& [member, cid] : result) frontier[member] = cid;
    for (StrId id : lone) frontier[id] = id;
  }
  for (auto& [member, cid] : result) owner[member] = cid;
  for (StrId id : lone) owner[id] = id;
  std::vector<NodeIdx> nodes, leaving;
  std::vector<EdgeRef> edges;
  for (int hop = 0; hop < kMaxChain && !frontier.empty(); hop++) {
    nodes.clear();
    leaving.clear();
    for (auto& [id, cid] : frontier) {
      NodeIdx n = v.node_of(id);
      if (n == kNone) continue;
      nodes.push_back(n);
      if (!start.contains(id) && walked.contains(cid)) leaving.push_back(n);  // an alias: it may name a sibling too
    }
    edges.clear();
    v.edges(nodes, kind_bit(kAliasOf) | kinds, false, edges);
    if (!leaving.empty()) v.edges(leaving, kind_bit(kAliasOf), true, edges);
    IdMap next;
    for (const EdgeRef& e : edges) {
      if (e.kind != kAliasOf) {
        found.push_back(e);
        continue;
      }
      StrId source = v.id_of(e.source), target = v.id_of(e.target);
      bool source_known = owner.contains(source);
      if (source_known == owner.contains(target)) continue;
      StrId met = source_known ? target : source;
      StrId cid = owner[source_known ? source : target];
      owner[met] = cid;
      next[met] = cid;
      auto& members = members_[cid];
      if (members.empty()) members.push_back(cid);
      members.push_back(met);
    }
    frontier.swap(next);
  }
  if (!frontier.empty() && kinds) {  // the walk was cut: its last members' edges are still unread
    nodes.clear();
    for (auto& [id, cid] : frontier) {
      NodeIdx n = v.node_of(id);
      if (n != kNone) nodes.push_back(n);
    }
    v.edges(nodes, kinds, false, found);
  }
  for (StrId cid : fresh) {
    if (!members_.contains(cid)) {
      alone_.insert(cid);
      result[cid] = cid;
      canonical_.emplace(cid, cid);  // no alias edge either way: its own table
      continue;
    }
    for (StrId member : members_[cid]) result[member] = cid;
  }
  for (StrId id : lone) result[id] = id;
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
