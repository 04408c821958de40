#include "records.h"

#include <cstdlib>

namespace lm {

const uint8_t kAbsentValue[1] = {kAbsent};
const uint8_t kNullValue[1] = {kNull};

namespace {

const uint8_t* as_python(const uint8_t* v) { return *v == kAbsent ? kNullValue : v; }  // props.get(key): None

// graph.core.mutations._tie_wins: at an equal stamp the unequal value whose canonical JSON sorts after wins.
bool tie_wins(const uint8_t* new_value, const uint8_t* old_value, const StringPool& pool) {
  new_value = as_python(new_value);
  old_value = as_python(old_value);
  if (values_equal(new_value, old_value, pool)) return false;
  std::string a, b;
  canonical_json(new_value, pool, a);
  canonical_json(old_value, pool, b);
  return a > b;
}

}  // namespace

uint32_t record_hash(const uint8_t* data, size_t size, size_t n_stamps) {
  uint64_t h = hash_bytes(data, size, n_stamps);
  return uint32_t(h ^ (h >> 32));
}

namespace {

uint32_t hash_record(const Record* r) { return record_hash(r->data, r->size, r->n_stamps); }

bool same_record(const Record* a, const Record* b) {
  return a->hash == b->hash && a->n_stamps == b->n_stamps && a->size == b->size &&
         std::memcmp(a->data, b->data, a->size) == 0;
}

void check_shape(size_t n_stamps, size_t size) {
  if (n_stamps > UINT16_MAX) raise(Error::kValue, "a record with more than 65535 distinct stamps");
  if (size > UINT32_MAX) raise(Error::kValue, "a record over 4 GiB");
}

void init_header(Record* r, size_t n_stamps, size_t size) {
  r->refs = 1;
  r->size = uint32_t(size);
  r->n_stamps = uint16_t(n_stamps);
  r->shared = 0;
}

Record* allocate(size_t n_stamps, size_t size) {
  check_shape(n_stamps, size);
  Record* r = static_cast<Record*>(std::malloc(sizeof(Record) + size));
  if (r == nullptr) throw std::bad_alloc();
  init_header(r, n_stamps, size);
  return r;
}

}  // namespace

const uint8_t* record_value(const Record* r, StrId key, Stamp* stamp) {
  const uint8_t* stamps = r->data;
  const uint8_t* p = r->data + size_t(r->n_stamps) * 8;
  const uint8_t* end = r->data + r->size;
  while (p < end) {
    StrId k = StrId(get_varint(p));
    uint64_t index = get_varint(p);
    if (k == key) {
      if (stamp) std::memcpy(stamp, stamps + index * 8, 8);
      return p;
    }
    p = skip_value(p);
  }
  return nullptr;
}

bool merge(Draft& draft, const Observed& latest, const Observed& first, Stamp at, const StringPool& pool) {
  bool changed = false;
  for (int pass = 0; pass < 2; pass++) {
    const Observed& values = pass == 0 ? latest : first;
    bool newest_wins = pass == 0;
    for (const auto& [key, value] : values) {
      long i = draft.find(key);
      if (i >= 0) {
        Entry& held = draft.entries[size_t(i)];
        int c = compare_stamps(at, held.stamp, pool);
        if (c == 0) {
          if (!tie_wins(value, held.value, pool)) continue;
        } else if ((c > 0) != newest_wins) {
          continue;
        }
      }
      changed = true;
      const uint8_t* stored = *value == kNull ? kAbsentValue : value;
      if (i >= 0) {
        draft.entries[size_t(i)].stamp = at;
        draft.entries[size_t(i)].value = stored;
      } else {
        draft.entries.push_back(Entry{key, at, stored});
      }
    }
  }
  return changed;
}

void fresh(Draft& draft, const Observed& latest, const Observed& first, Stamp at) {
  draft.entries.clear();
  draft.entries.reserve(latest.size() + first.size());
  for (const auto& [key, value] : latest) draft.entries.push_back(Entry{key, at, *value == kNull ? kAbsentValue : value});
  for (const auto& [key, value] : first) {
    if (draft.find(key) < 0) draft.entries.push_back(Entry{key, at, *value == kNull ? kAbsentValue : value});
  }
}

Records::~Records() = default;  // records are freed by their holders (the graph releases them all)

Record* Records::freeze(const Draft& draft, bool share_equal) { return build(draft, share_equal, true); }

namespace {

// Whether a value holds no string of the pool (a text stamp aside: those are the record's stamps).
bool string_free(const uint8_t* value) {
  switch (*value) {
    case kStr:
    case kList:
    case kDict: return false;
    default: return true;  // null, bool, numbers, a packed stamp's text, absent
  }
}

}  // namespace

Record* Records::freeze_borrowing(const Draft& draft) {
  const Record* from = draft.from;
  if (from == nullptr) return nullptr;
  for (uint16_t k = 0; k < from->n_stamps; k++) {
    Stamp stamp;
    std::memcpy(&stamp, from->data + size_t(k) * 8, 8);
    if (is_text_stamp(stamp)) return nullptr;
  }
  size_t i = 0;
  bool same = true;
  for_each_entry(from, [&](const Entry& held) {
    if (!same) return;
    if (i >= draft.entries.size()) {
      same = false;
      return;
    }
    const Entry& e = draft.entries[i++];
    if (e.key != held.key || is_text_stamp(e.stamp)) {
      same = false;
    } else if (e.value != held.value) {
      size_t n = size_t(skip_value(e.value) - e.value), m = size_t(skip_value(held.value) - held.value);
      bool equal = n == m && std::memcmp(e.value, held.value, n) == 0;
      same = equal || (string_free(e.value) && string_free(held.value));
    }
  });
  if (!same || i != draft.entries.size()) return nullptr;
  return build(draft, false, false);
}

void Records::hand_over(Record* from, Record* to) {
  if (--from->refs == 0) {  // (unshared, as every node record is: nothing to leave in the table)
    std::free(from);
    return;
  }
  hold_strings(to);
}

Record* Records::build(const Draft& draft, bool share_equal, bool hold) {
  Stamp stamps[8];
  std::vector<Stamp> many;  // past 8 distinct stamps (rare: a long-lived node's keys set by many events)
  size_t n_stamps = 0;
  uint32_t inline_index[32];  // each entry's stamp index
  std::vector<uint32_t> spilled(draft.entries.size() > 32 ? draft.entries.size() : 0);
  uint32_t* index = spilled.empty() ? inline_index : spilled.data();
  size_t size = 0;
  for (size_t i = 0; i < draft.entries.size(); i++) {
    const Entry& e = draft.entries[i];
    size_t k = 0;
    const Stamp* table = many.empty() ? stamps : many.data();
    while (k < n_stamps && table[k] != e.stamp) k++;
    if (k == n_stamps) {
      if (n_stamps == 8 && many.empty()) many.assign(stamps, stamps + 8);
      if (many.empty()) stamps[n_stamps] = e.stamp; else many.push_back(e.stamp);
      n_stamps++;
    }
    index[i] = uint32_t(k);
    size += varint_size(e.key) + varint_size(k) + size_t(skip_value(e.value) - e.value);
  }
  size_t bytes = n_stamps * 8 + size;
  // A record to share is built in scratch first: most equal one already held (an event states its
  // edges alike), and then it costs no allocation and no string references taken and dropped.
  Record* r = share_equal ? scratch(n_stamps, bytes) : allocate(n_stamps, bytes);
  const Stamp* table = many.empty() ? stamps : many.data();
  std::memcpy(r->data, table, n_stamps * 8);
  uint8_t* p = r->data + n_stamps * 8;
  for (size_t i = 0; i < draft.entries.size(); i++) {
    const Entry& e = draft.entries[i];
    p = write_varint(p, e.key);
    p = write_varint(p, index[i]);
    size_t n = size_t(skip_value(e.value) - e.value);
    std::memcpy(p, e.value, n);
    p += n;
  }
  r->hash = hash_record(r);
  if (!share_equal) {
    if (hold) hold_strings(r);
    return r;
  }
  size_t slot = find_slot(r);
  if (Record* held = table_[slot].record) {
    held->refs++;
    return held;
  }
  Record* kept = allocate(n_stamps, bytes);
  std::memcpy(kept->data, r->data, bytes);
  kept->hash = r->hash;
  hold_strings(kept);
  insert(kept, slot);
  return kept;
}

Record* Records::scratch(size_t n_stamps, size_t size) {
  check_shape(n_stamps, size);
  scratch_.resize((sizeof(Record) + size + 7) / 8);
  Record* r = reinterpret_cast<Record*>(scratch_.data());
  init_header(r, n_stamps, size);
  return r;
}

// The references a record keeps to its strings (keys, string values, text stamps): taken when it is
// held (kTake), given back when it goes.
namespace {
template <bool kTake>
void string_refs(const Record* r, StringPool& pool) {
  for_each_entry(r, [&](const Entry& e) {
    if constexpr (kTake) {
      pool.incref(e.key);
      incref_value(e.value, pool);
    } else {
      pool.decref(e.key);
      decref_value(e.value, pool);
    }
  });
  for (uint16_t k = 0; k < r->n_stamps; k++) {
    Stamp s;
    std::memcpy(&s, r->data + size_t(k) * 8, 8);
    if constexpr (kTake) stamp_incref(s, pool);
    else stamp_decref(s, pool);
  }
}
}  // namespace

void Records::hold_strings(const Record* r) { string_refs<true>(r, pool_); }

Record* Records::adopt(const std::vector<Stamp>& stamps, const Bytes& entries, bool share_equal, bool& duplicate) {
  duplicate = false;
  size_t bytes = stamps.size() * 8 + entries.size();
  // Shared records are built in scratch first: most edges of a snapshot repeat a held record.
  Record* r = share_equal ? scratch(stamps.size(), bytes) : allocate(stamps.size(), bytes);
  if (!stamps.empty()) std::memcpy(r->data, stamps.data(), stamps.size() * 8);
  if (!entries.empty()) std::memcpy(r->data + stamps.size() * 8, entries.data(), entries.size());
  r->hash = hash_record(r);
  if (!share_equal) return r;
  size_t slot = find_slot(r);
  if (Record* held = table_[slot].record) {
    held->refs++;
    duplicate = true;
    return held;
  }
  Record* kept = allocate(stamps.size(), bytes);
  std::memcpy(kept->data, r->data, bytes);
  kept->hash = r->hash;
  insert(kept, slot);
  return kept;
}

Record* Records::adopt(const uint8_t* data, size_t n_stamps, size_t size, uint32_t hash, bool share_equal,
                       bool& duplicate) {
  duplicate = false;
  if (share_equal) {
    check_shape(n_stamps, size);
    size_t i = hash & mask_;
    for (; table_[i].record != nullptr; i = (i + 1) & mask_) {
      Record* held = table_[i].record;
      if (table_[i].hash == hash && held->n_stamps == n_stamps && held->size == size &&
          (size == 0 || std::memcmp(held->data, data, size) == 0)) {
        held->refs++;
        duplicate = true;
        return held;
      }
    }
    Record* kept = allocate(n_stamps, size);
    if (size != 0) std::memcpy(kept->data, data, size);  // an empty record's data may be null
    kept->hash = hash;
    insert(kept, i);
    return kept;
  }
  Record* r = allocate(n_stamps, size);
  if (size != 0) std::memcpy(r->data, data, size);
  r->hash = hash;
  return r;
}

size_t Records::find_slot(const Record* r) const {
  size_t i = r->hash & mask_;
  while (table_[i].record != nullptr && (table_[i].hash != r->hash || !same_record(table_[i].record, r)))
    i = (i + 1) & mask_;
  return i;
}

void Records::insert(Record* r, size_t slot) {
  table_[slot] = Slot{r, r->hash};
  r->shared = 1;
  if (++used_ * 10 > table_.size() * 7) grow();
}

Record* Records::share(Record* r) {
  size_t slot = find_slot(r);
  Record* held = table_[slot].record;
  if (held == nullptr) {
    insert(r, slot);
    return r;
  }
  held->refs++;
  release(r);
  return held;
}

void Records::grow() {
  std::vector<Slot> bigger(table_.size() * 2);
  size_t mask = bigger.size() - 1;
  for (const Slot& slot : table_) {
    if (slot.record == nullptr) continue;
    size_t i = slot.hash & mask;
    while (bigger[i].record != nullptr) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  table_.swap(bigger);
  mask_ = mask;
}

void Records::release(Record* r) {
  if (--r->refs != 0) return;
  if (r->shared) {  // backward-shift deletion, as in StringPool::release
    size_t i = r->hash & mask_;
    while (table_[i].record != r) i = (i + 1) & mask_;
    for (size_t j = (i + 1) & mask_; table_[j].record != nullptr; j = (j + 1) & mask_) {
      size_t home = table_[j].hash & mask_;
      bool between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
      if (!between) {
        table_[i] = table_[j];
        i = j;
      }
    }
    table_[i] = Slot{};
    used_--;
  }
  string_refs<false>(r, pool_);
  std::free(r);
}

void RecordMaker::entry(std::string_view key, std::string_view stamp, long value) {
  StrId k = pool_.intern(key);
  held_.push_back(k);
  Stamp s = stamp_of(stamp, pool_);
  if (is_text_stamp(s)) held_.push_back(StrId(s >> 4));
  items_.push_back({k, {s, value}});
}

Record* RecordMaker::freeze(bool share) {
  Draft draft;
  for (auto& [k, stamped] : items_)
    draft.entries.push_back(Entry{k, stamped.first, stamped.second < 0 ? kAbsentValue : values_.data() + stamped.second});
  return records_.freeze(draft, share);
}

}  // namespace lm
