#include "wire.h"

#include "batch.h"

namespace lm {

void WireStrings::write(Bytes& out) const {
  put_varint(out, table_.size());
  for (uint32_t i = 0; i < table_.size(); i++) {
    std::string_view s = table_.text(i);
    put_varint(out, s.size());
    put_bytes(out, s.data(), s.size());
  }
}

MapWriter& MapWriter::place(uint32_t key, uint32_t start) {
  uint32_t end = uint32_t(strings_.values_.size());
  for (Item& item : items_)
    if (item.key == key) {
      item.start = start;
      item.end = end;
      return *this;
    }
  items_.push_back(Item{key, start, end});
  return *this;
}

bool MapWriter::has(std::string_view key) const {
  uint32_t k = strings_.find(key);
  if (k == kNone) return false;
  for (const Item& item : items_)
    if (item.key == k) return true;
  return false;
}

MapWriter& MapWriter::set_str(const Key& key, std::string_view value) {
  return put(key, [&](Bytes& out) { strings_.value(value, out); });
}

MapWriter& MapWriter::set_null(const Key& key) {
  return put(key, [](Bytes& out) { put_u8(out, kNull); });
}

MapWriter& MapWriter::set_bool(const Key& key, bool value) {
  return put(key, [&](Bytes& out) { put_u8(out, value ? kTrue : kFalse); });
}

MapWriter& MapWriter::set_int(const Key& key, int64_t value) {
  return put(key, [&](Bytes& out) { put_int(out, value); });
}

MapWriter& MapWriter::set_strs(const Key& key, const std::vector<std::string>& values) {
  return put(key, [&](Bytes& out) {
    put_u8(out, kList);
    put_varint(out, values.size());
    for (const std::string& v : values) strings_.value(v, out);
  });
}

// Both maps write strings to the same table, so keys compare as indexes and values copy as bytes.
MapWriter& MapWriter::merge(const MapWriter& other) {
  Bytes& values = strings_.values_;
  for (const Item& item : other.items_) {
    uint32_t start = uint32_t(values.size());
    values.resize(start + (item.end - item.start));  // then copied from before ``start``: no overlap
    std::memcpy(values.data() + start, values.data() + item.start, item.end - item.start);
    place(item.key, start);
  }
  return *this;
}

void MapWriter::encode(Bytes& out) const {
  for (const Item& item : items_) {
    put_varint(out, item.key);
    put_bytes(out, strings_.values_.data() + item.start, item.end - item.start);
  }
}

uint32_t WireWriter::map(const MapWriter& items) {
  if (items.empty()) return 0;
  scratch_.clear();
  put_varint(scratch_, items.size());
  items.encode(scratch_);
  return maps_.intern(std::string_view(reinterpret_cast<const char*>(scratch_.data()), scratch_.size())) + 1;
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

void WireStrings::clear() {
  values_.clear();
  table_.clear();
  literals_.clear();
  by_object_.clear();
}

void WireWriter::clear() {
  strings.clear();
  maps_.clear();
  body_.clear();
  mutations_ = 0;
  scratch_.clear();
}

Bytes WireWriter::finish() const {
  Bytes out;
  out.reserve(4 + body_.size() + 64);
  put_bytes(out, kBatchMagic, 4);
  strings.write(out);
  put_varint(out, maps_.size());
  for (uint32_t i = 0; i < maps_.size(); i++) {
    std::string_view map = maps_.text(i);
    put_bytes(out, map.data(), map.size());
  }
  put_varint(out, mutations_);
  put_bytes(out, body_.data(), body_.size());
  return out;
}

WireWriter& WriterLease::shared() {
  static WireWriter* writer = new WireWriter();  // never freed: it lives as long as the program
  return *writer;
}

}  // namespace lm
