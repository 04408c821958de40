// Rendering a view's answers as the JSON the API sends (graph.serve.execution): the rows of a lineage
// answer's nodes and edges and of an impact answer's affected (native/bindings/answers.cc), and a
// lineage node's facts written as they are read (``FactsJson``).
#pragma once

#include "py.h"

#include <string>
#include <vector>

#include "node_facts.h"
#include "pylock.h"

namespace lm {

// -- rendering answers as JSON --------------------------------------------------------------------
//
// The API's large lists (a lineage answer's nodes and edges, an impact answer's affected), as the
// JSON the response will hold: one object per item with the selected fields, in order, under
// their response names. ``specs`` lists them: (key, field, how, enum names or None, nullable),
// ``how`` one of "string", "bool", "int", "enum", "strings" (a list of strings), or "json" (a
// column's values already JSON text: a lineage node's owners, graph.serve.schema.lineage). graph.serve.execution
// asks for it only when every selected field is one of those; a value its type cannot hold as it is
// (a non-string where a string is asked, a null where none may be) answers None, and the API
// completes the list in Python instead. A spec may carry a sixth item, the field's values as a
// Python list (a lineage node's facts, graph.read.node_facts): ints, strings, enum values or None.

enum class Field : uint8_t { kId, kKind, kNamespace, kName, kDataset, kDeleted, kDeclared, kSource, kTarget,
                            kDistance, kPath, kVia, kSeverity, kCertain, kUpstreamCount, kDownstreamCount, kDomain,
                            kOwners, kLatestRunState, kType, kOther };
enum class How : uint8_t { kString, kBool, kInt, kEnum, kStrings, kJson, kObjects, kOther };

struct Spec {
  std::string key;         // the key, quoted, then ':' (after a ',' but for the first)
  Field field;
  How how;
  PyObject* names;         // enum: value -> serialized name (borrowed from the specs)
  bool nullable;
  std::vector<std::string> named;   // enum: rendered name by code ("" for a code it cannot render)
  PyObject* column = nullptr;      // the field's values, one per row (borrowed from the specs), if given
  std::vector<std::string> column_json;  // ``column`` rendered under the GIL (``render_columns``)
  bool column_unrenderable = false;     // a value of ``column`` its type cannot hold
  std::vector<Spec> items;              // objects: the specs of their fields (all leaves)
};

struct Unrenderable {};

std::vector<Spec> specs_of(PyObject* specs);

// The names of an enum field's values by code, looked up (under the GIL) before the rows are
// rendered without it: ``values`` are the field's Python members by code (nullptr: none).
void name_enums(std::vector<Spec>& specs, Field field, PyObject* const* values, size_t count);

// The rendered name of an enum value (``name_enums``'), without Python.
const std::string& enum_name(const Spec& spec, size_t code);

// A pool string as JSON: copied as it is when it needs no escapes (most do not).
void put_id(std::string& out, const Graph& g, StrId id);

// A node's field (the ones node_column gives), rendered.
void put_node_field(std::string& out, const Graph& g, NodeIdx n, Spec& spec, StrId id_as, const View* view);

// Each spec's own column rendered before the rows are, under the GIL (the rows may be rendered
// without it): a value its type cannot hold makes the whole list unrenderable, as before.
void render_columns(std::vector<Spec>& specs, size_t rows);

// A row's value of a spec's own column, as ``render_columns`` rendered it (no Python).
void put_column_value(std::string& out, const Spec& spec, size_t row);

// The rows as a JSON list, or None when a value cannot be rendered (``item`` throws Unrenderable).
// ``item`` runs without the GIL when ``nogil`` (a view of the embedded store, under the graph's
// lock): a 20k-row answer is milliseconds of work that the event loop and other queries need not
// wait for. Enum names are looked up before (``name_enums``).
template <class Item>
PyObject* render_rows(size_t count, std::vector<Spec>& specs, bool nogil, Item&& item) {
  std::string out;
  bool rendered = true;
  {
    NoGil rendering(nogil);
    out.reserve(count * (32 + 32 * specs.size()) + 2);  // (grown again, a large answer is copied)
    out += "[";
    try {
      for (size_t i = 0; i < count; i++) {
        if (i) out += ",";
        out += "{";
        for (Spec& spec : specs) {
          out += spec.key;
          item(out, i, spec);
        }
        out += "}";
      }
      out += "]";
    } catch (const Unrenderable&) {
      rendered = false;
    }
  }
  if (!rendered) Py_RETURN_NONE;
  return check(PyBytes_FromStringAndSize(out.data(), Py_ssize_t(out.size())));
}

// -- a lineage node's facts, as JSON -------------------------------------------------------------

// The NodeFact bits of the fact fields ``specs`` ask for without their column.
uint32_t fact_bits(const std::vector<Spec>& specs);

// A lineage node's facts (native/core/node_facts.h) written as GraphQL completes them
// (graph.serve.schema.lineage): counts as Int, domain and run state as String or null, owners as
// the list of ``Owner`` objects with the selected leaves (id, name: its NAME or else its id, type),
// the owners the view shows, each distinct list written once (as graph.read.node_facts completes them).
class FactsJson {
 public:
  // Reads the facts; false when a value is not one its field's type holds as it is (the list is
  // then completed in Python, which says why).
  bool read(View& view, const std::vector<NodeIdx>& nodes, uint32_t asked, Budget budget, bool nogil,
            std::vector<Spec>& specs);

  // A fact field's value of row ``i``: false for a spec that is no fact field.
  bool put(std::string& out, size_t i, const Spec& spec) const;

 private:
  void put_text(std::string& out, int32_t at, bool nullable) const;

  void put_owner(std::string& out, const Graph& g, StrId id, NodeIdx n, int32_t type, const Spec& spec) const;

  NodeFactsAnswer answer_;
  std::vector<std::string> texts_;  // answer_.texts as JSON strings
};

}  // namespace lm
