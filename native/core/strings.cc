#include "strings.h"

#include <cstdlib>

namespace lm {

StringPool::StringPool() : table_(1024), mask_(1023) {}

StringPool::~StringPool() {
  for (Entry& e : entries_) std::free(e.data);
}

StrId StringPool::find(std::string_view s) const {
  uint32_t h = uint32_t(hash_bytes(s.data(), s.size()));
  for (size_t i = slot_of(h);; i = (i + 1) & mask_) {
    const Slot& slot = table_[i];
    if (slot.id == kNone) return kNone;
    if (slot.hash != h) continue;
    const Entry& e = entries_[slot.id];
    if ((e.len & kLength) == s.size() && std::memcmp(e.data, s.data(), s.size()) == 0) return slot.id;
  }
}

StrId StringPool::intern(std::string_view s, uint32_t h) {
  if (s.size() > kLength) raise(Error::kValue, "a string over 2 GiB cannot be held");
  size_t i = slot_of(h);
  for (;; i = (i + 1) & mask_) {
    const Slot& slot = table_[i];
    if (slot.id == kNone) break;
    if (slot.hash != h) continue;
    Entry& e = entries_[slot.id];
    if ((e.len & kLength) == s.size() && std::memcmp(e.data, s.data(), s.size()) == 0) {
      e.refs++;
      return slot.id;
    }
  }
  char* data = static_cast<char*>(std::malloc(s.size() ? s.size() : 1));
  if (data == nullptr) throw std::bad_alloc();
  std::memcpy(data, s.data(), s.size());
  StrId id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    if (entries_.size() >= kNone - 1) raise(Error::kMemory, "too many distinct strings");
    id = StrId(entries_.size());
    entries_.push_back({});
  }
  bool escape = false;
  for (unsigned char c : s) escape |= c < 0x20 || c == '"' || c == '\\';
  entries_[id] = Entry{data, uint32_t(s.size()) | (escape ? kEscape : 0), h, 1, kNone};
  table_[i] = Slot{id, h};
  string_bytes_ += s.size();
  if (++used_ * 10 > table_.size() * 7) grow();
  return id;
}

void StringPool::release(StrId id) {
  Entry& e = entries_[id];
  // Remove from the table by backward-shift deletion: no tombstones, probes stay short.
  size_t i = slot_of(e.hash);
  while (table_[i].id != id) i = (i + 1) & mask_;
  for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
    Slot other = table_[j];
    if (other.id == kNone) break;
    size_t home = slot_of(other.hash);
    // ``other`` may move to ``i`` when its home is not within (i, j] cyclically.
    bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      table_[i] = other;
      i = j;
    }
  }
  table_[i] = Slot{};
  used_--;
  string_bytes_ -= e.len & kLength;
  std::free(e.data);
  e = Entry{nullptr, 0, 0, 0, kNone};
  free_.push_back(id);
}

void StringPool::grow() {
  std::vector<Slot> bigger(table_.size() * 2);
  size_t mask = bigger.size() - 1;
  for (const Slot& slot : table_) {
    if (slot.id == kNone) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].id != kNone) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  table_.swap(bigger);
  mask_ = mask;
}

size_t StringPool::heap_bytes() const {
  return entries_.capacity() * sizeof(Entry) + free_.capacity() * sizeof(StrId) + table_.capacity() * sizeof(Slot) +
         string_bytes_;
}

}  // namespace lm
