#include "pybatch.h"

#include <unordered_map>

#include "batch.h"
#include "pytypes.h"
#include "pyvalues.h"

namespace lm {

namespace {

// A str's index in the table (by its identity when the table keeps them); TypeError for anything else.
uint32_t ref_object(WireStrings& strings, PyObject* s) {
  if (!PyUnicode_Check(s)) raise(PyExc_TypeError, "ids, kinds' values and stamps must be str");
  return strings.ref_identified(uintptr_t(s), Text(s).view);
}

// One part of a batch (its string table, maps and mutations) appended to ``list``.
void decode_part_to(Reader& r, size_t size, nb::list& list) {
  read_magic(r);
  WireTable table;
  table.read(r);
  PyStrings strings(table);
  WireValue values{r, strings};
  uint64_t n_maps = r.varint();
  if (n_maps > size) r.fail();
  std::vector<nb::object> maps{nb::borrow(py.empty)};  // by reference: 0 the empty one
  maps.reserve(size_t(n_maps) + 1);
  for (uint64_t m = 0; m < n_maps; m++) maps.push_back(dict_to_py(values, 0));
  uint64_t n = r.varint();
  if (n > size) r.fail();
  for (uint64_t k = 0; k < n; k++) {
    uint8_t op = r.u8();
    if (op > 1) r.fail();
    nb::handle a = strings.at(r.varint(), r);
    uint8_t kind = r.u8();
    if (kind >= (op == 0 ? unsigned(kNodeKinds) : unsigned(kEdgeKinds))) r.fail();
    nb::handle kind_object = op == 0 ? py.node_kind[kind] : py.edge_kind[kind];
    nb::handle b = op == 1 ? strings.at(r.varint(), r) : nb::handle();
    nb::handle stamp = strings.at(r.varint(), r);
    nb::handle props = maps[map_ref(r, size_t(n_maps))];
    nb::handle first = maps[map_ref(r, size_t(n_maps))];
    nb::tuple args = op == 0 ? nb::make_tuple(a, kind_object, stamp, props, first)
                             : nb::make_tuple(a, kind_object, b, stamp, props, first);
    PyTypeObject* type = reinterpret_cast<PyTypeObject*>(op == 0 ? py.UpsertNode : py.UpsertEdge);
    list.append(nb::steal(check(PyTuple_Type.tp_new(type, nb::make_tuple(args).ptr(), nullptr))));  // tuple.__new__
  }
}

}  // namespace

nb::bytes encode_mutations(nb::handle mutations) {
  require_configured();
  Items items(mutations, "mutations must be a sequence");
  WireWriter wire(true);  // the mutations list keeps every object alive meanwhile
  std::unordered_map<PyObject*, uint32_t> maps;  // the same props object is one map (sources share them)
  auto map_ref = [&](PyObject* mapping, const char* where) -> uint32_t {
    if (mapping == py.empty) return 0;
    auto [it, added] = maps.try_emplace(mapping, 0);
    if (!added) return it->second;
    MapWriter map(wire.strings);
    merge_py(map, mapping, where);
    return it->second = wire.map(map);
  };
  for (PyObject* m : items) {
    // (id, kind, at, props, first), or (source, kind, target, at, props, first) of an edge
    bool edge = Py_TYPE(m) == reinterpret_cast<PyTypeObject*>(py.UpsertEdge);
    if (!edge && Py_TYPE(m) != reinterpret_cast<PyTypeObject*>(py.UpsertNode))
      raise(PyExc_TypeError, std::string(Py_TYPE(m)->tp_name) + " is not a mutation");
    uint32_t a = ref_object(wire.strings, PyTuple_GET_ITEM(m, 0));
    uint8_t kind = edge ? edge_kind_code(PyTuple_GET_ITEM(m, 1)) : node_kind_code(PyTuple_GET_ITEM(m, 1));
    uint32_t b = edge ? ref_object(wire.strings, PyTuple_GET_ITEM(m, 2)) : 0;
    uint32_t at = ref_object(wire.strings, PyTuple_GET_ITEM(m, edge + 2));
    uint32_t props = map_ref(PyTuple_GET_ITEM(m, edge + 3), "props");
    uint32_t first = map_ref(PyTuple_GET_ITEM(m, edge + 4), "first");
    if (edge) wire.edge(a, kind, b, at, props, first);
    else wire.node(a, kind, at, props, first);
  }
  return bytes_of(wire.finish());
}

nb::list decode_mutations(const uint8_t* data, size_t size) {
  require_configured();
  Reader r(data, size, "mutation batch");
  nb::list list;
  while (!r.done()) decode_part_to(r, size, list);
  return list;
}

}  // namespace lm
