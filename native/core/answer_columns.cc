#include "answer_columns.h"

#include "render_json.h"
#include "values.h"

namespace lm {

namespace {

// A column of ``type`` whose row i is ``item(i)`` of ``rows`` rows, into ``to`` (numbers, ids or values).
template <class T, class F>
Column column_of(Column::Type type, std::vector<T> Column::*to, size_t rows, F&& item) {
  Column c;
  c.type = type;
  (c.*to).reserve(rows);
  for (size_t i = 0; i < rows; i++) (c.*to).push_back(item(i));
  return c;
}

}  // namespace

Column node_column(const Graph& g, const std::vector<NodeIdx>& nodes, std::string_view field, const View* view) {
  auto numbers = [&](Column::Type type, auto&& item) {
    return column_of(type, &Column::numbers, nodes.size(), [&](size_t i) { return int64_t(item(nodes[i])); });
  };
  if (field == "id") return column_of(Column::kIds, &Column::ids, nodes.size(), [&](size_t i) { return g.node_id[nodes[i]]; });
  if (field == "kind") return numbers(Column::kNodeKinds, [&](NodeIdx n) { return g.node_kind[n]; });
  if (field == "deleted") return numbers(Column::kBools, [&](NodeIdx n) { return shown_deleted(g, view, n); });
  if (field == "declared") return numbers(Column::kBools, [&](NodeIdx n) { return shown_declared(g, view, n); });
  StrId key = field == "namespace" ? g.keys.namespace_ : field == "name" ? g.keys.name : field == "dataset" ? g.keys.dataset : kNone;
  if (key == kNone) return Column{};
  return column_of(Column::kValues, &Column::values, nodes.size(), [&](size_t i) {
    const uint8_t* v = g.node_value(nodes[i], key);
    return v == nullptr || *v == kAbsent ? nullptr : v;
  });
}

Column edge_column(const Graph& g, const LineageAnswer& answer, std::string_view field) {
  const std::vector<LineageAnswer::Edge>& edges = answer.edges;
  auto numbers = [&](Column::Type type, auto&& item) {
    return column_of(type, &Column::numbers, edges.size(), [&](size_t i) { return int64_t(item(edges[i])); });
  };
  using Edge = const LineageAnswer::Edge&;
  if (field == "kind") return numbers(Column::kEdgeKinds, [](Edge e) { return e.kind; });
  if (field == "props") return numbers(Column::kProps, [](Edge e) { return e.props; });
  if (field != "source" && field != "target") return Column{};
  bool sources = field == "source";
  return column_of(Column::kRepeatedIds, &Column::ids, edges.size(),
                   [&](size_t i) { return g.node_id[sources ? edges[i].source : edges[i].target]; });
}

Column affected_column(const Graph& g, const ImpactReportAnswer& answer, const std::vector<int64_t>* wanted,
                       std::string_view field, const View* view) {
  std::vector<size_t> rows;
  if (wanted == nullptr)
    for (size_t i = 0; i < answer.affected.size(); i++) rows.push_back(i);
  else
    for (int64_t at : *wanted) {
      if (at < 0 || uint64_t(at) >= answer.affected.size()) raise(Error::kIndex, "affected row out of range");
      rows.push_back(size_t(at));
    }
  using Item = const ImpactReportAnswer::Affected&;
  auto item_of = [&](size_t i) -> Item { return answer.affected[rows[i]]; };
  auto numbers = [&](Column::Type type, auto&& item) {
    return column_of(type, &Column::numbers, rows.size(), [&](size_t i) { return int64_t(item(item_of(i))); });
  };
  auto ids = [&](auto&& item) { return column_of(Column::kIds, &Column::ids, rows.size(), [&](size_t i) { return item(item_of(i)); }); };
  if (field == "distance") return numbers(Column::kInts, [](Item x) { return x.distance; });
  if (field == "severity") return numbers(Column::kInts, [](Item x) { return x.severity; });
  if (field == "certain") return numbers(Column::kBools, [](Item x) { return x.certain; });
  if (field == "via") return ids([&](Item x) { return impact_via(answer, x); });
  if (field == "id") return ids([](Item x) { return x.id; });
  if (field == "path") {
    Column c;
    c.type = Column::kIdPaths;
    c.ends.push_back(0);
    std::vector<int32_t> chain;
    for (size_t i = 0; i < rows.size(); i++) {
      impact_path(answer, item_of(i), chain);
      for (int32_t step : chain) c.ids.push_back(answer.steps[size_t(step)].id);
      c.ends.push_back(c.ids.size());
    }
    return c;
  }
  std::vector<NodeIdx> nodes;
  nodes.reserve(rows.size());
  for (size_t at : rows) nodes.push_back(answer.affected[at].node);
  return node_column(g, nodes, field, view);
}

}  // namespace lm
