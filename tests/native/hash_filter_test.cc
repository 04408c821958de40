// HashFilter (native/core/hash_filter.h): no hash added is ever missed, and few others are taken
// for one at the capacity it was sized for.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "hash_filter.h"

namespace lm {
namespace {

std::vector<uint8_t> random_hashes(size_t n, std::mt19937_64& random) {
  std::vector<uint8_t> out(n * HashFilter::kHashBytes);
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t v = random();
    for (int b = 0; b < 8; b++) out[i + b] = uint8_t(v >> (8 * b));
  }
  return out;
}

TEST(HashFilter, NeverMissesAnAddedHashAndRarelyTakesAnother) {
  std::mt19937_64 random(3);
  HashFilter filter(20000);
  EXPECT_EQ(filter.capacity(), 20000u);
  std::vector<uint8_t> added = random_hashes(20000, random);
  std::vector<uint8_t> others = random_hashes(20000, random);
  size_t before = 0;
  for (size_t i = 0; i < 20000; i++) before += filter.maybe(&others[i * 16]);
  EXPECT_EQ(before, 0u);  // an empty filter holds nothing
  for (size_t i = 0; i < 20000; i++) filter.add(&added[i * 16]);
  for (size_t i = 0; i < 20000; i++) ASSERT_TRUE(filter.maybe(&added[i * 16])) << i;
  size_t false_positives = 0;
  for (size_t i = 0; i < 20000; i++) false_positives += filter.maybe(&others[i * 16]);
  EXPECT_LT(false_positives, 20000u * 2 / 100);  // ~1 % at capacity (10 bits, 7 probes)
}

TEST(HashFilter, ASmallFilterIsSizedForAThousand) {
  HashFilter filter(3);
  EXPECT_EQ(filter.capacity(), 1024u);
  uint8_t hash[16] = {1, 2, 3};
  filter.add(hash);
  EXPECT_TRUE(filter.maybe(hash));
}

TEST(HashFilter, PackedHashesAreReadSixteenBytesEach) {
  std::mt19937_64 random(5);
  HashFilter filter(1000);
  std::vector<uint8_t> added = random_hashes(3, random), asked = random_hashes(4, random);
  filter.add_packed(added.data(), added.size());
  std::copy(added.begin() + 16, added.begin() + 32, asked.begin() + 32);  // the second added, asked third
  std::vector<size_t> maybe = filter.maybe_packed(asked.data(), asked.size());
  EXPECT_NE(std::find(maybe.begin(), maybe.end(), 2u), maybe.end());
  EXPECT_TRUE(filter.maybe_packed(added.data(), 0).empty());
  try {
    filter.add_packed(added.data(), 17);
    FAIL() << "17 bytes are no hashes";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, Error::kValue);
    EXPECT_STREQ(e.what(), "hashes are 16 bytes each, end to end");
  }
  EXPECT_THROW(filter.maybe_packed(asked.data(), 15), Error);
}

}  // namespace
}  // namespace lm
