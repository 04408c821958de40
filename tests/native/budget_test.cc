// A walk's budget as a caller states it (native/core/lineage.h's Budget::within).
#include <gtest/gtest.h>

#include "lineage.h"

namespace lm {
namespace {

TEST(Budget, AStatedBudgetCountsNodesAndSecondsFromNow) {
  auto before = std::chrono::steady_clock::now();
  Budget b = Budget::within(500, 2.5);
  EXPECT_EQ(b.max_nodes, 500u);
  EXPECT_GE(b.deadline, before + std::chrono::milliseconds(2500));
  EXPECT_LE(b.deadline, std::chrono::steady_clock::now() + std::chrono::milliseconds(2500));
  EXPECT_FALSE(b.over_time());
  EXPECT_EQ(Budget::within(-1, 1).max_nodes, 0u);  // below 0: no nodes
  EXPECT_TRUE(Budget::within(10, -1).over_time());  // a deadline already past
}

}  // namespace
}  // namespace lm
