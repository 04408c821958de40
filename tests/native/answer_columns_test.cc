// The columns of a lineage answer's nodes and edges and of an impact answer's affected nodes
// (native/core/answer_columns.h), on the orders mesh.
#include "answer_columns.h"

#include "fixture.h"
#include "values.h"

namespace lm {
namespace {

using namespace fixture;

Strings ids_of(const Graph& g, const Column& c) { return strs(g, c.ids); }

// A kStr value's text.
std::string value_text(const Graph& g, const uint8_t* v) {
  const uint8_t* p = v + 1;
  return *v == kStr ? str(g, StrId(get_varint(p))) : "?";
}

// The orders mesh, committed and viewed now; ``revenue``: the dataset the answers start from.
class AnswerColumns : public ::testing::Test {
 protected:
  Graph g;
  Viewing v{orders(g)};
  NodeIdx revenue = g.find_node("dataset:pg:mart.revenue");

  static Graph& orders(Graph& g) {
    Builder b(kT1);
    orders_mesh(b);
    commit(g, b.wire.finish());
    return g;
  }
};

TEST_F(AnswerColumns, ALineageAnswersNodeColumnsAreTheirIdsKindsPropertiesAndFlags) {
  LineageAnswer a = dataset_lineage(v.view, revenue, false, true, 1, unlimited());
  Column id = node_column(g, a.nodes, "id", &v.view);
  EXPECT_EQ(id.type, Column::kIds);
  EXPECT_EQ(ids_of(g, id), (Strings{"dataset:pg:mart.revenue", "dataset:pg:report.daily", "job:etl:report"}));
  Column kind = node_column(g, a.nodes, "kind", &v.view);
  EXPECT_EQ(kind.type, Column::kNodeKinds);
  EXPECT_EQ(kind.numbers, (std::vector<int64_t>{kDataset, kDataset, kJob}));
  Column name = node_column(g, a.nodes, "name", &v.view);
  ASSERT_EQ(name.type, Column::kValues);
  EXPECT_EQ(value_text(g, name.values[0]), "mart.revenue");
  EXPECT_EQ(value_text(g, name.values[2]), "report");
  Column dataset = node_column(g, a.nodes, "dataset", &v.view);  // no node here has one
  EXPECT_EQ(dataset.values, (std::vector<const uint8_t*>{nullptr, nullptr, nullptr}));
  Column deleted = node_column(g, a.nodes, "deleted", &v.view);
  EXPECT_EQ(deleted.type, Column::kBools);
  EXPECT_EQ(deleted.numbers, (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(node_column(g, a.nodes, "owner", &v.view).type, Column::kNoField);
}

TEST_F(AnswerColumns, ALineageAnswersEdgeColumnsAreTheirEndsKindsAndProperties) {
  LineageAnswer a = dataset_lineage(v.view, revenue, false, true, 1, unlimited());
  Column source = edge_column(g, a, "source");
  EXPECT_EQ(source.type, Column::kRepeatedIds);
  EXPECT_EQ(ids_of(g, source), (Strings{"dataset:pg:mart.revenue", "job:etl:report"}));
  EXPECT_EQ(ids_of(g, edge_column(g, a, "target")), (Strings{"job:etl:report", "dataset:pg:report.daily"}));
  EXPECT_EQ(edge_column(g, a, "kind").numbers, (std::vector<int64_t>{kReads, kWrites}));
  Column props = edge_column(g, a, "props");
  EXPECT_EQ(props.type, Column::kProps);
  EXPECT_EQ(props.numbers.size(), 2u);
  EXPECT_EQ(edge_column(g, a, "id").type, Column::kNoField);
}

TEST_F(AnswerColumns, AnImpactsAffectedColumnsAreReadForTheRowsAsked) {
  ImpactReportAnswer r = impact_report(v.view, revenue, -1, false, unlimited());
  const std::vector<int64_t>* all = nullptr;
  std::vector<int64_t> second{1};
  EXPECT_EQ(ids_of(g, affected_column(g, r, all, "id", &v.view)), (Strings{"dataset:pg:report.daily", "job:etl:report"}));
  EXPECT_EQ(affected_column(g, r, all, "distance", &v.view).numbers, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(affected_column(g, r, all, "severity", &v.view).numbers, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(affected_column(g, r, all, "certain", &v.view).type, Column::kBools);
  EXPECT_EQ(ids_of(g, affected_column(g, r, all, "via", &v.view)), (Strings{"job:etl:report", "dataset:pg:mart.revenue"}));
  Column path = affected_column(g, r, all, "path", &v.view);
  EXPECT_EQ(path.type, Column::kIdPaths);
  EXPECT_EQ(path.ends, (std::vector<size_t>{0, 3, 5}));
  EXPECT_EQ(ids_of(g, path), (Strings{"dataset:pg:mart.revenue", "job:etl:report", "dataset:pg:report.daily",
                                      "dataset:pg:mart.revenue", "job:etl:report"}));
  EXPECT_EQ(affected_column(g, r, &second, "kind", &v.view).numbers, (std::vector<int64_t>{kJob}));  // a node field
  EXPECT_EQ(affected_column(g, r, &second, "nope", &v.view).type, Column::kNoField);
}

TEST_F(AnswerColumns, AnAffectedRowOutOfRangeIsAnIndexError) {
  ImpactReportAnswer r = impact_report(v.view, revenue, -1, false, unlimited());
  for (std::vector<int64_t> rows : {std::vector<int64_t>{2}, {0, -1}}) {
    try {
      affected_column(g, r, &rows, "id", &v.view);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind, Error::kIndex);
      EXPECT_STREQ(e.what(), "affected row out of range");
    }
  }
}

}  // namespace
}  // namespace lm
