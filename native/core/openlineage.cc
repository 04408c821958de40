#include "openlineage.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "flat.h"
#include "json_values.h"
#include "namespaces.h"
#include "texttable.h"

namespace lm {

namespace {

// The property keys the core reads back by name (graph.core.model.PropertyKey, through kinds.h),
// written by their one spelling, so a key renamed there cannot leave this translation behind.
// Char arrays, so the wire writer remembers each by its address as it does a literal.
namespace core_key {
#define LM_KEY_TEXT(member, text) constexpr char member[] = text;
LM_PROPERTY_KEYS(LM_KEY_TEXT)
#undef LM_KEY_TEXT
}  // namespace core_key

// Facets turned into graph structure; all others are kept raw.
const std::set<std::string_view> kStructuredDatasetFacets = {"schema", "columnLineage", "symlinks", "ownership",
                                                             "documentation", "dataSource", "lifecycleStateChange"};
const std::set<std::string_view> kStructuredJobFacets = {"documentation", "ownership", "sql", "jobType"};
const std::set<std::string_view> kStructuredRunFacets = {"parent", "nominalTime"};
const std::set<std::string_view> kNoStructure = {};

// How much a run state says about the run's end: breaks ties between events of one eventTime.
int state_rank(std::string_view state) {
  if (state == "START") return 1;
  if (state == "RUNNING") return 2;
  if (state == "COMPLETE" || state == "FAIL" || state == "ABORT") return 3;
  return 0;
}

std::string_view view(yyjson_val* s) { return std::string_view(yyjson_get_str(s), yyjson_get_len(s)); }

// d[key], or nullptr when d is no object or has no such key.
Json get(Json d, const char* key) { return yyjson_is_obj(d) ? yyjson_obj_get(d, key) : nullptr; }

// Python's truth of a JSON value (absent: false).
bool truthy(Json o) {
  switch (yyjson_get_type(o)) {
    case YYJSON_TYPE_BOOL: return yyjson_get_bool(o);
    case YYJSON_TYPE_NUM: return yyjson_get_num(o) != 0;
    case YYJSON_TYPE_STR: return yyjson_get_len(o) > 0;
    case YYJSON_TYPE_ARR: return yyjson_arr_size(o) > 0;
    case YYJSON_TYPE_OBJ: return yyjson_obj_size(o) > 0;
    default: return false;
  }
}

// ``d.get(key) or {}``: the object, or none (nullptr) for anything falsy or not an object.
Json dict_or_none(Json d, const char* key) {
  Json o = get(d, key);
  return yyjson_is_obj(o) && yyjson_obj_size(o) > 0 ? o : nullptr;
}

// ``d.get(key) or []`` as a list (nullptr: none).
Json list_or_none(Json d, const char* key) {
  Json o = get(d, key);
  return yyjson_is_arr(o) && yyjson_arr_size(o) > 0 ? o : nullptr;
}

bool is_str(Json o) { return yyjson_is_str(o); }

// A value as Python's str() writes it: the text a name or namespace is read as. What a valid
// event holds there is a string (the schemas say so); absent reads as "None", as the Python
// translation read it. Anything else has no text here (an lm::Error: never in a valid event).
std::string text(Json o) {
  if (o == nullptr || yyjson_is_null(o)) return "None";
  if (yyjson_is_str(o)) return std::string(view(o));
  if (yyjson_is_bool(o)) return yyjson_get_bool(o) ? "True" : "False";
  if (yyjson_is_uint(o)) return std::to_string(yyjson_get_uint(o));
  if (yyjson_is_sint(o)) return std::to_string(yyjson_get_sint(o));
  raise(Error::kValue, "a name or namespace that is not a string");
}

// ``map[key] = o`` (o absent: None).
MapWriter& set_json(MapWriter& map, const Key& key, Json o) {
  return map.set_encoded(key, [&](StringSink& sink, Bytes& out) {
    if (o == nullptr) put_u8(out, kNull);
    else encode_json(o, sink, out, 0);
  });
}

// A list of JSON values (without making the list): ``transformations`` merged across inputs.
MapWriter& set_json_list(MapWriter& map, const Key& key, const std::vector<Json>& values) {
  return map.set_encoded(key, [&](StringSink& sink, Bytes& out) {
    put_u8(out, kList);
    put_varint(out, values.size());
    for (Json value : values) encode_json(value, sink, out, 1);
  });
}

// The items of a JSON array, each with its index, in order (``for (auto [i, item] : items(list))``).
class Items {
 public:
  explicit Items(Json list) : size_(yyjson_arr_size(list)), first_(size_ ? yyjson_arr_get_first(list) : nullptr) {}
  struct Item {
    size_t index;
    Json value;
  };
  class It {
   public:
    It(size_t i, Json v) : i_(i), v_(v) {}
    Item operator*() const { return {i_, v_}; }
    It& operator++() {
      if (++i_ < size_) v_ = unsafe_yyjson_get_next(v_);
      return *this;
    }
    bool operator!=(const It& other) const { return i_ != other.i_; }
    size_t size_ = 0;

