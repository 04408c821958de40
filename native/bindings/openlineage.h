// OpenLineage events -> graph mutations (ingest.openlineage): a pure translation, in the wire form.
//
// Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
// descriptions, lifecycle, parent runs); every other facet, standard or custom, is kept verbatim
// as a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across
// events: each event only adds what it observed, stamped with its eventTime, so START/COMPLETE
// pairs that split inputs and outputs, duplicates and out-of-order arrival all converge.
#pragma once

#include "py.h"

#include <unordered_map>

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
// ``namespace_rule`` gives each dataset namespace its one spelling (ingest.naming.normal_namespace),
// called once per distinct namespace and remembered here; None: namespaces as sent.
// ``domain_rules`` assign domains, as data matched in the core (native/core/domain_rules.h: no call
// back into Python per dataset); ``rule_source`` is the source a rule-made BELONGS_TO carries
// (graph.model.RULE_SOURCE). Holds a reference to each Python object.
class OpenLineageRules {
 public:
  OpenLineageRules(PyObject* namespace_rule, DomainRules domain_rules, PyObject* rule_source);
  ~OpenLineageRules();
  OpenLineageRules(const OpenLineageRules&) = delete;
  OpenLineageRules& operator=(const OpenLineageRules&) = delete;

  // A dataset namespace, in the one spelling the naming rule gives it.
  std::string namespace_text(PyObject* o);
  const DomainRules& domain_rules() const { return domain_rules_; }
  PyObject* rule_source() const;   // borrowed

  // The garbage collector's view of the references held (tp_traverse, tp_clear).
  int traverse(visitproc visit, void* arg) const;
  void clear();

 private:
  static constexpr size_t kSpelledKept = 1 << 16;  // forgotten all at once beyond this many (a bound, not a cache policy)
  PyObject* namespace_rule_;
  DomainRules domain_rules_;
  PyObject* rule_source_;
  std::unordered_map<std::string, std::string> spelled_;  // namespace as sent -> as the rule spells it
};

// One event, validated (ingest.openlineage_schema): ``kind`` RunEvent, DatasetEvent or JobEvent;
// ``at`` its stamp; ``rules`` what it applies. Written into ``into`` when given (several events in
// one batch; the result's wire is then empty), else a batch of its own.
Translated translate_openlineage(PyObject* event, std::string_view kind, std::string at, OpenLineageRules& rules,
                                 WireWriter* into = nullptr);

}  // namespace lm
