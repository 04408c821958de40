#include "pyrecords.h"

#include <algorithm>

#include "pytypes.h"
#include "pyvalues.h"

namespace lm {

nb::object props_to_py(const StringPool& pool, const Record* r) {
  nb::dict dict;
  for_each_entry(r, [&](const Entry& e) {
    const uint8_t* p = e.value;
    if (*p != kAbsent) set_item(dict, owned(str_of(pool.view(e.key))), value_to_py(p, pool));
  });
  return std::move(dict);
}

nb::object stamps_to_py(const StringPool& pool, const Record* r) {
  nb::dict dict;
  char buf[32];
  for_each_entry(r, [&](const Entry& e) {
    set_item(dict, owned(str_of(pool.view(e.key))), owned(str_of(stamp_text(e.stamp, pool, buf))));
  });
  return std::move(dict);
}

Record* record_from_py(Graph& g, PyObject* props, PyObject* stamps, bool share) {
  if (!PyDict_Check(props) || !PyDict_Check(stamps)) raise(PyExc_TypeError, "props and stamps must be dicts");
  RecordMaker record(g.pool, g.records);
  std::string key_spill, stamp_spill;
  // The entry of ``key`` at ``stamp`` (null: ""), with ``value`` (null or None: absent).
  auto add = [&](PyObject* key, PyObject* stamp, PyObject* value) {
    std::string_view k = utf8_of(key, key_spill);
    // "", not an empty view: its null pointer would reach memcmp when the pool looks it up
    std::string_view at = stamp ? utf8_of(stamp, stamp_spill) : std::string_view("");
    if (value == nullptr || value == Py_None) return record.absent(k, at);
    record.add(k, at, [&](StringSink& sink, Bytes& out) { value_from_py(value, sink, out, "a property"); });
  };
  for (auto [key, stamp] : nb::borrow<nb::dict>(stamps)) {
    if (!PyUnicode_Check(key.ptr()) || !PyUnicode_Check(stamp.ptr()))
      raise(PyExc_TypeError, "stamps map str keys to str stamps");
    add(key.ptr(), stamp.ptr(), get_item(props, key));
  }
  for (auto [key, value] : nb::borrow<nb::dict>(props)) {  // a property with no stamp (not one of ours): stamped ""
    int has = PyDict_Contains(stamps, key.ptr());
    if (has < 0) throw PyErrorSet{};
    if (has || value.is_none()) continue;
    if (!PyUnicode_Check(key.ptr())) raise(PyExc_TypeError, "property keys must be str");
    add(key.ptr(), nullptr, value.ptr());
  }
  return record.freeze(share);
}

nb::object node_to_py(const Graph& g, NodeIdx n, PyObject* id) {
  nb::object id_object = id ? nb::borrow(id) : owned(str_of(g.pool.view(g.node_id[n])));
  const Record* r = g.node_record[n];
  return make_node(std::move(id_object), g.node_kind[n], props_to_py(g.pool, r), stamps_to_py(g.pool, r));
}

nb::object node_to_py(const Graph& g, NodeIdx n, const KeysRead& keys, StrCache& strings, PyObject* like) {
  nb::dict props, stamps;
  char buf[32];
  for_each_entry(g.node_record[n], [&](const Entry& e) {
    auto read = std::find_if(keys.begin(), keys.end(), [&](const auto& k) { return k.first == e.key; });
    if (read == keys.end()) return;
    set_item(stamps, read->second, owned(str_of(stamp_text(e.stamp, g.pool, buf))));
    if (*e.value == kAbsent) return;
    PyObject* held = like == nullptr ? nullptr : get_item(like, read->second);
    const uint8_t* stored = e.value;
    if (held != nullptr && same_as_py(stored, g.pool, held, strings)) return set_item(props, read->second, held);
    const uint8_t* p = e.value;
    set_item(props, read->second, value_to_py(p, g.pool, &strings));
  });
  nb::object id = owned(str_of(g.pool.view(g.node_id[n])));
  return make_node(std::move(id), g.node_kind[n], std::move(props), std::move(stamps));
}

nb::object edge_to_py(const Graph& g, EdgeIdx e) {
  nb::object source = owned(str_of(g.pool.view(g.node_id[g.edge_src[e]])));
  nb::object target = owned(str_of(g.pool.view(g.node_id[g.edge_dst[e]])));
  const Record* r = g.edge_record[e];
  return make_edge(std::move(source), g.edge_kind[e], std::move(target), props_to_py(g.pool, r),
                   stamps_to_py(g.pool, r));
}

}  // namespace lm
