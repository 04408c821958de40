// Distinct byte strings numbered densely in first-seen order, all held in one arena: a batch's
// string table and its props maps, the keys a builder remembers per document. One open-addressing
// array of indexes and one of offsets instead of a node and a string per entry: an event's
// translation makes a few hundred lookups, and allocating for each was most of its time.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"

namespace lm {

class TextTable {
 public:
  // ``expected``: about how many entries it will hold (a power of two), to start at that size.
  explicit TextTable(size_t expected = 8) : slots_(expected * 4, 0), mask_(expected * 4 - 1) {
    entries_.reserve(expected);
    arena_.reserve(expected * 16);
  }

  size_t size() const { return entries_.size(); }

  // Empty, keeping the capacity it grew to.
  void clear() {
    entries_.clear();
    arena_.clear();
    std::fill(slots_.begin(), slots_.end(), 0);
  }

  // The index of ``s``, added when new (``added`` says which).
  uint32_t intern(std::string_view s, bool* added = nullptr) {
    uint64_t h = hash_bytes(s.data(), s.size());
    size_t i = probe(s, h);
    if (slots_[i] != 0) {
      if (added) *added = false;
      return index_of(slots_[i]);
    }
    if (s.data() >= arena_.data() && s.data() < arena_.data() + arena_.size()) {
      std::string copy(s);  // a view into the arena itself, which the append may move
      return append(copy, h, i, added);
    }
    return append(s, h, i, added);
  }

  uint32_t find(std::string_view s) const {  // kNone when absent
    size_t i = probe(s, hash_bytes(s.data(), s.size()));
    return slots_[i] == 0 ? kNone : index_of(slots_[i]);
  }

  // The text of entry ``i``: valid until the next intern.
  std::string_view text(uint32_t i) const {
    const Entry& e = entries_[i];
    return std::string_view(arena_.data() + e.offset, e.length);
  }

 private:
  struct Entry {
    size_t offset;
    size_t length;
  };

  // A slot: the entry's hash (low 32 bits) above its index + 1, so a probe compares hashes without
  // reading the entry; 0: empty.
  static uint64_t slot_of(uint32_t hash, uint32_t index) { return uint64_t(hash) << 32 | (uint64_t(index) + 1); }
  static uint32_t index_of(uint64_t slot) { return uint32_t(slot) - 1; }

  // The slot holding ``s``, or the empty slot where it would go.
  size_t probe(std::string_view s, uint64_t h) const {
    for (size_t i = size_t(h) & mask_;; i = (i + 1) & mask_) {
      uint64_t held = slots_[i];
      if (held == 0) return i;
      if (uint32_t(held >> 32) != uint32_t(h)) continue;
      const Entry& e = entries_[index_of(held)];
      // (memcmp of no bytes: an empty view's data may be null, which memcmp must not be given)
      if (e.length == s.size() && (s.empty() || std::memcmp(arena_.data() + e.offset, s.data(), s.size()) == 0)) return i;
    }
  }

  uint32_t append(std::string_view s, uint64_t h, size_t slot, bool* added) {
    uint32_t index = uint32_t(entries_.size());
    entries_.push_back(Entry{arena_.size(), s.size()});
    arena_.append(s.data(), s.size());
    slots_[slot] = slot_of(uint32_t(h), index);
    if (entries_.size() * 2 > slots_.size()) grow();  // at most half full: probes stay short
    if (added) *added = true;
    return index;
  }

  // Entries are placed by their hash's low 32 bits, all a probe looks at while the table has
  // fewer than 2^32 slots.
  void grow() {
    std::vector<uint64_t> slots(slots_.size() * 2, 0);
    size_t mask = slots.size() - 1;
    for (uint64_t held : slots_) {
      if (held == 0) continue;
      size_t j = size_t(held >> 32) & mask;
      while (slots[j] != 0) j = (j + 1) & mask;
      slots[j] = held;
    }
    slots_.swap(slots);
    mask_ = mask;
  }

  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> slots_;
  size_t mask_;
};

}  // namespace lm
