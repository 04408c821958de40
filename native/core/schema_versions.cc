#include "schema_versions.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

#include "ids.h"

namespace lm {

namespace {

constexpr uint32_t kRounds[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

void compress(uint32_t h[8], const uint8_t block[64]) {
  uint32_t w[64];
  for (int i = 0; i < 16; i++)
    w[i] = uint32_t(block[4 * i]) << 24 | uint32_t(block[4 * i + 1]) << 16 | uint32_t(block[4 * i + 2]) << 8 |
           uint32_t(block[4 * i + 3]);
  for (int i = 16; i < 64; i++) {
    uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
  for (int i = 0; i < 64; i++) {
    uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRounds[i] + w[i];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
  h[5] += f;
  h[6] += g;
  h[7] += k;
}

#if defined(__x86_64__)
// The blocks through the SHA extensions (Intel's published sequence: four rounds per message
// vector, the schedule by sha256msg1/msg2): ~6x the portable rounds, which were most of making a
// first version (a first load hashes one for every dataset).
__attribute__((target("sha,sse4.1,ssse3"))) void compress_sha_ni(uint32_t h[8], const uint8_t* blocks, size_t count) {
  const __m128i kSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0xB1);  // CDAB
  __m128i state1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4)), 0x1B);  // EFGH
  __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
  state1 = _mm_blend_epi16(state1, tmp, 0xF0);       // CDGH
  for (size_t b = 0; b < count; b++) {
    const uint8_t* block = blocks + 64 * b;
    __m128i abef = state0, cdgh = state1;
    __m128i w[4];
    for (int i = 0; i < 16; i++) {
      if (i < 4) w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 16 * i)), kSwap);
      __m128i msg = _mm_add_epi32(w[i % 4], _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRounds + 4 * i)));
      state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
      if (i >= 3 && i <= 14) {
        __m128i& next = w[(i + 1) % 4];
        next = _mm_sha256msg2_epu32(_mm_add_epi32(next, _mm_alignr_epi8(w[i % 4], w[(i + 3) % 4], 4)), w[i % 4]);
      }
      state0 = _mm_sha256rnds2_epu32(state0, state1, _mm_shuffle_epi32(msg, 0x0E));
      if (i >= 1 && i <= 12) w[(i + 3) % 4] = _mm_sha256msg1_epu32(w[(i + 3) % 4], w[i % 4]);
    }
    state0 = _mm_add_epi32(state0, abef);
    state1 = _mm_add_epi32(state1, cdgh);
  }
  tmp = _mm_shuffle_epi32(state0, 0x1B);     // FEBA
  state1 = _mm_shuffle_epi32(state1, 0xB1);  // DCHG
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(tmp, state1, 0xF0));      // DCBA
  _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(state1, tmp, 8));  // HGFE
}

bool has_sha_ni() {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3)) return false;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

void compress_portable(uint32_t h[8], const uint8_t* blocks, size_t count) {
  for (size_t b = 0; b < count; b++) compress(h, blocks + 64 * b);
}

using Compress = void (*)(uint32_t[8], const uint8_t*, size_t);

std::array<uint8_t, 32> sha256_with(std::string_view data, Compress blocks) {
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t whole = data.size() / 64;
  if (whole) blocks(h, p, whole);
  uint8_t tail[128] = {};
  size_t rest = data.size() - whole * 64;
  if (rest) std::memcpy(tail, p + whole * 64, rest);
  tail[rest] = 0x80;
  size_t count = rest + 9 > 64 ? 2 : 1;
  uint64_t bits = uint64_t(data.size()) * 8;
  for (int i = 0; i < 8; i++) tail[count * 64 - 1 - i] = uint8_t(bits >> (8 * i));
  blocks(h, tail, count);
  std::array<uint8_t, 32> digest;
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++) digest[4 * i + j] = uint8_t(h[i] >> (24 - 8 * j));
  return digest;
}

void append_hex(std::string& out, const uint8_t* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 15]);
  }
}

}  // namespace

std::array<uint8_t, 32> sha256(std::string_view data) {
#if defined(__x86_64__)
  static const bool hardware = has_sha_ni();
  if (hardware) return sha256_with(data, compress_sha_ni);
#endif
  return sha256_with(data, compress_portable);
}