   private:
    size_t i_;
    Json v_;
  };
  It begin() const {
    It it(0, first_);
    it.size_ = size_;
    return it;
  }
  It end() const { return It(size_, nullptr); }

 private:
  size_t size_;
  Json first_;
};

Items items(Json list) { return Items(list); }

// A dataset namespace, in the one spelling the namespace rule gives it (a non-string as sent).
std::string namespace_text(Json o) {
  std::string sent = text(o);
  if (!is_str(o)) return sent;
  return normal_namespace(sent);
}

// Thrown once the event is refused (an id over-long, a bound of the work per event passed):
// translating the rest of it is wasted work, and a hostile event (long names nested deep, or
// thousands of short fields under a long path) would make it quadratic in its size.
struct Refused {};

// The work one event may ask for, past which it is refused: every schema field costs a column
// whose id repeats the dataset's name and the field's whole path, so a few bytes of body can ask
// for kilobytes of ids. Far above what real producers send (a 10k-column table with 100-byte
// names is ~1.5 MB of ids).
constexpr size_t kMostFields = 100000;              // schema fields, all datasets of the event together
constexpr size_t kMostIdBytes = 32u * 1024 * 1024;  // bytes of column ids, all columns of the event together

class Translation {
 public:
  Translation(Json event, std::string at, const OpenLineageRules& rules, WireWriter* into)
      : b(std::move(at), into), event_(event), rules_(rules) {
    canonical_names();
  }

  Builder b;

  void run_event() {
    Json run = get(event_, "run");
    Json event_type_object = get(event_, "eventType");
    std::string event_type = truthy(event_type_object) ? text(event_type_object) : "OTHER";
    Json job_object = get(event_, "job");
    Json processing = get(get(dict_or_none(job_object, "facets"), "jobType"), "processingType");
    bool streaming = processing != nullptr && is_str(processing) && text(processing) == "STREAMING";
    // The run that decides the job's current inputs and outputs (native/core/currency.h): the newest
    // completed one, or a streaming job's newest started one, which may never complete.
    bool deciding = event_type == "COMPLETE" || (streaming && (event_type == "START" || event_type == "RUNNING"));
    Json run_id_object = get(run, "runId");
    std::string job = job_node(job_object, deciding ? run_id_object : nullptr);
    std::string run_node = node_id(kRun, {text(run_id_object)});
    Json facets = dict_or_none(run, "facets");
    MapWriter props = b.map();
    set_json(props, "runId", run_id_object).set_str(core_key::job_id, job);
    raw_facets(props, facets, kStructuredRunFacets);
    if (Json tags = list_or_none(dict_or_none(facets, "tags"), "tags")) set_tag_list(props, tags, nullptr);
    if (Json nominal = get(facets, "nominalTime")) {
      set_json(props, "nominalStartTime", (get(nominal, "nominalStartTime")));
      set_json(props, "nominalEndTime", (get(nominal, "nominalEndTime")));
    }
    Json event_time = get(event_, "eventTime");
    MapWriter first = b.map();
    set_json(first, core_key::created_at, event_time);
    if (event_type == "START" || event_type == "RUNNING") set_json(first, "startedAt", event_time);
    int rank = state_rank(event_type);
    if (rank == 3) set_json(props, core_key::ended_at, event_time);
    b.node(run_node, kRun, props, &first);
    if (rank) {
      MapWriter state = b.map();
      state.set_str(core_key::state, event_type);
      b.node(run_node, kRun, state, nullptr, b.at + "#" + std::to_string(rank));
    }
    b.edge(run_node, kOf, job);
    Json parent = get(facets, "parent");
    if (truthy(parent)) {
      std::string parent_job = job_ref(get(parent, "job"));
      Json parent_run_id = get(get(parent, "run"), "runId");
      std::string parent_run = node_id(kRun, {text(parent_run_id)});
      MapWriter parent_props = b.map();
      set_json(parent_props, "runId", (parent_run_id)).set_str(core_key::job_id, parent_job);
      b.node(parent_run, kRun, parent_props);
      b.edge(parent_run, kOf, parent_job);
      b.edge(run_node, kChildOf, parent_run);
    }
    job_datasets(job, &run_node);
  }

