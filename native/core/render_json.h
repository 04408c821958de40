// A view's answers as the JSON the API sends (graph.serve.render, graph.serve.execution): the rows
// of a lineage answer's nodes and edges and of an impact answer's affected, and a lineage node's
// facts written as they are read (``FactsJson``). No Python: the bindings (native/bindings/pyspecs.h)
// turn graph.serve.render's specs into ``Spec``s, the enums' names and a field's own values into
// JSON text, and the rows rendered here into bytes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "impact.h"
#include "lineage.h"
#include "node_facts.h"

namespace lm {

// The API's large lists, as the JSON the response will hold: one object per item with the selected
// fields, in order, under their response names. ``how`` is one of "string", "bool", "int", "enum",
// "strings" (a list of strings), "json" (a column's values already JSON text: a lineage node's
// owners), "objects" (a list of objects whose fields are ``items``). A value its type cannot hold as
// it is (a non-string where a string is asked, a null where none may be) makes the whole list
// unrenderable (no answer: the API completes the list in Python instead).
enum class Field : uint8_t { kId, kKind, kNamespace, kName, kDataset, kDeleted, kDeclared, kSource, kTarget,
                            kDistance, kPath, kVia, kSeverity, kCertain, kUpstreamCount, kDownstreamCount, kDomain,
                            kOwners, kLatestRunState, kType, kOther };
enum class How : uint8_t { kString, kBool, kInt, kEnum, kStrings, kJson, kObjects, kOther };

Field field_of(std::string_view name);
How how_of(std::string_view name);

struct Spec {
  std::string key;  // the key, quoted, then ':' (after a ',' but for the first: ``spec_key``)
  Field field = Field::kOther;
  How how = How::kOther;
  bool nullable = false;
  std::vector<std::string> named;        // enum: rendered name by code ("" for a code it cannot render)
  bool has_column = false;               // the field's values were given, one per row, as ``column_json``
  std::vector<std::string> column_json;  // those values as JSON (or a fact's rendered lists)
  bool column_unrenderable = false;      // a value of the column its type cannot hold
  std::vector<Spec> items;               // objects: the specs of their fields (all leaves)
};

// ``key`` as a spec's key: quoted, then ':', after a ',' unless it is the ``first``.
std::string spec_key(std::string_view key, bool first);

struct Unrenderable {};

// The rendered name of an enum value (``Spec::named``).
const std::string& enum_name(const Spec& spec, size_t code);

// A pool string as JSON: copied as it is when it needs no escapes (most do not).
void put_id(std::string& out, const Graph& g, StrId id);

// Whether a node of an answer shows as dropped: as the answer's view judges it (a view as of a past
// moment: dropped by then), else as it stands now.
bool shown_deleted(const Graph& g, const View* view, NodeIdx n);

// Whether a node shows as declared: a dataset or column stated as such (or dropped), any other kind
// always (never a mere reference).
bool shown_declared(const Graph& g, const View* view, NodeIdx n);

// A node's field (id, kind, namespace, name, dataset, deleted, declared), rendered; ``id_as`` the
// id it was reached as.
void put_node_field(std::string& out, const Graph& g, NodeIdx n, const Spec& spec, StrId id_as, const View* view);

// A row's value of a spec's own column (``Spec::column_json``).
void put_column_value(std::string& out, const Spec& spec, size_t row);

// The rows as a JSON list, or nothing when a value cannot be rendered (``item`` throws Unrenderable).
template <class Item>
std::optional<std::string> render_rows(size_t count, std::vector<Spec>& specs, Item&& item) {
  std::string out;
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
  } catch (const Unrenderable&) {
    return std::nullopt;
  }
  out += "]";
  return out;
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
  bool read(View& view, const std::vector<NodeIdx>& nodes, uint32_t asked, Budget budget, std::vector<Spec>& specs);

  // A fact field's value of row ``i``: false for a spec that is no fact field.
  bool put(std::string& out, size_t i, const Spec& spec) const;

 private:
  void put_text(std::string& out, int32_t at, bool nullable) const;

  void put_owner(std::string& out, const Graph& g, StrId id, NodeIdx n, int32_t type, const Spec& spec) const;

  NodeFactsAnswer answer_;
  std::vector<std::string> texts_;  // answer_.texts as JSON strings
};

// -- the answers' lists ----------------------------------------------------------------------------

// A lineage answer's nodes: fields of the node, a spec's own column, or a node's facts (asked
// without their column: read within ``budget``); nothing when the specs need Python.
std::optional<std::string> render_lineage_nodes(View& view, const LineageAnswer& answer, std::vector<Spec>& specs,
                                                Budget budget);

// A lineage answer's edges: source, target (ids), kind (an enum).
std::optional<std::string> render_lineage_edges(const Graph& g, const LineageAnswer& answer, std::vector<Spec>& specs);

// An impact answer's affected nodes: a node field, distance, certain, severity (an enum by rank),
// via (the id before it on its path), path (the ids from the changed node).
std::optional<std::string> render_impact_affected(const View& view, const ImpactReportAnswer& answer,
                                                  std::vector<Spec>& specs);

// The steps of an affected node's path, from the changed node to it (indexes into ``steps``).
void impact_path(const ImpactReportAnswer& answer, const ImpactReportAnswer::Affected& item, std::vector<int32_t>& out);

// The id before an affected node on its path.
StrId impact_via(const ImpactReportAnswer& answer, const ImpactReportAnswer::Affected& item);

}  // namespace lm
