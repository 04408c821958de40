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
#include "domain_rules.h"

namespace lm {

struct Translated {
  Bytes wire;
  std::string overlong_id;  // an id over Builder::kLongestId bytes (the event is then refused)
  std::string over_limit;   // else why the event asks too much work, naming the field (then refused too)
};

// The rules a translation applies, as its caller's objects (a translator's, graph._native.Translator):
// never module state, so two services of one process with different rules cannot meet.
// Dataset namespaces are spelled by the one namespace rule, in the core (native/core/namespaces.h:
// no call back into Python); ``domain_rules`` assign domains, as data matched in the core
// (native/core/domain_rules.h); ``rule_source`` is the source a rule-made BELONGS_TO carries
// (graph.model.RULE_SOURCE). Holds a reference to it.
class OpenLineageRules {
 public:
  OpenLineageRules(DomainRules domain_rules, PyObject* rule_source);
  ~OpenLineageRules();
  OpenLineageRules(const OpenLineageRules&) = delete;
  OpenLineageRules& operator=(const OpenLineageRules&) = delete;

  // A dataset namespace, in the one spelling the namespace rule gives it (a non-str as sent).
  std::string namespace_text(PyObject* o);
  const DomainRules& domain_rules() const { return domain_rules_; }
  PyObject* rule_source() const;   // borrowed

  // The garbage collector's view of the references held (tp_traverse, tp_clear).
  int traverse(visitproc visit, void* arg) const;
  void clear();

 private:
  DomainRules domain_rules_;
  PyObject* rule_source_;
};

// One event, validated (ingest.openlineage_schema): ``kind`` RunEvent, DatasetEvent or JobEvent;
// ``at`` its stamp; ``rules`` what it applies. Written into ``into`` when given (several events in
// one batch; the result's wire is then empty), else a batch of its own.
Translated translate_openlineage(PyObject* event, std::string_view kind, std::string at, OpenLineageRules& rules,
                                 WireWriter* into = nullptr);

}  // namespace lm
