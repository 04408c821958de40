#include "openlineage.h"

#include "pywire.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "flat.h"
#include "namespaces.h"
#include "texttable.h"

namespace lm {

namespace {

// The property keys the core reads back by name (graph.model.PropertyKey, through kinds.h),
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

// The interned str of a key this translation looks up (by the literal's address): made once,
// its hash cached, instead of a new str per lookup.
PyObject* key_object(const char* key) {
  static FlatMap<uintptr_t, PyObject*> made;
  bool added;
  PyObject*& object = made.at(uintptr_t(key), &added);
  if (added) {
    object = PyUnicode_InternFromString(key);
    if (object == nullptr) {
      made.at(uintptr_t(key)) = nullptr;
      throw PyErrorSet{};
    }
  }
  return object;
}

// d[key] (borrowed), or nullptr when d is no dict or has no such key.
PyObject* get(PyObject* d, const char* key) {
  if (d == nullptr || !PyDict_Check(d)) return nullptr;
  return PyDict_GetItem(d, key_object(key));
}

bool truthy(PyObject* o) {
  if (o == nullptr) return false;
  int t = PyObject_IsTrue(o);
  if (t < 0) throw PyErrorSet{};
  return t == 1;
}

// ``d.get(key) or {}``: the dict, or none (nullptr) for anything falsy or not a dict.
PyObject* dict_or_none(PyObject* d, const char* key) {
  PyObject* o = get(d, key);
  return o != nullptr && PyDict_Check(o) && PyDict_GET_SIZE(o) > 0 ? o : nullptr;
}

// ``d.get(key) or []`` as a list (nullptr: none).
PyObject* list_or_none(PyObject* d, const char* key) {
  PyObject* o = get(d, key);
  return o != nullptr && PyList_Check(o) && PyList_GET_SIZE(o) > 0 ? o : nullptr;
}

std::string text(PyObject* o) {
  if (o == nullptr) return "None";
  std::string spill;
  if (PyUnicode_Check(o)) return std::string(utf8_of(o, spill));
  PyRef shown(check(PyObject_Str(o)));
  return std::string(utf8_of(shown.get(), spill));
}

PyObject* none_if_missing(PyObject* o) { return o ? o : Py_None; }

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
  Translation(PyObject* event, std::string at, OpenLineageRules& rules, WireWriter* into)
      : b(std::move(at), into), event_(event), rules_(rules) {
    canonical_names();
  }

  Builder b;

