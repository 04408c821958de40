#include "batch.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "kinds.h"


namespace lm {

namespace {

// -- wire -> pool ---------------------------------------------------------------------------------

// A part's strings in the pool. All but stamp-shaped ones (which are packed, never interned,
// unless used as a key or an id) are interned up front, in table order and with the pool's memory
// asked for ahead (StringPool::prefetch_*); the rest as they are first used. Parts of one payload
// repeat most of their strings (keys, types, namespaces, the ids of shared datasets): a batch
// remembers what it interned by hash, so a repeat is found in a small table that stays in cache
// rather than in the pool's large one.
class PartStrings {
 public:
  PartStrings(const WireTable& table, StringPool& pool, std::vector<StrId>& held, FlatMap<uint64_t, StrId>& seen)
      : table_(table), pool_(pool), held_(held), seen_(seen), ids_(table.texts.size(), kNone) {
    size_t n = table.texts.size();
    hashes_.resize(n);
    for (size_t i = 0; i < n; i++) hashes_[i] = hash_bytes(table.texts[i].data(), table.texts[i].size());
    stamps_.resize(n);
    constexpr size_t kSlotAhead = 24, kEntryAhead = 16, kTextAhead = 8;
    for (size_t i = 0; i < n; i++) {
      if (i + kSlotAhead < n) pool_.prefetch_slot(uint32_t(hashes_[i + kSlotAhead]));
      if (i + kEntryAhead < n) pool_.prefetch_entry(uint32_t(hashes_[i + kEntryAhead]));
      if (i + kTextAhead < n) pool_.prefetch_text(uint32_t(hashes_[i + kTextAhead]));
      if (!pack_stamp(table.texts[i], stamps_[i])) {
        stamps_[i] = kTextStamp;
        intern(i);
      }
    }
  }

  // Whether string ``i`` is a canonical stamp, packed into ``out`` (read once per string, where a
  // part names the same few stamps in every mutation and many values).
  bool stamp(uint64_t i, const Reader& r, Stamp& out) const {
    table_.at(i, r);  // in range
    out = stamps_[size_t(i)];
    return out != kTextStamp;  // (a packed stamp's low nibble is its rank, 0-9)
  }

  StrId id(uint64_t i, const Reader& r) {
    table_.at(i, r);  // in range
    return ids_[size_t(i)] != kNone ? ids_[size_t(i)] : intern(size_t(i));
  }

 private:
  StrId intern(size_t i) {
    std::string_view s = table_.texts[i];
    uint64_t h = hashes_[i];
    StrId& id = ids_[i];
    bool added;
    StrId& known = seen_.at(h, &added);
    if (!added && pool_.view(known) == s) return id = known;
    id = pool_.intern(s, uint32_t(h));
    held_.push_back(id);
    if (added) known = id;  // (a hash shared by two strings keeps the first)
    return id;
  }

  const WireTable& table_;
  StringPool& pool_;
  std::vector<StrId>& held_;
  FlatMap<uint64_t, StrId>& seen_;
  std::vector<StrId> ids_;
  std::vector<uint64_t> hashes_;
  std::vector<Stamp> stamps_;  // each string packed, kTextStamp where it is not a canonical stamp
};

// Re-encodes the wire value at ``r`` with pool ids (string values shaped like stamps packed, a
// float that is not finite as null), through ``recode_value`` (native/core/values.h).
struct WireToPool {
  PartStrings& strings;

  StrId key(uint64_t i, const Reader& r) { return strings.id(i, r); }
  void leaf(uint8_t tag, Reader& r, Bytes& out) {
    if (tag == kFloat) {
      uint64_t bits = r.u64();
      double d;
      std::memcpy(&d, &bits, 8);
      if (!std::isfinite(d)) {
        put_u8(out, kNull);
        return;
      }
      put_u8(out, kFloat);
      put_u64(out, bits);
      return;
    }
    if (tag != kStr) r.fail();
    uint64_t i = r.varint();
    Stamp packed;
    if (strings.stamp(i, r, packed)) {
      put_u8(out, kStampStr);
      put_u64(out, packed);
      return;
    }
    put_u8(out, kStr);
    put_varint(out, strings.id(i, r));
  }
};

void wire_to_pool(Reader& r, PartStrings& strings, Bytes& out) {
  WireToPool recode{strings};
  recode_value(r, recode, out, 0);
}

}  // namespace

// -- Batch ----------------------------------------------------------------------------------------

Batch::~Batch() {
  for (StrId id : held_) pool_.decref(id);
  for (Stamp s : held_stamps_) stamp_decref(s, pool_);
}

void Batch::decode(const uint8_t* data, size_t size) {
  Reader r(data, size, "mutation batch");
  values_.reserve(size);  // about what the values re-encode to (the wire form adds its string tables)
  while (!r.done()) decode_part(r, size);  // a payload may hold several batches, back to back
  // Point every map at its values once they are all read (values_ moves as it grows).
  properties_.resize(items_.size());
  for (size_t i = 0; i < items_.size(); i++) properties_[i] = Property(items_[i].first, values_.data() + items_[i].second);
  maps.resize(1 + map_ends_.size());
  const Property* start = properties_.data();
  for (size_t m = 0; m < map_ends_.size(); m++) {
    const Property* end = properties_.data() + map_ends_[m];
    maps[m + 1] = Observed(start, end);
    start = end;
  }
}

void Batch::decode_part(Reader& r, size_t size) {
  read_magic(r);
  WireTable table;
  table.read(r);
  PartStrings strings(table, pool_, held_, seen_);
  uint64_t n_maps = r.varint();
  if (n_maps > size) r.fail();
  uint32_t base = uint32_t(map_ends_.size());  // this part's maps follow the earlier parts'
  for (uint64_t m = 0; m < n_maps; m++) {
    uint64_t n = r.varint();
    if (n > size) r.fail();
    for (uint64_t k = 0; k < n; k++) {
      StrId key = strings.id(r.varint(), r);
      size_t at = values_.size();
      wire_to_pool(r, strings, values_);
      items_.emplace_back(key, at);
    }
    map_ends_.push_back(items_.size());
  }
  uint64_t n = r.varint();
  if (n > size) r.fail();
  if (mutations.capacity() < mutations.size() + n) mutations.reserve(std::max(2 * mutations.capacity(), mutations.size() + size_t(n)));
  for (uint64_t k = 0; k < n; k++) {
    Mutation m;
    uint8_t op = r.u8();
    if (op > 1) r.fail();
    m.edge = op == 1;
    m.a = strings.id(r.varint(), r);
    m.kind = r.u8();
    if (m.kind >= (m.edge ? unsigned(kEdgeKinds) : unsigned(kNodeKinds))) r.fail();
    m.b = m.edge ? strings.id(r.varint(), r) : kNone;
    uint64_t at = r.varint();
    if (!strings.stamp(at, r, m.at)) m.at = stamp_of(table.at(at, r), pool_);
    if (is_text_stamp(m.at)) held_stamps_.push_back(m.at);
    uint32_t props = map_ref(r, size_t(n_maps));
    uint32_t first = map_ref(r, size_t(n_maps));
    m.props = props ? props + base : 0;
    m.first = first ? first + base : 0;
    mutations.push_back(m);
  }
}

}  // namespace lm
