// Stamps: the moment each property was last observed, as ``graph.core.mutations.stamp`` renders it
// ("2026-01-05T00:00:01.894000Z", a run's state adds "#1".."#9"). Packed into 64 bits so that
// integer order is string order and no string is held per stamp; any other string (a stamp this
// code did not render) is held in the pool and compared as text.
#pragma once

#include "strings.h"

namespace lm {

using Stamp = uint64_t;

// Canonical: year(14) month(4) day(5) hour(5) minute(6) second(6) micros(20) rank(4) from the
// top bit down, rank 0 for no suffix. Another string: its StrId above the low nibble 0xF.
constexpr uint64_t kTextStamp = 0xF;

inline bool is_text_stamp(Stamp s) { return (s & 0xF) == kTextStamp; }

// The packed form of ``s`` when it is canonical.
bool pack_stamp(std::string_view s, Stamp& out);

// The stamp of ``s``: packed, or held in the pool with one reference for the caller.
Stamp stamp_of(std::string_view s, StringPool& pool);

// Its text (27 or 29 bytes for a canonical one), written into ``buf`` (at least 32 bytes).
std::string_view stamp_text(Stamp s, const StringPool& pool, char* buf);

// <0, 0, >0 as the stamps' texts compare.
int compare_stamps(Stamp a, Stamp b, const StringPool& pool);

inline void stamp_incref(Stamp s, StringPool& pool) {
  if (is_text_stamp(s)) pool.incref(StrId(s >> 4));
}
inline void stamp_decref(Stamp s, StringPool& pool) {
  if (is_text_stamp(s)) pool.decref(StrId(s >> 4));
}

}  // namespace lm