  void dataset_event() {
    where_ = "$.dataset";
    dataset(get(event_, "dataset"), nullptr);
  }

  void job_event() { job_datasets(job_node(get(event_, "job"), nullptr), nullptr); }

 private:
  void stop_if_refused() const {
    if (!b.overlong_id().empty()) throw Refused{};
  }

  // Refuse the event: ``field`` (a JSON path) is why.
  [[noreturn]] void refuse(const std::string& field, const std::string& reason) {
    over_limit_ = field + ": " + reason;
    throw Refused{};
  }

  // Count ``id_bytes`` more of column ids against the event's budget; ``field`` names where.
  template <class Field>
  void spend(size_t id_bytes, const Field& field) {
    id_bytes_ += id_bytes;
    if (id_bytes_ > kMostIdBytes)
      refuse(field(), "the event's column ids add up to over " + std::to_string(kMostIdBytes) +
                          " bytes (long dataset names or paths repeated over many fields)");
  }

  // The JSON path of the schema field being flattened.
  std::string field_path() const {
    std::string path = where_ + ".facets.schema";
    for (size_t i : field_at_) path += ".fields[" + std::to_string(i) + "]";
    return path;
  }

  // Physical name -> catalog table name, from the symlinks facets of this event's datasets: a
  // dataset whose symlinks name a TABLE is recorded under that name (as Marquez does), so the
  // catalog identity and the storage location meet on one node.
  void canonical_names() {
    std::vector<Json> datasets;
    for (const char* side : {"inputs", "outputs"})
      if (Json list = list_or_none(event_, side))
        for (auto [i, ds] : items(list)) datasets.push_back(ds);
    if (Json ds = get(event_, "dataset")) datasets.push_back(ds);
    for (Json ds : datasets) {
      Json identifiers = list_or_none(dict_or_none(dict_or_none(ds, "facets"), "symlinks"), "identifiers");
      if (identifiers == nullptr) continue;
      std::vector<std::pair<std::string, std::string>> tables;
      for (auto [i, id] : items(identifiers)) {
        Json type = get(id, "type");
        std::string kind = type ? text(type) : "";
        for (char& c : kind)
          if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
        if (kind == "TABLE") tables.emplace_back(namespace_text(get(id, "namespace")), text(get(id, "name")));
      }
      if (tables.empty()) continue;
      std::sort(tables.begin(), tables.end());
      canonical_[{namespace_text(get(ds, "namespace")), text(get(ds, "name"))}] = tables[0];
    }
  }

  std::pair<std::string, std::string> canonical(const std::string& ns, const std::string& name) const {
    auto found = canonical_.find({ns, name});
    return found == canonical_.end() ? std::make_pair(ns, name) : found->second;
  }

  // A column under its dataset's canonical name; without props a mere reference.
  std::string column(const std::string& ns, const std::string& name, const std::string& field, const MapWriter* props) {
    if (canonical_.empty()) return b.column(ns, name, field, props);  // (no symlinked TABLE: most events)
    auto [cns, cname] = canonical(ns, name);
    return b.column(cns, cname, field, props);
  }

