// One query's view of a store (native/core/query_view.h): the View now or as of a moment, the
// moment's stamp held while it lives, its alias resolver.
#include "query_view.h"

#include "fixture.h"

namespace lm {
namespace {

using namespace fixture;

TEST(QueryView, AViewNowHoldsNoMomentAndResolvesAliases) {
  Graph g;
  aliased_orders_mesh(g);
  QueryView q(std::make_unique<Source>(g), false, "");
  EXPECT_FALSE(q.view.past);
  EXPECT_EQ(q.view.as_of, 0u);
  EXPECT_EQ(&q.view.g, &g);
  EXPECT_EQ(str(g, q.aliases.canonical(g.pool.find("dataset:s3:bucket/orders"))), "dataset:pg:raw.orders");
  EXPECT_NE(q.view.find("job:etl:clean"), kNone);
}

TEST(QueryView, AViewAsOfAMomentHoldsItsStampWhileItLives) {
  Graph g;
  aliased_orders_mesh(g);
  const std::string moment = "2026-01-04T00:00:00+00:00";  // before anything was seen; held as text
  {
    QueryView q(std::make_unique<Source>(g), true, moment);
    EXPECT_TRUE(q.view.past);
    ASSERT_TRUE(is_text_stamp(q.view.as_of));
    StrId held = StrId(q.view.as_of >> 4);
    EXPECT_EQ(str(g, held), moment);
    EXPECT_EQ(g.pool.refs(held), 1u);
    EXPECT_EQ(q.view.find("job:etl:clean"), kNone);  // first seen after the moment
  }
  EXPECT_EQ(g.pool.find(moment), kNone);  // let go with the view
}

}  // namespace
}  // namespace lm
