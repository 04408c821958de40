// The domain rules (native/core/domain_rules.h) from Python data: what graph._native.Translator
// and graph._native.DomainMatcher are built from (ingest.domain_rules hands them over).
#pragma once

#include "py.h"

#include "domain_rules.h"

namespace lm {

// A sequence of (domain, namespace glob, name glob, job-namespace glob) tuples, None for "any":
// compiled in order. Raises (TypeError) on anything else.
DomainRules domain_rules_of(PyObject* rules);

// native/bindings/domain_rules_py.cc: DomainMatcher and glob_matches.
void bind_domain_rules(nb::module_& m);

}  // namespace lm
