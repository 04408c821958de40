#include "builder.h"

#include <algorithm>

namespace lm {

void Builder::refuse_id(std::string_view id) {
  if (!overlong_.empty()) return;
  size_t keep = std::min(id.size(), kLongestId);
  while (keep < id.size() && keep > 0 && (uint8_t(id[keep]) & 0xC0) == 0x80) keep--;  // whole UTF-8 characters
  overlong_.assign(id.substr(0, keep));
}

std::string_view Builder::key(std::initializer_list<std::string_view> parts) {
  key_.clear();
  for (std::string_view part : parts) {
    size_t n = part.size();
    do {
      key_.push_back(char(n >= 0x80 ? (n & 0x7f) | 0x80 : n));
      n >>= 7;
    } while (n != 0);
    key_.append(part);
  }
  return key_;
}

Builder::Builder(std::string stamp, WireWriter* shared)
    : at(std::move(stamp)),
      owned_(shared ? nullptr : std::make_unique<WireWriter>()),
      wire(shared ? *shared : *owned_),
      last_seen_map_(wire.strings) {
  at_ = wire.strings.ref(at);
  last_seen_map_.set_str("lastSeenAt", at);
  last_seen_ = wire.map(last_seen_map_);
  MapWriter first(wire.strings);
  first.set_str("firstSeenAt", at);
  first_seen_ = wire.map(first);
}

void Builder::node(std::string_view id, uint8_t kind, const MapWriter& props, const MapWriter* first, std::string_view stamp) {
  check_length(id);
  uint32_t at_ref = stamp.empty() ? at_ : wire.strings.ref(stamp);
  wire.node(wire.strings.ref(id), kind, at_ref, wire.map(props), first ? wire.map(*first) : 0);
}

void Builder::edge(std::string_view source, uint8_t kind, std::string_view target, const MapWriter* props) {
  check_length(source);
  check_length(target);
  uint32_t props_ref = last_seen_;
  if (props != nullptr && !props->empty()) {
    MapWriter merged(wire.strings);
    merged.merge(last_seen_map_).merge(*props);
    props_ref = wire.map(merged);
  }
  wire.edge(wire.strings.ref(source), kind, wire.strings.ref(target), at_, props_ref, first_seen_);
}

std::string Builder::dataset_ref(std::string_view ns, std::string_view name) {
  std::string_view named = key({ns, name});
  if (named == last_ref_key_) return last_ref_id_;  // referenced just before: nothing to state
  last_ref_key_.assign(named);
  std::string id = node_id(kDataset, {ns, name});
  bool added;
  referenced_.intern(id, &added);
  if (added && described_.find(last_ref_key_) == kNone) {
    MapWriter props = map();
    props.set_str("namespace", ns).set_str("name", name);
    node(id, kDataset, props);
  }
  last_ref_id_ = id;
  return id;
}

std::string Builder::dataset(std::string_view ns, std::string_view name, const MapWriter& props) {
  std::string id = node_id(kDataset, {ns, name});
  MapWriter all = map();
  all.set_str("namespace", ns).set_str("name", name).set_bool("declared", true).set_str("lastSeenAt", at).merge(props);
  MapWriter first = map();
  first.set_str("firstSeenAt", at);
  node(id, kDataset, all, &first);
  if (!props.has("namespace") && !props.has("name")) described_.intern(key({ns, name}));
  return id;
}

std::string Builder::job(std::string_view ns, std::string_view name, const MapWriter& props) {
  std::string id = node_id(kJob, {ns, name});
  MapWriter all = map();
  all.set_str("namespace", ns).set_str("name", name).set_str("lastSeenAt", at).merge(props);
  MapWriter first = map();
  first.set_str("firstSeenAt", at);
  node(id, kJob, all, &first);
  return id;
}

std::string Builder::column(std::string_view ns, std::string_view dataset, std::string_view field, const MapWriter* props) {
  std::string id = node_id(kColumn, {ns, dataset, field});
  bool described = props != nullptr && !props->empty();
  if (!described && stated_columns_.find(key({ns, dataset, field})) != kNone)
    return id;  // a mere reference to a column stated already
  std::string dataset_node = dataset_ref(ns, dataset);
  MapWriter all = map();
  all.set_str("namespace", ns).set_str("dataset", dataset).set_str("datasetId", dataset_node).set_str("name", field);
  if (described) all.merge(*props);
  node(id, kColumn, all);
  edge(dataset_node, kHasColumn, id);
  if (!described || !(props->has("namespace") || props->has("dataset") || props->has("datasetId") || props->has("name")))
    stated_columns_.intern(key({ns, dataset, field}));
  return id;
}

void Builder::alias(std::string_view ns, std::string_view name, std::string_view canonical, std::string_view reason) {
  std::string id = dataset_ref(ns, name);
  if (id == canonical) return;
  MapWriter props = map();
  props.set_str("reason", reason);
  edge(id, kAliasOf, canonical, &props);
}

std::string Builder::owner(std::string_view subject, std::string_view name, const MapWriter& ownership) {
  std::string id = node_id(kOwner, {name});
  bool added;
  stated_owners_.intern(name, &added);
  if (added) {
    MapWriter props = map();
    props.set_str("name", name);
    node(id, kOwner, props);
  }
  edge(subject, kOwnedBy, id, &ownership);
  return id;
}

std::string Builder::named(uint8_t kind, std::string_view name, const MapWriter* props) {
  std::string id = node_id(kind, {name});
  MapWriter all = map();
  all.set_str("name", name);
  if (props) all.merge(*props);
  node(id, kind, all);
  return id;
}

std::string Builder::domain(std::string_view name, const MapWriter* props) {
  return named(kDomain, name, props);
}

std::string Builder::product(std::string_view domain_name, std::string_view name, const MapWriter& props) {
  std::string domain_node = domain(domain_name, nullptr);
  std::string id = node_id(kDataProduct, {domain_name, name});
  MapWriter all = map();
  all.set_str("name", name).set_str("domain", domain_name).merge(props);
  node(id, kDataProduct, all);
  edge(id, kBelongsTo, domain_node);
  return id;
}

std::string Builder::consumer(std::string_view name, const MapWriter* props) {
  return named(kConsumer, name, props);
}

}  // namespace lm
