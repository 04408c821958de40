// Interned, reference-counted strings: every id, property key and string value the graph holds
// is held once, however many records mention it, and freed when the last one lets go.
//
// A string that is a node's id also says which node (``node``), so finding a node by id is one
// lookup here, not a second table.
#pragma once

#include "common.h"

namespace lm {

class StringPool {
 public:
  StringPool();
  ~StringPool();
  StringPool(const StringPool&) = delete;
  StringPool& operator=(const StringPool&) = delete;

  // The id of ``s``, interned if new, with one more reference the caller now holds.
  StrId intern(std::string_view s) { return intern(s, uint32_t(hash_bytes(s.data(), s.size()))); }
  StrId intern(std::string_view s, uint32_t hash);  // ``hash``: the low 32 bits of hash_bytes(s)
  // The id of ``s`` if it is held (no reference taken), else kNone.
  StrId find(std::string_view s) const;

  // Ask the CPU ahead for the memory interning a string of ``hash`` will read, each step once the
  // one before has arrived: its slot, then its entry, then its text. Interning many strings of a
  // large pool waits on three cache misses each; a few dozen strings ahead, they overlap.
  // (An entry and its text are fetched only when the first slot's string has the same hash: a
  // new string, most of a snapshot's, needs neither.)
  void prefetch_slot(uint32_t hash) const { __builtin_prefetch(&table_[slot_of(hash)]); }
  void prefetch_entry(uint32_t hash) const {
    const Slot& slot = table_[slot_of(hash)];
    if (slot.id != kNone && slot.hash == hash) __builtin_prefetch(&entries_[slot.id]);
  }
  void prefetch_text(uint32_t hash) const {
    const Slot& slot = table_[slot_of(hash)];
    if (slot.id != kNone && slot.hash == hash) __builtin_prefetch(entries_[slot.id].data);
  }

  void incref(StrId id) { entries_[id].refs++; }
  void incref(StrId id, uint32_t n) { entries_[id].refs += n; }  // n references at once
  uint32_t refs(StrId id) const { return entries_[id].refs; }
  // The references held to each string, as one number whatever the strings' ids: the sum over
  // live strings of their text's hash times their references. Two graphs holding equal records
  // hold the same (a check that records taking over others' references count them right: one
  // string's reference too many and another's too few change it, where a plain sum would not).
  uint64_t references_fingerprint() const {
    uint64_t sum = 0;
    for (const auto& e : entries_)
      if (e.data != nullptr) sum += hash_bytes(e.data, e.len & kLength) * e.refs;
    return sum;
  }
  void decref(StrId id) {
    if (--entries_[id].refs == 0) release(id);
  }

  std::string_view view(StrId id) const { return {entries_[id].data, entries_[id].len & kLength}; }
  // Whether the string needs no escaping in JSON (most ids and names): it is copied as it is.
  bool json_plain(StrId id) const { return !(entries_[id].len & kEscape); }
  NodeIdx node(StrId id) const { return entries_[id].node; }
  void set_node(StrId id, NodeIdx node) { entries_[id].node = node; }

  size_t live() const { return entries_.size() - free_.size(); }
  size_t heap_bytes() const;  // what the pool itself holds (its tables and string bytes)

 private:
  static constexpr uint32_t kEscape = 0x80000000u;  // in len: JSON needs escapes for it
  static constexpr uint32_t kLength = 0x7FFFFFFFu;

  struct Entry {
    char* data;     // len bytes, malloc'ed; nullptr when the id is free
    uint32_t len;   // and kEscape
    uint32_t hash;  // low 32 bits of hash_bytes
    uint32_t refs;
    NodeIdx node;   // the node whose id this is, or kNone
  };

  void release(StrId id);
  void grow();
  size_t slot_of(uint32_t hash) const { return hash & mask_; }

  std::vector<Entry> entries_;
  std::vector<StrId> free_;     // ids released, reused before new ones
  // Open addressing, linear probing; kNone marks an empty slot. A slot holds its string's hash
  // too, so probing past other strings and growing never read their entries (a large pool's
  // entries are far beyond the caches).
  struct Slot {
    StrId id = kNone;
    uint32_t hash = 0;
  };
  std::vector<Slot> table_;
  size_t mask_ = 0;
  size_t used_ = 0;
  size_t string_bytes_ = 0;
};

}  // namespace lm
