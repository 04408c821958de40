// A batch of mutations in its wire form: what the journal keeps, what crosses from a translation
// worker to the server, and what a graph plans from.
//
//     "LMB\x01"
//     varint strings, each: varint length, UTF-8 bytes      -- every string once per batch
//     varint maps, each: varint items, each: varint key (string index), value
//     varint mutations, each:
//       u8 0 (node): varint id, u8 kind, varint at, varint props, varint first
//       u8 1 (edge): varint source, u8 kind, varint target, varint at, varint props, varint first
//
// Strings are string-table indexes, props/first are map index + 1 (0: none), kinds are the codes
// of kinds.h (generated), values are encoded as in native/core/values.h with kStr payloads
// being string-table indexes (and no kStampStr: strings are strings on the wire). Equal props
// stated by many mutations (an event's edges) are one map; ids repeated across mutations one
// string. About a tenth of the JSON rows it replaced.
#pragma once

#include "flat.h"
#include "records.h"

namespace lm {

constexpr uint8_t kBatchMagic[4] = {'L', 'M', 'B', 1};

// A part's string table (read by Batch, and into Python mutations by bindings/pybatch.h).
struct WireTable {
  std::vector<std::string_view> texts;

  void read(Reader& r) {
    size_t n = r.count();  // each text has at least its length byte
    texts.reserve(n);
    for (uint64_t i = 0; i < n; i++) {
      uint64_t len = r.varint();
      const uint8_t* p = r.bytes(size_t(len));
      texts.emplace_back(reinterpret_cast<const char*>(p), size_t(len));
    }
  }
  std::string_view at(uint64_t i, const Reader& r) const {
    if (i >= texts.size()) r.fail();
      return texts[size_t(i)];
  }
};

// A part begins with the magic.
inline void read_magic(Reader& r) {
  const uint8_t* m = r.bytes(4);
  if (std::memcmp(m, kBatchMagic, 4) != 0) r.fail();
}

// A props/first reference of a part with ``maps`` maps (0: none, else a map's index + 1).
inline uint32_t map_ref(Reader& r, size_t maps) {
  uint64_t ref = r.varint();
  if (ref > maps) r.fail();
  return uint32_t(ref);
}

struct Mutation {
  bool edge;
  uint8_t kind;
  StrId a;         // the node's id, or the edge's source
  StrId b;         // the edge's target (kNone for a node)
  Stamp at;
  uint32_t props;  // index into Batch::maps (0: no properties)
  uint32_t first;
};

// A payload may hold several batches back to back (graph.core.mutations.concat_encoded).
//
// A batch decoded into a pool: its strings interned, its values re-encoded with the pool's ids.
// Holds a reference to each string and text stamp it mentions until it is destroyed.
class Batch {
 public:
  explicit Batch(StringPool& pool) : pool_(pool) { maps.emplace_back(); }
  ~Batch();
  Batch(const Batch&) = delete;

  // Decode a payload (one batch, or several back to back) into this batch.
  void decode(const uint8_t* data, size_t size);

  std::vector<Mutation> mutations;
  std::vector<Observed> maps;  // maps[0] is empty; each a run of properties_

 private:
  void decode_part(Reader& r, size_t size);

  StringPool& pool_;
  // Every map's items in one array, in map order (key, offset in values_), and where each map
  // ends in it: one allocation for a batch's ~10k maps, not one each.
  std::vector<std::pair<StrId, size_t>> items_;
  std::vector<size_t> map_ends_;
  std::vector<Property> properties_;  // items_ pointing into values_, once all are read
  std::vector<StrId> held_;
  FlatMap<uint64_t, StrId> seen_;  // what the parts interned, by hash (batch.cc, PartStrings)
  std::vector<Stamp> held_stamps_;
  Bytes values_;
};

}  // namespace lm
