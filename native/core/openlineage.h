// OpenLineage events -> graph mutations (ingest.openlineage): a pure translation, in the wire form,
// over the event's JSON as parsed here (native/core/openlineage_event.h reads and checks it).
//
// Facets with a meaning in the graph become structure (columns, column lineage, aliases, owners,
// descriptions, lifecycle, parent runs); every other facet, standard or custom, is kept verbatim
// as a ``facet:<name>`` property so nothing a producer sent is lost. Runs accumulate across
// events: each event only adds what it observed, stamped with its eventTime, so START/COMPLETE
// pairs that split inputs and outputs, duplicates and out-of-order arrival all converge.
#pragma once

#include <string>
#include <string_view>

#include "builder.h"
#include "domain_rules.h"
#include "yyjson.h"

namespace lm {

using Json = yyjson_val*;

// The rules a translation applies, held by its caller's translator (graph._native.Translator):
// never module state, so two services of one process with different rules cannot meet.
// Dataset namespaces are spelled by the one namespace rule (native/core/namespaces.h);
// ``domain_rules`` assign domains (native/core/domain_rules.h); ``rule_source`` is the source a
// rule-made BELONGS_TO carries (graph.core.model.RULE_SOURCE).
struct OpenLineageRules {
  DomainRules domain_rules;
  std::string rule_source;
};

struct Translated {
  std::string overlong_id;  // an id over Builder::kLongestId bytes (the event is then refused)
  std::string over_limit;   // else why the event asks too much work, naming the field (then refused too)
  std::string invalid, invalid_path;  // else why the event is not valid (openlineage_event.h), and where
  bool refused() const { return !overlong_id.empty() || !over_limit.empty() || !invalid.empty(); }
  // A refusal as Translator.translate names it: "invalid", "overlong" or "limit" (asked in that
  // order), its detail (the message, the id, why it asks too much work) and where ("" but invalid).
  const char* refusal() const { return !invalid.empty() ? "invalid" : !overlong_id.empty() ? "overlong" : "limit"; }
  const std::string& detail() const {
    return !invalid.empty() ? invalid : !overlong_id.empty() ? overlong_id : over_limit;
  }
  std::string_view where() const { return invalid.empty() ? std::string_view("") : invalid_path; }
};

// One event, valid (ingest.openlineage_schema): ``kind`` RunEvent, DatasetEvent or JobEvent;
// ``at`` its stamp. Written into ``into`` (several events share one batch); a refused event
// leaves mutations there for the caller to roll back (WireWriter::mark).
Translated translate_openlineage(Json event, std::string_view kind, std::string at, const OpenLineageRules& rules,
                                 WireWriter& into);

}  // namespace lm
