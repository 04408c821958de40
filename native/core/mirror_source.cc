#include "mirror_source.h"

#include <algorithm>

#include "json_values.h"
#include "stamps.h"

namespace lm {

Record* summary_record(Graph& g, std::string_view summary, const SummaryForm& form, SummaryValues& extras) {
  RecordMaker record(g.pool, g.records);  // each entry stamped ""
  JsonDocument document(summary);
  yyjson_val* object = document.root();
  if (!yyjson_is_obj(object)) raise(Error::kValue, "a node's summary is a JSON object");
  size_t i, count;
  yyjson_val *key, *item;
  yyjson_obj_foreach(object, i, count, key, item) {
    std::string_view name = json_text(key);
    if (yyjson_is_null(item) || (!form.all && std::find(form.kept.begin(), form.kept.end(), name) == form.kept.end()))
      continue;
    record.add(name, "", [&](StringSink& sink, Bytes& out) { encode_json(item, sink, out); });
  }
  for (size_t e = 0; e < form.extras.size(); e++)
    record.add_if(form.extras[e], "", [&](StringSink& sink, Bytes& out) { return extras.value(e, sink, out); });
  return record.freeze(false);
}

MirrorSource::MirrorSource(Graph& mirror, MirrorStore& store, bool summaries, bool names, bool read_ahead,
                           bool batches)
    : Source(mirror),
      store_(store),
      summaries_(summaries),
      names_(summaries && names),
      read_ahead_(read_ahead),
      batches_(batches) {}

NodeIdx MirrorSource::named(std::string_view id) {
  NodeIdx n = g.find_node(id);
  if (n != kNone) return n;
  StrId sid = g.pool.intern(id);
  n = named(sid);
  g.pool.decref(sid);
  return n;
}

NodeIdx MirrorSource::named(StrId id) {
  NodeIdx n = g.find_node(id);
  if (n != kNone) return n;
  uint8_t kind = placeholder_kind(g.pool.view(id));
  n = g.add_node(id, kind == kNodeKinds ? uint8_t(kDataset) : kind, g.records.freeze(Draft(), false));
  known(n);
  return n;
}

void MirrorSource::fill(NodeIdx n, uint8_t kind, Record* record, HeldAs held) {
  g.node_kind[n] = kind;
  g.set_record(n, record);
  known(n).held = held;
}

EdgeIdx MirrorSource::edge(NodeIdx source, uint8_t kind, NodeIdx target, Record* record) {
  EdgeIdx e = g.find_edge(source, kind, target);
  if (e == kNone) return g.add_edge(source, kind, target, record ? record : g.records.freeze(Draft(), true));
  if (record) {
    Record* old = g.edge_record[e];
    g.edge_record[e] = record;
    g.records.release(old);
  }
  return e;
}

void MirrorSource::read_nodes(const std::vector<NodeIdx>& nodes, HeldAs wanted, bool lean) {
  std::vector<NodeIdx> need;
  for (NodeIdx n : nodes)
    if (n != kNone && held(n) < wanted && !absent_.count(g.node_id[n])) need.push_back(n);
  if (need.empty()) return;
  store_.nodes(*this, need, lean && summaries_);
  for (NodeIdx n : need)
    if (held(n) == kNamed) absent_.insert(g.node_id[n]);
}

NodeIdx MirrorSource::find(std::string_view id) {
  StrId sid = g.pool.find(id);
  NodeIdx n = sid == kNone ? kNone : g.find_node(sid);
  if (n != kNone && held(n) != kNamed) return n;
  if (sid != kNone && absent_.count(sid)) return kNone;
  n = named(id);
  read_nodes({n}, kWhole);
  return held(n) == kNamed ? kNone : n;
}

void MirrorSource::find_all(const std::vector<StrId>& ids, std::vector<NodeIdx>& out, bool lean) {
  std::vector<NodeIdx> nodes;
  nodes.reserve(ids.size());
  for (StrId id : ids) nodes.push_back(absent_.count(id) ? kNone : named(id));
  read_nodes(nodes, kSummary, lean);
  out.clear();
  for (NodeIdx n : nodes) out.push_back(n != kNone && held(n) != kNamed ? n : kNone);
}

bool MirrorSource::holds_whole(std::string_view id) const {
  StrId sid = g.pool.find(id);
  if (sid == kNone) return false;
  if (absent_.count(sid)) return true;
  NodeIdx n = g.find_node(sid);
  return n != kNone && held(n) >= kWhole;
}

void MirrorSource::found(const std::vector<NodeIdx>& nodes) {
  std::vector<NodeIdx> need;  // (a node known to exist, kFound or more, is known enough)
  for (NodeIdx n : nodes)
    if (n != kNone && held(n) == kNamed) need.push_back(n);
  read_nodes(need, kNames, true);
}

std::vector<NodeIdx> MirrorSource::newest_asked(const std::vector<NodeIdx>& nodes) const {
  std::vector<NodeIdx> asked;
  for (NodeIdx n : nodes)
    if (n != kNone && held(n) != kNamed) asked.push_back(n);
  std::sort(asked.begin(), asked.end());
  asked.erase(std::unique(asked.begin(), asked.end()), asked.end());
  return asked;
}

void MirrorSource::newest_soon(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key) {
  if (!soon_.asked.empty()) return;
  NewestAsk ask{newest_asked(nodes), kind, out, std::string(key)};
  if (ask.asked.empty()) return;
  store_.newest_ahead(*this, ask);
  soon_ = std::move(ask);
}

bool MirrorSource::newest(const std::vector<NodeIdx>& nodes, uint8_t kind, bool out, std::string_view key,
                          std::vector<NodeIdx>& found, bool lean) {
  NewestAsk ask{newest_asked(nodes), kind, out, std::string(key)};
  // A lean caller of the read a batch made (FactsRead: runs by createdAt) takes the runs it holds.
  const bool held_runs = lean && kind == kOf && !out && key == "createdAt" && !runs_.empty();
  if (held_runs)
    ask.asked.erase(
        std::remove_if(ask.asked.begin(), ask.asked.end(), [&](NodeIdx n) { return runs_.count(n) > 0; }),
        ask.asked.end());
  std::unordered_map<NodeIdx, NodeIdx> ends;
  // A read started ahead is collected here, or dropped if not this one.
  const bool started = !soon_.asked.empty(), collect = started && soon_ == ask;
  soon_ = NewestAsk();
  if (started || !ask.asked.empty()) store_.newest(*this, ask, collect, ends);
  for (size_t i = 0; i < nodes.size(); i++) {
    auto run = held_runs && nodes[i] != kNone && held(nodes[i]) != kNamed ? runs_.find(nodes[i]) : runs_.end();
    if (run != runs_.end()) {
      found[i] = run->second;
      continue;
    }
    auto at = ends.find(nodes[i]);
    found[i] = at == ends.end() ? kNone : at->second;
  }
  return true;
}

void MirrorSource::around(const std::vector<NodeIdx>& nodes, uint32_t kinds, uint32_t records) {
  records &= kinds;
  std::vector<NodeIdx> need;
  for (NodeIdx n : nodes) {
    if (n == kNone) continue;
    const Known& k = known(n);
    if ((k.keys[0] & k.keys[1] & kinds) != kinds || (k.props[0] & k.props[1] & records) != records)
      need.push_back(n);
  }
  std::sort(need.begin(), need.end());
  need.erase(std::unique(need.begin(), need.end()), need.end());
  if (need.empty() || !read_ahead_) return;
  store_.around(*this, need, kinds, records);
  for (NodeIdx n : need)
    for (int way = 0; way < 2; way++) {
      known(n).keys[way] |= kinds;
      known(n).props[way] |= records;
    }
}

EdgesRead MirrorSource::edges_read(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props,
                                   bool ahead, uint32_t ahead_in, bool names_only, bool whole) {
  EdgesRead read;
  for (NodeIdx n : nodes) {
    if (n == kNone) continue;
    Known& k = known(n);
    if ((k.keys[out] & kinds) != kinds || (props && (k.props[out] & kinds) != kinds)) read.need.push_back(n);
  }
  read.kinds = kinds;
  read.out = out;
  read.props = props;
  read.ahead = ahead && read_ahead_;
  read.ahead_in = read.ahead ? ahead_in : 0;
  read.whole = whole || !summaries_;
  read.names_only = !read.whole && names_only && names_;
  return read;
}

void MirrorSource::edges(const std::vector<NodeIdx>& nodes, uint32_t kinds, bool out, bool props, bool ahead,
                         uint32_t ahead_in, bool names_only) {
  EdgesRead read = edges_read(nodes, kinds, out, props, ahead, ahead_in, names_only, false);
  if (!read.need.empty()) store_.neighbourhood(*this, read);
}

void MirrorSource::far_held(const EdgesRead& read, const std::vector<NodeIdx>& far) {
  if (read.ahead)
    for (NodeIdx n : far) known(n).keys[1] |= kind_bit(kAliasOf);
  if (read.ahead_in)
    for (NodeIdx n : far) known(n).keys[0] |= read.ahead_in;
  for (NodeIdx n : read.need) {
    known(n).keys[read.out] |= read.kinds;
    if (read.props) known(n).props[read.out] |= read.kinds;
  }
}

void MirrorSource::edges_batch(const std::vector<EdgeRead>& reads, const FactsRead& facts) {
  if (!batches_) return;
  std::vector<EdgesRead> plain, found;
  for (const EdgeRead& r : reads) {
    EdgesRead read = edges_read(r.nodes, r.kinds, r.out, r.props, r.aliases, r.aliases ? kind_bit(kAliasOf) : 0,
                                r.names_only, r.whole);
    if (read.need.empty()) continue;
    // (found by places: its far ends' aliases both ways, or none ahead)
    read.found_only = r.found_only && r.names_only && !read.whole && !read.props &&
                      (read.ahead_in == 0 || read.ahead_in == kind_bit(kAliasOf));
    (read.found_only ? found : plain).push_back(std::move(read));
  }
  // The owners' edges asked of the nodes that do not hold them yet.
  std::vector<NodeIdx> owning;
  for (NodeIdx n : facts.owning) {
    if (n == kNone) continue;
    const Known& k = known(n);
    if (!(k.keys[1] & k.props[1] & kind_bit(kOwnedBy))) owning.push_back(n);
  }
  if (!found.empty() || !facts.jobs.empty() || !facts.written.empty() || !owning.empty())
    read_facts(plain, found, facts, owning);
  else if (!plain.empty())
    store_.neighbourhoods(*this, plain);
}

void MirrorSource::read_facts(const std::vector<EdgesRead>& plain, std::vector<EdgesRead>& found,
                              const FactsRead& facts, const std::vector<NodeIdx>& owning) {
  FactsAsk ask;
  std::unordered_map<NodeIdx, uint32_t> place;
  auto places_of = [&](const std::vector<NodeIdx>& nodes) {  // (added to the table when new)
    std::vector<uint32_t> places;
    for (NodeIdx n : nodes) {
      if (n == kNone) continue;
      auto [at, added] = place.try_emplace(n, uint32_t(ask.table.size()));
      if (added) ask.table.push_back(n);
      places.push_back(at->second);
    }
    return places;
  };
  for (const EdgesRead& read : found) ask.found.push_back(places_of(read.need));
  ask.jobs = places_of(facts.jobs);
  ask.written = places_of(facts.written);
  ask.owning = places_of(owning);
  for (NodeIdx n : ask.table) {
    const Known& k = known(n);
    ask.handles.push_back(k.held != kNamed ? k.handle : 0);
    ask.aliased.push_back(k.keys[0] & k.keys[1] & kind_bit(kAliasOf));
  }
  store_.facts(*this, ask, plain, found);
  for (NodeIdx n : owning) {
    known(n).keys[1] |= kind_bit(kOwnedBy);
    known(n).props[1] |= kind_bit(kOwnedBy);
  }
}

void MirrorSource::found_end(NodeIdx n, uint8_t kind, Record* drop) {
  g.node_kind[n] = kind;
  if (drop) g.set_record(n, drop);  // (its drop judges the job edges entering it: Graph::dropped)
  known(n).held = kFound;
}

void MirrorSource::found_edge(const EdgesRead& read, NodeIdx start, NodeIdx end, uint8_t kind, bool unrestated,
                              std::vector<NodeIdx>& far) {
  EdgeIdx e = read.out ? edge(start, kind, end) : edge(end, kind, start);
  mark(e, unrestated);
  if (read.ahead && held(end) != kNamed) far.push_back(end);
}

void MirrorSource::owned(const std::vector<NodeIdx>& nodes, const std::vector<std::pair<NodeIdx, Record*>>& owners) {
  const uint8_t code = kOwnedBy;
  for (NodeIdx n : nodes)
    for (const auto& [owner, record] : owners) {
      EdgeIdx e = g.find_edge(n, code, owner);
      if (e == kNone) {
        g.records.incref(record);
        g.add_edge(n, code, owner, record);
      } else if (!((known(n).props[1] | known(owner).props[0]) & kind_bit(code))) {
        // (an edge held with its whole record, read from either end, keeps it)
        g.records.incref(record);
        Record* old = g.edge_record[e];
        g.edge_record[e] = record;
        g.records.release(old);
      }
    }
}

}  // namespace lm
