// search_names (native/core/search.h): Store.search's order over the embedded graph, names lowered
// as Python's str.lower() lowers them, a name that is no string shown by the caller.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fixture.h"
#include "search.h"

namespace lm {
namespace {

TEST(Search, ExactNamesFirstThenPrefixesThenTheRestEachByNameThenId) {
  Graph g;
  Builder b("2026-01-05T00:00:01.000000Z");
  auto add = [&](const std::string& id, uint8_t kind, const char* name) {
    MapWriter props = b.map();
    if (name != nullptr) props.set_str("name", name);
    b.node(id, kind, props);
  };
  add("dataset:b:orders", kDataset, "Orders");
  add("dataset:a:orders", kDataset, "orders");
  add("dataset:a:raw", kDataset, "raw.orders");
  add("dataset:a:mart", kDataset, "orders_mart");
  add("dataset:a:none", kDataset, nullptr);
  add("dataset:a:greek", kDataset, "ΣΟΦΙΑ orders");
  add("job:etl:orders", kJob, "orders");
  MapWriter numbered = b.map();
  numbered.set_int("name", 42);
  b.node("dataset:a:numbered", kDataset, numbered);
  fixture::commit(g, b.wire.finish());
  uint32_t datasets = kind_bit(kDataset);
  size_t asked = 0;
  ShownValue shown = [&](const uint8_t*) {
    asked++;
    return std::string("42");
  };
  EXPECT_EQ(fixture::ids(g, search_names(g, "orders", datasets, 10, shown)),
            (fixture::Strings{"dataset:b:orders", "dataset:a:orders", "dataset:a:mart", "dataset:a:raw", "dataset:a:greek"}));
  EXPECT_EQ(asked, 1u);  // the number's name, shown once
  EXPECT_EQ(fixture::ids(g, search_names(g, "orders", datasets, 2, shown)),
            (fixture::Strings{"dataset:b:orders", "dataset:a:orders"}));
  EXPECT_EQ(fixture::ids(g, search_names(g, "σοφια", datasets, 10, shown)), (fixture::Strings{"dataset:a:greek"}));
  EXPECT_EQ(fixture::ids(g, search_names(g, "42", datasets, 10, shown)), (fixture::Strings{"dataset:a:numbered"}));
  EXPECT_EQ(fixture::ids(g, search_names(g, "orders", kind_bit(kJob), 10, shown)), (fixture::Strings{"job:etl:orders"}));
  EXPECT_EQ(fixture::ids(g, search_names(g, "orders", kind_bit(kJob) | datasets, 3, shown)),
            (fixture::Strings{"dataset:b:orders", "dataset:a:orders", "job:etl:orders"}));
}

}  // namespace
}  // namespace lm
