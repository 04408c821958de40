// Writing a batch in its wire form (native/core/batch.h): the string table (each string once),
// the props maps (equal ones once), the mutations. Used by graph.core.mutations.encode and by the
// Builder every ingester writes through.
#pragma once

#include <atomic>
#include <string>

#include "flat.h"
#include "records.h"  // SmallVector
#include "texttable.h"
#include "values.h"

namespace lm {

// A property key: a string literal, whose index in a table is then remembered by its address (an
// event's translation states a few hundred keys, nearly all literals, and hashing each again was
// a tenth of it), or any other text.
class Key {
 public:
  template <size_t N>
  Key(const char (&literal)[N]) : text(literal, N - 1), literal(literal) {}  // NOLINT: literals only
  Key(std::string_view text) : text(text) {}                                  // NOLINT
  Key(const std::string& text) : text(text) {}                                // NOLINT
  std::string_view text;
  const char* literal = nullptr;
};

// A batch's string table: each distinct string once. ``by_identity``: a string identified before
// (StringSink::value_identified) is found without hashing its text again (only for a caller that
// keeps every identity it passes alive while the table lives: one call's mutations, not a builder
// fed over many calls).
class WireStrings : public StringSink {
 public:
  explicit WireStrings(bool by_identity = false) : table_(256), by_identity_(by_identity) {}
  uint32_t ref(std::string_view s) { return table_.intern(s); }
  uint32_t ref_key(const Key& key) {
    if (key.literal == nullptr) return ref(key.text);
    bool added;
    uint32_t& index = literals_.at(uintptr_t(key.literal), &added);
    if (added) index = ref(key.text);
    return index;
  }
  uint32_t find(std::string_view s) const { return table_.find(s); }  // kNone when not in the table
  uint32_t ref_identified(uintptr_t identity, std::string_view s) {
    if (!by_identity_) return ref(s);
    bool added;
    uint32_t& i = by_object_.at(identity, &added);
    if (added) i = ref(s);
    return i;
  }
  void value(std::string_view s, Bytes& out) override {
    put_u8(out, kStr);
    put_varint(out, ref(s));
  }
  uint64_t key(std::string_view s) override { return ref(s); }
  void value_identified(uintptr_t identity, std::string_view s, Bytes& out) override {
    put_u8(out, kStr);
    put_varint(out, ref_identified(identity, s));
  }
  uint64_t key_identified(uintptr_t identity, std::string_view s) override { return ref_identified(identity, s); }
  void write(Bytes& out) const;
  void clear();  // empty, keeping capacity (no map writer may be alive)

 private:
  friend class MapWriter;
  // The values of the maps being built on this table, one after the other (a map is built and
  // dropped per mutation: a buffer each was a tenth of translating); emptied when none is alive.
  Bytes values_;
  size_t writers_ = 0;

  TextTable table_;
  FlatMap<uintptr_t, uint32_t> literals_;  // a literal key's address -> its index
  bool by_identity_;
  FlatMap<uintptr_t, uint32_t> by_object_;
};

// A props map as a Python dict builds it: setting a key it holds replaces the value in place,
// another key goes last.
class MapWriter {
 public:
  explicit MapWriter(WireStrings& strings) : strings_(strings) { strings_.writers_++; }
  MapWriter(const MapWriter& other) : strings_(other.strings_), items_(other.items_) { strings_.writers_++; }
  MapWriter& operator=(const MapWriter&) = delete;
  ~MapWriter() {
    if (--strings_.writers_ == 0) strings_.values_.clear();
  }

  // ``key`` set to the value ``write(sink, out)`` encodes with this map's strings (the bindings'
  // Python values: bindings/pyvalues.h).
  template <class Write>
  MapWriter& set_encoded(const Key& key, Write&& write) {
    return put(key, [&](Bytes& out) { write(static_cast<StringSink&>(strings_), out); });
  }
  MapWriter& set_str(const Key& key, std::string_view value);
  MapWriter& set_null(const Key& key);
  MapWriter& set_bool(const Key& key, bool value);
  MapWriter& set_int(const Key& key, int64_t value);
  MapWriter& set_strs(const Key& key, const std::vector<std::string>& values);  // a list of strings
  MapWriter& merge(const MapWriter& other);     // {**this, **other}
  bool empty() const { return items_.empty(); }
  bool has(std::string_view key) const;

  // The map's items, encoded (strings as table indexes), and how many.
  void encode(Bytes& out) const;
  size_t size() const { return items_.size(); }

 private:
  // Values are written at the end of the table's buffer; an item points at its latest value.
  struct Item {
    uint32_t key;
    uint32_t start, end;
  };
  template <class Write>
  MapWriter& put(const Key& key, Write&& write) {
    uint32_t k = strings_.ref_key(key);
    uint32_t start = uint32_t(strings_.values_.size());
    write(strings_.values_);
    return place(k, start);
  }
  MapWriter& place(uint32_t key, uint32_t start);  // the value written since ``start`` is key's

  WireStrings& strings_;
  SmallVector<Item, 12> items_;
};

class WireWriter {
 public:
  explicit WireWriter(bool by_identity = false) : strings(by_identity) {}
  WireStrings strings;

  // A map's reference: 0 for an empty one, else its index + 1 (equal maps share one).
  uint32_t map(const MapWriter& items);
  void node(uint32_t id, uint8_t kind, uint32_t at, uint32_t props, uint32_t first);
  void edge(uint32_t source, uint8_t kind, uint32_t target, uint32_t at, uint32_t props, uint32_t first);
  size_t mutations() const { return mutations_; }
  Bytes finish() const;  // the batch, as it stands
  void clear();  // empty, keeping the capacity its tables and buffers grew to

  // Where the mutations stand, to drop those written after (a document refused part way; the
  // strings and maps it added stay, unreferenced).
  struct Mark {
    size_t body, mutations;
  };
  Mark mark() const { return Mark{body_.size(), mutations_}; }
  void rollback(Mark m) {
    body_.resize(m.body);
    mutations_ = m.mutations;
  }

 private:
  TextTable maps_{64};  // each distinct map's encoding, in the order of their references
  Bytes body_;
  size_t mutations_ = 0;
  Bytes scratch_;
};

// One writer kept for every bulk translation (its tables and buffers keep the capacity they grew
// to: a batch's grew from nothing, and faulted its pages in, on every call), lent to one caller at
// a time; a caller that finds it lent (another thread's, or a call re-entered) gets a writer of its
// own.
class WriterLease {
 public:
  WriterLease() : kept_(!lent_.exchange(true)) {
    if (kept_) shared().clear();
  }
  ~WriterLease() {
    if (kept_) lent_ = false;
  }
  WriterLease(const WriterLease&) = delete;
  WriterLease& operator=(const WriterLease&) = delete;
  WireWriter& writer() { return kept_ ? shared() : own_; }

 private:
  static WireWriter& shared();
  static inline std::atomic<bool> lent_{false};
  bool kept_;
  WireWriter own_;
};

}  // namespace lm