  // Unstructured facets as properties; a facet sent as {"_deleted": true} removes it.
  void raw_facets(MapWriter& props, Json facets, const std::set<std::string_view>& structured) {
    if (facets == nullptr) return;
    std::string key;
    size_t i, n;
    Json name, value;
    yyjson_obj_foreach(facets, i, n, name, value) {
      std::string_view facet = view(name);
      if (structured.count(facet)) continue;
      key.assign(kFacetPrefix).append(facet);
      bool deleted = yyjson_is_obj(value) && truthy(get(value, "_deleted"));
      if (deleted) props.set_null(key); else set_json(props, key, value);
    }
  }

  void owners(const std::string& subject, Json ownership) {
    if (Json list = list_or_none(ownership, "owners"))
      for (auto [i, owner] : items(list)) {
        MapWriter ownership = b.map();
        set_json(ownership, "type", (get(owner, "type")));
        b.owner(subject, text(get(owner, "name")), ownership);
      }
  }

  std::string dataset(Json ds, const std::string* writer_namespace) {
    std::string given_ns = namespace_text(get(ds, "namespace")), given_name = text(get(ds, "name"));
    auto [ns, name] = canonical(given_ns, given_name);
    std::string id = node_id(kDataset, {ns, name});
    Json facets = dict_or_none(ds, "facets");
    MapWriter props = b.map();
    raw_facets(props, facets, kStructuredDatasetFacets);
    if (Json doc = get(facets, "documentation")) set_json(props, "description", (get(doc, "description")));
    if (Json source = get(facets, "dataSource")) {
      set_json(props, "sourceName", (get(source, "name")));
      set_json(props, "sourceUri", (get(source, "uri")));
    }
    if (Json change = get(facets, "lifecycleStateChange")) {
      Json state = get(change, "lifecycleStateChange");
      set_json(props, "lifecycleState", (state));
      std::string state_text = state ? text(state) : "";
      props.set_bool(core_key::deleted, state && is_str(state) && state_text == "DROP");
      Json previous = get(change, "previousIdentifier");
      if (state && is_str(state) && state_text == "RENAME" && truthy(previous))
        b.alias(namespace_text(get(previous, "namespace")), text(get(previous, "name")), id, "RENAME");
    }
    if (Json type = get(facets, "datasetType")) {
      set_json(props, "datasetType", (get(type, "datasetType")));
      set_json(props, "datasetSubType", (get(type, "subType")));
    }
    Json tags = list_or_none(dict_or_none(facets, "tags"), "tags");
    if (tags) set_tag_list(props, tags, nullptr);
    b.will_describe(ns, name);  // described below, once its columns are known
    field_tags_ = tags;
    if (Json schema = get(facets, "schema")) props.set_strs(core_key::columns, columns(ns, name, schema));
    field_tags_ = nullptr;
    Json lineage = get(facets, "columnLineage");
    if (lineage) props.set_str(core_key::column_lineage_at, b.at);
    b.dataset(ns, name, props);
    stop_if_refused();
    assign_domain(id, ns, name, writer_namespace);
    if (given_ns != ns || given_name != name) b.alias(given_ns, given_name, id, "SYMLINK");
    if (Json identifiers = list_or_none(dict_or_none(facets, "symlinks"), "identifiers"))
      for (auto [i, identifier] : items(identifiers)) {
        Json type = get(identifier, "type");
        b.alias(namespace_text(get(identifier, "namespace")), text(get(identifier, "name")), id, truthy(type) ? text(type) : "SYMLINK");
      }
    if (Json ownership = get(facets, "ownership")) owners(id, ownership);
    if (lineage) column_lineage(ns, name, id, lineage);
    if (tags) column_tags(ns, name, tags);
    return id;
  }

