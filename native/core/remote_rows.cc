#include "remote_rows.h"

#include <algorithm>
#include <utility>

#include "json_values.h"

namespace lm {

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

void RowsReader::keys(Cell rows, bool marks, const char* what, Cell unrestated) {
  const bool verdict = !marks && unrestated != nullptr && !none(unrestated);
  for (Cell row : list(rows, what)) {
    Cells item = this->row(row, marks ? 4 : 3, marks ? what : "edges: [source, type, target] rows");
    uint8_t code = edge_kind(item[1]);
    EdgeIdx e = m.edge(named(item[0]), code, named(item[2]));
    if (marks)
      m.mark(e, truth(item[3]));
    else if (verdict && (kJobIo & kind_bit(code)))
      m.mark(e, marked(unrestated, item[0], code, item[2]));
  }
}

void RowsReader::rows(const EdgesRead& read, Cell extras, Cell kept, Cell rows) {
  SummaryForm form;
  form.extras = texts(extras, "the values' properties");
  form.all = none(kept);
  form.kept = texts(kept, "the summary's properties kept");
  Cells parts = row(rows, 7, "neighbourhood rows: [edges, far ends, ahead, handles, entering, sources, handles]");
  std::vector<NodeIdx> far;
  for (Cell end : list(parts[1], "far ends"))
    if (NodeIdx n = summary_row(end, form, read.far()); n != kNone) far.push_back(n);
  keys(parts[0], true, "edges: [source, type, target, mark] rows");
  if (read.ahead) keys(parts[2], false, "ahead keys: [source, type, target] rows");
  if (read.ahead_in) {
    for (Cell source : list(parts[5], "sources")) summary_row(source, form, read.far());
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
  uint8_t kind = kNodeKinds;          // (the first of its labels naming one)
  std::string_view name;
  std::string spill;
  for (Cell label : list(item[1], "a node's labels")) {
    if (!text(label, name, spill)) continue;
    kind = uint8_t(std::find(kNodeKindNames, kNodeKindNames + kNodeKinds, name) - kNodeKindNames);
    if (kind != kNodeKinds) break;
  }
  if (kind == kNodeKinds) return kNone;
  NodeIdx n = named(item[0]);
  if (!m.wants(n, wanted)) return n;  // a node read earlier in the query stays as it was read
  std::string_view summary;
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
      // (an owner not of ours: its id, the node left named only, as an edge read by id leaves it)
      NodeIdx end = text(it[0], id, spill) ? m.named(id) : node(it[0], kWhole);
      ends.emplace_back(end, one("type", it[1], true));
    }
    for (Cell place : list(pair[1], "places")) nodes.push_back(at(table, place));
    m.owned(nodes, ends);
    for (const auto& end : ends) m.g.records.release(end.second);
  }
}

}  // namespace lm
