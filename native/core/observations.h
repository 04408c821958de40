// A batch's schema observations (graph.change.schema_observations.observations), read from its wire
// form where they lie (observations.cc says why and by which rule). The bindings make Python rows
// of what this finds (native/bindings/pyobservations.h); a store compares a stored version's fields
// with an observation's here (fields_held), and a first version is written from it (first_version).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "batch.h"
#include "kinds.h"
#include "strings.h"
#include "wire.h"

namespace lm {

// The field properties an observation keeps of each listed column, besides its name, in the order
// the rows state them (string views: each comparison with one would otherwise measure its length
// first).
// kFieldKeys: kinds.h, from graph.core.vocabulary.FIELD_KEYS.
inline constexpr size_t kFieldCount = sizeof(kFieldKeys) / sizeof(kFieldKeys[0]);

class SchemaObservations {
 public:
  // A text of a part's table (none: kNone in both).
  struct Text {
    uint32_t part = kNone, index = kNone;
    bool none() const { return part == kNone; }
  };
  // An observation: the dataset, its stamp, namespace and name as its upsert states them, the run
  // that produced it at that stamp, and its columns (``fields[first .. first + count)``).
  struct Observed {
    Text id, at, ns, name, origin;
    uint32_t first = 0, count = 0;
  };
  // A listed column and each of its field values as its row states them (kFieldKeys, merged from
  // the column's upserts of that dataset, name and stamp in order: a later one's key wins, None
  // included; 0: none, else the value's offset in the payload + 1, and its part).
  struct Field {
    Text name;
    uint32_t value[kFieldCount] = {};
    uint32_t part[kFieldCount] = {};
  };
  // A part of the payload (a batch is parts one after another, each with its own string table).
  struct Part {
    const uint8_t* start = nullptr;    // where it begins in the payload
    WireTable table;
    std::vector<uint8_t> roles;        // each string's role (made by parse)
    std::vector<const uint8_t*> maps;  // where each map's items begin (read only when parsed)
  };
  static constexpr size_t kSlots = kFieldCount + 5;  // the keys parse() reads, and none

  // Over a payload the caller keeps alive and unchanged as long as this.
  SchemaObservations(const uint8_t* payload, size_t length) : data(payload), size(length) {}
  SchemaObservations(const SchemaObservations&) = delete;
  SchemaObservations& operator=(const SchemaObservations&) = delete;

  // Reads the batch's mutations; false for one only the Python reader reads (it names a contract,
  // or something unexpected: a name that is not a string). Malformed bytes throw (Reader::fail).
  bool parse();
  // What parse found over the same payload in another process (write_index), adopted instead of
  // reading the batch again: its parts' tables read again, every reference checked to be within them.
  void adopt(const uint8_t* index, size_t length);
  void write_index(Bytes& out) const;

  // Observation ``i``'s first version (graph.change.schema_history's props for a dataset with none
  // yet, from ``source``, detected at ``detected``) as an upsert written to ``wire``; false, and
  // nothing written, for one holding a float (left to Python).
  bool first_version(size_t i, std::string_view source, std::string_view detected, WireWriter& wire,
                     std::string& scratch) const;
  // Whether the record value at ``stored`` is a twin of observation ``i``'s fields as its row
  // states them (same_as_py's rule, native/bindings/pyvalues.h), read where they lie.
  bool fields_held(size_t i, const uint8_t* stored, const StringPool& pool) const;

  Reader at(const uint8_t* p) const { return Reader(p, size_t(data + size - p), "mutation batch"); }
  std::string_view text(Text t) const { return parts[t.part].table.texts[t.index]; }
  const uint8_t* value(const Field& f, size_t k) const { return f.value[k] == 0 ? nullptr : data + f.value[k] - 1; }

  const uint8_t* const data;
  const size_t size;
  std::deque<Part> parts;  // a deque: what is found points into it as it grows
  std::vector<Observed> observed;
  std::vector<Field> fields;

 private:
  // Where the value of each role's key begins in a map.
  using Slots = std::array<const uint8_t*, kSlots>;
  const Slots& slots(const Part& part, uint32_t ref, Slots& out) const;
  bool text_at(uint32_t part, const uint8_t* p, Text& out) const;
  bool first_version_json(size_t i, std::string& out) const;
};

}  // namespace lm