  void run_event() {
    PyObject* run = get(event_, "run");
    PyObject* event_type_object = get(event_, "eventType");
    std::string event_type = truthy(event_type_object) ? text(event_type_object) : "OTHER";
    PyObject* job_object = get(event_, "job");
    PyObject* processing = get(get(dict_or_none(job_object, "facets"), "jobType"), "processingType");
    bool streaming = processing != nullptr && PyUnicode_Check(processing) && text(processing) == "STREAMING";
    // The run that decides the job's current inputs and outputs (native/core/currency.h): the newest
    // completed one, or a streaming job's newest started one, which may never complete.
    bool deciding = event_type == "COMPLETE" || (streaming && (event_type == "START" || event_type == "RUNNING"));
    PyObject* run_id_object = get(run, "runId");
    std::string job = job_node(job_object, deciding ? run_id_object : nullptr);
    std::string run_node = node_id(kRun, {text(run_id_object)});
    PyObject* facets = dict_or_none(run, "facets");
    MapWriter props = b.map();
    set_py(props, "runId", run_id_object).set_str(core_key::job_id, job);
    raw_facets(props, facets, kStructuredRunFacets);
    if (PyObject* tags = list_or_none(dict_or_none(facets, "tags"), "tags")) set_tag_list(props, tags, nullptr);
    if (PyObject* nominal = get(facets, "nominalTime")) {
      set_py(props, "nominalStartTime", none_if_missing(get(nominal, "nominalStartTime")));
      set_py(props, "nominalEndTime", none_if_missing(get(nominal, "nominalEndTime")));
    }
    PyObject* event_time = get(event_, "eventTime");
    MapWriter first = b.map();
    set_py(first, core_key::created_at, event_time);
    if (event_type == "START" || event_type == "RUNNING") set_py(first, "startedAt", event_time);
    int rank = state_rank(event_type);
    if (rank == 3) set_py(props, core_key::ended_at, event_time);
    b.node(run_node, kRun, props, &first);
    if (rank) {
      MapWriter state = b.map();
      state.set_str(core_key::state, event_type);
      b.node(run_node, kRun, state, nullptr, b.at + "#" + std::to_string(rank));
    }
    b.edge(run_node, kOf, job);
    PyObject* parent = get(facets, "parent");
    if (truthy(parent)) {
      std::string parent_job = job_ref(get(parent, "job"));
      PyObject* parent_run_id = get(get(parent, "run"), "runId");
      std::string parent_run = node_id(kRun, {text(parent_run_id)});
      MapWriter parent_props = b.map();
      set_py(parent_props, "runId", none_if_missing(parent_run_id)).set_str(core_key::job_id, parent_job);
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
    for (Py_ssize_t i : field_at_) path += ".fields[" + std::to_string(i) + "]";
    return path;
  }

  // Physical name -> catalog table name, from the symlinks facets of this event's datasets: a
  // dataset whose symlinks name a TABLE is recorded under that name (as Marquez does), so the
  // catalog identity and the storage location meet on one node.
  void canonical_names() {
    std::vector<PyObject*> datasets;
    for (const char* side : {"inputs", "outputs"})
      if (PyObject* list = list_or_none(event_, side))
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) datasets.push_back(PyList_GET_ITEM(list, i));
    if (PyObject* ds = get(event_, "dataset")) datasets.push_back(ds);
    for (PyObject* ds : datasets) {
      PyObject* identifiers = list_or_none(dict_or_none(dict_or_none(ds, "facets"), "symlinks"), "identifiers");
      if (identifiers == nullptr) continue;
      std::vector<std::pair<std::string, std::string>> tables;
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(identifiers); i++) {
        PyObject* id = PyList_GET_ITEM(identifiers, i);
        PyObject* type = get(id, "type");
        std::string kind = type ? text(type) : "";
        for (char& c : kind)
          if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
        if (kind == "TABLE") tables.emplace_back(rules_.namespace_text(get(id, "namespace")), text(get(id, "name")));
      }
      if (tables.empty()) continue;
      std::sort(tables.begin(), tables.end());
      canonical_[{rules_.namespace_text(get(ds, "namespace")), text(get(ds, "name"))}] = tables[0];
    }
  }

  std::pair<std::string, std::string> canonical(const std::string& ns, const std::string& name) const {
    auto found = canonical_.find({ns, name});
    return found == canonical_.end() ? std::make_pair(ns, name) : found->second;
  }

  // A column under its dataset's canonical name; without props a mere reference.
  std::string column(const std::string& ns, const std::string& name, const std::string& field, const MapWriter* props) {
    auto [cns, cname] = canonical(ns, name);
    return b.column(cns, cname, field, props);
  }

  // Unstructured facets as properties; a facet sent as {"_deleted": true} removes it.
  void raw_facets(MapWriter& props, PyObject* facets, const std::set<std::string_view>& structured) {
    if (facets == nullptr) return;
    Py_ssize_t pos = 0;
    PyObject *name, *value;
    std::string spill, key;
    while (PyDict_Next(facets, &pos, &name, &value)) {
      std::string_view facet = utf8_of(name, spill);
      if (structured.count(facet)) continue;
      key.assign(kFacetPrefix).append(facet);
      bool deleted = PyDict_Check(value) && truthy(get(value, "_deleted"));
      set_py(props, key, deleted ? Py_None : value, "a facet");
    }
  }