  // ingest.domain_rules: the first rule matching the dataset (or the job writing it) assigns a domain.
  void assign_domain(const std::string& dataset_id, const std::string& ns, const std::string& name,
                     const std::string* writer_namespace) {
    const DomainRules& domain_rules = rules_.domain_rules;
    if (domain_rules.empty()) return;
    std::string_view writer = writer_namespace ? std::string_view(*writer_namespace) : std::string_view();
    const std::string* domain = domain_rules.domain_for(ns, name, writer_namespace ? &writer : nullptr);
    if (domain == nullptr) return;
    std::string domain_node = b.domain(*domain, nullptr);
    MapWriter props = b.map();
    props.set_str(core_key::source, rules_.rule_source);
    b.edge(dataset_id, kBelongsTo, domain_node, &props);
  }

  std::vector<std::string> columns(const std::string& ns, const std::string& name, Json schema) {
    std::vector<std::string> paths;
    int ordinal = 0;
    if (Json fields = list_or_none(schema, "fields")) flatten(ns, name, fields, nullptr, paths, ordinal);
    return paths;
  }

  // Every field of a schema facet, depth first, nested ones as a.b.
  void flatten(const std::string& ns, const std::string& name, Json fields, const std::string* parent,
               std::vector<std::string>& paths, int& ordinal) {
    for (auto [i, field] : items(fields)) {
      field_at_.push_back(i);
      if (++fields_ > kMostFields)
        refuse(field_path(), "the event has over " + std::to_string(kMostFields) + " schema fields");
      std::string field_name = text(get(field, "name"));
      size_t joined = parent && !parent->empty() ? parent->size() + 1 : 0;
      size_t id_size = std::string_view("datasetField").size() + 3 + ns.size() + name.size() + joined + field_name.size();
      if (id_size > Builder::kLongestId)  // refused before the path is built
        refuse(field_path() + ".name", "makes the column id " + std::to_string(id_size) + " bytes long, over the limit of " +
                                           std::to_string(Builder::kLongestId));
      spend(id_size + joined + field_name.size(), [this] { return field_path(); });
      std::string path = joined ? *parent + "." + field_name : field_name;
      paths.push_back(path);
      ordinal++;
      MapWriter props = b.map();
      props.set_bool(core_key::declared, true);
      set_json(props, "type", (get(field, "type")));
      set_json(props, "description", (get(field, "description")));
      props.set_int("ordinal", position(get(field, "ordinal_position"), ordinal));
      if (parent) props.set_str("parent", *parent); else props.set_null("parent");
      set_tags(props, get(field, "tags"), path);
      column(ns, name, path, &props);
      stop_if_refused();
      if (Json nested = list_or_none(field, "fields")) flatten(ns, name, nested, &path, paths, ordinal);
      field_at_.pop_back();
    }
  }

  // A field's ordinal_position when it is a usable 32-bit position, else its place in the schema.
  static int64_t position(Json value, int place) {
    if (yyjson_is_uint(value)) {
      uint64_t v = yyjson_get_uint(value);
      return v >= (uint64_t(1) << 31) ? place : int64_t(v);
    }
    if (yyjson_is_sint(value)) {
      int64_t v = yyjson_get_sint(value);
      return v < -(int64_t(1) << 31) || v >= (int64_t(1) << 31) ? place : v;
    }
    if (!yyjson_is_real(value)) return place;
    double d = yyjson_get_real(value);
    if (d != d || d < -2147483648.0 || d >= 2147483648.0 || d != double(int64_t(d))) return place;
    return int64_t(d);
  }

  // The names of a schema field's tags (key, or name): tags are not in the 2-0-2 schema facet,
  // so anything else a producer sends there is ignored.
  // The dataset's tags facet naming ``path`` adds its tags (column_tags states the same list).
  void set_tags(MapWriter& props, Json tags, const std::string& path) {
    std::vector<std::string> names;
    if (field_tags_ != nullptr) {
      std::string tag;
      for (auto [i, entry] : items(field_tags_)) {
        Json named = get(entry, "field");
        if (named != nullptr && is_str(named) && text(named) == path && tag_text(entry, tag) &&
            std::find(names.begin(), names.end(), tag) == names.end())
          names.push_back(tag);
      }
    }
    if (yyjson_is_arr(tags)) {
      for (auto [i, tag] : items(tags)) {
        if (!yyjson_is_obj(tag)) continue;
        Json key = get(tag, "key");
        Json chosen = truthy(key) ? key : get(tag, "name");
        if (chosen != nullptr && is_str(chosen) && std::find(names.begin(), names.end(), text(chosen)) == names.end())
          names.push_back(text(chosen));
      }
    }
    if (names.empty()) props.set_null("tags"); else props.set_strs("tags", names);
  }

