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

struct Mutation {
  bool edge;
  uint8_t kind;
  StrId a;         // the node's id, or the edge's source
  StrId b;         // the edge's target (kNone for a node)
  Stamp at;
  uint32_t props;  // index into Batch::maps (0: no properties)
  uint32_t first;
};

// A payload may hold several batches back to back (graph.mutations.concat_encoded).
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
  std::vector<Observed> maps;  // maps[0] is empty

 private:
  void decode_part(Reader& r, size_t size);

  StringPool& pool_;
  std::vector<std::vector<std::pair<StrId, size_t>>> offsets_;  // each map's items: key, offset in values_
  std::vector<StrId> held_;
  FlatMap<uint64_t, StrId> seen_;  // what the parts interned, by hash (batch.cc, PartStrings)
  std::vector<Stamp> held_stamps_;
  Bytes values_;
};

// graph.mutations.encode: Python mutations (UpsertNode/UpsertEdge) to wire bytes.
PyObject* encode_mutations(PyObject* mutations);

// graph.mutations.decode: wire bytes to Python mutations, equal props as one shared dict.
PyObject* decode_mutations(const uint8_t* data, size_t size);

}  // namespace lm