std::array<uint8_t, 32> sha256_portable(std::string_view data) { return sha256_with(data, compress_portable); }

void append_newest_first(std::string& out, std::string_view at) {
  size_t start = out.size();
  out.append(at);
  for (size_t i = start; i < out.size(); i++)
    if (out[i] >= '0' && out[i] <= '9') out[i] = char('9' - (out[i] - '0'));
}

std::string version_uuid(std::string_view canonical_json) {
  std::array<uint8_t, 32> digest = sha256(canonical_json);
  digest[6] = uint8_t((digest[6] & 0x0F) | 0x50);  // the version
  digest[8] = uint8_t((digest[8] & 0x3F) | 0x80);  // the RFC 4122 variant
  std::string out;
  out.reserve(36);
  append_hex(out, digest.data(), 4);
  out.push_back('-');
  append_hex(out, digest.data() + 4, 2);
  out.push_back('-');
  append_hex(out, digest.data() + 6, 2);
  out.push_back('-');
  append_hex(out, digest.data() + 8, 2);
  out.push_back('-');
  append_hex(out, digest.data() + 10, 6);
  return out;
}

std::string versions_prefix(std::string_view dataset) {
  std::string out(kIdPrefixes[kDatasetVersion]);
  out.push_back(':');
  append_id_part(out, dataset);
  out.push_back(':');
  return out;
}

std::string version_id(std::string_view dataset, std::string_view at, std::string_view version,
                       std::string_view detected) {
  std::string out = versions_prefix(dataset);
  append_newest_first(out, at);
  out.push_back(':');
  append_newest_first(out, detected);
  out.push_back(':');
  out.append(version);
  return out;
}

bool wire_canonical_json(Reader& r, const WireTable& table, std::string& out, int depth) {
  if (depth > kMaxDepth) r.fail();
  switch (r.u8()) {
    case kNull: out += "null"; return true;
    case kFalse: out += "false"; return true;
    case kTrue: out += "true"; return true;
    case kInt: out += std::to_string(unzigzag(r.varint())); return true;
    case kUInt: out += std::to_string(r.varint()); return true;
    case kFloat: return false;
    case kStr: json_string(table.at(r.varint(), r), out); return true;
    case kList: {
      uint64_t n = r.varint();
      out.push_back('[');
      for (uint64_t i = 0; i < n; i++) {
        if (i) out.push_back(',');
        if (!wire_canonical_json(r, table, out, depth + 1)) return false;
      }
      out.push_back(']');
      return true;
    }
    case kDict: {
      uint64_t n = r.count();
      std::vector<std::pair<std::string_view, std::string>> items;  // each item's JSON, then sorted
      items.reserve(size_t(n));
      for (uint64_t i = 0; i < n; i++) {
        std::string_view key = table.at(r.varint(), r);
        std::string value;
        if (!wire_canonical_json(r, table, value, depth + 1)) return false;
        items.emplace_back(key, std::move(value));
      }
      std::stable_sort(items.begin(), items.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
      out.push_back('{');
      for (size_t i = 0; i < items.size(); i++) {
        if (i) out.push_back(',');
        json_string(items[i].first, out);
        out.push_back(':');
        out += items[i].second;
      }
      out.push_back('}');
      return true;
    }
    default: r.fail();
  }
}

namespace {

// recode_value's strings from one wire table into another writer's (``sink``'s).
struct WireToWire {
  const WireTable& table;
  StringSink& sink;

  uint64_t key(uint64_t i, const Reader& r) { return sink.key(table.at(i, r)); }
  void leaf(uint8_t tag, Reader& r, Bytes& out) {
    if (tag == kFloat) {
      put_u8(out, kFloat);
      put_u64(out, r.u64());
      return;
    }
    if (tag != kStr) r.fail();
    sink.value(table.at(r.varint(), r), out);
  }
};

}  // namespace

void copy_wire_value(Reader& r, const WireTable& table, StringSink& sink, Bytes& out, int depth) {
  WireToWire strings{table, sink};
  recode_value(r, strings, out, depth);
}

}  // namespace lm