  // A tags facet entry as one searchable tag: its key, or key:value when the value says more than "true".
  static bool tag_text(Json tag, std::string& out) {
    Json key = get(tag, "key");
    if (key == nullptr || !is_str(key)) return false;
    out = text(key);
    Json value = get(tag, "value");
    if (value != nullptr && is_str(value)) {
      std::string shown = text(value);
      if (!shown.empty() && shown != "true") out += ":" + shown;
    }
    return true;
  }

  // The tags of a tags facet (2025: datasets, jobs, runs) naming ``field`` (nullptr: those naming no
  // field) as a "tags" property; none leaves the property as it was.
  static void set_tag_list(MapWriter& props, Json tags, const std::string* field) {
    std::vector<std::string> names;
    std::string tag;
    for (auto [i, entry] : items(tags)) {
      Json named = get(entry, "field");
      bool for_field = named != nullptr && is_str(named) && !text(named).empty();
      if (field == nullptr ? for_field : (!for_field || text(named) != *field)) continue;
      if (tag_text(entry, tag) && std::find(names.begin(), names.end(), tag) == names.end()) names.push_back(tag);
    }
    if (!names.empty()) props.set_strs("tags", names);
  }

  // Tags a dataset's tags facet gives its columns (entries naming a ``field``).
  void column_tags(const std::string& ns, const std::string& name, Json tags) {
    std::set<std::string> fields;
    for (auto [i, entry] : items(tags)) {
      Json named = get(entry, "field");
      if (named != nullptr && is_str(named) && !text(named).empty()) fields.insert(text(named));
    }
    for (const std::string& field : fields) {
      MapWriter props = b.map();
      set_tag_list(props, tags, &field);
      column(ns, name, field, &props);
      stop_if_refused();
    }
  }

  void column_lineage(const std::string& ns, const std::string& name, const std::string& dataset_id, Json facet) {
    if (Json fields = dict_or_none(facet, "fields")) {
      size_t i, n;
      Json out_field, spec;
      yyjson_obj_foreach(fields, i, n, out_field, spec) {
        std::string out = column(ns, name, text(out_field), nullptr);
        spend(out.size(), [this] { return where_ + ".facets.columnLineage.fields"; });
        stop_if_refused();
        MapWriter legacy = b.map();
        set_json(legacy, "transformationType", (get(spec, "transformationType")));
        set_json(legacy, "transformationDescription", (get(spec, "transformationDescription")));
        derivations(out, list_or_none(spec, "inputFields"), &legacy);
      }
    }
    derivations(dataset_id, list_or_none(facet, "dataset"), nullptr);
  }

  // DERIVES_FROM edges from ``target`` to each input field, transformations merged per field.
  void derivations(const std::string& target, Json inputs, const MapWriter* legacy) {
    if (inputs == nullptr) return;
    TextTable& seen = inputs_seen_;  // input columns, in first-seen order
    seen.clear();
    std::vector<std::vector<Json>>& merged = inputs_merged_;  // each one's transformations
    merged.clear();
    for (auto [i, source] : items(inputs)) {
      std::string in = column(namespace_text(get(source, "namespace")), text(get(source, "name")), text(get(source, "field")), nullptr);
      stop_if_refused();
      spend(in.size(), [this] { return where_ + ".facets.columnLineage"; });
      uint32_t at = seen.intern(in);
      if (at == merged.size()) merged.emplace_back();
      if (Json transformations = list_or_none(source, "transformations"))
        for (auto [k, transformation] : items(transformations)) merged[at].push_back(transformation);
    }
    for (uint32_t at = 0; at < merged.size(); at++) {
      MapWriter props = b.map();
      if (merged[at].empty()) props.set_null(core_key::transformations);
      else set_json_list(props, core_key::transformations, merged[at]);
      if (has_job_) props.set_str(core_key::job_id, job_); else props.set_null(core_key::job_id);
      if (legacy) props.merge(*legacy);
      b.edge(target, kDerivesFrom, seen.text(at), &props);
    }
  }

