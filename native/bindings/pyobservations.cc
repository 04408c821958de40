// The schema observations of a batch (graph.schema_history.observations) read from its wire form
// (native/core/batch.h), without a Python object per mutation: schema history looks at every
// batch, and decoding the whole of one (~40 mutations an event) to find its datasets' columns was
// a sixth of the applying process's time in a bulk load.
//
// What it reads is the rule observations() states in Python: a dataset upsert whose props hold a
// ``columns`` list observes that schema at its stamp, each column's field properties taken from
// the column upserts of that dataset, name and stamp (merged in order: a later one's key wins,
// None included), the run from the PRODUCED edge into the dataset at that stamp. A batch naming a
// contract (its freshness SLO comes along) or anything this reader does not expect (a name that is
// not a string) is left to the Python reader: None.
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "batch.h"
#include "kinds.h"
#include "pybatch.h"
#include "pyobservations.h"
#include "pytypes.h"

namespace lm {

namespace {

constexpr const char* kFieldKeys[] = {"type", "description", "required", "fieldId", "ordinal", "enum"};
constexpr size_t kFieldCount = sizeof(kFieldKeys) / sizeof(kFieldKeys[0]);

struct Part {
  WireTable table;
  std::vector<const uint8_t*> maps;  // where each map's items begin
  std::unique_ptr<PyStrings> strings;  // its strings as Python str, once a value is made of them

  PyStrings& py() {
    if (!strings) strings = std::make_unique<PyStrings>(table);
    return *strings;
  }
};

// A map's items: key text, and where its value begins.
using Items = std::vector<std::pair<std::string_view, const uint8_t*>>;

void skip(Reader& r, int depth) {
  if (depth > kMaxDepth) r.fail();
  switch (r.u8()) {
    case kNull:
    case kFalse:
    case kTrue: return;
    case kInt:
    case kUInt:
    case kStr: r.varint(); return;
    case kFloat: r.u64(); return;
    case kList: {
      uint64_t n = r.varint();
      for (uint64_t k = 0; k < n; k++) skip(r, depth + 1);
      return;
    }
    case kDict: {
      uint64_t n = r.varint();
      for (uint64_t k = 0; k < n; k++) {
        r.varint();
        skip(r, depth + 1);
      }
      return;
    }
    default: r.fail();
  }
}

struct Reading {
  const uint8_t* data;
  size_t size;
  std::deque<Part> parts;  // a deque: the datasets and columns found point into it as it grows

  Reader at(const uint8_t* p) const { return Reader(p, size_t(data + size - p), "mutation batch"); }

  // ``ref``'s items into ``out`` (cleared first: callers reuse one vector).
  const Items& items(const Part& part, uint32_t ref, Items& out) const {
    out.clear();
    if (ref == 0) return out;
    Reader r = at(part.maps[ref - 1]);
    uint64_t n = r.varint();
    for (uint64_t k = 0; k < n; k++) {
      std::string_view key = part.table.at(r.varint(), r);
      out.emplace_back(key, r.position());
      skip(r, 0);
    }
    return out;
  }
  // The text of a kStr value at ``p``; false for any other value.
  bool text(const Part& part, const uint8_t* p, std::string_view& out) const {
    Reader r = at(p);
    if (r.u8() != kStr) return false;
    out = part.table.at(r.varint(), r);
    return true;
  }
};

const uint8_t* find(const Items& items, std::string_view key) {
  const uint8_t* found = nullptr;
  for (const auto& [k, v] : items)
    if (k == key) found = v;  // a key stated twice: the later (as a dict built in order keeps it)
  return found;
}

// A column's key (its dataset's id, its name, the stamp), or a run's (the dataset, the stamp):
// texts, since a payload of several parts names one string in each part's own table.
struct Key {
  std::string_view a, b, c;
  bool operator==(const Key& o) const { return a == o.a && b == o.b && c == o.c; }
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    return size_t(hash_bytes(k.a.data(), k.a.size()) ^ (hash_bytes(k.b.data(), k.b.size()) * 31) ^
                  (hash_bytes(k.c.data(), k.c.size()) * 1009));
  }
};

struct Dataset {
  Part* part;
  std::string_view id, at;
  uint32_t props;
};

struct Column {
  Part* part;
  uint32_t props;
  uint32_t next = kNone;  // the next upsert of the same column, in the batch's order
};
struct Chain {
  uint32_t first, last;
};

struct Unexpected {};  // left to the Python reader

}  // namespace

