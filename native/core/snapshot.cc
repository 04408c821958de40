#include "snapshot.h"

#include <cmath>

#include "flat.h"

namespace lm {

namespace {

// Version 1 chunks (snapshot formats 2 and 3) write every record whole and name an edge's nodes by
// their ids; version 2 (format 4) writes an edge record held by an earlier edge of the same chunk
// as a reference to it, and names an edge's nodes by their index (nodes load in the order they are
// written, from index 0), so an edge chunk's string table no longer repeats the ids of its nodes.
const uint8_t kMagic[3] = {'L', 'M', 'S'};
// In a version 2 chunk, an edge whose record count of stamps reads kRepeat + k or more holds the
// record of the chunk's k-th edge written whole (a count of stamps never exceeds UINT16_MAX).
constexpr uint64_t kRepeat = uint64_t(UINT16_MAX) + 1;

// A chunk's string table while it is written: pool id -> index.
class ChunkStrings {
 public:
  explicit ChunkStrings(const StringPool& pool) : pool_(pool) {}
  uint32_t ref(StrId id) {
    bool added;
    uint32_t& i = index_.at(id, &added);
    if (added) {
      i = uint32_t(order_.size());
      order_.push_back(id);
    }
    return i;
  }
  void write(Bytes& out) const {
    put_varint(out, order_.size());
    for (StrId id : order_) {
      std::string_view s = pool_.view(id);
      put_varint(out, s.size());
      put_bytes(out, s.data(), s.size());
    }
  }

