// Records: a node's or an edge's properties and, per property, the stamp that set it, as one
// immutable block (a write makes a new one). Equal edge records are held once (an event states
// its edges alike: the same last-seen stamp, job and transformations), counted by reference.
//
// And the merge rule every store applies (``graph.core.mutations``): a write wins against an older
// stamp (``latest``) or a newer one (``first``), at an equal stamp only when its value is unequal
// and its canonical JSON sorts after the held one. That makes ingest idempotent and
// order-independent.
#pragma once

#include <cstdlib>
#include <new>

#include "values.h"

namespace lm {

struct Record {
  uint32_t refs;
  uint32_t hash;       // of n_stamps and data, for sharing
  uint32_t size;       // bytes of data
  uint16_t n_stamps;   // distinct stamps, each 8 bytes at the start of data
  uint16_t shared;     // held in a RecordTable (removed from it when freed)
  uint8_t data[];      // stamps, then entries: varint key StrId, varint stamp index, value
};

// One property of a record: its stamp, and its value (kAbsent: removed, stamp kept).
struct Entry {
  StrId key;
  Stamp stamp;
  const uint8_t* value;
};

// Calls f(Entry) for each entry, in order.
template <class F>
void for_each_entry(const Record* r, F&& f) {
  const uint8_t* stamps = r->data;
  const uint8_t* p = r->data + size_t(r->n_stamps) * 8;
  const uint8_t* end = r->data + r->size;
  while (p < end) {
    StrId key = StrId(get_varint(p));
    uint64_t index = get_varint(p);
    Stamp stamp;
    std::memcpy(&stamp, stamps + index * 8, 8);
    f(Entry{key, stamp, p});
    p = skip_value(p);
  }
}

// The value of ``key`` (nullptr when the record has no such entry; it may be kAbsent).
const uint8_t* record_value(const Record* r, StrId key, Stamp* stamp = nullptr);

extern const uint8_t kAbsentValue[1];  // a kAbsent value to point at
extern const uint8_t kNullValue[1];    // a kNull value to point at

// A vector of trivially copyable items holding the first N in itself: a plan makes one draft per
// node and edge it writes, and a heap block each (then freeing it) was a fifth of planning.
template <class T, size_t N>
class SmallVector {
 public:
  SmallVector() = default;
  SmallVector(const SmallVector& o) { assign(o); }
  SmallVector(SmallVector&& o) noexcept { take(o); }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) {
      clear();
      assign(o);
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& o) noexcept {
    if (this != &o) {
      release();
      take(o);
    }
    return *this;
  }
  ~SmallVector() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return heap_ ? heap_ : inline_; }
  const T* data() const { return heap_ ? heap_ : inline_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n <= capacity_) return;
    T* grown = static_cast<T*>(std::malloc(n * sizeof(T)));
    if (grown == nullptr) throw std::bad_alloc();
    std::memcpy(grown, data(), size_ * sizeof(T));
    std::free(heap_);
    heap_ = grown;
    capacity_ = n;
  }
  void push_back(const T& item) {
    if (size_ == capacity_) reserve(capacity_ * 2);
    data()[size_++] = item;
  }

 private:
  void assign(const SmallVector& o) {
    reserve(o.size_);
    std::memcpy(data(), o.data(), o.size_ * sizeof(T));
    size_ = o.size_;
  }
  void take(SmallVector& o) {
    if (o.heap_) {
      heap_ = o.heap_;
      capacity_ = o.capacity_;
      o.heap_ = nullptr;
      o.capacity_ = N;
    } else {
      std::memcpy(inline_, o.inline_, o.size_ * sizeof(T));
    }
    size_ = o.size_;
    o.size_ = 0;
  }
  void release() {
    std::free(heap_);
    heap_ = nullptr;
    capacity_ = N;
    size_ = 0;
  }

  T* heap_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = N;
  T inline_[N];
};

// A record being planned: entries pointing at values held elsewhere (a stored record, a batch),
// which outlive it.
class Draft {
 public:
  SmallVector<Entry, 10> entries;
  const Record* from = nullptr;  // the record it was loaded from (none: a new one)

  void load(const Record* r) {
    entries.clear();
    from = r;
    for_each_entry(r, [&](const Entry& e) { entries.push_back(e); });
  }
  long find(StrId key) const {
    for (size_t i = 0; i < entries.size(); i++)
      if (entries[i].key == key) return long(i);
    return -1;
  }
};

// The hash a record of these bytes has (``Record::hash``: ``n_stamps`` stamps, then entries).
uint32_t record_hash(const uint8_t* data, size_t size, size_t n_stamps);

// One observed property: its key, and its value (a top-level kNull meaning "set to None").
using Property = std::pair<StrId, const uint8_t*>;

// Observed properties: a run of (key, value) pairs held elsewhere (a batch holds every map's
// properties in one array: a vector per map was a malloc and a free each, ~15 % of planning).
class Observed {
 public:
  Observed() = default;
  Observed(const Property* first, const Property* last) : first_(first), last_(last) {}
  const Property* begin() const { return first_; }
  const Property* end() const { return last_; }
  size_t size() const { return size_t(last_ - first_); }
  bool empty() const { return first_ == last_; }

 private:
  const Property* first_ = nullptr;
  const Property* last_ = nullptr;
};

// Merge observed properties into ``draft`` (graph.core.mutations.merge_props); whether it changed.
bool merge(Draft& draft, const Observed& latest, const Observed& first, Stamp at, const StringPool& pool);

// What something seen for the first time holds (graph.core.mutations._fresh): ``latest`` without its
// Nones, then the keys of ``first`` it lacks; every key stamped ``at``.
void fresh(Draft& draft, const Observed& latest, const Observed& first, Stamp at);

