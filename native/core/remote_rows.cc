#include "remote_rows.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "json_values.h"

namespace lm {

// A node's or an edge's property map as Neo4j holds it, decoded as graph.stores.neo4j.codec
// encodes it (``_encode``, ``_decode``): the store's own keys taken out, the values kept as JSON
// text (``_json``) and the user's properties under reserved keys (``_extra``) parsed, the stamps
// (``_stamps``, JSON) read back from format 6 (``_stamps_kept``: a stamp equal to the time-valued
// property's value kept as an int), and the stamps the element's column clocks move resolved
// (graph.stores.column_clocks.resolve).
class Stored {
 public:
  Stored(RowsReader& reader, Cell map) : r_(reader) {
    Cells items = r_.entries(map, "an element's properties: a dict");
    for (size_t i = 0; i + 1 < items.size; i += 2) {
      std::string_view key = text_of(items[i], "property keys must be str");
      Cell value = items[i + 1];
      if (std::find(std::begin(kDropped), std::end(kDropped), key) != std::end(kDropped))
        unrestated = unrestated || key == "_unrestated";
      else if (Cell* own = own_key(key))
        *own = value;
      else
        props_.push_back({key, value});
    }
  }
  bool unrestated = false;  // marked unrestated (a job edge its job's newest completed run did not restate)
  bool ours() const { return stamps_ != nullptr; }  // (written by us)

  Record* record(bool share) {
    read_stamps();
    if (json_ && !r_.none(json_))
      for (Cell key : r_.list(json_, "_json: a list of keys")) {
        Prop* prop = find(text_of(key, "_json: a list of keys"));
        if (prop == nullptr) raise(Error::kValue, "_json names a property the element lacks");
        prop->json = parsed(prop->cell);
      }
    if (yyjson_val* extra = extra_ && !r_.none(extra_) ? parsed(extra_) : nullptr) {
      size_t i, count;
      yyjson_val *key, *item;
      yyjson_obj_foreach(extra, i, count, key, item) {
        Prop* prop = find(json_text(key));
        if (prop == nullptr) prop = &props_.emplace_back(Prop{json_text(key), nullptr});
        prop->json = item;
      }
    }
    resolve();
    RecordMaker record(r_.m.g.pool, r_.m.g.records);
    for (const auto& [key, stamp] : stamps)  // (the stamped entries first, as a record of a dict is made)
      if (Prop* prop = find(key); prop == nullptr || prop->none(r_))
        record.absent(key, stamp);
      else
        record.add(key, stamp, [&](StringSink& sink, Bytes& out) { prop->write(r_, sink, out); });
    for (Prop& prop : props_)
      if (!stamped(prop.key) && !prop.none(r_))
        record.add(prop.key, "", [&](StringSink& sink, Bytes& out) { prop.write(r_, sink, out); });
    return record.freeze(share);
  }
  std::vector<std::pair<std::string, std::string>> stamps;  // key, stamp, in order

 private:
  // A property: its cell, or its value parsed from JSON, or its value the stamp of a clock (``at``).
  struct Prop {
    std::string_view key;
    Cell cell;
    yyjson_val* json = nullptr;
    const std::string* at = nullptr;
    bool none(RowsReader& r) const { return at == nullptr && (json ? yyjson_is_null(json) : r.none(cell)); }
    void write(RowsReader& r, StringSink& sink, Bytes& out) const {
      if (at)
        sink.value(*at, out);
      else if (json)
        encode_json(json, sink, out);
      else
        r.value(cell, sink, out);
    }
  };
  // The store's keys an element holds besides its properties, dropped (graph.stores.neo4j.codec;
  // "_fields": native/marquez/marquez.h kKeptFieldsKey).
  static constexpr std::string_view kDropped[] = {"id",     "_summary",    "_nameLower", "_nameSort",
                                                  "_fields", "_unrestated", "_clocks"};
  Cell* own_key(std::string_view key) {
    if (key == "_stamps") return &stamps_;
    if (key == "_json") return &json_;
    if (key == "_extra") return &extra_;
    if (key == "_clockOwner") return &owner_;
    if (key == "_refs") return &refs_;
    if (key == "_atRefs") return &at_refs_;
    return nullptr;
  }
  std::string_view text_of(Cell c, const char* what) {
    std::string_view out;
    if (!r_.text(c, out, spills_.emplace_back())) raise(Error::kType, what);
    return out;
  }
  yyjson_val* parsed(Cell c) { return docs_.emplace_back(text_of(c, "a value kept as JSON is a str")).root(); }
  Prop* find(std::string_view key) {
    for (Prop& prop : props_)
      if (prop.key == key) return &prop;
    return nullptr;
  }
  std::string* stamp(std::string_view key) {
    for (auto& [k, stamp] : stamps)
      if (k == key) return &stamp;
    return nullptr;
  }
  bool stamped(std::string_view key) { return stamp(key) != nullptr; }

