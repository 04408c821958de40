// What the core's tests share: committing a Builder's batch to a Graph, and reading answers back
// as text (ids, "source -KIND-> target" edges, a whole graph as canonical lines) to compare with
// what a test expects.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "builder.h"
#include "graph.h"
#include "lineage.h"
#include "records.h"
#include "source.h"
#include "stamps.h"
#include "values.h"
#include "view.h"

namespace lm {
namespace fixture {

// When the tests' events happen, a day apart, as OpenLineage stamps them.
inline constexpr const char* kT1 = "2026-01-05T00:00:00.000000Z";
inline constexpr const char* kT2 = "2026-01-06T00:00:00.000000Z";
inline constexpr const char* kT3 = "2026-01-07T00:00:00.000000Z";
using Strings = std::vector<std::string>;

inline void commit(Graph& g, const Bytes& wire) {
  std::unique_ptr<Plan> plan = g.plan(wire.data(), wire.size());
  g.commit(*plan);
}

// The orders mesh both walks are tested on: pg:raw.orders -> clean -> pg:staging.orders -> agg ->
// pg:mart.revenue -> report -> pg:report.daily, with agg also reading pg:raw.customers.
inline void orders_mesh(Builder& b) {
  for (auto [job, reads, writes] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"clean", "raw.orders", "staging.orders"},
           {"agg", "staging.orders", "mart.revenue"},
           {"agg", "raw.customers", "mart.revenue"},
           {"report", "mart.revenue", "report.daily"}}) {
    std::string id = b.job("etl", job, b.map());
    b.edge(id, kReads, b.dataset_ref("pg", reads));
    b.edge(id, kWrites, b.dataset_ref("pg", writes));
  }
}

// The orders mesh committed, read from an alias: ingest -> s3:bucket/orders (an alias of
// pg:raw.orders) -> clean -> pg:staging.orders -> agg (also reading pg:raw.customers) ->
// pg:mart.revenue -> report -> pg:report.daily.
inline void aliased_orders_mesh(Graph& g) {
  Builder b(kT1);
  b.alias("s3", "bucket/orders", "dataset:pg:raw.orders", "storage");
  b.edge("job:etl:ingest", kWrites, "dataset:s3:bucket/orders");
  orders_mesh(b);
  commit(g, b.wire.finish());
}

// A column-lineage edge: ``output`` derives from ``input`` in job etl.j, by one transformation of
// ``type`` (none stated when null), as the columnLineage facet's translation writes it.
inline void derive_column(Builder& b, const std::string& output, const std::string& input, const char* type) {
  MapWriter props = b.map();
  props.set_str("jobId", "job:etl:j");
  if (type != nullptr)
    props.set_encoded("transformations", [&](StringSink& s, Bytes& out) {
      put_u8(out, kList);
      put_varint(out, 1);
      put_u8(out, kDict);
      put_varint(out, 1);
      put_varint(out, s.key("type"));
      s.value(type, out);
    });
  b.edge(output, kDerivesFrom, input, &props);
}

inline Budget unlimited(size_t max_nodes = 1000000) {
  return Budget{max_nodes, std::chrono::steady_clock::now() + std::chrono::hours(1)};
}

inline std::string text(const Graph& g, NodeIdx n) { return std::string(g.pool.view(g.node_id[n])); }
inline std::string str(const Graph& g, StrId id) { return std::string(g.pool.view(id)); }

inline std::vector<std::string> ids(const Graph& g, const std::vector<NodeIdx>& nodes) {
  std::vector<std::string> out;
  for (NodeIdx n : nodes) out.push_back(text(g, n));
  return out;
}

inline std::vector<std::string> strs(const Graph& g, const std::vector<StrId>& strs) {
  std::vector<std::string> out;
  for (StrId s : strs) out.push_back(str(g, s));
  return out;
}

// "source -KIND-> target" for each edge of an answer, in its order.
inline std::vector<std::string> edges(const Graph& g, const LineageAnswer& answer) {
  std::vector<std::string> out;
  for (const auto& e : answer.edges)
    out.push_back(text(g, e.source) + " -" + kEdgeKindNames[e.kind] + "-> " + text(g, e.target));
  return out;
}

// A record as "key@stamp=value" entries (values as canonical JSON; removed ones as <absent>).
inline std::string record_text(const Graph& g, const Record* r) {
  std::string out;
  char buf[32];
  for_each_entry(r, [&](const Entry& e) {
    out += std::string(g.pool.view(e.key)) + "@" + std::string(stamp_text(e.stamp, g.pool, buf)) + "=";
    if (*e.value == kAbsent) out += "<absent>";
    else canonical_json(e.value, g.pool, out);
    out += ";";
  });
  return out;
}

// The whole graph as sorted lines, one per node and one per edge: equal graphs, equal lines,
// whatever order their nodes and edges were added in.
inline std::vector<std::string> describe(const Graph& g) {
  std::vector<std::string> lines;
  for (NodeIdx n = 0; n < g.node_count(); n++)
    lines.push_back("node " + text(g, n) + " " + kNodeKindNames[g.node_kind[n]] + " " +
                    (g.dropped(n) ? "dropped " : "") + record_text(g, g.node_record[n]));
  for (EdgeIdx e = 0; e < g.edge_count(); e++)
    lines.push_back("edge " + text(g, g.edge_src[e]) + " -" + kEdgeKindNames[g.edge_kind[e]] + "-> " +
                    text(g, g.edge_dst[e]) + " " + record_text(g, g.edge_record[e]));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// A view of the embedded graph as it is now (``as_of`` empty), or as of a moment.
class Viewing {
 public:
  explicit Viewing(Graph& g, const std::string& as_of = "")
      : g_(g), source(g), at(as_of.empty() ? 0 : stamp_of(as_of, g.pool)), view(source, !as_of.empty(), at) {}
  ~Viewing() {
    if (view.past) stamp_decref(at, g_.pool);
  }

 private:
  Graph& g_;

 public:
  Source source;
  Stamp at;
  View view;
};

}  // namespace fixture
}  // namespace lm
