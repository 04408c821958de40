// The API's JSON rows of a view's answers and a lineage node's facts (render_json.h).
#include "render_json.h"

#include <algorithm>

#include "pyvalues.h"
#include "views.h"

namespace lm {

namespace {

Field field_of(std::string_view f) {
  static const std::pair<const char*, Field> known[] = {
      {"id", Field::kId}, {"kind", Field::kKind}, {"namespace", Field::kNamespace}, {"name", Field::kName},
      {"dataset", Field::kDataset}, {"deleted", Field::kDeleted}, {"declared", Field::kDeclared},
      {"source", Field::kSource}, {"target", Field::kTarget}, {"distance", Field::kDistance}, {"path", Field::kPath},
      {"via", Field::kVia},
      {"severity", Field::kSeverity}, {"certain", Field::kCertain},
      {"upstream_count", Field::kUpstreamCount}, {"downstream_count", Field::kDownstreamCount},
      {"domain", Field::kDomain}, {"owners", Field::kOwners}, {"latest_run_state", Field::kLatestRunState},
      {"type", Field::kType}};
  for (auto& [name, field] : known)
    if (f == name) return field;
  return Field::kOther;
}

How how_of(std::string_view h) {
  if (h == "string") return How::kString;
  if (h == "bool") return How::kBool;
  if (h == "int") return How::kInt;
  if (h == "enum") return How::kEnum;
  if (h == "strings") return How::kStrings;
  if (h == "json") return How::kJson;
  if (h == "objects") return How::kObjects;
  return How::kOther;
}

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

// A value of a spec's own column, rendered as its type asks (anything else: Unrenderable).
void put_py_value(std::string& out, const Spec& spec, size_t row) {
  if (Py_ssize_t(row) >= PyList_GET_SIZE(spec.column)) throw Unrenderable{};
  PyObject* value = PyList_GET_ITEM(spec.column, Py_ssize_t(row));
  std::string spill;
  if (value == Py_None) {
    if (!spec.nullable) throw Unrenderable{};
    out += "null";
  } else if (spec.how == How::kInt && PyLong_CheckExact(value)) {
    long long n = PyLong_AsLongLong(value);
    if ((n == -1 && PyErr_Occurred()) || n > 2147483647LL || n < -2147483648LL) {
      PyErr_Clear();
      throw Unrenderable{};
    }
    out += std::to_string(n);
  } else if (spec.how == How::kString && PyUnicode_CheckExact(value)) {
    json_string(utf8_of(value, spill), out);
  } else if (spec.how == How::kJson && PyBytes_CheckExact(value)) {
    out.append(PyBytes_AS_STRING(value), size_t(PyBytes_GET_SIZE(value)));
  } else if (spec.how == How::kEnum && spec.names != Py_None && PyDict_Check(spec.names)) {
    PyObject* name = PyDict_GetItemWithError(spec.names, value);
    if (name == nullptr) {
      if (PyErr_Occurred()) throw PyErrorSet{};
      throw Unrenderable{};
    }
    json_string(utf8_of(name, spill), out);
  } else {
    throw Unrenderable{};
  }
}

}  // namespace

std::vector<Spec> specs_of(PyObject* specs) {
  PyRef seq(check(PySequence_Fast(specs, "specs must be a sequence")));
  std::vector<Spec> out;
  std::string spill;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(seq.get()); i++) {
    PyObject* item = PySequence_Fast_GET_ITEM(seq.get(), i);
    PyObject *key, *field, *how, *names, *column = nullptr;
    int nullable;
    if (!PyArg_ParseTuple(item, "UUUOp|O", &key, &field, &how, &names, &nullable, &column)) throw PyErrorSet{};
    Spec spec;
    if (i) spec.key += ",";
    json_string(utf8_of(key, spill), spec.key);
    spec.key += ":";
    spec.field = field_of(utf8_of(field, spill));
    spec.how = how_of(utf8_of(how, spill));
    spec.names = names;
    spec.nullable = nullable;
    spec.column = column != nullptr && PyList_Check(column) ? column : nullptr;
    if (spec.how == How::kObjects && spec.column == nullptr && (PyList_Check(names) || PyTuple_Check(names)))
      spec.items = specs_of(names);  // (none: an object's fields unrenderable)
    out.push_back(std::move(spec));
  }
  return out;
}

void name_enums(std::vector<Spec>& specs, Field field, PyObject* const* values, size_t count) {
  for (Spec& spec : specs) {
    if (spec.field != field || spec.how != How::kEnum) continue;
    spec.named.assign(count, std::string());
    if (spec.names == Py_None || !PyDict_Check(spec.names)) continue;
    std::string spill;
    for (size_t code = 0; code < count; code++) {
      if (values[code] == nullptr) continue;
      PyObject* found = PyDict_GetItemWithError(spec.names, values[code]);
      if (found == nullptr) {
        if (PyErr_Occurred()) throw PyErrorSet{};
        continue;
      }
      json_string(utf8_of(found, spill), spec.named[code]);
    }
  }
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

void put_node_field(std::string& out, const Graph& g, NodeIdx n, Spec& spec, StrId id_as, const View* view) {
  switch (spec.field) {
    case Field::kId:
      if (spec.how != How::kString) throw Unrenderable{};
      put_id(out, g, id_as);
      return;
    case Field::kKind: {
      if (spec.how != How::kEnum) throw Unrenderable{};
      uint8_t kind = g.node_kind[n];
      out += enum_name(spec, kind);
      return;
    }
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
      const uint8_t* v = g.node_value(n, spec.field == Field::kDeleted ? g.keys.deleted : g.keys.declared);
      bool on = spec.field == Field::kDeleted ? shown_deleted(g, view, n) : v != nullptr && value_truthy(v, g.pool);
      uint8_t kind = g.node_kind[n];
      if (spec.field == Field::kDeclared) on = on || (kind != kDataset && kind != kColumn);
      out += on ? "true" : "false";
      return;
    }
    default:
      throw Unrenderable{};
  }
}

void render_columns(std::vector<Spec>& specs, size_t rows) {
  for (Spec& spec : specs) {
    if (spec.column == nullptr) continue;
    spec.column_json.assign(rows, std::string());
    try {
      for (size_t row = 0; row < rows; row++) put_py_value(spec.column_json[row], spec, row);
    } catch (const Unrenderable&) {
      spec.column_unrenderable = true;
    }
  }
}

void put_column_value(std::string& out, const Spec& spec, size_t row) {
  if (spec.column_unrenderable || row >= spec.column_json.size()) throw Unrenderable{};
  out += spec.column_json[row];
}

uint32_t fact_bits(const std::vector<Spec>& specs) {
  uint32_t bits = 0;
  for (const Spec& spec : specs) {
    if (spec.column != nullptr) continue;
    if (spec.field == Field::kUpstreamCount) bits |= kUpstreamCount;
    if (spec.field == Field::kDownstreamCount) bits |= kDownstreamCount;
    if (spec.field == Field::kDomain) bits |= kDomainFact;
    if (spec.field == Field::kOwners) bits |= kOwnersFact;
    if (spec.field == Field::kLatestRunState) bits |= kRunStateFact;
  }
  return bits;
}

bool FactsJson::read(View& view, const std::vector<NodeIdx>& nodes, uint32_t asked, Budget budget, bool nogil,
                     std::vector<Spec>& specs) {
  {
    NoGil reading(nogil);
    answer_ = node_facts(view, nodes, asked, budget);
  }
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
      if (spec.field != Field::kOwners || spec.column != nullptr) continue;
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

}  // namespace lm