  void owners(const std::string& subject, PyObject* ownership) {
    if (PyObject* list = list_or_none(ownership, "owners"))
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject* owner = PyList_GET_ITEM(list, i);
        MapWriter ownership = b.map();
        set_py(ownership, "type", none_if_missing(get(owner, "type")));
        b.owner(subject, text(get(owner, "name")), ownership);
      }
  }

  std::string dataset(PyObject* ds, const std::string* writer_namespace) {
    std::string given_ns = rules_.namespace_text(get(ds, "namespace")), given_name = text(get(ds, "name"));
    auto [ns, name] = canonical(given_ns, given_name);
    std::string id = node_id(kDataset, {ns, name});
    PyObject* facets = dict_or_none(ds, "facets");
    MapWriter props = b.map();
    raw_facets(props, facets, kStructuredDatasetFacets);
    if (PyObject* doc = get(facets, "documentation")) set_py(props, "description", none_if_missing(get(doc, "description")));
    if (PyObject* source = get(facets, "dataSource")) {
      set_py(props, "sourceName", none_if_missing(get(source, "name")));
      set_py(props, "sourceUri", none_if_missing(get(source, "uri")));
    }
    if (PyObject* change = get(facets, "lifecycleStateChange")) {
      PyObject* state = get(change, "lifecycleStateChange");
      set_py(props, "lifecycleState", none_if_missing(state));
      std::string state_text = state ? text(state) : "";
      props.set_bool(core_key::deleted, state && PyUnicode_Check(state) && state_text == "DROP");
      PyObject* previous = get(change, "previousIdentifier");
      if (state && PyUnicode_Check(state) && state_text == "RENAME" && truthy(previous))
        b.alias(rules_.namespace_text(get(previous, "namespace")), text(get(previous, "name")), id, "RENAME");
    }
    if (PyObject* type = get(facets, "datasetType")) {
      set_py(props, "datasetType", none_if_missing(get(type, "datasetType")));
      set_py(props, "datasetSubType", none_if_missing(get(type, "subType")));
    }
    PyObject* tags = list_or_none(dict_or_none(facets, "tags"), "tags");
    if (tags) set_tag_list(props, tags, nullptr);
    b.will_describe(ns, name);  // described below, once its columns are known
    field_tags_ = tags;
    if (PyObject* schema = get(facets, "schema")) props.set_strs(core_key::columns, columns(ns, name, schema));
    field_tags_ = nullptr;
    PyObject* lineage = get(facets, "columnLineage");
    if (lineage) props.set_str(core_key::column_lineage_at, b.at);
    b.dataset(ns, name, props);
    stop_if_refused();
    assign_domain(id, ns, name, writer_namespace);
    if (given_ns != ns || given_name != name) b.alias(given_ns, given_name, id, "SYMLINK");
    if (PyObject* identifiers = list_or_none(dict_or_none(facets, "symlinks"), "identifiers"))
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(identifiers); i++) {
        PyObject* identifier = PyList_GET_ITEM(identifiers, i);
        PyObject* type = get(identifier, "type");
        b.alias(rules_.namespace_text(get(identifier, "namespace")), text(get(identifier, "name")), id, truthy(type) ? text(type) : "SYMLINK");
      }
    if (PyObject* ownership = get(facets, "ownership")) owners(id, ownership);
    if (lineage) column_lineage(ns, name, id, lineage);
    if (tags) column_tags(ns, name, tags);
    return id;
  }

  // ingest.domain_rules: the first rule matching the dataset (or the job writing it) assigns a domain.
  void assign_domain(const std::string& dataset_id, const std::string& ns, const std::string& name,
                     const std::string* writer_namespace) {
    const DomainRules& domain_rules = rules_.domain_rules();
    if (domain_rules.empty()) return;
    std::string_view writer = writer_namespace ? std::string_view(*writer_namespace) : std::string_view();
    const std::string* domain = domain_rules.domain_for(ns, name, writer_namespace ? &writer : nullptr);
    if (domain == nullptr) return;
    std::string domain_node = b.domain(*domain, nullptr);
    MapWriter props = b.map();
    set_py(props, core_key::source, rules_.rule_source());
    b.edge(dataset_id, kBelongsTo, domain_node, &props);
  }

  std::vector<std::string> columns(const std::string& ns, const std::string& name, PyObject* schema) {
    std::vector<std::string> paths;
    int ordinal = 0;
    if (PyObject* fields = list_or_none(schema, "fields")) flatten(ns, name, fields, nullptr, paths, ordinal);
    return paths;
  }

  // Every field of a schema facet, depth first, nested ones as a.b.
  void flatten(const std::string& ns, const std::string& name, PyObject* fields, const std::string* parent,
               std::vector<std::string>& paths, int& ordinal) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(fields); i++) {
      PyObject* field = PyList_GET_ITEM(fields, i);
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
      set_py(props, "type", none_if_missing(get(field, "type")));
      set_py(props, "description", none_if_missing(get(field, "description")));
      props.set_int("ordinal", position(get(field, "ordinal_position"), ordinal));
      if (parent) props.set_str("parent", *parent); else props.set_null("parent");
      set_tags(props, get(field, "tags"), path);
      column(ns, name, path, &props);
      stop_if_refused();
      if (PyObject* nested = list_or_none(field, "fields")) flatten(ns, name, nested, &path, paths, ordinal);
      field_at_.pop_back();
    }
  }

  // A field's ordinal_position when it is a usable 32-bit position, else its place in the schema.
  static int64_t position(PyObject* value, int place) {
    if (value == nullptr || PyBool_Check(value)) return place;
    double d;
    if (PyLong_Check(value)) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(value, &overflow);
      if (overflow || v < -(int64_t(1) << 31) || v >= (int64_t(1) << 31)) return place;
      return v;
    }
    if (!PyFloat_Check(value)) return place;
    d = PyFloat_AS_DOUBLE(value);
    if (d != d || d < -2147483648.0 || d >= 2147483648.0 || d != double(int64_t(d))) return place;
    return int64_t(d);
  }

  // The names of a schema field's tags (key, or name): tags are not in the 2-0-2 schema facet,
  // so anything else a producer sends there is ignored.
  // The dataset's tags facet naming ``path`` adds its tags (column_tags states the same list).
  void set_tags(MapWriter& props, PyObject* tags, const std::string& path) {
    std::vector<std::string> names;
    if (field_tags_ != nullptr) {
      std::string tag;
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(field_tags_); i++) {
        PyObject* entry = PyList_GET_ITEM(field_tags_, i);
        PyObject* named = get(entry, "field");
        if (named != nullptr && PyUnicode_Check(named) && text(named) == path && tag_text(entry, tag) &&
            std::find(names.begin(), names.end(), tag) == names.end())
          names.push_back(tag);
      }
    }
    if (tags != nullptr && PyList_Check(tags)) {
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tags); i++) {
        PyObject* tag = PyList_GET_ITEM(tags, i);
        if (!PyDict_Check(tag)) continue;
        PyObject* key = get(tag, "key");
        PyObject* chosen = truthy(key) ? key : get(tag, "name");
        if (chosen != nullptr && PyUnicode_Check(chosen) && std::find(names.begin(), names.end(), text(chosen)) == names.end())
          names.push_back(text(chosen));
      }
    }
    if (names.empty()) props.set_null("tags"); else props.set_strs("tags", names);
  }

  // A tags facet entry as one searchable tag: its key, or key:value when the value says more than "true".
  static bool tag_text(PyObject* tag, std::string& out) {
    PyObject* key = get(tag, "key");
    if (key == nullptr || !PyUnicode_Check(key)) return false;
    out = text(key);
    PyObject* value = get(tag, "value");
    if (value != nullptr && PyUnicode_Check(value)) {
      std::string shown = text(value);
      if (!shown.empty() && shown != "true") out += ":" + shown;
    }
    return true;
  }

  // The tags of a tags facet (2025: datasets, jobs, runs) naming ``field`` (nullptr: those naming no
  // field) as a "tags" property; none leaves the property as it was.
  static void set_tag_list(MapWriter& props, PyObject* tags, const std::string* field) {
    std::vector<std::string> names;
    std::string tag;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tags); i++) {
      PyObject* entry = PyList_GET_ITEM(tags, i);
      PyObject* named = get(entry, "field");
      bool for_field = named != nullptr && PyUnicode_Check(named) && !text(named).empty();
      if (field == nullptr ? for_field : (!for_field || text(named) != *field)) continue;
      if (tag_text(entry, tag) && std::find(names.begin(), names.end(), tag) == names.end()) names.push_back(tag);
    }
    if (!names.empty()) props.set_strs("tags", names);
  }

  // Tags a dataset's tags facet gives its columns (entries naming a ``field``).
  void column_tags(const std::string& ns, const std::string& name, PyObject* tags) {
    std::set<std::string> fields;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(tags); i++) {
      PyObject* named = get(PyList_GET_ITEM(tags, i), "field");
      if (named != nullptr && PyUnicode_Check(named) && !text(named).empty()) fields.insert(text(named));
    }
    for (const std::string& field : fields) {
      MapWriter props = b.map();
      set_tag_list(props, tags, &field);
      column(ns, name, field, &props);
      stop_if_refused();
    }
  }

  void column_lineage(const std::string& ns, const std::string& name, const std::string& dataset_id, PyObject* facet) {
    if (PyObject* fields = dict_or_none(facet, "fields")) {
      Py_ssize_t pos = 0;
      PyObject *out_field, *spec;
      while (PyDict_Next(fields, &pos, &out_field, &spec)) {
        std::string out = column(ns, name, text(out_field), nullptr);
        spend(out.size(), [this] { return where_ + ".facets.columnLineage.fields"; });
        stop_if_refused();
        MapWriter legacy = b.map();
        set_py(legacy, "transformationType", none_if_missing(get(spec, "transformationType")));
        set_py(legacy, "transformationDescription", none_if_missing(get(spec, "transformationDescription")));
        derivations(out, list_or_none(spec, "inputFields"), &legacy);
      }
    }
    derivations(dataset_id, list_or_none(facet, "dataset"), nullptr);
  }

  // DERIVES_FROM edges from ``target`` to each input field, transformations merged per field.
  void derivations(const std::string& target, PyObject* inputs, const MapWriter* legacy) {
    if (inputs == nullptr) return;
    TextTable seen;  // input columns, in first-seen order
    std::vector<std::vector<PyObject*>> merged;  // each one's transformations (borrowed from the event)
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(inputs); i++) {
      PyObject* source = PyList_GET_ITEM(inputs, i);
      std::string in = column(rules_.namespace_text(get(source, "namespace")), text(get(source, "name")), text(get(source, "field")), nullptr);
      stop_if_refused();
      spend(in.size(), [this] { return where_ + ".facets.columnLineage"; });
      uint32_t at = seen.intern(in);
      if (at == merged.size()) merged.emplace_back();
      if (PyObject* transformations = list_or_none(source, "transformations"))
        for (Py_ssize_t k = 0; k < PyList_GET_SIZE(transformations); k++) merged[at].push_back(PyList_GET_ITEM(transformations, k));
    }
    for (uint32_t at = 0; at < merged.size(); at++) {
      MapWriter props = b.map();
      if (merged[at].empty()) props.set_null(core_key::transformations);
      else set_py_list(props, core_key::transformations, merged[at], "transformations");
      if (has_job_) props.set_str(core_key::job_id, job_); else props.set_null(core_key::job_id);
      if (legacy) props.merge(*legacy);
      b.edge(target, kDerivesFrom, seen.text(at), &props);
    }
  }

  std::string job_node(PyObject* job, PyObject* completed_run) {
    PyObject* facets = dict_or_none(job, "facets");
    MapWriter props = b.map();
    raw_facets(props, facets, kStructuredJobFacets);
    if (completed_run) props.set_str("latestCompletedRun", node_id(kRun, {text(completed_run)}));  // decides which I/O is current
    if (PyObject* doc = get(facets, "documentation")) set_py(props, "description", none_if_missing(get(doc, "description")));
    if (PyObject* sql = get(facets, "sql")) set_py(props, "sql", none_if_missing(get(sql, "query")));
    if (PyObject* tags = list_or_none(dict_or_none(facets, "tags"), "tags")) set_tag_list(props, tags, nullptr);
    if (PyObject* type = get(facets, "jobType")) {
      set_py(props, core_key::processing_type, none_if_missing(get(type, "processingType")));
      set_py(props, "jobType.integration", none_if_missing(get(type, "integration")));
      set_py(props, "jobType.jobType", none_if_missing(get(type, "jobType")));
    }
    job_ = b.job(text(get(job, "namespace")), text(get(job, "name")), props);
    stop_if_refused();
    has_job_ = true;
    if (PyObject* ownership = get(facets, "ownership")) owners(job_, ownership);
    return job_;
  }

  std::string job_ref(PyObject* job) {
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
      PyObject* datasets = list_or_none(event_, side.key);
      if (datasets == nullptr) continue;
      for (Py_ssize_t i = 0; i < PyList_GET_SIZE(datasets); i++) {
        PyObject* ds = PyList_GET_ITEM(datasets, i);
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

  PyObject* event_;
  OpenLineageRules& rules_;
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> canonical_;
  std::string job_;
  bool has_job_ = false;

 public:
  std::string over_limit_;  // why the event is refused, naming the field (empty: it is not)

 private:
  std::string where_;                  // the JSON path of the dataset being translated
  std::vector<Py_ssize_t> field_at_;  // the indices of the schema fields being flattened
  PyObject* field_tags_ = nullptr;     // the tags facet's list of the dataset being flattened (borrowed)
  size_t fields_ = 0;                  // schema fields so far
  size_t id_bytes_ = 0;                // bytes of column ids so far
};

}  // namespace

