// A Bloom filter of the raw event log's event hashes (graph.eventlog.event_hash_index): which of a block's
// events the log may keep already, answered without SQLite for the nearly all it does not. Asking
// SQLite of every hash of every block (two levels, ~500 hashes a block) was ~2 ms a block of the
// applying thread on the 20k mesh, and grows with the log; the filter costs ~1.2 bytes an event.
// The hashes are 128-bit BLAKE2b digests, uniformly random: their own bits place them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "common.h"

namespace lm {

class HashFilter {
 public:
  static constexpr size_t kHashBytes = 16;

  // Sized for ``expected`` hashes at ~1 % false positives (10 bits and 7 probes a hash).
  explicit HashFilter(size_t expected);

  void add(const uint8_t* hash);
  // Whether ``hash`` may have been added (never false for one that was).
  bool maybe(const uint8_t* hash) const;
  // The same of every hash of ``packed`` (``size`` bytes: kHashBytes a hash, end to end; a
  // ValueError for bytes that do not divide into them): each added, or the indexes of those that
  // may have been.
  void add_packed(const uint8_t* packed, size_t size);
  std::vector<size_t> maybe_packed(const uint8_t* packed, size_t size) const;
  // How many hashes it was sized for: beyond them false positives grow.
  size_t capacity() const { return capacity_; }

 private:
  std::vector<uint64_t> words_;
  uint64_t mask_;  // bits - 1 (a power of two)
  size_t capacity_;
};

}  // namespace lm
