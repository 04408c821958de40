// Snapshot chunks: the graph's records as bytes, a bounded number per chunk, each chunk with its
// own string table so it loads on its own. ``graph.stores.embedded.snapshot`` frames, checksums,
// compresses and files them; this only turns records into bytes and back.
//
//     "LMS\x02" (or "LMS\x01": every record whole, as snapshot formats 2 and 3 have them)
//     varint strings, each: varint length, UTF-8 bytes
//     (version 2: varint index of the chunk's first node: as many nodes come before it)
//     varint nodes, each: varint id, u8 kind, record
//     varint edges, each: varint source, u8 kind, varint target, record
//                         (version 1: source and target are string indexes, their ids;
//                          version 2: node indexes, the place the node was written in)
//                         or varint 65536 + k: the record of the chunk's k-th edge written whole
//     record: varint stamps, each u64 (a text stamp: its string index << 4 | 0xF),
//             varint length, entries (native/core/records.h) with string indexes for pool ids
//
// Nodes come before the edges between them: a chunk's edges name nodes of it or of earlier ones.
#pragma once

#include "graph.h"

namespace lm {

// The graph as it was when captured: the records then held (a reference each, so later writes
// replacing them leave these as they were) and how many nodes and edges there were. Writes may go
// on while its chunks are made (each chunk is made under the caller's lock).
class Capture {
 public:
  explicit Capture(Graph& graph);
  ~Capture();
  Capture(const Capture&) = delete;

  size_t nodes() const { return nodes_.size(); }
  size_t edges() const { return edges_.size(); }
  // The next chunk of at most ``records`` records; an empty result once all are written.
  // ``repeats``: an edge record held by an earlier edge of the chunk is written as a reference
  // (version 2); else every record is written whole (version 1, what formats 2 and 3 hold).
  Bytes next_chunk(size_t records, bool repeats = true);

 private:
  Graph& graph_;
  std::vector<Record*> nodes_;
  std::vector<Record*> edges_;
  size_t next_node_ = 0;
  size_t next_edge_ = 0;
};

// Load one chunk into ``graph``; a malformed chunk is a ValueError (nodes before the damage may
// be in the graph: the caller discards the graph).
void load_chunk(Graph& graph, const uint8_t* data, size_t size);

}  // namespace lm
