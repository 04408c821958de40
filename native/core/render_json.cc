// The API's JSON rows of a view's answers and a lineage node's facts (render_json.h).
#include "render_json.h"

#include <algorithm>

#include "values.h"
#include "view.h"

namespace lm {

namespace {

void put_text(std::string& out, const Graph& g, const uint8_t* v, const Spec& spec) {
  if (v == nullptr || *v == kAbsent || *v == kNull) {
    if (!spec.nullable) throw Unrenderable{};
    out += "null";
    return;
  }
  if (*v == kStr) {
    const uint8_t* p = v + 1;
    put_id(out, g, StrId(get_varint(p)));
    return;
  }
  char buf[32];
  std::string_view text;
  if (!value_string(v, g.pool, buf, text)) throw Unrenderable{};
  json_string(text, out);
}

}  // namespace

Field field_of(std::string_view name) {
  static const std::pair<const char*, Field> known[] = {
      {"id", Field::kId}, {"kind", Field::kKind}, {"namespace", Field::kNamespace}, {"name", Field::kName},
      {"dataset", Field::kDataset}, {"deleted", Field::kDeleted}, {"declared", Field::kDeclared},
      {"source", Field::kSource}, {"target", Field::kTarget}, {"distance", Field::kDistance}, {"path", Field::kPath},
      {"via", Field::kVia},
      {"severity", Field::kSeverity}, {"certain", Field::kCertain},
      {"upstream_count", Field::kUpstreamCount}, {"downstream_count", Field::kDownstreamCount},
      {"domain", Field::kDomain}, {"owners", Field::kOwners}, {"latest_run_state", Field::kLatestRunState},
      {"type", Field::kType}};
  for (auto& [known_name, field] : known)
    if (name == known_name) return field;
  return Field::kOther;
}

How how_of(std::string_view name) {
  static const std::pair<const char*, How> known[] = {
      {"string", How::kString}, {"bool", How::kBool}, {"int", How::kInt}, {"enum", How::kEnum},
      {"strings", How::kStrings}, {"json", How::kJson}, {"objects", How::kObjects}};
  for (auto& [known_name, how] : known)
    if (name == known_name) return how;
  return How::kOther;
}

std::string spec_key(std::string_view key, bool first) {
  std::string out = first ? "" : ",";
  json_string(key, out);
  out += ":";
  return out;
}

const std::string& enum_name(const Spec& spec, size_t code) {
  if (code >= spec.named.size() || spec.named[code].empty()) throw Unrenderable{};
  return spec.named[code];
}

void put_id(std::string& out, const Graph& g, StrId id) {
  if (!g.pool.json_plain(id)) {
    json_string(g.pool.view(id), out);
    return;
  }
  std::string_view s = g.pool.view(id);
  out.push_back('"');
  out.append(s.data(), s.size());
  out.push_back('"');
}

bool shown_deleted(const Graph& g, const View* view, NodeIdx n) {
  if (view != nullptr) return view->deleted(n);
  const uint8_t* v = g.node_value(n, g.keys.deleted);
  return v != nullptr && value_truthy(v, g.pool);
}

bool shown_declared(const Graph& g, const View*, NodeIdx n) {
  uint8_t kind = g.node_kind[n];
  if (kind != kDataset && kind != kColumn) return true;  // other kinds are never mere references
  const uint8_t* v = g.node_value(n, g.keys.declared);
  return v != nullptr && value_truthy(v, g.pool);
}

void put_node_field(std::string& out, const Graph& g, NodeIdx n, const Spec& spec, StrId id_as, const View* view) {
  switch (spec.field) {
    case Field::kId:
      if (spec.how != How::kString) throw Unrenderable{};
      put_id(out, g, id_as);
      return;
    case Field::kKind:
      if (spec.how != How::kEnum) throw Unrenderable{};
      out += enum_name(spec, g.node_kind[n]);
      return;
    case Field::kNamespace:
    case Field::kName:
    case Field::kDataset: {
      if (spec.how != How::kString) throw Unrenderable{};
      StrId key = spec.field == Field::kNamespace ? g.keys.namespace_ : spec.field == Field::kName ? g.keys.name : g.keys.dataset;
      put_text(out, g, g.node_value(n, key), spec);
      return;
    }
    case Field::kDeleted:
    case Field::kDeclared: {
      if (spec.how != How::kBool) throw Unrenderable{};
      bool on = spec.field == Field::kDeleted ? shown_deleted(g, view, n) : shown_declared(g, view, n);
      out += on ? "true" : "false";
      return;
    }
    default:
      throw Unrenderable{};
  }
}

void put_column_value(std::string& out, const Spec& spec, size_t row) {
  if (spec.column_unrenderable || row >= spec.column_json.size()) throw Unrenderable{};
  out += spec.column_json[row];
}

uint32_t fact_bits(const std::vector<Spec>& specs) {
  uint32_t bits = 0;
  for (const Spec& spec : specs) {
    if (spec.has_column) continue;
    if (spec.field == Field::kUpstreamCount) bits |= kUpstreamCount;
    if (spec.field == Field::kDownstreamCount) bits |= kDownstreamCount;
    if (spec.field == Field::kDomain) bits |= kDomainFact;
    if (spec.field == Field::kOwners) bits |= kOwnersFact;
    if (spec.field == Field::kLatestRunState) bits |= kRunStateFact;
  }
  return bits;
}

bool FactsJson::read(View& view, const std::vector<NodeIdx>& nodes, uint32_t asked, Budget budget,
                     std::vector<Spec>& specs) {
  answer_ = node_facts(view, nodes, asked, budget);
  for (const std::string& text : answer_.texts) json_string(text, texts_.emplace_back());
  if (!(asked & kOwnersFact)) return true;
  // The owners as graph.read.node_facts reads them: view.nodes(), whole, those the view shows.
  std::vector<StrId> ids;
  for (const auto& list : answer_.owner_lists)
    for (const auto& owner : list) ids.push_back(owner.first);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<NodeIdx> found;
  view.find_all(ids, found);
  std::vector<NodeIdx> existing;
  for (NodeIdx n : found)
    if (n != kNone) existing.push_back(n);
  view.wholes(existing);
  FlatMap<StrId, NodeIdx> shown;
  for (size_t k = 0; k < ids.size(); k++)
    if (view.visible(found[k])) shown[ids[k]] = found[k];
  try {
    for (Spec& spec : specs) {
      if (spec.field != Field::kOwners || spec.has_column) continue;
      if (spec.how != How::kObjects || spec.items.empty()) return false;
      spec.column_json.assign(answer_.owner_lists.size() + 1, "[]");  // the last: no owners
      for (size_t k = 0; k < answer_.owner_lists.size(); k++) {
        std::string& out = spec.column_json[k];
        out.clear();
        out += "[";
        bool first = true;
        for (const auto& [id, type] : answer_.owner_lists[k]) {
          const NodeIdx* n = shown.find(id);
          if (n == nullptr) continue;
          if (!first) out += ",";
          first = false;
          put_owner(out, view.g, id, *n, type, spec);
        }
        out += "]";
      }
    }
  } catch (const Unrenderable&) {
    return false;
  }
  return true;
}

bool FactsJson::put(std::string& out, size_t i, const Spec& spec) const {
  switch (spec.field) {
    case Field::kUpstreamCount:
    case Field::kDownstreamCount: {
      uint32_t n = (spec.field == Field::kUpstreamCount ? answer_.upstream : answer_.downstream)[i];
      if (spec.how != How::kInt || n > 2147483647u) throw Unrenderable{};
      out += std::to_string(n);
      return true;
    }
    case Field::kDomain:
    case Field::kLatestRunState:
      if (spec.how != How::kString) throw Unrenderable{};
      put_text(out, (spec.field == Field::kDomain ? answer_.domain : answer_.run_state)[i], spec.nullable);
      return true;
    case Field::kOwners: {
      int32_t at = answer_.owners[i];
      out += spec.column_json[at < 0 ? spec.column_json.size() - 1 : size_t(at)];
      return true;
    }
    default:
      return false;
  }
}

void FactsJson::put_text(std::string& out, int32_t at, bool nullable) const {
  if (at >= 0) {
    out += texts_[size_t(at)];
  } else {
    if (!nullable) throw Unrenderable{};
    out += "null";
  }
}

void FactsJson::put_owner(std::string& out, const Graph& g, StrId id, NodeIdx n, int32_t type, const Spec& spec) const {
  out += "{";
  for (const Spec& item : spec.items) {
    out += item.key;
    if (item.how != How::kString) throw Unrenderable{};
    if (item.field == Field::kId) {
      put_id(out, g, id);
    } else if (item.field == Field::kName) {
      const uint8_t* v = g.node_value(n, g.keys.name);
      if (v == nullptr || *v == kAbsent) {
        put_id(out, g, id);  // props.get(NAME, id)
      } else if (*v == kStr) {
        const uint8_t* p = v + 1;
        put_id(out, g, StrId(get_varint(p)));
      } else if (*v == kNull && item.nullable) {
        out += "null";
      } else {
        throw Unrenderable{};
      }
    } else if (item.field == Field::kType) {
      put_text(out, type, item.nullable);
    } else {
      throw Unrenderable{};
    }
  }
  out += "}";
}

std::optional<std::string> render_lineage_nodes(View& view, const LineageAnswer& answer, std::vector<Spec>& specs,
                                                Budget budget) {
  const Graph& g = view.g;
  const auto& nodes = answer.nodes;
  FactsJson facts;
  uint32_t asked = fact_bits(specs);
  if (asked != 0 && !facts.read(view, nodes, asked, budget, specs)) return std::nullopt;
  return render_rows(nodes.size(), specs, [&](std::string& out, size_t i, Spec& spec) {
    if (spec.has_column) put_column_value(out, spec, i);
    else if (asked != 0 && facts.put(out, i, spec)) return;
    else put_node_field(out, g, nodes[i], spec, g.node_id[nodes[i]], &view);
  });
}

std::optional<std::string> render_lineage_edges(const Graph& g, const LineageAnswer& answer, std::vector<Spec>& specs) {
  const auto& edges = answer.edges;
  return render_rows(edges.size(), specs, [&](std::string& out, size_t i, Spec& spec) {
    const auto& e = edges[i];
    if ((spec.field == Field::kSource || spec.field == Field::kTarget) && spec.how == How::kString) {
      put_id(out, g, g.node_id[spec.field == Field::kSource ? e.source : e.target]);
    } else if (spec.field == Field::kKind && spec.how == How::kEnum) {
      out += enum_name(spec, e.kind);
    } else {
      throw Unrenderable{};
    }
  });
}

void impact_path(const ImpactReportAnswer& answer, const ImpactReportAnswer::Affected& item, std::vector<int32_t>& out) {
  out.clear();
  for (int32_t s = item.path; s >= 0; s = answer.steps[size_t(s)].parent) out.push_back(s);
  std::reverse(out.begin(), out.end());
}

StrId impact_via(const ImpactReportAnswer& answer, const ImpactReportAnswer::Affected& item) {
  return answer.steps[size_t(answer.steps[size_t(item.path)].parent)].id;
}

std::optional<std::string> render_impact_affected(const View& view, const ImpactReportAnswer& answer,
                                                  std::vector<Spec>& specs) {
  const Graph& g = view.g;
  std::vector<int32_t> chain;
  std::vector<std::string> step_json(answer.steps.size());
  return render_rows(answer.affected.size(), specs, [&](std::string& out, size_t i, Spec& spec) {
    const auto& item = answer.affected[i];
    if (spec.field == Field::kDistance && spec.how == How::kInt) {
      out += std::to_string(item.distance);
    } else if (spec.field == Field::kCertain && spec.how == How::kBool) {
      out += item.certain ? "true" : "false";
    } else if (spec.field == Field::kSeverity && spec.how == How::kEnum) {
      out += enum_name(spec, item.severity);
    } else if (spec.field == Field::kVia && spec.how == How::kString) {
      put_id(out, g, impact_via(answer, item));
    } else if (spec.field == Field::kPath && spec.how == How::kStrings) {
      impact_path(answer, item, chain);
      out += "[";
      for (size_t k = 0; k < chain.size(); k++) {
        std::string& text = step_json[size_t(chain[k])];
        if (text.empty()) put_id(text, g, answer.steps[size_t(chain[k])].id);
        if (k) out += ",";
        out += text;
      }
      out += "]";
    } else {
      put_node_field(out, g, item.node, spec, item.id, &view);
    }
  });
}

}  // namespace lm