  // _stamps_read: where the time-valued property (lastSeenAt) has no stamp of its own and its
  // value is a str, the stamps kept as an int are that value, and so is its own stamp.
  void read_stamps() {
    if (stamps_ == nullptr || r_.none(stamps_)) return;
    yyjson_val* kept = parsed(stamps_);
    if (!yyjson_is_obj(kept)) raise(Error::kType, "stamps map str keys to str stamps");
    std::string_view time_valued = r_.m.g.pool.view(r_.m.g.keys.last_seen_at), seen;
    Prop* timed = find(time_valued);
    bool same = yyjson_obj_getn(kept, time_valued.data(), time_valued.size()) == nullptr && timed != nullptr &&
                r_.text(timed->cell, seen, spills_.emplace_back());
    size_t i, count;
    yyjson_val *key, *item;
    yyjson_obj_foreach(kept, i, count, key, item) {
      if (yyjson_is_str(item))
        stamps.emplace_back(json_text(key), json_text(item));
      else if (same && yyjson_is_int(item))
        stamps.emplace_back(json_text(key), seen);
      else
        raise(Error::kType, "stamps map str keys to str stamps");
    }
    if (same) stamps.emplace_back(time_valued, seen);
  }

  // column_clocks.resolve: each property referring to clocks of its owner is stamped the latest of
  // its stamp and their ``at``, and a time-valued one among them (_atRefs) valued its stamp.
  void resolve() {
    std::string_view owner, text;
    if (refs_ == nullptr || r_.none(refs_) || !r_.text(refs_, text, spills_.emplace_back()) || text.empty()) return;
    if (owner_ == nullptr || !r_.text(owner_, owner, spills_.emplace_back())) return;
    const auto* clocks = r_.clocks_of(owner);
    if (clocks == nullptr || clocks->empty()) return;  // (the owner is gone: the stamps stored stand)
    size_t i, count, d, digests;
    yyjson_val *key, *refs, *digest;
    yyjson_obj_foreach(parsed(refs_), i, count, key, refs) {
      std::string* held = stamp(json_text(key));
      std::string best = held ? *held : std::string();
      yyjson_arr_foreach(refs, d, digests, digest) {
        auto clock = clocks->find(std::string(json_text(digest)));
        if (clock != clocks->end() && clock->second > best) best = clock->second;
      }
      if (held)
        *held = best;
      else
        stamps.emplace_back(json_text(key), best);
    }
    if (at_refs_ != nullptr && !r_.none(at_refs_))
      for (Cell key : r_.list(at_refs_, "_atRefs: a list of keys")) {
        std::string_view name = text_of(key, "_atRefs: a list of keys");
        if (std::string* at = stamp(name)) {
          Prop* prop = find(name);
          if (prop == nullptr) prop = &props_.emplace_back(Prop{name, nullptr});
          prop->at = at;
        }
      }
  }

  RowsReader& r_;
  std::vector<Prop> props_;
  Cell stamps_ = nullptr, json_ = nullptr, extra_ = nullptr, owner_ = nullptr, refs_ = nullptr, at_refs_ = nullptr;
  std::deque<std::string> spills_;
  std::deque<JsonDocument> docs_;
};

namespace {

// A far end's values of the extras (``values``: none, or one a property; those of ``json_keys`` as
// JSON text).
class Extras : public SummaryValues {
 public:
  Extras(RowsReader& reader, const SummaryForm& form, Cells values, std::vector<std::string> json_keys)
      : reader_(reader), form_(form), values_(values), json_keys_(std::move(json_keys)) {}
  bool value(size_t e, StringSink& sink, Bytes& out) override {
    if (values_.size == 0 || reader_.none(values_[e])) return false;
    std::string_view text;
    if (std::find(json_keys_.begin(), json_keys_.end(), form_.extras[e]) != json_keys_.end() &&
        reader_.text(values_[e], text, spill_)) {
      JsonDocument json(text);
      encode_json(json.root(), sink, out);
    } else {
      reader_.value(values_[e], sink, out);
    }
    return true;
  }