  std::string job_node(Json job, Json completed_run) {
    Json facets = dict_or_none(job, "facets");
    MapWriter props = b.map();
    raw_facets(props, facets, kStructuredJobFacets);
    if (completed_run) props.set_str("latestCompletedRun", node_id(kRun, {text(completed_run)}));  // decides which I/O is current
    if (Json doc = get(facets, "documentation")) set_json(props, "description", (get(doc, "description")));
    if (Json sql = get(facets, "sql")) set_json(props, "sql", (get(sql, "query")));
    if (Json tags = list_or_none(dict_or_none(facets, "tags"), "tags")) set_tag_list(props, tags, nullptr);
    if (Json type = get(facets, "jobType")) {
      set_json(props, core_key::processing_type, (get(type, "processingType")));
      set_json(props, "jobType.integration", (get(type, "integration")));
      set_json(props, "jobType.jobType", (get(type, "jobType")));
      set_json(props, "jobType.emissionPattern", (get(type, "emissionPattern")));
    }
    job_ = b.job(text(get(job, "namespace")), text(get(job, "name")), props);
    stop_if_refused();
    has_job_ = true;
    if (Json ownership = get(facets, "ownership")) owners(job_, ownership);
    return job_;
  }

  std::string job_ref(Json job) {
    std::string ns = text(get(job, "namespace")), name = text(get(job, "name"));
    std::string id = node_id(kJob, {ns, name});
    MapWriter props = b.map();
    props.set_str(core_key::namespace_, ns).set_str(core_key::name, name);
    b.node(id, kJob, props);
    return id;
  }

  void job_datasets(const std::string& job, const std::string* run) {
    std::string writer = text(get(get(event_, "job"), "namespace"));
    struct Side {
      const char* key;
      uint8_t job_edge, run_edge;
      const char* extra;
    };
    for (const Side& side : {Side{"inputs", kReads, kConsumed, "inputFacets"}, Side{"outputs", kWrites, kProduced, "outputFacets"}}) {
      Json datasets = list_or_none(event_, side.key);
      if (datasets == nullptr) continue;
      for (auto [i, ds] : items(datasets)) {
        where_ = std::string("$.") + side.key + "[" + std::to_string(i) + "]";
        std::string id = dataset(ds, side.job_edge == kWrites ? &writer : nullptr);
        b.edge(job, side.job_edge, id);
        if (run != nullptr) {
          MapWriter facets = b.map();
          raw_facets(facets, dict_or_none(ds, side.extra), kNoStructure);
          b.edge(*run, side.run_edge, id, &facets);
        }
      }
    }
  }

  Json event_;
  const OpenLineageRules& rules_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> canonical_;
  std::string job_;
  bool has_job_ = false;

 public:
  std::string over_limit_;  // why the event is refused, naming the field (empty: it is not)

 private:
  std::string where_;                  // the JSON path of the dataset being translated
  std::vector<size_t> field_at_;  // the indices of the schema fields being flattened
  Json field_tags_ = nullptr;     // the tags facet's list of the dataset being flattened (borrowed)
  size_t fields_ = 0;                  // schema fields so far
  size_t id_bytes_ = 0;                // bytes of column ids so far
  // derivations()' input columns and their transformations (borrowed from the event), kept for
  // the next field's: a table and lists made anew for every field with lineage were allocations.
  TextTable inputs_seen_;
  std::vector<std::vector<Json>> inputs_merged_;
};

}  // namespace

Translated translate_openlineage(Json event, std::string_view kind, std::string at, const OpenLineageRules& rules,
                                 WireWriter& into) {
  Translation t(event, std::move(at), rules, &into);
  try {
    if (kind == "RunEvent") t.run_event();
    else if (kind == "DatasetEvent") t.dataset_event();
    else t.job_event();
  } catch (const Refused&) {
    return Translated{t.b.overlong_id(), t.over_limit_};
  }
  return Translated{t.b.overlong_id(), {}};
}

}  // namespace lm