OpenLineageRules::OpenLineageRules(DomainRules domain_rules, PyObject* rule_source)
    : domain_rules_(std::move(domain_rules)), rule_source_(rule_source) {
  Py_INCREF(rule_source_);
}

OpenLineageRules::~OpenLineageRules() { clear(); }

int OpenLineageRules::traverse(visitproc visit, void* arg) const {
  Py_VISIT(rule_source_);
  return 0;
}

void OpenLineageRules::clear() { Py_CLEAR(rule_source_); }

PyObject* OpenLineageRules::rule_source() const {
  if (rule_source_ == nullptr) raise(PyExc_RuntimeError, "the translator's rules were cleared");
  return rule_source_;
}

std::string OpenLineageRules::namespace_text(PyObject* o) {
  std::string sent = text(o);
  if (o == nullptr || !PyUnicode_Check(o)) return sent;
  return normal_namespace(sent);
}

Translated translate_openlineage(PyObject* event, std::string_view kind, std::string at, OpenLineageRules& rules,
                                 WireWriter* into) {
  Translation t(event, std::move(at), rules, into);
  try {
    if (kind == "RunEvent") t.run_event();
    else if (kind == "DatasetEvent") t.dataset_event();
    else t.job_event();
  } catch (const Refused&) {
    return Translated{Bytes(), t.b.overlong_id(), t.over_limit_};
  }
  return Translated{into || !t.b.overlong_id().empty() ? Bytes() : t.b.wire.finish(), t.b.overlong_id(), {}};
}

}  // namespace lm
