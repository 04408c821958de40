// Schema versions (graph.change.schema_history): their ids and uuids, the one place they are made, and
// what a first version is made of where a batch's observations lie in its wire form. A first load
// makes a version for every dataset it sees: making each in Python (an observation, its fields as
// dicts, the props, the JSON its uuid hashes, the wire form) was a quarter of the applying
// thread's time in a bulk load.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "batch.h"
#include "kinds.h"
#include "wire.h"

namespace lm {

// The SHA-256 digest of ``data`` (through the CPU's SHA extensions where it has them).
std::array<uint8_t, 32> sha256(std::string_view data);
// The same without them: what a CPU without them computes (its tests compare the two).
std::array<uint8_t, 32> sha256_portable(std::string_view data);

// ``at`` with each digit d written 9 - d: ids built on a stamp so turned list the newest first.
void append_newest_first(std::string& out, std::string_view at);

// A version's uuid: the SHA-256 of the canonical JSON of what it states, as a version-5 RFC 4122
// uuid's text (``str(uuid.UUID(bytes=digest[:16], version=5))``).
std::string version_uuid(std::string_view canonical_json);

// What every version id of ``dataset`` starts with (and no other dataset's).
std::string versions_prefix(std::string_view dataset);

// A version's id: newest first by the time the schema was observed, then by when that was
// detected (a document restating its own creation time as it changes observes at one time twice).
std::string version_id(std::string_view dataset, std::string_view at, std::string_view version,
                       std::string_view detected);

// The wire value at ``r`` (strings in ``table``) as canonical JSON (sorted keys, the form orjson
// writes with OPT_SORT_KEYS), appended to ``out``; false for a value holding a float, whose text
// only orjson's own formatting gives (the caller leaves it to Python).
bool wire_canonical_json(Reader& r, const WireTable& table, std::string& out, int depth = 0);

// The wire value at ``r`` (strings in ``table``) written again with ``sink``'s strings.
void copy_wire_value(Reader& r, const WireTable& table, StringSink& sink, Bytes& out, int depth = 0);

}  // namespace lm
