// A node's edges in one direction: one sorted array of 64-bit entries, kind in the top four
// bits, then the neighbour, then the edge, so the edges of one kind are one contiguous range
// (found by binary search) and an edge is found by (kind, neighbour) without a hash table.
//
// Most nodes have one edge in a direction (a column's dataset, a run's job): that one entry is
// held in place of the array pointer, with no allocation.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "common.h"

namespace lm {

constexpr int kIndexBits = 30;  // neighbours and edges: up to ~1.07 billion of each
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;

inline uint64_t adjacency_entry(uint8_t kind, NodeIdx neighbour, EdgeIdx edge) {
  return (uint64_t(kind) << 60) | (uint64_t(neighbour) << kIndexBits) | uint64_t(edge);
}
inline uint8_t entry_kind(uint64_t e) { return uint8_t(e >> 60); }
inline NodeIdx entry_neighbour(uint64_t e) { return NodeIdx((e >> kIndexBits) & kIndexMask); }
inline EdgeIdx entry_edge(uint64_t e) { return EdgeIdx(e & kIndexMask); }

class AdjList {
 public:
  const uint64_t* begin() const { return cap_ == 0 ? &inline_ : data_; }
  const uint64_t* end() const { return begin() + len_; }
  uint32_t size() const { return len_; }

  // The entries of one kind.
  std::pair<const uint64_t*, const uint64_t*> of_kind(uint8_t kind) const {
    const uint64_t* b = begin();
    const uint64_t* e = end();
    if (len_ <= 4) {  // a scan beats the search on the lists most nodes have
      const uint64_t* lo = b;
      while (lo < e && entry_kind(*lo) < kind) lo++;
      const uint64_t* hi = lo;
      while (hi < e && entry_kind(*hi) == kind) hi++;
      return {lo, hi};
    }
    const uint64_t* lo = std::lower_bound(b, e, uint64_t(kind) << 60);
    const uint64_t* hi = kind == 15 ? e : std::lower_bound(lo, e, uint64_t(kind + 1) << 60);
    return {lo, hi};
  }

  // The edge of ``kind`` to ``neighbour``, or kNone.
  EdgeIdx find(uint8_t kind, NodeIdx neighbour) const {
    uint64_t key = adjacency_entry(kind, neighbour, 0);
    const uint64_t* b = begin();
    const uint64_t* e = end();
    const uint64_t* at = len_ <= 4 ? std::find_if(b, e, [&](uint64_t x) { return x >= key; }) : std::lower_bound(b, e, key);
    if (at != e && (*at >> kIndexBits) == (key >> kIndexBits)) return entry_edge(*at);
    return kNone;
  }

  void insert(uint64_t entry) {
    if (len_ == 0 && cap_ == 0) {
      inline_ = entry;
      len_ = 1;
      return;
    }
    if (cap_ == 0) {  // leave the inline slot for an array
      uint64_t held = inline_;
      uint64_t* array = allocate(4);
      array[0] = held;
      data_ = array;
      cap_ = 4;
    } else if (len_ == cap_) {
      uint32_t grown = cap_ < 1024 ? cap_ * 2 : cap_ + cap_ / 2;
      uint64_t* array = static_cast<uint64_t*>(std::realloc(data_, size_t(grown) * 8));
      if (array == nullptr) throw std::bad_alloc();
      data_ = array;
      cap_ = grown;
    }
    uint64_t* at = std::upper_bound(data_, data_ + len_, entry);
    std::memmove(at + 1, at, size_t(data_ + len_ - at) * 8);
    *at = entry;
    len_++;
  }

  void clear() {
    if (cap_ != 0) std::free(data_);
    data_ = nullptr;
    len_ = cap_ = 0;
  }

  size_t heap_bytes() const { return size_t(cap_) * 8; }

 private:
  static uint64_t* allocate(uint32_t n) {
    uint64_t* p = static_cast<uint64_t*>(std::malloc(size_t(n) * 8));
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  union {
    uint64_t* data_ = nullptr;
    uint64_t inline_;
  };
  uint32_t len_ = 0;
  uint32_t cap_ = 0;
};

// An array in chunks of 64k elements: appending never moves what is held past the first chunk,
// and never needs twice the memory while it grows. The first chunk grows as a vector does, so a
// small graph (a batch's view of a Neo4j database) costs little.
template <class T>
class Chunked {
 public:
  static constexpr size_t kShift = 16;
  static constexpr size_t kChunk = size_t(1) << kShift;

  T& operator[](size_t i) { return i < kChunk ? first_[i] : chunks_[(i >> kShift) - 1][i & (kChunk - 1)]; }
  const T& operator[](size_t i) const {
    return i < kChunk ? first_[i] : chunks_[(i >> kShift) - 1][i & (kChunk - 1)];
  }
  size_t size() const { return size_; }
  void push_back(const T& v) {
    if (size_ < kChunk) {
      first_.push_back(v);
    } else {
      if ((size_ & (kChunk - 1)) == 0) chunks_.emplace_back(new T[kChunk]());
      chunks_.back()[size_ & (kChunk - 1)] = v;
    }
    size_++;
  }
  size_t heap_bytes() const { return (first_.capacity() + chunks_.size() * kChunk) * sizeof(T); }

 private:
  std::vector<T> first_;
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace lm
