// Basics every part of the native core shares: integer ids, varints, hashing, bounds-checked
// reading, and the one exception type the core fails with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace lm {

using StrId = uint32_t;   // an interned string (native/core/strings.h)
using NodeIdx = uint32_t;  // a node's place in a graph
using EdgeIdx = uint32_t;  // an edge's place in a graph
constexpr uint32_t kNone = UINT32_MAX;

// A failure the core reports to its caller: its kind (the bindings raise the Python exception of
// that kind: ValueError, TypeError, MemoryError, RuntimeError, IndexError) and why.
class Error : public std::runtime_error {
 public:
  enum Kind : uint8_t { kValue, kType, kMemory, kState, kIndex };
  Error(Kind kind, const std::string& message) : std::runtime_error(message), kind(kind) {}
  const Kind kind;
};

[[noreturn]] inline void raise(Error::Kind kind, const std::string& message) { throw Error(kind, message); }

// Malformed bytes (a journal row, a snapshot chunk): a ValueError naming what was wrong.
[[noreturn]] inline void corrupt(const char* what) { raise(Error::kValue, std::string("malformed ") + what); }

// Hashing strings is a tenth of translating an event and of planning one (every id, key and
// value is looked up in a table), so: wyhash's construction (final version 4, public domain),
// 16 bytes per 64x64->128-bit multiply, three lanes over long strings. Not persisted anywhere:
// tables rehash when loaded.
namespace wy {
constexpr uint64_t kSecret[4] = {0xa0761d6478bd642full, 0xe7037ed1a0b428dbull, 0x8ebc6af09c88c6e3ull,
                                 0x589965cc75374cc3ull};
inline void mum(uint64_t& a, uint64_t& b) {
  __uint128_t r = __uint128_t(a) * b;
  a = uint64_t(r);
  b = uint64_t(r >> 64);
}
inline uint64_t mum_mix(uint64_t a, uint64_t b) {
  mum(a, b);
  return a ^ b;
}
inline uint64_t read8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t read4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace wy

inline uint64_t hash_bytes(const void* key, size_t len, uint64_t seed = 0x9E3779B97F4A7C15ull) {
  using namespace wy;
  const unsigned char* p = static_cast<const unsigned char*>(key);
  seed ^= mum_mix(seed ^ kSecret[0], kSecret[1]);
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      size_t shift = (len >> 3) << 2;
      a = (read4(p) << 32) | read4(p + shift);
      b = (read4(p + len - 4) << 32) | read4(p + len - 4 - shift);
    } else if (len > 0) {
      a = (uint64_t(p[0]) << 16) | (uint64_t(p[len >> 1]) << 8) | p[len - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    if (i > 48) {
      uint64_t lane1 = seed, lane2 = seed;
      do {
        seed = mum_mix(read8(p) ^ kSecret[1], read8(p + 8) ^ seed);
        lane1 = mum_mix(read8(p + 16) ^ kSecret[2], read8(p + 24) ^ lane1);
        lane2 = mum_mix(read8(p + 32) ^ kSecret[3], read8(p + 40) ^ lane2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= lane1 ^ lane2;
    }
    while (i > 16) {
      seed = mum_mix(read8(p) ^ kSecret[1], read8(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = read8(p + i - 16);
    b = read8(p + i - 8);
  }
  a ^= kSecret[1];
  b ^= seed;
  mum(a, b);
  return mum_mix(a ^ kSecret[0] ^ len, b ^ kSecret[1]);
}

inline uint64_t mix(uint64_t x) {  // a finaliser for hashing integers (splitmix64's)
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// -- byte buffers ------------------------------------------------------------------------------

using Bytes = std::vector<uint8_t>;

inline void put_u8(Bytes& out, uint8_t v) { out.push_back(v); }

inline void put_varint(Bytes& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(uint8_t(v) | 0x80);
    v >>= 7;
  }
  out.push_back(uint8_t(v));
}

inline size_t varint_size(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

inline uint8_t* write_varint(uint8_t* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = uint8_t(v) | 0x80;
    v >>= 7;
  }
  *p++ = uint8_t(v);
  return p;
}

// A fixed-width unsigned integer as its bytes in this machine's order (little-endian hosts only).
template <class T>
inline void put_fixed(Bytes& out, T v) {
  static_assert(std::is_unsigned_v<T>, "fixed-width writes are of unsigned integers");
  uint8_t b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.insert(out.end(), b, b + sizeof(T));
}
inline void put_u64(Bytes& out, uint64_t v) { put_fixed(out, v); }
inline void put_u32(Bytes& out, uint32_t v) { put_fixed(out, v); }

inline void put_bytes(Bytes& out, const void* p, size_t n) {
  const uint8_t* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}

// Reading bytes this process wrote itself (records in memory): no bounds checks.
inline uint64_t get_varint(const uint8_t*& p) {
  uint64_t v = 0;
  int shift = 0;
  for (;;) {
    uint8_t b = *p++;
    v |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return v;
    shift += 7;
  }
}

inline uint64_t get_u64(const uint8_t*& p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  p += 8;
  return v;
}

// Reading bytes from outside (a journal row, a snapshot chunk): every read is bounds-checked,
// and running off the end is a ValueError naming what was being read.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n, const char* what) : p_(p), end_(p + n), what_(what) {}
  bool done() const { return p_ == end_; }
  const uint8_t* position() const { return p_; }
  uint8_t u8() {
    if (p_ >= end_) corrupt(what_);
    return *p_++;
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = u8();
      v |= uint64_t(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    corrupt(what_);
  }
  uint32_t u32varint() {
    uint64_t v = varint();
    if (v > UINT32_MAX) corrupt(what_);
    return uint32_t(v);
  }
  template <class T>
  T fixed() {
    static_assert(std::is_unsigned_v<T>, "fixed-width reads are of unsigned integers");
    if (size_t(end_ - p_) < sizeof(T)) corrupt(what_);
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  uint32_t u32() { return fixed<uint32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
  const uint8_t* bytes(size_t n) {
    if (size_t(end_ - p_) < n) corrupt(what_);
    const uint8_t* b = p_;
    p_ += n;
    return b;
  }
  // A count of items that each take at least ``min_bytes`` of what is left: a damaged count fails
  // here instead of reserving memory the input cannot fill.
  size_t count(size_t min_bytes = 1) {
    uint64_t n = varint();
    if (n > uint64_t(end_ - p_) / (min_bytes ? min_bytes : 1)) corrupt(what_);
    return size_t(n);
  }
  [[noreturn]] void fail() const { corrupt(what_); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  const char* what_;
};

}  // namespace lm