PyObject* schema_observations(const uint8_t* data, size_t size) {
  require_configured();
  Reading reading{data, size, {}};
  Reader r(data, size, "mutation batch");
  std::vector<Dataset> datasets;
  std::vector<Column> columns;
  std::unordered_map<Key, Chain, KeyHash> column_at;  // datasetId, name, at -> its upserts
  std::unordered_map<Key, std::string_view, KeyHash> produced_by;  // dataset, at -> the run
  Items scratch;
  try {
    while (!r.done()) {
      Part& part = reading.parts.emplace_back();
      read_magic(r);
      part.table.read(r);
      size_t maps = r.count();
      part.maps.reserve(maps);
      for (size_t m = 0; m < maps; m++) {
        part.maps.push_back(r.position());
        uint64_t n = r.varint();
        for (uint64_t k = 0; k < n; k++) {
          r.varint();
          skip(r, 0);
        }
      }
      size_t n = r.count();
      for (size_t k = 0; k < n; k++) {
        uint8_t op = r.u8();
        if (op > 1) r.fail();
        std::string_view a = part.table.at(r.varint(), r);
        uint8_t kind = r.u8();
        std::string_view b = op == 1 ? part.table.at(r.varint(), r) : std::string_view();
        std::string_view at = part.table.at(r.varint(), r);
        uint32_t props = map_ref(r, maps);
        map_ref(r, maps);  // first: not the schema's
        if (op == 0) {
          if (kind >= kNodeKinds) r.fail();
          if (kind == kContract) throw Unexpected{};
          if (kind == kDataset) {
            const uint8_t* listed = find(reading.items(part, props, scratch), "columns");
            if (listed != nullptr && *listed == kList) datasets.push_back(Dataset{&part, a, at, props});
          } else if (kind == kColumn) {
            const Items& items = reading.items(part, props, scratch);
            const uint8_t* owner = find(items, "datasetId");
            if (owner == nullptr || *owner == kNull) continue;
            std::string_view owner_id, name;
            const uint8_t* named = find(items, "name");
            if (!reading.text(part, owner, owner_id) || named == nullptr || !reading.text(part, named, name))
              throw Unexpected{};
            uint32_t index = uint32_t(columns.size());
            columns.push_back(Column{&part, props});
            auto [chain, added] = column_at.try_emplace(Key{owner_id, name, at}, Chain{index, index});
            if (!added) {
              columns[chain->second.last].next = index;
              chain->second.last = index;
            }
          }
        } else {
          if (kind >= kEdgeKinds) r.fail();
          if (kind == kGoverns) throw Unexpected{};
          if (kind == kProduced) produced_by[Key{b, at, {}}] = a;
        }
      }
    }
  } catch (const Unexpected&) {
    Py_RETURN_NONE;
  }
  PyRef out(check(PyList_New(0)));
  PyRef name_key(str_of("name"));
  std::vector<PyRef> field_keys;
  for (const char* key : kFieldKeys) field_keys.emplace_back(str_of(key));
  for (const Dataset& d : datasets) {
    Part& part = *d.part;
    Items items;
    reading.items(part, d.props, items);
    std::string_view ns, name;
    const uint8_t* ns_at = find(items, "namespace");
    const uint8_t* name_at = find(items, "name");
    if ((ns_at != nullptr && !reading.text(part, ns_at, ns)) || (name_at != nullptr && !reading.text(part, name_at, name)))
      Py_RETURN_NONE;
    Reader listed = reading.at(find(items, "columns"));
    listed.u8();
    uint64_t count = listed.varint();
    PyRef fields(check(PyTuple_New(Py_ssize_t(count))));
    for (uint64_t c = 0; c < count; c++) {
      if (listed.u8() != kStr) Py_RETURN_NONE;
      uint64_t index = listed.varint();
      std::string_view column = part.table.at(index, listed);
      PyRef field(check(PyDict_New()));
      PyRef column_name(str_of(column));
      if (PyDict_SetItem(field.get(), name_key.get(), column_name.get()) < 0) throw PyErrorSet{};
      auto stated = column_at.find(Key{d.id, column, d.at});
      if (stated != column_at.end()) {
        const uint8_t* value[kFieldCount] = {};
        Part* from[kFieldCount] = {};
        for (uint32_t at = stated->second.first; at != kNone; at = columns[at].next) {
          const Column& upsert = columns[at];
          const Items& props = reading.items(*upsert.part, upsert.props, scratch);
          for (size_t f = 0; f < kFieldCount; f++) {
            if (const uint8_t* v = find(props, kFieldKeys[f])) {
              value[f] = v;
              from[f] = upsert.part;
            }
          }
        }
        for (size_t f = 0; f < kFieldCount; f++) {
          if (value[f] == nullptr || *value[f] == kNull) continue;
          Reader at = reading.at(value[f]);
          PyRef v(wire_to_py(at, from[f]->py(), 0));
          if (v.get() == Py_None) continue;
          if (PyDict_SetItem(field.get(), field_keys[f].get(), v.get()) < 0) throw PyErrorSet{};
        }
      }
      PyTuple_SET_ITEM(fields.get(), Py_ssize_t(c), field.release());
    }
    auto run = produced_by.find(Key{d.id, d.at, {}});
    PyRef id(str_of(d.id)), ns_text(str_of(ns)), name_text(str_of(name)), at(str_of(d.at));
    PyRef origin(run == produced_by.end() ? (Py_INCREF(Py_None), Py_None) : str_of(run->second));
    PyRef row(check(PyTuple_Pack(6, id.get(), ns_text.get(), name_text.get(), at.get(), fields.get(), origin.get())));
    if (PyList_Append(out.get(), row.get()) < 0) throw PyErrorSet{};
  }
  return out.release();
}

}  // namespace lm
