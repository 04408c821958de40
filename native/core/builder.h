// The vocabulary every ingester writes in (ingest.builder): datasets, columns, jobs, owners,
// domains, products, consumers, aliases; each a few mutations with the conventions every source
// shares, so the same fact is recorded the same way whichever source states it (a catalog crawl
// and a pipeline's events meet on one node). Written in the wire form as it goes.
//
// Every mutation carries the builder's stamp. Edges remember when they were first and last seen.
// What a document already stated is not stated again (a repeat at the same stamp with the same
// values changes nothing, so skipping it is exact).
#pragma once

#include <memory>

#include "ids.h"
#include "kinds.h"
#include "texttable.h"
#include "wire.h"

namespace lm {

class Builder {
 public:
  explicit Builder(std::string at) : Builder(std::move(at), nullptr) {}
  // Writing into ``shared`` (several documents in one batch: one string table, equal maps once),
  // which outlives the builder.
  Builder(std::string at, WireWriter* shared);
  Builder(const Builder&) = delete;

  const std::string at;

 private:
  std::unique_ptr<WireWriter> owned_;

 public:
  WireWriter& wire;

  MapWriter map() { return MapWriter(wire.strings); }

  // The raw mutations. ``at`` empty: the builder's stamp.
  void node(std::string_view id, uint8_t kind, const MapWriter& props, const MapWriter* first = nullptr,
            std::string_view at = {});
  void edge(std::string_view source, uint8_t kind, std::string_view target, const MapWriter* props = nullptr);

  // Make sure a dataset node exists (once per document) without describing it.
  std::string dataset_ref(std::string_view ns, std::string_view name);
  // Promise a dataset() for this dataset (without namespace/name in its props), so that
  // references made before it need not be recorded.
  void will_describe(std::string_view ns, std::string_view name) { described_.intern(key({ns, name})); }
  // Describe a dataset; it counts as declared by this source.
  std::string dataset(std::string_view ns, std::string_view name, const MapWriter& props);
  std::string job(std::string_view ns, std::string_view name, const MapWriter& props);
  // A column of a dataset; without props a mere reference.
  std::string column(std::string_view ns, std::string_view dataset, std::string_view field, const MapWriter* props);
  // Another identifier for the canonical dataset (storage path, symlink, former name).
  void alias(std::string_view ns, std::string_view name, std::string_view canonical, std::string_view reason);
  // An owner (by name) of ``subject``; ``ownership``: the OWNED_BY edge's props ({"type": ...}).
  std::string owner(std::string_view subject, std::string_view name, const MapWriter& ownership);
  std::string domain(std::string_view name, const MapWriter* props);
  std::string product(std::string_view domain, std::string_view name, const MapWriter& props);
  std::string consumer(std::string_view name, const MapWriter* props);

  // The first id written longer than ``kLongestId`` bytes (empty: none), for a source to refuse;
  // kept as its first ``kLongestId`` bytes or so (whole characters), however long it was.
  static constexpr size_t kLongestId = 4096;
  const std::string& overlong_id() const { return overlong_; }
  // Record ``id`` as over-long (the first one wins): for a source that knows an id would be too
  // long before building it.
  void refuse_id(std::string_view id);

 private:
  void check_length(std::string_view id) {
    if (id.size() > kLongestId) refuse_id(id);
  }

  // A node known by its name alone (a domain, a consumer): {"name": name, **props}.
  std::string named(uint8_t kind, std::string_view name, const MapWriter* props);

  // The parts as one key, each length-prefixed (so ("a:b", "c") and ("a", "b:c") differ): valid
  // until the next call.
  std::string_view key(std::initializer_list<std::string_view> parts);

  uint32_t at_;
  uint32_t last_seen_;   // {"lastSeenAt": at}: the props of an edge stated without any
  uint32_t first_seen_;  // {"firstSeenAt": at}
  MapWriter last_seen_map_;
  TextTable referenced_;      // dataset ids
  // The last dataset_ref's namespace and name (length-prefixed, as key()) and its id: a schema's
  // columns refer to their dataset one after another, and building its id again for each was a
  // string and a lookup a column.
  std::string last_ref_key_, last_ref_id_;
  TextTable described_;       // key(namespace, name) of datasets described or promised
  TextTable stated_columns_;  // key(namespace, dataset, field) of columns stated, not to restate as references
  TextTable stated_owners_;   // owner names
  std::string key_;
  std::string overlong_;
};

}  // namespace lm
