// IdOrder (native/core/id_order.h): a kind's nodes paged by id, kept up to date batch by batch,
// against a plain sort of every id the kind holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "fixture.h"

namespace lm {
namespace {

void add_datasets(Graph& g, const std::vector<std::string>& names) {
  Builder b("2026-01-05T00:00:01.000000Z");
  for (const std::string& name : names) {
    MapWriter props = b.map();
    props.set_str("name", name);
    b.node("dataset:ns:" + name, kDataset, props);
  }
  fixture::commit(g, b.wire.finish());
}

// Every id of ``kind`` sorting after ``after``, in order: what a page must begin with.
std::vector<std::string> expected(const Graph& g, uint8_t kind, const std::string* after, size_t first) {
  std::vector<std::string> all;
  for (NodeIdx n : g.nodes_of_kind[kind]) {
    std::string id = fixture::text(g, n);
    if (after == nullptr || id > *after) all.push_back(id);
  }
  std::sort(all.begin(), all.end());
  all.resize(std::min(all.size(), first));
  return all;
}

TEST(IdOrder, PagesAKindByIdAsBatchesAddToIt) {
  Graph g;
  std::mt19937 random(7);
  std::vector<std::string> names;
  for (int i = 0; i < 2000; i++) names.push_back("t" + std::to_string(random() % 100000) + "_" + std::to_string(i));
  IdOrder& order = g.id_order[kDataset];
  size_t at = 0;
  for (size_t size : {1, 5, 400, 3, 700, 1, 90, 800}) {  // small batches land in the recent part, large ones fold it in
    size = std::min(size, names.size() - at);
    add_datasets(g, std::vector<std::string>(names.begin() + long(at), names.begin() + long(at + size)));
    at += size;
    ASSERT_FALSE(order.current(g.nodes_of_kind[kDataset].size()));
    order.catch_up(g, g.nodes_of_kind[kDataset]);
    ASSERT_TRUE(order.current(g.nodes_of_kind[kDataset].size()));
    EXPECT_EQ(fixture::ids(g, order.page(g, false, "", 1u << 20)), expected(g, kDataset, nullptr, 1u << 20));
    for (const std::string& after : {std::string("dataset:ns:t5"), std::string("dataset:ns:") + names[at / 2],
                                     std::string(""), std::string("dataset:ns:u")}) {
      EXPECT_EQ(fixture::ids(g, order.page(g, true, after, 17)), expected(g, kDataset, &after, 17)) << after;
    }
    EXPECT_TRUE(order.page(g, false, "", 0).empty());
    std::string prefix = "dataset:ns:" + names[at / 3].substr(0, 3);  // a few datasets start with it
    std::vector<std::string> under = expected(g, kDataset, &prefix, 1);
    EXPECT_EQ(fixture::ids(g, {order.first_under(g, prefix)}), under) << prefix;
    EXPECT_EQ(order.first_under(g, "dataset:ns:u"), kNone);
    EXPECT_EQ(order.first_under(g, ""), order.page(g, false, "", 1)[0]);  // (an id is after "", never at it)
  }
  EXPECT_GT(order.heap_bytes(), 0u);
  EXPECT_TRUE(g.id_order[kJob].page(g, false, "", 10).empty());  // a kind never read by id holds nothing
  EXPECT_EQ(g.id_order[kJob].heap_bytes(), 0u);
}

}  // namespace
}  // namespace lm
