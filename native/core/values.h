// Property values, encoded compactly: a tag byte and its payload, strings as pool ids (strings
// shaped like stamps packed instead, so an event's timestamps hold no string). Any JSON value a
// property can hold round-trips: None, bool, 64-bit ints, floats, str, lists and dicts (dict keys
// in their order).
//
// Equality is Python's (``1 == 1.0 == True``, dicts regardless of key order), and ties between
// unequal values observed at the same stamp break on their canonical JSON (sorted keys), so the
// merge rule (native/core/records.h) gives one answer whatever order facts arrive in.
#pragma once

#include <cmath>

#include "stamps.h"

namespace lm {

enum Tag : uint8_t {
  kNull = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,     // zigzag varint, int64
  kUInt = 4,    // varint, above INT64_MAX
  kFloat = 5,   // 8 bytes
  kStr = 6,     // varint StrId
  kStampStr = 7,  // 8 bytes: a string shaped like a stamp, packed (native/core/stamps.h)
  kList = 8,    // varint count, values
  kDict = 9,    // varint count, (varint key StrId, value)*
  kAbsent = 10, // in a record only: the key's stamp is kept, its value was removed (set to None)
};

// Values nest at most this deep (a C stack is not unbounded): deeper ones are refused when
// encoded and when read from outside.
constexpr int kMaxDepth = 512;

inline uint64_t zigzag(int64_t v) { return (uint64_t(v) << 1) ^ uint64_t(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }

// A number written as a value, by one rule whatever it is read from (Python, JSON text): an
// integer as kInt where int64 holds it, else kUInt; a float that is not finite as null, as JSON
// has no such numbers.
inline void put_int(Bytes& out, int64_t v) {
  put_u8(out, kInt);
  put_varint(out, zigzag(v));
}
inline void put_uint(Bytes& out, uint64_t v) {
  if (v <= uint64_t(INT64_MAX)) return put_int(out, int64_t(v));
  put_u8(out, kUInt);
  put_varint(out, v);
}
inline void put_float(Bytes& out, double d) {
  if (!std::isfinite(d)) return put_u8(out, kNull);
  put_u8(out, kFloat);
  put_bytes(out, &d, 8);
}

// Where a list or dict value starting at ``p`` ends (skip_value's nested case).
const uint8_t* skip_nested_value(const uint8_t* p);

// Where the value starting at ``p`` ends. Inline for the scalars, most of what a plan steps over
// (a record's entries, each read to find the next): called out of line, the call was ~15 % of a
// re-run's planning.
inline const uint8_t* skip_value(const uint8_t* p) {
  switch (*p) {
    case kInt:
    case kUInt:
    case kStr: {
      const uint8_t* q = p + 1;
      get_varint(q);
      return q;
    }
    case kFloat:
    case kStampStr: return p + 9;
    case kList:
    case kDict: return skip_nested_value(p);
    default: return p + 1;  // null, false, true, absent
  }
}

// Take or drop a reference on every string the value holds (copying or freeing it).
void incref_value(const uint8_t* p, StringPool& pool);
void decref_value(const uint8_t* p, StringPool& pool);

// Python's ``a == b`` on two encoded values.
bool values_equal(const uint8_t* a, const uint8_t* b, const StringPool& pool);

// A string as JSON (quoted, escaped), appended to ``out``.
void json_string(std::string_view s, std::string& out);

// Canonical JSON (sorted keys), the tie-break order of unequal values at one stamp.
void canonical_json(const uint8_t* p, const StringPool& pool, std::string& out);

// Python truthiness (``deleted`` marks a drop when truthy).
bool value_truthy(const uint8_t* p, const StringPool& pool);

// Where an encoded value's strings go: interned in a pool (a record), or numbered in a table
// of their own (the wire format of a batch, native/core/batch.h).
class StringSink {
 public:
  virtual ~StringSink() = default;
  virtual void value(std::string_view s, Bytes& out) = 0;  // a string value: its tag and payload
  virtual uint64_t key(std::string_view s) = 0;            // a dict key: its varint payload
  // The same for a string the caller knows by an identity it keeps alive and unchanged while the
  // sink lives (a Python str object's address: sources repeat the same ones), which a sink may
  // remember it by.
  virtual void value_identified(uintptr_t identity, std::string_view s, Bytes& out) { value(s, out); }
  virtual uint64_t key_identified(uintptr_t identity, std::string_view s) { return key(s); }
};

// Interns into a pool; every reference taken is appended to ``held`` (the caller's to release).
class PoolSink : public StringSink {
 public:
  PoolSink(StringPool& pool, std::vector<StrId>& held) : pool_(pool), held_(held) {}
  void value(std::string_view s, Bytes& out) override;
  uint64_t key(std::string_view s) override;

 private:
  StringPool& pool_;
  std::vector<StrId>& held_;
};

// The string a kStr/kStampStr value holds, or false for other tags.
bool value_string(const uint8_t* p, const StringPool& pool, char* buf, std::string_view& out);

// Two values' strings compared as texts, <0, 0, >0 (no value, or one of another tag, counts as
// ""), without copying them: two packed stamps compare as integers, two pooled strings by id first.
int compare_value_texts(const uint8_t* a, const uint8_t* b, const StringPool& pool);

// Encode a string value: packed if it is shaped like a stamp, else interned (the reference is
// appended to ``held``).
void put_string_value(std::string_view s, StringPool& pool, Bytes& out, std::vector<StrId>& held);

// Re-encodes the value at ``r`` into ``out`` with another string table's ids: the shape (lists,
// dicts, scalars) copied tag by tag, what differs between readers given to ``strings``, whose
// ``key(i, r)`` maps a dict key's index to the id ``out`` holds and whose ``leaf(tag, r, out)``
// copies a kFloat, kStr, kStampStr or kAbsent (or fails ``r``). A batch's wire values (into the
// pool) and a snapshot's chunk values (into the pool) are both read this way.
template <class Strings>
void recode_value(Reader& r, Strings& strings, Bytes& out, int depth) {
  if (depth > kMaxDepth) r.fail();
  uint8_t tag = r.u8();
  switch (tag) {
    case kNull:
    case kFalse:
    case kTrue: put_u8(out, tag); return;
    case kInt:
    case kUInt:
      put_u8(out, tag);
      put_varint(out, r.varint());
      return;
    case kList: {
      uint64_t n = r.varint();
      put_u8(out, kList);
      put_varint(out, n);
      for (uint64_t i = 0; i < n; i++) recode_value(r, strings, out, depth + 1);
      return;
    }
    case kDict: {
      uint64_t n = r.varint();
      put_u8(out, kDict);
      put_varint(out, n);
      for (uint64_t i = 0; i < n; i++) {
        put_varint(out, strings.key(r.varint(), r));
        recode_value(r, strings, out, depth + 1);
      }
      return;
    }
    default: strings.leaf(tag, r, out);
  }
}

}  // namespace lm
