// Marquez's lineage graphs as JSON (native/marquez/marquez.h): a dataset lineage answer's and the
// column lineage of some columns, their nodes written by the renderer of marquez_render.h.
#include "marquez.h"

#include <algorithm>
#include <unordered_map>

#include "marquez_render.h"

namespace lm {

void marquez_lineage_runs(View& view, const LineageAnswer& answer, std::vector<NodeIdx>& out) {
  std::vector<NodeIdx> jobs;
  for (NodeIdx n : answer.nodes)
    if (view.g.node_kind[n] == kJob) jobs.push_back(n);
  std::vector<NodeIdx> latest;
  marquez_latest_runs(view, jobs, latest);
  for (NodeIdx run : latest)
    if (run != kNone) out.push_back(run);
}

void marquez_lineage_json(View& view, const LineageAnswer& answer, std::string& out, const RunVersions* versions) {
  const Graph& g = view.g;
  const std::vector<NodeIdx>& nodes = answer.nodes;  // by id
  std::unordered_map<NodeIdx, size_t> at;
  for (size_t i = 0; i < nodes.size(); i++) at.emplace(nodes[i], i);
  std::vector<std::vector<NodeIdx>> ins(nodes.size()), outs(nodes.size());
  for (const auto& e : answer.edges) {
    auto s = at.find(e.source), t = at.find(e.target);
    if (s != at.end()) outs[s->second].push_back(e.target);
    if (t != at.end()) ins[t->second].push_back(e.source);
  }
  auto by_id = [&](std::vector<NodeIdx>& list) {
    std::sort(list.begin(), list.end(), [&](NodeIdx a, NodeIdx b) { return g.pool.view(g.node_id[a]) < g.pool.view(g.node_id[b]); });
    list.erase(std::unique(list.begin(), list.end()), list.end());
  };
  Renderer r(view, out);
  r.run_versions(versions);
  r.read(nodes, false);
  out.reserve(out.size() + nodes.size() * 1024 + r.fields_read() * 128 + answer.edges.size() * 256);
  out += "{\"graph\":[";
  for (size_t i = 0; i < nodes.size(); i++) {
    NodeIdx n = nodes[i];
    if (i) out.push_back(',');
    out += "{\"id\":";
    r.id(n);
    bool dataset = g.node_kind[n] == kDataset;
    out += dataset ? ",\"type\":\"DATASET\",\"data\":" : ",\"type\":\"JOB\",\"data\":";
    if (dataset) r.dataset(n, false);
    else r.job(n, false);
    by_id(ins[i]);
    by_id(outs[i]);
    out += ",\"inEdges\":[";
    for (size_t k = 0; k < ins[i].size(); k++) {
      r.edge(ins[i][k], n, k == 0);
    }
    out += "],\"outEdges\":[";
    for (size_t k = 0; k < outs[i].size(); k++) {
      r.edge(n, outs[i][k], k == 0);
    }
    out += "]}";
  }
  out += "]}";
}

bool marquez_column_lineage_json(View& view, const std::vector<NodeIdx>& starts, bool downstream, int depth, Budget budget,
                                 std::string& out) {
  Graph& g = view.g;
  std::unordered_map<NodeIdx, size_t> at;  // column -> its place in ``columns``
  std::vector<NodeIdx> columns;
  std::unordered_map<uint64_t, EdgeIdx> edges;  // source << 32 | target -> the stored edge whose properties it shows
  bool truncated = false;
  for (NodeIdx start : starts) {
    LineageAnswer answer = column_lineage(view, start, true, downstream, depth, budget);
    truncated |= answer.truncated;
    for (NodeIdx n : answer.nodes)
      if (g.node_kind[n] == kColumn && at.emplace(n, columns.size()).second) columns.push_back(n);
    for (const auto& e : answer.edges) edges[uint64_t(e.source) << 32 | e.target] = e.props;
  }
  auto id_of = [&](NodeIdx n) { return g.pool.view(g.node_id[n]); };
  std::sort(columns.begin(), columns.end(), [&](NodeIdx a, NodeIdx b) { return id_of(a) < id_of(b); });
  for (size_t i = 0; i < columns.size(); i++) at[columns[i]] = i;
  struct Input {
    NodeIdx source;
    EdgeIdx props;
  };
  std::vector<std::vector<Input>> inputs(columns.size());
  std::vector<std::vector<NodeIdx>> outputs(columns.size());
  for (auto& [ends, props] : edges) {
    NodeIdx source = NodeIdx(ends >> 32), target = NodeIdx(ends & 0xFFFFFFFFu);
    auto s = at.find(source), t = at.find(target);
    if (s == at.end() || t == at.end()) continue;
    inputs[t->second].push_back(Input{source, props});
    outputs[s->second].push_back(target);
  }
  view.lean(columns);
  StrId description_key = g.pool.find("transformationDescription"), type_key = g.pool.find("transformationType");
  auto edge_prop = [&](EdgeIdx e, StrId key) -> const uint8_t* {
    if (e == kNone || key == kNone) return nullptr;
    const uint8_t* v = g.edge_value(e, key);
    return v == nullptr || *v == kAbsent ? nullptr : v;
  };
  // (description, type) Marquez shows for a derivation: the deprecated fields, else the first transformation's.
  auto transformation = [&](EdgeIdx e, const uint8_t*& description, const uint8_t*& type) {
    const uint8_t* first = nullptr;
    const uint8_t* list = edge_prop(e, g.keys.transformations);
    if (list != nullptr && *list == kList) {
      const uint8_t* q = list + 1;
      if (get_varint(q) > 0) first = q;
    }
    description = edge_prop(e, description_key);
    if (description == nullptr || !value_truthy(description, g.pool)) description = Renderer::dict_get(first, "description", g.pool);
    type = edge_prop(e, type_key);
    if (type == nullptr || !value_truthy(type, g.pool)) type = Renderer::dict_get(first, "type", g.pool);
  };
  Renderer r(view, out);
  out.reserve(out.size() + columns.size() * 512);
  out += "{\"graph\":[";
  for (size_t i = 0; i < columns.size(); i++) {
    NodeIdx n = columns[i];
    std::sort(inputs[i].begin(), inputs[i].end(), [&](const Input& a, const Input& b) { return id_of(a.source) < id_of(b.source); });
    std::sort(outputs[i].begin(), outputs[i].end(), [&](NodeIdx a, NodeIdx b) { return id_of(a) < id_of(b); });
    if (i) out.push_back(',');
    out += "{\"id\":";
    r.id(n);
    out += ",\"type\":\"DATASET_FIELD\",\"data\":{\"namespace\":";
    r.prop_value(n, g.keys.namespace_);
    out += ",\"dataset\":";
    r.prop_value(n, g.keys.dataset);
    out += ",\"datasetVersion\":null,\"field\":";
    r.prop_value(n, g.keys.name);
    out += ",\"fieldType\":";
    r.prop_value(n, g.keys.type);
    const uint8_t *description = nullptr, *type = nullptr;
    if (!inputs[i].empty()) transformation(inputs[i][0].props, description, type);
    out += ",\"transformationDescription\":";
    r.value(description);
    out += ",\"transformationType\":";
    r.value(type);
    out += ",\"inputFields\":[";
    for (size_t k = 0; k < inputs[i].size(); k++) {
      const Input& input = inputs[i][k];
      transformation(input.props, description, type);
      out += k ? ",{\"namespace\":" : "{\"namespace\":";
      r.prop_value(input.source, g.keys.namespace_);
      out += ",\"dataset\":";
      r.prop_value(input.source, g.keys.dataset);
      out += ",\"field\":";
      r.prop_value(input.source, g.keys.name);
      out += ",\"transformationDescription\":";
      r.value(description);
      out += ",\"transformationType\":";
      r.value(type);
      out += ",\"datasetVersion\":null}";
    }
    out += "]},\"inEdges\":[";
    for (size_t k = 0; k < inputs[i].size(); k++) {
      if (k && inputs[i][k].source == inputs[i][k - 1].source) continue;
      r.edge(n, inputs[i][k].source, k == 0);
    }
    out += "],\"outEdges\":[";
    for (size_t k = 0; k < outputs[i].size(); k++) {
      if (k && outputs[i][k] == outputs[i][k - 1]) continue;
      r.edge(n, outputs[i][k], k == 0);
    }
    out += "]}";
  }
  out += "]}";
  return truncated;
}

}  // namespace lm
