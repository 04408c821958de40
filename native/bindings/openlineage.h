// OpenLineage events -> graph mutations (ingest.openlineage): a pure translation, in the wire form.
//
// Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
// descriptions, lifecycle, parent runs); every other facet, standard or custom, is kept verbatim
// as a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across
// events: each event only adds what it observed, stamped with its eventTime, so START/COMPLETE
// pairs that split inputs and outputs, duplicates and out-of-order arrival all converge.
#pragma once

#include "py.h"

#include "builder.h"

namespace lm {

struct Translated {
  Bytes wire;
  std::string overlong_id;  // an id over Builder::kLongestId bytes (the event is then refused)
  std::string over_limit;   // else why the event asks too much work, naming the field (then refused too)
};

// One event, validated (ingest.openlineage_schema): ``kind`` RunEvent, DatasetEvent or JobEvent;
// ``at`` its stamp; ``rules`` the domain rules (their ``domain_for``), or None; ``rule_source`` the
// source a rule-made BELONGS_TO carries (graph.model.RULE_SOURCE). Written into ``into`` when
// given (several events in one batch; the result's wire is then empty), else a batch of its own.
// The rule giving each dataset namespace its one spelling (ingest.naming.normal_namespace), called
// once per distinct namespace and remembered; None (the default): namespaces as sent.
void set_namespace_rule(PyObject* rule);

Translated translate_openlineage(PyObject* event, std::string_view kind, std::string at, PyObject* rules,
                                 PyObject* rule_source, WireWriter* into = nullptr);

}  // namespace lm
