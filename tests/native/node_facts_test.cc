// The node facts a caller asks by name (native/core/node_facts.h).
#include <gtest/gtest.h>

#include "node_facts.h"

namespace lm {
namespace {

TEST(NodeFacts, FactsAreAskedByTheirNamesEachOneOfThoseThereAre) {
  EXPECT_EQ(node_facts_named({}), 0u);
  EXPECT_EQ(node_facts_named({"owners", "upstream", "owners"}), kOwnersFact | kUpstreamCount);
  EXPECT_EQ(node_facts_named({"downstream", "domain", "run_state"}), kDownstreamCount | kDomainFact | kRunStateFact);
  try {
    node_facts_named({"upstream", "runState"});
    FAIL() << "an unknown fact was taken";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind, Error::kValue);
    EXPECT_STREQ(e.what(), "facts are upstream, downstream, domain, owners, run_state");
  }
}

}  // namespace
}  // namespace lm