// Frozen records, and the table holding equal edge records once.
class Records {
 public:
  explicit Records(StringPool& pool) : pool_(pool), table_(1024), mask_(1023) {}
  ~Records();
  Records(const Records&) = delete;

  // A record of the draft's entries, holding references to its strings; ``share``: an equal
  // record already held is returned instead (one more reference to it).
  Record* freeze(const Draft& draft, bool share);
  // An unshared record of a loaded draft (``draft.from``) that holds exactly the strings of the
  // record it was loaded from (the same keys; each value equal to the one it replaced, or both
  // holding no string: a re-run restates a node with equal values at a new, packed stamp), made
  // without referencing them: it takes over that record's references when it replaces it
  // (``hand_over``), or goes without giving any back (``discard``). nullptr when the
  // draft holds other strings (freeze it). A re-run's commit released ~8 000 node records a batch
  // string by string, only for their successors to hold the same strings (~55 % of the commit).
  Record* freeze_borrowing(const Draft& draft);
  // ``to`` (frozen borrowing ``from``) replaces ``from``: ``from``'s references become ``to``'s if
  // this was ``from``'s last holder, else (a snapshot's capture holds it too) ``to`` takes its own.
  void hand_over(Record* from, Record* to);
  // A record read from bytes (a snapshot): stamps and entries already encoded with this pool's
  // ids, whose references the caller hands over. ``share``: an equal record already held is
  // returned instead (one more reference to it) and ``duplicate`` set: the references the bytes
  // carried then stay the caller's (to give back; the pool was never told of them).
  Record* adopt(const std::vector<Stamp>& stamps, const Bytes& entries, bool share, bool& duplicate);
  // The same for an equal record's bytes as a Record holds them (``n_stamps`` stamps, then the
  // entries; ``size`` bytes in all) and their ``hash`` (record_hash): the load of a snapshot reads
  // a chunk's records first, then asks for their slots a few ahead (``prefetch``), then adopts them.
  Record* adopt(const uint8_t* data, size_t n_stamps, size_t size, uint32_t hash, bool share, bool& duplicate);
  void prefetch(uint32_t hash) const { __builtin_prefetch(&table_[hash & mask_]); }

  void incref(Record* r) { r->refs++; }
  void release(Record* r);
  // Let go of a record while its graph is being destroyed: freed with its last reference, but
  // without leaving the sharing table or letting go of its strings one by one (the table and the
  // pool go with the graph). A 100k-dataset graph took ~1.2 s to free entry by entry. Also a
  // record frozen borrowing whose plan was dropped: it holds no reference to give back.
  void discard(Record* r) {
    if (--r->refs == 0) std::free(r);
  }


  // The references a record keeps to its strings and stamps, taken (a record frozen borrowing
  // that must hold its own).
  void hold_strings(const Record* r);

  size_t shared_count() const { return used_; }
  size_t table_bytes() const { return table_.capacity() * sizeof(Slot); }

 private:
  Record* share(Record* r);  // r, or an equal record held (r then released)
  Record* build(const Draft& draft, bool share, bool hold);  // freeze's; ``hold``: take its strings' references
  Record* scratch(size_t n_stamps, size_t size);  // a record in scratch_, valid until the next call
  size_t find_slot(const Record* r) const;  // the slot of an equal record, or the empty one where r would go
  void insert(Record* r, size_t slot);
  void grow();
  StringPool& pool_;
  std::vector<uint64_t> scratch_;  // 8-byte aligned, as a Record must be
  // Open addressing by hash; a null record marks an empty slot. Each slot holds its record's hash
  // too, so a probe passing other records and a grow never read the records themselves: in a
  // 100k-dataset graph they are far beyond the caches, and a snapshot's load probes ~1 M times.
  struct Slot {
    Record* record = nullptr;
    uint32_t hash = 0;
  };
  std::vector<Slot> table_;
  size_t mask_;
  size_t used_ = 0;
};

// A record made of entries read one by one from outside (a Python dict of props and one of their
// stamps, a remote store's row): each key and text stamp interned and each value encoded as it
// comes, their references held until the record is frozen, which holds its own (or until the
// reading fails: the maker lets go of them when it goes).
class RecordMaker {
 public:
  RecordMaker(StringPool& pool, Records& records) : pool_(pool), records_(records), sink_(pool, held_) {}
  ~RecordMaker() {
    for (StrId id : held_) pool_.decref(id);
  }
  RecordMaker(const RecordMaker&) = delete;

  // An entry of ``key`` at ``stamp`` (a stamp's text) whose value ``encode(sink, out)`` writes.
  template <class Encode>
  void add(std::string_view key, std::string_view stamp, Encode&& encode) {
    size_t at = values_.size();
    encode(static_cast<StringSink&>(sink_), values_);
    entry(key, stamp, long(at));
  }
  // As add(), the entry added only where ``encode(sink, out)`` returns true (it wrote a value).
  template <class Encode>
  bool add_if(std::string_view key, std::string_view stamp, Encode&& encode) {
    size_t at = values_.size();
    if (!encode(static_cast<StringSink&>(sink_), values_)) return false;
    entry(key, stamp, long(at));
    return true;
  }
  // An entry of ``key`` at ``stamp`` without a value.
  void absent(std::string_view key, std::string_view stamp) { entry(key, stamp, -1); }
  // The record of the entries, in the order they came; ``share``: an equal record already held
  // is returned instead.
  Record* freeze(bool share);

 private:
  void entry(std::string_view key, std::string_view stamp, long value);
  StringPool& pool_;
  Records& records_;
  std::vector<StrId> held_;
  PoolSink sink_;
  Bytes values_;
  std::vector<std::pair<StrId, std::pair<Stamp, long>>> items_;  // key, stamp, value offset (-1: absent)
};

}  // namespace lm
