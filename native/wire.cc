#include "wire.h"

namespace lm {

namespace {
const uint8_t kMagic[4] = {'L', 'M', 'B', 1};
}

uint32_t WireStrings::ref(std::string_view s) {
  auto it = index_.find(s);
  if (it != index_.end()) return it->second;
  texts_.emplace_back(s);
  std::string_view held = texts_.back();
  uint32_t i = uint32_t(order_.size());
  order_.push_back(held);
  index_.emplace(held, i);
  return i;
}

uint32_t WireStrings::ref_object(PyObject* s) {
  if (!PyUnicode_Check(s)) raise(PyExc_TypeError, "ids, kinds' values and stamps must be str");
  std::string spill;
  if (!by_identity_) return ref(utf8_of(s, spill));
  auto it = by_object_.find(s);
  if (it != by_object_.end()) return it->second;
  uint32_t i = ref(utf8_of(s, spill));
  by_object_.emplace(s, i);
  return i;
}

void WireStrings::write(Bytes& out) const {
  put_varint(out, order_.size());
  for (std::string_view s : order_) {
    put_varint(out, s.size());
    put_bytes(out, s.data(), s.size());
  }
}

Bytes& MapWriter::slot(std::string_view key) {
  uint32_t k = strings_.ref(key);
  for (auto& [held, value] : items_)
    if (held == k) {
      value.clear();
      return value;
    }
  items_.emplace_back(k, Bytes());
  return items_.back().second;
}

bool MapWriter::has(std::string_view key) const {
  uint32_t k = strings_.find(key);
  if (k == kNone) return false;
  for (auto& [held, value] : items_)
    if (held == k) return true;
  return false;
}

MapWriter& MapWriter::set_py(std::string_view key, PyObject* value, const char* where) {
  Bytes& out = slot(key);
  value_from_py(value, strings_, out, where);
  return *this;
}

MapWriter& MapWriter::set_str(std::string_view key, std::string_view value) {
  Bytes& out = slot(key);
  strings_.value(value, out);
  return *this;
}

MapWriter& MapWriter::set_null(std::string_view key) {
  put_u8(slot(key), kNull);
  return *this;
}

MapWriter& MapWriter::set_bool(std::string_view key, bool value) {
  put_u8(slot(key), value ? kTrue : kFalse);
  return *this;
}

MapWriter& MapWriter::set_int(std::string_view key, int64_t value) {
  Bytes& out = slot(key);
  put_u8(out, kInt);
  put_varint(out, (uint64_t(value) << 1) ^ uint64_t(value >> 63));
  return *this;
}

MapWriter& MapWriter::set_strs(std::string_view key, const std::vector<std::string>& values) {
  Bytes& out = slot(key);
  put_u8(out, kList);
  put_varint(out, values.size());
  for (const std::string& v : values) strings_.value(v, out);
  return *this;
}

MapWriter& MapWriter::merge(const MapWriter& other) {
  for (auto& [key, value] : other.items_) {
    bool found = false;
    for (auto& [held, mine] : items_)
      if (held == key) {
        mine = value;
        found = true;
        break;
      }
    if (!found) items_.emplace_back(key, value);
  }
  return *this;
}

MapWriter& MapWriter::merge_py(PyObject* mapping, const char* where) {
  if (mapping == nullptr || mapping == Py_None) return *this;
  std::string spill;
  if (PyDict_Check(mapping)) {
    Py_ssize_t pos = 0;
    PyObject *key, *value;
    while (PyDict_Next(mapping, &pos, &key, &value)) {
      if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
      set_py(utf8_of(key, spill), value, where);
    }
    return *this;
  }
  PyRef items(PyMapping_Items(mapping));
  if (!items) {
    PyErr_Clear();
    raise(PyExc_TypeError, std::string(where) + " must be a mapping");
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items.get()); i++) {
    PyObject* pair = PyList_GET_ITEM(items.get(), i);
    PyObject* key = PyTuple_GET_ITEM(pair, 0);
    if (!PyUnicode_Check(key)) raise(PyExc_TypeError, std::string(where) + ": property keys must be str");
    set_py(utf8_of(key, spill), PyTuple_GET_ITEM(pair, 1), where);
  }
  return *this;
}

void MapWriter::encode(Bytes& out) const {
  for (auto& [key, value] : items_) {
    put_varint(out, key);
    put_bytes(out, value.data(), value.size());
  }
}

uint32_t WireWriter::map(const MapWriter& items) {
  if (items.empty()) return 0;
  scratch_.clear();
  put_varint(scratch_, items.size());
  items.encode(scratch_);
  std::string key(reinterpret_cast<const char*>(scratch_.data()), scratch_.size());
  auto it = map_index_.find(key);
  if (it != map_index_.end()) return it->second;
  put_bytes(maps_, scratch_.data(), scratch_.size());
  uint32_t ref = ++map_count_;
  map_index_.emplace(std::move(key), ref);
  return ref;
}

void WireWriter::node(uint32_t id, uint8_t kind, uint32_t at, uint32_t props, uint32_t first) {
  put_u8(body_, 0);
  put_varint(body_, id);
  put_u8(body_, kind);
  put_varint(body_, at);
  put_varint(body_, props);
  put_varint(body_, first);
  mutations_++;
}

void WireWriter::edge(uint32_t source, uint8_t kind, uint32_t target, uint32_t at, uint32_t props, uint32_t first) {
  put_u8(body_, 1);
  put_varint(body_, source);
  put_u8(body_, kind);
  put_varint(body_, target);
  put_varint(body_, at);
  put_varint(body_, props);
  put_varint(body_, first);
  mutations_++;
}

Bytes WireWriter::finish() const {
  Bytes out;
  out.reserve(4 + maps_.size() + body_.size() + 64);
  put_bytes(out, kMagic, 4);
  strings.write(out);
  put_varint(out, map_count_);
  put_bytes(out, maps_.data(), maps_.size());
  put_varint(out, mutations_);
  put_bytes(out, body_.data(), body_.size());
  return out;
}

}  // namespace lm