 private:
  const StringPool& pool_;
  std::vector<StrId> order_;
  FlatMap<StrId, uint32_t> index_;  // (no allocation a string: a chunk refers to ~100k)
};

// Copies a value, pool ids -> chunk indexes.
const uint8_t* dump_value(const uint8_t* p, ChunkStrings& strings, Bytes& out) {
  uint8_t tag = *p;
  const uint8_t* q = p + 1;
  switch (tag) {
    case kStr:
      put_u8(out, kStr);
      put_varint(out, strings.ref(StrId(get_varint(q))));
      return q;
    case kList: {
      uint64_t n = get_varint(q);
      put_u8(out, kList);
      put_varint(out, n);
      for (uint64_t i = 0; i < n; i++) q = dump_value(q, strings, out);
      return q;
    }
    case kDict: {
      uint64_t n = get_varint(q);
      put_u8(out, kDict);
      put_varint(out, n);
      for (uint64_t i = 0; i < n; i++) {
        put_varint(out, strings.ref(StrId(get_varint(q))));
        q = dump_value(q, strings, out);
      }
      return q;
    }
    default: {
      const uint8_t* end = skip_value(p);
      put_bytes(out, p, size_t(end - p));
      return end;
    }
  }
}

// ``entries``: scratch for the record's entries (one buffer for a chunk's records, not one each).
void dump_record(const Record* r, ChunkStrings& strings, Bytes& out, Bytes& entries) {
  put_varint(out, r->n_stamps);
  for (uint16_t k = 0; k < r->n_stamps; k++) {
    Stamp s;
    std::memcpy(&s, r->data + size_t(k) * 8, 8);
    put_u64(out, is_text_stamp(s) ? (uint64_t(strings.ref(StrId(s >> 4))) << 4) | kTextStamp : s);
  }
  entries.clear();
  const uint8_t* p = r->data + size_t(r->n_stamps) * 8;
  const uint8_t* end = r->data + r->size;
  while (p < end) {
    put_varint(entries, strings.ref(StrId(get_varint(p))));
    put_varint(entries, get_varint(p));
    p = dump_value(p, strings, entries);
  }
  put_varint(out, entries.size());
  put_bytes(out, entries.data(), entries.size());
}

// A chunk's strings while it loads: all interned up front, a few dozen ahead of the CPU's memory
// (StringPool::prefetch_*: a 100k-dataset graph's pool is far larger than the caches, and each
// string waited on three misses in turn), and the references records take counted here and added
// to the pool once per string at the end, not once per use (each one another miss).
class LoadStrings {
 public:
  LoadStrings(StringPool& pool) : pool_(pool) {}
  ~LoadStrings() {
    for (size_t i = 0; i < ids_.size(); i++) {
      if (ids_[i] == kNone) continue;
      if (uses_[i] != 0) pool_.incref(ids_[i], uses_[i]);
      pool_.decref(ids_[i]);  // the loader's own reference
    }
  }
  void read(Reader& r) {
    size_t n = r.count();  // each text has at least its length byte
    texts_.reserve(n);
    for (uint64_t i = 0; i < n; i++) {
      uint64_t len = r.varint();
      texts_.emplace_back(reinterpret_cast<const char*>(r.bytes(size_t(len))), size_t(len));
    }
    ids_.assign(texts_.size(), kNone);
    uses_.assign(texts_.size(), 0);
    std::vector<uint32_t> hashes(texts_.size());
    for (size_t i = 0; i < texts_.size(); i++) hashes[i] = uint32_t(hash_bytes(texts_[i].data(), texts_[i].size()));
    constexpr size_t kSlotAhead = 24, kEntryAhead = 16, kTextAhead = 8;
    for (size_t i = 0; i < texts_.size(); i++) {  // the writer lists only strings its records use
      if (i + kSlotAhead < n) pool_.prefetch_slot(hashes[i + kSlotAhead]);
      if (i + kEntryAhead < n) pool_.prefetch_entry(hashes[i + kEntryAhead]);
      if (i + kTextAhead < n) pool_.prefetch_text(hashes[i + kTextAhead]);
      ids_[i] = pool_.intern(texts_[i], hashes[i]);
    }
  }
  // The pool id of string ``i``, with a reference for the caller (taken when the chunk is done).
  StrId take(uint64_t i, const Reader& r) {
    StrId id = peek(i, r);
    uses_[size_t(i)]++;
    taken_.push_back(uint32_t(i));
    return id;
  }
  // The pool id of string ``i``, no reference taken.
  StrId peek(uint64_t i, const Reader& r) const {
    if (i >= texts_.size()) r.fail();
    return ids_[size_t(i)];
  }
  // What ``take`` handed out since the last ``keep``: given back (a record held already), or kept.
  void give_back() {
    for (uint32_t i : taken_) uses_[i]--;
    taken_.clear();
  }
  void keep() { taken_.clear(); }
  // Hand the pool the references taken so far (as the end of the chunk does), so that records
  // adopted may be released before then.
  void settle() {
    for (size_t i = 0; i < ids_.size(); i++) {
      if (ids_[i] != kNone && uses_[i] != 0) pool_.incref(ids_[i], uses_[i]);
      uses_[i] = 0;
    }
  }
  // The same for records read in a row and adopted later: what each took is the range of
  // ``taken()`` from where it began to where the next began.
  size_t taken() const { return taken_.size(); }
  void give_back(size_t from, size_t to) {
    for (size_t k = from; k < to; k++) uses_[taken_[k]]--;
  }

 private:
  StringPool& pool_;
  std::vector<std::string_view> texts_;
  std::vector<StrId> ids_;
  std::vector<uint32_t> uses_;
  std::vector<uint32_t> taken_;  // by the record being read
};

// A chunk's value re-encoded with pool ids, through ``recode_value`` (native/core/values.h).
struct ChunkToPool {
  LoadStrings& strings;

