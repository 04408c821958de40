// Node ids: ``prefix:first:rest...`` in Marquez's form (``dataset:postgres://db:5432:public.t``),
// made unambiguous by one rule. The prefix (``kIdPrefixes``, from graph/core/model.py) has no colon and
// fixes how many parts follow it. The first part (a namespace, a domain, a run id) is written as it
// is: it may hold colons (``pg://h:5432``). Each later part (a name, a field) is escaped, ``%`` as
// ``%25`` first, then ``:`` as ``%3A``, so it holds no colon. An id is therefore read back from the
// right: its last (parts - 1) colons end the first part, and each later part unescapes to exactly
// one string; so distinct parts never share an id, and names without ``:`` or ``%`` (nearly all)
// read as Marquez's. The one place ids are made: the builders here and graph.core.model (through
// ``graph._native.node_id``).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "kinds.h"

namespace lm {

// ``part`` as a later part of an id (``%`` -> ``%25``, ``:`` -> ``%3A``), appended to ``out``.
void append_id_part(std::string& out, std::string_view part);

// The id of a node of ``prefix`` (kIdPrefixes) named by ``parts`` (at least one).
std::string node_id(std::string_view prefix, const std::string_view* parts, size_t count);

inline std::string node_id(std::string_view prefix, std::initializer_list<std::string_view> parts) {
  return node_id(prefix, parts.begin(), parts.size());
}

inline std::string node_id(uint8_t kind, std::initializer_list<std::string_view> parts) {
  return node_id(kIdPrefixes[kind], parts);
}

}  // namespace lm
