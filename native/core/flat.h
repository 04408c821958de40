// Hash sets and maps of integer ids (StrId, NodeIdx, pairs of them): open addressing in one flat
// array, no node per entry, no erase (a walk only ever learns more). A walk does tens of these
// operations per node it reaches; std::unordered_map's allocation per entry made a 10k-node walk
// several times slower.
#pragma once

#include <limits>
#include <utility>
#include <vector>

#include "common.h"

namespace lm {

template <class K, class V>
class FlatMap {
 public:
  using Item = std::pair<K, V>;
  static constexpr K kEmpty = std::numeric_limits<K>::max();

  FlatMap() : items_(16, Item(kEmpty, V())), mask_(15) {}

  size_t size() const { return size_; }
  size_t capacity() const { return room(items_.size()); }  // entries held before it grows
  bool empty() const { return size_ == 0; }
  bool contains(K key) const { return find(key) != nullptr; }

  const V* find(K key) const {
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (items_[i].first == key) return &items_[i].second;
      if (items_[i].first == kEmpty) return nullptr;
    }
  }
  V* find(K key) { return const_cast<V*>(static_cast<const FlatMap*>(this)->find(key)); }

  // The value of ``key``, default-made when new; ``inserted`` says which.
  V& at(K key, bool* inserted = nullptr) {
    if (size_ + 1 > capacity()) rehash(items_.size() * 2);
    for (size_t i = slot(key);; i = (i + 1) & mask_) {
      if (items_[i].first == key) {
        if (inserted) *inserted = false;
        return items_[i].second;
      }
      if (items_[i].first == kEmpty) {
        items_[i].first = key;
        items_[i].second = V();
        size_++;
        if (inserted) *inserted = true;
        return items_[i].second;
      }
    }
  }
  V& operator[](K key) { return at(key); }
  // Room for ``n`` entries without growing (a plan knows about how many it will hold: growing
  // from 16 rehashed every entry about once more).
  void reserve(size_t n) {
    size_t slots = items_.size();
    while (n > room(slots)) slots *= 2;
    if (slots > items_.size()) rehash(slots);
  }
  void clear() {
    if (size_ == 0) return;
    for (Item& item : items_) item = Item(kEmpty, V());
    size_ = 0;
  }
  void swap(FlatMap& o) {
    items_.swap(o.items_);
    std::swap(mask_, o.mask_);
    std::swap(size_, o.size_);
  }
  // Set ``key`` to ``value`` unless it is held; whether it was new.
  bool emplace(K key, const V& value) {
    bool inserted;
    V& held = at(key, &inserted);
    if (inserted) held = value;
    return inserted;
  }

  class iterator {
   public:
    iterator(const Item* at, const Item* end) : at_(at), end_(end) { skip(); }
    const Item& operator*() const { return *at_; }
    const Item* operator->() const { return at_; }
    iterator& operator++() {
      ++at_;
      skip();
      return *this;
    }
    bool operator!=(const iterator& o) const { return at_ != o.at_; }

   private:
    void skip() {
      while (at_ != end_ && at_->first == kEmpty) ++at_;
    }
    const Item* at_;
    const Item* end_;
  };
  iterator begin() const { return iterator(items_.data(), items_.data() + items_.size()); }
  iterator end() const { return iterator(items_.data() + items_.size(), items_.data() + items_.size()); }

 private:
  // How many entries ``slots`` hold: three quarters of them at most, so probes stay short.
  static size_t room(size_t slots) { return slots * 3 / 4; }
  size_t slot(K key) const { return size_t(mix(uint64_t(key))) & mask_; }
  void rehash(size_t capacity) {
    std::vector<Item> items(capacity, Item(kEmpty, V()));
    size_t mask = capacity - 1;
    for (Item& item : items_) {
      if (item.first == kEmpty) continue;
      size_t j = size_t(mix(uint64_t(item.first))) & mask;
      while (items[j].first != kEmpty) j = (j + 1) & mask;
      items[j] = std::move(item);
    }
    items_.swap(items);
    mask_ = mask;
  }

  std::vector<Item> items_;
  size_t mask_;
  size_t size_ = 0;
};

template <class K>
class FlatSet {
 public:
  size_t size() const { return map_.size(); }
  bool empty() const { return map_.empty(); }
  bool contains(K key) const { return map_.contains(key); }
  bool insert(K key) { return map_.emplace(key, 0); }  // whether it was new
  template <class It>
  void insert(It begin, It end) {
    for (; begin != end; ++begin) insert(*begin);
  }

 private:
  FlatMap<K, uint8_t> map_;
};

}  // namespace lm