  StrId key(uint64_t i, Reader& r) { return strings.take(i, r); }
  void leaf(uint8_t tag, Reader& r, Bytes& out) {
    switch (tag) {
      case kAbsent: put_u8(out, tag); return;
      case kFloat:
      case kStampStr:
        put_u8(out, tag);
        put_u64(out, r.u64());
        return;
      case kStr:
        put_u8(out, kStr);
        put_varint(out, strings.take(r.varint(), r));
        return;
      default: r.fail();
    }
  }
};

// A record's entries (their size in bytes, then the entries) read from a chunk and appended to
// ``out`` with pool ids; each entry names its stamp by index (below ``n_stamps``).
void load_entries(uint64_t n_stamps, Reader& r, LoadStrings& strings, Bytes& out) {
  uint64_t size = r.varint();
  Reader entries(r.bytes(size_t(size)), size_t(size), "snapshot chunk");
  if (out.empty()) out.reserve(size_t(size));  // a record alone (appended to others, out grows)
  ChunkToPool recode{strings};
  while (!entries.done()) {
    put_varint(out, strings.take(entries.varint(), entries));
    uint64_t index = entries.varint();
    if (index >= n_stamps) entries.fail();
    put_varint(out, index);
    recode_value(entries, recode, out, 0);
  }
}

// A record's stamp read from a chunk: a text stamp's text as a pool id.
Stamp load_stamp(Reader& r, LoadStrings& strings) {
  Stamp s = r.u64();
  if (is_text_stamp(s)) s = (uint64_t(strings.take(s >> 4, r)) << 4) | kTextStamp;
  return s;
}

// A record's stamps and entries read from a chunk into ``out`` as a Record holds them (pool ids);
// returns the count of stamps. The references it takes are the caller's to keep or give back.
size_t read_record(uint64_t n_stamps, Reader& r, LoadStrings& strings, Bytes& out) {
  if (n_stamps > UINT16_MAX) r.fail();
  for (uint64_t k = 0; k < n_stamps; k++) put_u64(out, load_stamp(r, strings));
  load_entries(n_stamps, r, strings, out);
  return size_t(n_stamps);
}

// A record read from a chunk. On a malformed one the references taken so far stay taken (the
// graph being loaded is discarded, and its pool with it).
// ``stamps`` and ``out``: buffers the caller reuses from record to record.
// ``n_stamps``: its count of stamps, read by the caller.
Record* load_record(uint64_t n_stamps, Reader& r, LoadStrings& strings, Records& records, bool share,
                    std::vector<Stamp>& stamps, Bytes& out) {
  if (n_stamps > UINT16_MAX) r.fail();
  stamps.resize(size_t(n_stamps));
  for (auto& s : stamps) s = load_stamp(r, strings);
  out.clear();
  load_entries(n_stamps, r, strings, out);
  bool duplicate;
  Record* record = records.adopt(stamps, out, share, duplicate);
  if (duplicate)
    strings.give_back();
  else
    strings.keep();
  return record;
}

// Version 1 edges (formats 2 and 3): nodes by id, every record whole, adopted as read.
void load_edges_v1(Graph& graph, Reader& r, LoadStrings& strings, uint64_t n_edges, std::vector<Stamp>& stamps,
                   Bytes& entries) {
  for (uint64_t i = 0; i < n_edges; i++) {
    StrId source = strings.peek(r.varint(), r);
    uint8_t kind = r.u8();
    StrId target = strings.peek(r.varint(), r);
    NodeIdx s = graph.pool.node(source), t = graph.pool.node(target);
    if (kind >= kEdgeKinds || s == kNone || t == kNone || graph.find_edge(s, kind, t) != kNone) r.fail();
    Record* record = load_record(r.varint(), r, strings, graph.records, true, stamps, entries);
    graph.add_edge(s, kind, t, record);
  }
}

// Version 2 edges (format 4), in three passes. A record read whole is looked up among the held
// ones (most are new, and each lookup was a cache miss in a table of ~1 M records): so all the
// chunk's records are read first, then adopted with their table slots asked for a few ahead, then
// the edges added.
void load_edges_v2(Graph& graph, Reader& r, LoadStrings& strings, uint64_t n_edges) {
  struct Read {  // a record read whole: its bytes in ``bytes`` and the strings it took
    size_t at, size, n_stamps, taken;
    uint32_t hash;
  };
  struct PendingEdge {
    NodeIdx source, target;
    uint8_t kind;
    bool whole;       // the edge its record was read with: it takes the reference adopting gave
    uint32_t record;  // its index in ``read``
  };
  std::vector<Read> read;
  std::vector<PendingEdge> edges;
  edges.reserve(size_t(n_edges));
  Bytes bytes;
  size_t nodes = graph.node_count();
  for (uint64_t i = 0; i < n_edges; i++) {
    uint64_t source = r.varint();
    uint8_t kind = r.u8();
    uint64_t target = r.varint();
    if (source >= nodes || target >= nodes || kind >= kEdgeKinds) r.fail();
    uint64_t n_stamps = r.varint();
    uint64_t k;
    bool first = n_stamps < kRepeat;
    if (!first) {  // an earlier edge's record: no parse, no lookup
      k = n_stamps - kRepeat;
      if (k >= read.size()) r.fail();
    } else {
      k = read.size();
      size_t at = bytes.size(), taken = strings.taken();
      size_t stamps = read_record(n_stamps, r, strings, bytes);
      read.push_back({at, bytes.size() - at, stamps, taken, record_hash(bytes.data() + at, bytes.size() - at, stamps)});
    }
    edges.push_back({NodeIdx(source), NodeIdx(target), kind, first, uint32_t(k)});
  }
  std::vector<Record*> whole(read.size());
  constexpr size_t kAhead = 8;
  for (size_t j = 0; j < read.size(); j++) {
    if (j + kAhead < read.size()) graph.records.prefetch(read[j + kAhead].hash);
    const Read& one = read[j];
    bool duplicate;
    whole[j] = graph.records.adopt(bytes.data() + one.at, one.n_stamps, one.size, one.hash, true, duplicate);
    if (duplicate) strings.give_back(one.taken, j + 1 < read.size() ? read[j + 1].taken : strings.taken());
  }
  strings.keep();
  // Each edge goes into its source's and its target's lists, random nodes of a graph far larger
  // than the caches: their lists are asked for ahead, then the arrays they point at.
  constexpr size_t kListsAhead = 16, kArraysAhead = 8;
  for (size_t i = 0; i < edges.size(); i++) {
    if (i + kListsAhead < edges.size()) {
      __builtin_prefetch(&graph.node_out[edges[i + kListsAhead].source]);
      __builtin_prefetch(&graph.node_in[edges[i + kListsAhead].target]);
    }
    if (i + kArraysAhead < edges.size()) {
      __builtin_prefetch(graph.node_out[edges[i + kArraysAhead].source].begin());
      __builtin_prefetch(graph.node_in[edges[i + kArraysAhead].target].begin());
    }
    const PendingEdge& e = edges[i];
    if (graph.find_edge(e.source, e.kind, e.target) != kNone) {  // an edge twice
      strings.settle();  // the records no edge took yet are let go, with their strings
      for (size_t j = i; j < edges.size(); j++)
        if (edges[j].whole) graph.records.release(whole[edges[j].record]);
      r.fail();
    }
    Record* record = whole[e.record];
    if (!e.whole) graph.records.incref(record);
    graph.add_edge(e.source, e.kind, e.target, record);
  }
}

}  // namespace

Capture::Capture(Graph& graph) : graph_(graph) {
  nodes_.reserve(graph.node_count());
  for (size_t n = 0; n < graph.node_count(); n++) {
    Record* r = graph.node_record[n];
    graph.records.incref(r);
    nodes_.push_back(r);
  }
  edges_.reserve(graph.edge_count());
  for (size_t e = 0; e < graph.edge_count(); e++) {
    Record* r = graph.edge_record[e];
    graph.records.incref(r);
    edges_.push_back(r);
  }
}

Capture::~Capture() {
  for (Record* r : nodes_) graph_.records.release(r);
  for (Record* r : edges_) graph_.records.release(r);
}

Bytes Capture::next_chunk(size_t records, bool repeats) {
  Bytes out;
  if (next_node_ == nodes_.size() && next_edge_ == edges_.size()) return out;
  ChunkStrings strings(graph_.pool);
  Bytes nodes, edges, entries;
  size_t n_nodes = std::min(records, nodes_.size() - next_node_);
  for (size_t i = 0; i < n_nodes; i++, next_node_++) {
    put_varint(nodes, strings.ref(graph_.node_id[next_node_]));
    put_u8(nodes, graph_.node_kind[next_node_]);
    dump_record(nodes_[next_node_], strings, nodes, entries);
  }
  size_t n_edges = std::min(records - n_nodes, edges_.size() - next_edge_);
  FlatMap<uintptr_t, uint64_t> whole;  // edge records written whole -> their order
  for (size_t i = 0; i < n_edges; i++, next_edge_++) {
    NodeIdx source = graph_.edge_src[next_edge_], target = graph_.edge_dst[next_edge_];
    if (repeats) {  // version 2: nodes by their place in the snapshot (their index here and there)
      put_varint(edges, source);
      put_u8(edges, graph_.edge_kind[next_edge_]);
      put_varint(edges, target);
    } else {
      put_varint(edges, strings.ref(graph_.node_id[source]));
      put_u8(edges, graph_.edge_kind[next_edge_]);
      put_varint(edges, strings.ref(graph_.node_id[target]));
    }
    const Record* record = edges_[next_edge_];
    if (repeats) {
      bool first;
      uint64_t& order = whole.at(reinterpret_cast<uintptr_t>(record), &first);
      if (first) {
        order = whole.size() - 1;
      } else {  // two thirds of a mesh's edges share their event's record
        put_varint(edges, kRepeat + order);
        continue;
      }
    }
    dump_record(record, strings, edges, entries);
  }
  put_bytes(out, kMagic, 3);
  put_u8(out, repeats ? 2 : 1);
  strings.write(out);
  if (repeats) put_varint(out, next_node_ - n_nodes);  // the index of its first node
  put_varint(out, n_nodes);
  put_bytes(out, nodes.data(), nodes.size());
  put_varint(out, n_edges);
  put_bytes(out, edges.data(), edges.size());
  return out;
}

void load_chunk(Graph& graph, const uint8_t* data, size_t size) {
  Reader r(data, size, "snapshot chunk");
  const uint8_t* magic = r.bytes(4);
  if (std::memcmp(magic, kMagic, 3) != 0 || (magic[3] != 1 && magic[3] != 2)) r.fail();
  bool repeats = magic[3] == 2;
  LoadStrings strings(graph.pool);
  strings.read(r);
  std::vector<Stamp> stamps;
  Bytes entries;
  // Version 2 names an edge's nodes by index: nodes load in the writer's order, from index 0.
  if (repeats && r.varint() != graph.node_count()) r.fail();
  uint64_t n_nodes = r.varint();
  if (n_nodes > size) r.fail();
  for (uint64_t i = 0; i < n_nodes; i++) {
    StrId id = strings.peek(r.varint(), r);  // add_node takes its own reference
    uint8_t kind = r.u8();
    if (kind >= kNodeKinds || graph.pool.node(id) != kNone) r.fail();  // a kind we do not know, or a node twice
    Record* record = load_record(r.varint(), r, strings, graph.records, false, stamps, entries);
    graph.add_node(id, kind, record);
  }
  uint64_t n_edges = r.varint();
  if (n_edges > size) r.fail();
  if (!repeats) {
    load_edges_v1(graph, r, strings, n_edges, stamps, entries);
  } else {
    load_edges_v2(graph, r, strings, n_edges);
  }
  if (!r.done()) r.fail();
}

}  // namespace lm