 private:
  RowsReader& reader_;
  const SummaryForm& form_;
  Cells values_;
  std::vector<std::string> json_keys_;
  std::string spill_;
};

}  // namespace

Cells RowsReader::row(Cell c, size_t least, const char* what) {
  Cells items = list(c, what);
  if (items.size < least) raise(Error::kValue, what);
  return items;
}

NodeIdx RowsReader::named(Cell id) {
  std::string_view view;
  std::string spill;
  if (!text(id, view, spill)) raise(Error::kType, "node ids are str");
  return m.named(view);
}

std::vector<std::string> RowsReader::texts(Cell names, const char* what) {
  std::vector<std::string> out;
  std::string_view view;
  std::string spill;
  if (!none(names))
    for (Cell name : list(names, what)) {
      if (!text(name, view, spill)) raise(Error::kType, what);
      out.emplace_back(view);
    }
  return out;
}

void RowsReader::clocks(Cell rows) {
  clock_texts_.clear();
  clocks_.clear();
  std::string_view owner;
  std::string spill;
  if (rows != nullptr && !none(rows))
    for (Cell clock : list(rows, "clocks: [owner, clocks] rows")) {
      Cells item = row(clock, 2, "clocks: [owner, clocks] rows");
      if (!text(item[0], owner, spill)) raise(Error::kType, "clocks: [owner, clocks] rows");
      clock_texts_[std::string(owner)] = item[1];  // (the last of an owner's, as a dict's update keeps)
    }
}

const std::unordered_map<std::string, std::string>* RowsReader::clocks_of(std::string_view owner) {
  auto text = clock_texts_.find(std::string(owner));
  if (text == clock_texts_.end()) return nullptr;
  auto [parsed, fresh] = clocks_.try_emplace(text->first);
  std::string_view json;
  std::string spill;
  if (fresh && !none(text->second)) {  // {digest: [since, at, valid]}
    if (!this->text(text->second, json, spill)) raise(Error::kType, "clocks: [owner, clocks] rows");
    JsonDocument document(json);
    size_t i, count;
    yyjson_val *digest, *clock;
    yyjson_obj_foreach(document.root(), i, count, digest, clock) {
      yyjson_val* at = yyjson_arr_get(clock, 1);
      if (!yyjson_is_str(at)) raise(Error::kValue, "a column clock is [since, at, valid]");
      parsed->second.emplace(json_text(digest), json_text(at));
    }
  }
  return &parsed->second;
}

uint8_t RowsReader::kind_of(Cell labels) {
  std::string_view name;
  std::string spill;
  for (Cell label : list(labels, "a node's labels")) {
    if (!text(label, name, spill)) continue;
    uint8_t kind = uint8_t(std::find(kNodeKindNames, kNodeKindNames + kNodeKinds, name) - kNodeKindNames);
    if (kind != kNodeKinds) return kind;
  }
  return kNodeKinds;
}

NodeIdx RowsReader::whole(Cell row, HeldAs wanted) {
  Cells item = this->row(row, 3, "nodes: [id, labels, properties] rows");
  uint8_t kind = kind_of(item[1]);
  Stored stored(*this, item[2]);
  if (kind == kNodeKinds || !stored.ours()) return kNone;  // (not a node of ours: not named)
  NodeIdx n = named(item[0]);
  if (m.wants(n, wanted)) m.fill(n, kind, stored.record(false), wanted);  // (else it stays as it was read)
  return n;
}

EdgeIdx RowsReader::recorded(Cell row, bool recorded) {
  Cells item = this->row(row, 4, "edges: [source, type, target, properties] rows");
  uint8_t code = edge_kind(item[1]);
  Stored stored(*this, item[3]);
  EdgeIdx e = m.edge(named(item[0]), code, named(item[2]), recorded ? stored.record(true) : nullptr);
  m.mark(e, stored.unrestated);
  return e;
}

Record* RowsReader::props(Cell props) {
  RecordMaker record(m.g.pool, m.g.records);  // (stamped "", as a record of props without stamps)
  Cells items = entries(props, "a run's props: a dict");
  std::string_view key;
  std::string spill;
  for (size_t i = 0; i + 1 < items.size; i += 2) {
    if (!text(items[i], key, spill)) raise(Error::kType, "property keys must be str");
    if (!none(items[i + 1]))
      record.add(key, "", [&](StringSink& sink, Bytes& out) { value(items[i + 1], sink, out); });
  }
  return record.freeze(false);
}

void RowsReader::keys(Cell rows, bool marks, const char* what) {
  for (Cell row : list(rows, what)) {
    Cells item = this->row(row, marks ? 4 : 3, marks ? what : "edges: [source, type, target] rows");
    EdgeIdx e = m.edge(named(item[0]), edge_kind(item[1]), named(item[2]));
    if (marks) m.mark(e, truth(item[3]));
  }
}

SummaryForm RowsReader::form(Cell extras, Cell kept) {
  SummaryForm form;
  form.extras = texts(extras, "the values' properties");
  form.all = none(kept);
  form.kept = texts(kept, "the summary's properties kept");
  return form;
}

void RowsReader::nodes(Cell read) {
  Cells parts = row(read, 4, "node rows: (rows, clocks, extras, kept)");
  clocks(parts[1]);
  const bool whole = none(parts[2]);
  SummaryForm summary = whole ? SummaryForm() : form(parts[2], parts[3]);
  for (Cell node : list(parts[0], "nodes"))
    if (whole)
      this->whole(node, kWhole);
    else
      summary_row(node, summary, kSummary);
}

void RowsReader::newest(Cell read, std::unordered_map<NodeIdx, NodeIdx>& ends) {
  Cells parts = row(read, 2, "node rows: (rows, clocks, extras, kept)");
  clocks(parts[1]);
  for (Cell end : list(parts[0], "newest")) {
    Cells item = row(end, 2, "newest: [asked id, node] rows");
    if (NodeIdx n = whole(item[1], kWhole); n != kNone) ends[named(item[0])] = n;
  }
}

void RowsReader::rows(const EdgesRead& read, Cell extras, Cell kept, Cell rows) {
  SummaryForm form = this->form(extras, kept);
  Cells parts = row(rows, 7, "neighbourhood rows: [edges, far ends, ahead, handles, entering, sources, handles]");
  clocks(parts.size > 7 ? parts[7] : nullptr);
  auto end = [&](Cell end) { return read.whole ? whole(end, kWhole) : summary_row(end, form, read.far()); };
  std::vector<NodeIdx> far;
  for (Cell at : list(parts[1], "far ends"))
    if (NodeIdx n = end(at); n != kNone) far.push_back(n);
  if (read.props)
    for (Cell edge : list(parts[0], "edges")) recorded(edge, true);
  else
    keys(parts[0], true, "edges: [source, type, target, mark] rows");
  if (read.ahead) keys(parts[2], false, "ahead keys: [source, type, target] rows");
  if (read.ahead_in) {
    for (Cell source : list(parts[5], "sources")) end(source);
    keys(parts[4], true, "entering keys: [source, type, target, unrestated] rows");
  }
  for (auto [nodes_at, handles_at] : {std::pair{1, 3}, std::pair{5, 6}}) {  // the far ends', then the sources'
    Cells nodes = list(parts[nodes_at], "far ends"), given = list(parts[handles_at], "handles");
    for (size_t i = 0; i < nodes.size && i < given.size; i++)
      m.set_handle(named(row(nodes[i], 1, "far ends")[0]), token(given[i]));
  }
  m.far_held(read, far);
}

NodeIdx RowsReader::summary_row(Cell end, const SummaryForm& form, HeldAs wanted) {
  Cells item = row(end, 5, "far ends: [id, labels, summary, values, json keys] rows");
  if (none(item[2])) return kNone;  // not a node of ours (left named only, as a Python read leaves it)
  uint8_t kind = kind_of(item[1]);
  if (kind == kNodeKinds) return kNone;
  NodeIdx n = named(item[0]);
  if (!m.wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
  std::string_view summary;
  std::string spill;
  if (!text(item[2], summary, spill)) raise(Error::kType, "a node's summary is JSON text");
  Cells values;
  std::vector<std::string> json_keys;
  if (!form.extras.empty() && !none(item[3])) {
    values = list(item[3], "a node's values");
    if (values.size != form.extras.size()) raise(Error::kValue, "a node's values, one a property read");
    json_keys = texts(item[4], "a node's JSON keys");
  }
  Extras extras(*this, form, values, std::move(json_keys));
  m.fill(n, kind, summary_record(m.g, summary, form, extras), wanted);
  return n;
}

Record* RowsReader::one(std::string_view key, Cell value, bool share) {
  RecordMaker record(m.g.pool, m.g.records);  // (stamped "", as a record of props without stamps)
  if (!none(value)) record.add(key, "", [&](StringSink& sink, Bytes& out) { this->value(value, sink, out); });
  return record.freeze(share);
}

NodeIdx RowsReader::at(const std::vector<NodeIdx>& table, Cell place_or_id) {
  std::string_view id;
  std::string spill;
  if (text(place_or_id, id, spill)) return m.named(id);
  size_t i = index(place_or_id);
  if (i >= table.size()) raise(Error::kValue, "a facts row names a place beyond the table");
  return table[i];
}

void RowsReader::found_ends(Cell ends) {
  for (Cell end : list(ends, "found ends")) {
    Cells item = row(end, 4, "found ends: [handle, id, kind, deleted] rows");
    if (none(item[2])) continue;  // (not a node of ours: left named only, as read() leaves it)
    NodeIdx n = named(item[1]);
    if (m.found_wanted(n)) {  // (a node read earlier in the query stays as it was read)
      uint8_t kind = node_kind(item[2]);
      // its drop, which judges the job edges entering it (Graph::dropped)
      m.found_end(n, kind, none(item[3]) ? nullptr : one(m.g.pool.view(m.g.keys.deleted), item[3], false));
    }
    if (m.handle(n) == 0 && !none(item[0])) m.set_handle(n, token(item[0]));
  }
}

void RowsReader::found(const EdgesRead& read, Cell rows, const std::vector<NodeIdx>& table) {
  Cells parts = row(rows, 4, "found rows: [edges, ends, aliases, sources]");
  found_ends(parts[1]);
  const bool typed = (read.kinds & (read.kinds - 1)) != 0;  // (several kinds: each row says its type)
  uint8_t only = 0;
  while (!typed && !(read.kinds & kind_bit(only))) only++;
  std::vector<NodeIdx> far;  // the far ends of ours, for the marks of their aliases
  for (Cell edge : list(parts[0], "found edges")) {
    Cells item = row(edge, typed ? 4 : 3, "found edges: [place, far end, unrestated] rows");
    uint8_t code = typed ? edge_kind(item[3]) : only;
    m.found_edge(read, at(table, item[0]), at(table, item[1]), code, (kJobIo & kind_bit(code)) && truth(item[2]), far);
  }
  if (read.ahead) {  // the ALIAS_OF edges at the far ends, both ways, their other ends found
    found_ends(parts[3]);
    for (Cell alias : list(parts[2], "found aliases")) {
      Cells item = row(alias, 2, "found aliases: [source, target] rows");
      m.edge(at(table, item[0]), kAliasOf, at(table, item[1]));
    }
  }
  m.far_held(read, far);
}

void RowsReader::runs(Cell rows, const std::vector<NodeIdx>& table) {
  for (Cell run : list(rows, "runs")) {
    Cells item = row(run, 4, "runs: [job, run id, kind, props] rows");
    NodeIdx r = none(item[2]) ? kNone : named(item[1]);  // (no run, or one not of ours: none)
    if (r != kNone && m.found_wanted(r)) {  // (a run read earlier in the query stays as it was read)
      uint8_t kind = node_kind(item[2]);
      m.fill(r, kind, props(item[3]), kNamed);
    }
    m.run(at(table, item[0]), r);
  }
}

void RowsReader::owned(Cell rows, const std::vector<NodeIdx>& table) {
  clocks(nullptr);  // (owners are read without the clocks they may refer to)
  std::vector<std::pair<NodeIdx, Record*>> ends;  // a list's owners and their edges' records
  std::vector<NodeIdx> nodes;
  std::string_view id;
  std::string spill;
  for (Cell group : list(rows, "owned")) {
    Cells pair = row(group, 2, "owned: (owners, places) pairs");
    ends.clear();
    nodes.clear();
    for (Cell owner : list(pair[0], "owners")) {
      Cells it = row(owner, 2, "owners: (owner, type) pairs");
      // (an owner not of ours: the node left named only, as an edge read by id leaves it)
      NodeIdx end = text(it[0], id, spill) ? m.named(id) : whole(it[0], kWhole);
      if (end == kNone) end = named(row(it[0], 1, "owners: [id, labels, properties] rows")[0]);
      ends.emplace_back(end, one("type", it[1], true));
    }
    for (Cell place : list(pair[1], "places")) nodes.push_back(at(table, place));
    m.owned(nodes, ends);
    for (const auto& end : ends) m.g.records.release(end.second);
  }
}

void RowsReader::around(Cell rows, Cell keyed, uint32_t records) {
  Cells parts = row(rows, 8, "around rows: [edges, far ends, ahead, handles, entering, sources, handles, clocks]");
  clocks(parts[7]);
  for (Cell end : list(parts[1], "far ends")) whole(end, kWhole);
  for (Cell edge : list(parts[0], "edges"))
    recorded(edge, (records & kind_bit(edge_kind(row(edge, 4, "edges")[1]))) != 0);
  keys(keyed, false, "keys: [source, type, target] rows");
}

}  // namespace lm
