// Writing a batch in its wire form (graph/native/batch.h): the string table (each string once),
// the props maps (equal ones once), the mutations. Used by graph.mutations.encode and by the
// Builder every ingester writes through.
#pragma once

#include <deque>
#include <string>
#include <unordered_map>

#include "values.h"

namespace lm {

// A batch's string table: each distinct string once. ``by_identity``: a str object seen before is
// found without hashing its text again (only for a caller that keeps every object it passes alive
// while the table lives: one call's mutations, not a builder fed over many calls).
class WireStrings : public StringSink {
 public:
  explicit WireStrings(bool by_identity = false) : by_identity_(by_identity) {}
  uint32_t ref(std::string_view s);
  uint32_t find(std::string_view s) const {  // kNone when not in the table
    auto it = index_.find(s);
    return it == index_.end() ? kNone : it->second;
  }
  uint32_t ref_object(PyObject* s);  // raises TypeError for anything but a str
  void value(std::string_view s, Bytes& out) override {
    put_u8(out, kStr);
    put_varint(out, ref(s));
  }
  uint64_t key(std::string_view s) override { return ref(s); }
  void value_object(PyObject* s, Bytes& out) override {
    put_u8(out, kStr);
    put_varint(out, ref_object(s));
  }
  uint64_t key_object(PyObject* s) override { return ref_object(s); }
  void write(Bytes& out) const;

 private:
  std::deque<std::string> texts_;  // stable storage for the views below
  std::vector<std::string_view> order_;
  std::unordered_map<std::string_view, uint32_t> index_;
  bool by_identity_;
  std::unordered_map<PyObject*, uint32_t> by_object_;
};

// A props map as a Python dict builds it: setting a key it holds replaces the value in place,
// another key goes last.
class MapWriter {
 public:
  explicit MapWriter(WireStrings& strings) : strings_(strings) {}

  MapWriter& set_py(std::string_view key, PyObject* value, const char* where = "a property");
  MapWriter& set_str(std::string_view key, std::string_view value);
  MapWriter& set_null(std::string_view key);
  MapWriter& set_bool(std::string_view key, bool value);
  MapWriter& set_int(std::string_view key, int64_t value);
  MapWriter& set_strs(std::string_view key, const std::vector<std::string>& values);  // a list of strings
  MapWriter& merge(const MapWriter& other);     // {**this, **other}
  MapWriter& merge_py(PyObject* mapping, const char* where = "props");  // {**this, **mapping}
  bool empty() const { return items_.empty(); }
  bool has(std::string_view key) const;

  // The map's items, encoded (strings as table indexes), and how many.
  void encode(Bytes& out) const;
  size_t size() const { return items_.size(); }

 private:
  Bytes& slot(std::string_view key);  // the value bytes of ``key``, emptied (a new item when new)
  WireStrings& strings_;
  std::vector<std::pair<uint32_t, Bytes>> items_;
};

class WireWriter {
 public:
  explicit WireWriter(bool by_identity = false) : strings(by_identity) {}
  WireStrings strings;

  // A map's reference: 0 for an empty one, else its index + 1 (equal maps share one).
  uint32_t map(const MapWriter& items);
  void node(uint32_t id, uint8_t kind, uint32_t at, uint32_t props, uint32_t first);
  void edge(uint32_t source, uint8_t kind, uint32_t target, uint32_t at, uint32_t props, uint32_t first);
  size_t mutations() const { return mutations_; }
  Bytes finish() const;  // the batch, as it stands

 private:
  Bytes maps_;
  uint32_t map_count_ = 0;
  std::unordered_map<std::string, uint32_t> map_index_;  // a map's encoding -> its reference
  Bytes body_;
  size_t mutations_ = 0;
  Bytes scratch_;
};

}  // namespace lm
