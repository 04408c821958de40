#include "hash_filter.h"

#include <cstring>

namespace lm {

namespace {

constexpr int kProbes = 7;
constexpr size_t kBitsPerHash = 10;

// The first probe and the step between probes (odd: every probe lands on a different bit of a
// power-of-two table until it wraps).
inline void probes(const uint8_t* hash, uint64_t& first, uint64_t& step) {
  std::memcpy(&first, hash, 8);
  std::memcpy(&step, hash + 8, 8);
  step |= 1;
}

// How many hashes ``size`` bytes hold end to end.
size_t hashes_in(size_t size) {
  if (size % HashFilter::kHashBytes != 0) raise(Error::kValue, "hashes are 16 bytes each, end to end");
  return size / HashFilter::kHashBytes;
}

}  // namespace

HashFilter::HashFilter(size_t expected) : capacity_(expected < 1024 ? 1024 : expected) {
  uint64_t bits = 64;
  while (bits < uint64_t(capacity_) * kBitsPerHash) bits <<= 1;
  words_.assign(size_t(bits / 64), 0);
  mask_ = bits - 1;
}

void HashFilter::add(const uint8_t* hash) {
  uint64_t at, step;
  probes(hash, at, step);
  for (int i = 0; i < kProbes; i++, at += step) {
    uint64_t bit = at & mask_;
    words_[bit >> 6] |= uint64_t(1) << (bit & 63);
  }
}

bool HashFilter::maybe(const uint8_t* hash) const {
  uint64_t at, step;
  probes(hash, at, step);
  for (int i = 0; i < kProbes; i++, at += step) {
    uint64_t bit = at & mask_;
    if (!(words_[bit >> 6] & (uint64_t(1) << (bit & 63)))) return false;
  }
  return true;
}

void HashFilter::add_packed(const uint8_t* packed, size_t size) {
  for (size_t i = 0, n = hashes_in(size); i < n; i++) add(packed + i * kHashBytes);
}

std::vector<size_t> HashFilter::maybe_packed(const uint8_t* packed, size_t size) const {
  std::vector<size_t> out;
  for (size_t i = 0, n = hashes_in(size); i < n; i++)
    if (maybe(packed + i * kHashBytes)) out.push_back(i);
  return out;
}

}  // namespace lm
