// Marquez's node data as JSON (native/marquez/marquez.h): datasets, jobs and runs.
#include "marquez.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "ids.h"
#include "marquez_render.h"

namespace lm {

const std::string_view kKeptFieldsKey = "_fields";
const std::vector<std::string_view> kMarquezShown = {
    key_text::first_seen_at, key_text::last_seen_at, key_text::type, "tags", "description", "sourceName",
    "lastModifiedAt", "lifecycleState", "facet:datasetType", "facet:jobType", "facet:sourceCodeLocation",
    key_text::created_at,  // a run's: the newest is a job's latestRun
    kKeptFieldsKey};
const std::vector<std::string_view> kMarquezFieldKeys = {key_text::name, key_text::type, "tags", "description"};

namespace {

// A moment as microseconds since the epoch, read as Python's ``datetime.fromisoformat`` reads the
// forms events carry: ``YYYY-MM-DD``, then ``T`` or a space and ``hh[:mm[:ss[.fraction]]]``, then
// ``Z`` or ``±hh[:mm]``. ``aware``: it states an offset.
bool parse_moment(std::string_view s, int64_t& micros, bool& aware) {
  size_t at = 0;
  auto number = [&](size_t width, int& value) {
    if (at + width > s.size()) return false;
    value = 0;
    for (size_t i = 0; i < width; i++) {
      char c = s[at + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    at += width;
    return true;
  };
  auto expect = [&](char c) {
    if (at < s.size() && s[at] == c) {
      at++;
      return true;
    }
    return false;
  };
  int year, month, day, hour = 0, minute = 0, second = 0, fraction = 0;
  if (!number(4, year) || !expect('-') || !number(2, month) || !expect('-') || !number(2, day)) return false;
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap)) return false;
  aware = false;
  int64_t offset = 0;
  if (at < s.size()) {
    if (s[at] != 'T' && s[at] != ' ') return false;
    at++;
    if (!number(2, hour)) return false;
    if (expect(':')) {
      if (!number(2, minute)) return false;
      if (expect(':')) {
        if (!number(2, second)) return false;
        if (at < s.size() && (s[at] == '.' || s[at] == ',')) {
          at++;
          size_t digits = 0;
          while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            if (digits < 6) fraction = fraction * 10 + (s[at] - '0');
            digits++;
            at++;
          }
          if (digits == 0) return false;
          for (size_t i = digits; i < 6; i++) fraction *= 10;
        }
      }
    }
    if (hour > 23 || minute > 59 || second > 59) return false;
    if (at < s.size()) {
      aware = true;
      if (s[at] == 'Z') {
        at++;
      } else if (s[at] == '+' || s[at] == '-') {
        int sign = s[at] == '-' ? -1 : 1, oh, om = 0;
        at++;
        if (!number(2, oh)) return false;
        if (expect(':') ? !number(2, om) : at < s.size() && !number(2, om)) return false;
        if (oh > 23 || om > 59) return false;
        offset = sign * (int64_t(oh) * 3600 + om * 60);
      } else {
        return false;
      }
    }
    if (at != s.size()) return false;
  }
  // days from 1970-01-01 (Howard Hinnant's days_from_civil)
  int y = year - (month <= 2);
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = unsigned(y - era * 400);
  unsigned doy = unsigned((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1);
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = int64_t(era) * 146097 + int64_t(doe) - 719468;
  int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  micros = seconds * 1000000 + fraction;
  return true;
}

// OpenLineage event types as the run states Marquez names them.
std::string_view run_state(std::string_view state) {
  if (state == "START" || state == "RUNNING") return "RUNNING";
  if (state == "COMPLETE") return "COMPLETED";
  if (state == "FAIL") return "FAILED";
  if (state == "ABORT") return "ABORTED";
  return "NEW";
}

// The standard OpenLineage facets the store keeps as properties, in the order Marquez writes them:
// each its fields (the property, the JSON key written before its value); a facet shows when one of
// its first ``shown_by`` fields has a value (nominalTime's end alone does not make one).
struct StandardFacet {
  const char* name;
  size_t shown_by;
  struct {
    StrId PropKeys::*key;
    const char* json_key;  // nullptr: no such field
  } fields[2];
};
constexpr StandardFacet kStandardFacets[] = {
    {"documentation", 1, {{&PropKeys::description, "{\"description\":"}, {nullptr, nullptr}}},
    {"sql", 1, {{&PropKeys::sql, "{\"query\":"}, {nullptr, nullptr}}},
    {"dataSource", 2, {{&PropKeys::source_name, "{\"name\":"}, {&PropKeys::source_uri, ",\"uri\":"}}},
    {"nominalTime", 1, {{&PropKeys::nominal_start, "{\"nominalStartTime\":"}, {&PropKeys::nominal_end, ",\"nominalEndTime\":"}}},
};

// The values of some keys of one record, read in one pass (record_value scans a record from its
// start for each key, and a dataset's record holds its whole schema): null where it has none.
template <size_t N>
class Picked {
 public:
  Picked(const Record* r, const StrId (&keys)[N]) {
    const uint8_t* p = r->data + size_t(r->n_stamps) * 8;
    const uint8_t* end = r->data + r->size;
    while (p < end) {
      StrId k = StrId(get_varint(p));
      get_varint(p);  // its stamp
      for (size_t i = 0; i < N; i++)
        if (keys[i] == k && *p != kAbsent) v_[i] = p;
      p = skip_value(p);
    }
  }
  const uint8_t* operator[](size_t i) const { return v_[i]; }

 private:
  const uint8_t* v_[N] = {};
};

}  // namespace

void Renderer::read(const std::vector<NodeIdx>& nodes, bool full) {
  std::vector<NodeIdx> datasets, jobs, runs;
  for (NodeIdx n : nodes) {
    if (n == kNone) continue;
    uint8_t kind = g_.node_kind[n];
    (kind == kDataset ? datasets : kind == kRun ? runs : jobs).push_back(n);
  }
  for (std::vector<NodeIdx>* list : {&datasets, &jobs, &runs}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  std::vector<NodeIdx> shown(datasets);
  shown.insert(shown.end(), jobs.begin(), jobs.end());
  if (full) v_.wholes(shown);
  else v_.lean(shown);
  v_.wholes(runs);
  v_.read_names(datasets);  // a dataset's lifecycle is its table's (View::lifecycle_of)

  // Each dataset's schema fields, by the ids its ``columns`` name (graph.core.model.field_id). A mirror
  // reads them along their datasets' HAS_COLUMN edges first: a seek per dataset, not per field.
  // A mirror's datasets that keep their fields (kKeptFieldsKey) are shown from those alone.
  std::vector<StrId> wanted;
  bool remote = v_.src.remote();
  if (remote) kept_key_ = g_.pool.find(kKeptFieldsKey);
  std::vector<NodeIdx> by_columns;
  for (NodeIdx d : datasets)
    if (kept_fields(d) == nullptr) by_columns.push_back(d);
  if (remote && !by_columns.empty()) {
    std::vector<EdgeRef> has;
    v_.edges(by_columns, kind_bit(kHasColumn), true, has);
  }
  std::string id;
  for (NodeIdx d : by_columns) {
    size_t begin = fields_all_.size();
    StrId keys[] = {g_.keys.columns, g_.keys.namespace_, g_.keys.name};
    Picked<3> p(g_.node_record[d], keys);
    const uint8_t* columns = p[0];
    if (columns != nullptr && *columns == kList) {
      char nb[32], mb[32];
      std::string_view ns, name;
      if (!text(p[1], nb, ns)) ns = {};
      if (!text(p[2], mb, name)) name = {};
      id = field_id(ns, name, "");  // the ids' common prefix, each column appended to it
      size_t prefix = id.size();
      const uint8_t* q = columns + 1;
      uint64_t count = get_varint(q);
      for (uint64_t i = 0; i < count; i++, q = skip_value(q)) {
        char buf[32];
        std::string_view column;
        if (!value_string(q, g_.pool, buf, column)) continue;
        id.resize(prefix);
        append_id_part(id, column);
        StrId s = remote ? g_.pool.intern(id) : g_.pool.find(id);
        if (remote) held_.push_back(s);
        if (s != kNone) wanted.push_back(s);
        fields_all_.push_back(Field{s, kNone, s == kNone ? id.substr(id.rfind(':') + 1) : std::string()});
      }
    }
    fields_[d] = {begin, fields_all_.size()};
  }
  std::vector<NodeIdx> columns;
  v_.find_all(wanted, columns, true);
  size_t at = 0;
  for (Field& f : fields_all_) {
    if (f.id == kNone) continue;
    f.node = columns[at++];
    if (f.node == kNone) {
      std::string_view text = g_.pool.view(f.id);
      f.name = std::string(text.substr(text.rfind(':') + 1));
    }
  }

  // Each job's current inputs and outputs (read named only), and its newest run, whole (its facets).
  if (!jobs.empty()) {
    v_.newest_soon(jobs, kOf, false, key_text::created_at);  // a remote store reads it beside the inputs and outputs
    std::vector<EdgeRef> io;
    // one kind at a time: a mirror holds the kind a walk followed from each job already
    v_.edges(jobs, kind_bit(kReads), true, io, false, true);  // only named (datasets the answer shows are held)
    v_.edges(jobs, kind_bit(kWrites), true, io, false, true);
    std::vector<NodeIdx> latest;
    marquez_latest_runs(v_, jobs, latest);
    jobs_.reserve(jobs.size());
    for (size_t i = 0; i < jobs.size(); i++) jobs_[jobs[i]].latest_run = latest[i];
    for (const EdgeRef& e : io)
      if (v_.visible(e.target)) (e.kind == kReads ? jobs_[e.source].inputs : jobs_[e.source].outputs).push_back(e.target);
    for (auto& [job, facts] : jobs_) {
      sort_by_id(facts.inputs);
      sort_by_id(facts.outputs);
    }
  }

  // Each run's job.
  if (!runs.empty()) {
    std::vector<EdgeRef> of;
    v_.edges(runs, kind_bit(kOf), true, of);
    std::vector<NodeIdx> owners;
    for (const EdgeRef& e : of) owners.push_back(e.target);
    v_.lean(owners);
    for (NodeIdx r : runs) run_jobs_[r] = kNone;
    for (const EdgeRef& e : of)
      if (run_jobs_[e.source] == kNone && v_.visible(e.target)) run_jobs_[e.source] = e.target;
  }
  k_ = PropKeys(g_.pool);  // a mirror's pool holds the keys of what was read only now
  for (size_t k = 0; k < 4; k++) field_keys_[k] = g_.pool.find(kMarquezFieldKeys[k]);
}

void JsonWriter::put_double(double d) {
  if (!std::isfinite(d)) {
    out_ += "null";
    return;
  }
  char buf[40];
  auto written = std::to_chars(buf, buf + sizeof buf, d);
  std::string_view s(buf, size_t(written.ptr - buf));
  out_ += s;
  if (s.find_first_of(".e") == std::string_view::npos) out_ += ".0";  // a float reads back as one
}

void JsonWriter::time(const uint8_t* v) {
  char buf[32];
  std::string_view text;
  if (v != nullptr && value_string(v, pool_, buf, text)) {
    // a contract's or descriptor's stamp orders by version after the time ("...Z#v13.10.10"):
    // Marquez shows the time
    json_string(text.substr(0, text.find('#')), out_);
    return;
  }
  value(v);
}

void JsonWriter::value(const uint8_t* v) {
  if (v == nullptr) {
    out_ += "null";
    return;
  }
  const uint8_t* q = v + 1;
  switch (*v) {
    case kNull:
    case kAbsent: out_ += "null"; return;
    case kFalse: out_ += "false"; return;
    case kTrue: out_ += "true"; return;
    case kInt: {
      uint64_t z = get_varint(q);
      out_ += std::to_string(int64_t(z >> 1) ^ -int64_t(z & 1));
      return;
    }
    case kUInt: out_ += std::to_string(get_varint(q)); return;
    case kFloat: {
      double d;
      std::memcpy(&d, q, 8);
      put_double(d);
      return;
    }
    case kStr: put_str(StrId(get_varint(q))); return;
    case kStampStr: {
      char buf[32];
      json_string(stamp_text(get_u64(q), pool_, buf), out_);
      return;
    }
    case kList:
    case kDict: {  // the same but for a dict's keys
      const bool dict = *v == kDict;
      uint64_t n = get_varint(q);
      out_.push_back(dict ? '{' : '[');
      for (uint64_t i = 0; i < n; i++, q = skip_value(q)) {
        if (i) out_.push_back(',');
        if (dict) {
          put_str(StrId(get_varint(q)));
          out_.push_back(':');
        }
        value(q);
      }
      out_.push_back(dict ? '}' : ']');
      return;
    }
    default: out_ += "null"; return;
  }
}

const uint8_t* Renderer::dict_get(const uint8_t* v, std::string_view key, const StringPool& pool) {
  if (v == nullptr || *v != kDict) return nullptr;
  const uint8_t* q = v + 1;
  uint64_t n = get_varint(q);
  for (uint64_t i = 0; i < n; i++, q = skip_value(q))
    if (pool.view(StrId(get_varint(q))) == key) return q;
  return nullptr;
}

void Renderer::name_id(NodeIdx n) {
  StrId keys[] = {g_.keys.namespace_, g_.keys.name};
  Picked<2> p(g_.node_record[n], keys);
  name_id(p[0], p[1]);
}

void Renderer::names(const std::vector<NodeIdx>& nodes) {
  out_.push_back('[');
  for (size_t i = 0; i < nodes.size(); i++) {
    if (i) out_.push_back(',');
    name_id(nodes[i]);
  }
  out_.push_back(']');
}

const uint8_t* Renderer::kept_fields(NodeIdx dataset) const {
  if (kept_key_ == kNone) return nullptr;
  StrId keys[] = {g_.keys.columns, kept_key_};
  Picked<2> p(g_.node_record[dataset], keys);
  if (p[0] == nullptr || *p[0] != kList || p[1] == nullptr || *p[1] != kStr) return nullptr;
  return p[1];
}

void JsonWriter::field(const uint8_t* name, const uint8_t* type, const uint8_t* tags, const uint8_t* description) {
  key("{\"name\":");
  value(name);
  key(",\"type\":");
  value(type);
  key(",\"tags\":");
  if (tags != nullptr && *tags == kList) value(tags);
  else out_ += "[]";  // list(tags or []) of the tags a schema facet gives, a list
  key(",\"description\":");
  value(description);
  out_.push_back('}');
}

void Renderer::fields(NodeIdx dataset) {
  if (const uint8_t* kept = kept_fields(dataset)) {
    const uint8_t* q = kept + 1;
    out_ += g_.pool.view(StrId(get_varint(q)));
    return;
  }
  out_.push_back('[');
  auto it = fields_.find(dataset);
  if (it != fields_.end()) {
    for (size_t i = it->second.first; i < it->second.second; i++) {
      const Field& f = fields_all_[i];
      if (i != it->second.first) out_.push_back(',');
      if (f.node == kNone) {
        key("{\"name\":");
        json_string(f.name, out_);
        key(",\"type\":null,\"tags\":[],\"description\":null}");
        continue;
      }
      Picked<4> p(g_.node_record[f.node], field_keys_);
      field(p[0], p[1], p[2], p[3]);
    }
  }
  out_.push_back(']');
}

// The node's OpenLineage facets: the standard ones the store keeps as properties, written back as
// facets (without _producer/_schemaURL), then those it keeps verbatim (``facet:<name>``), in their
// order; a verbatim one of a rebuilt one's name takes its place.
void Renderer::facets(NodeIdx n) {
  std::vector<std::pair<std::string_view, const uint8_t*>> kept;
  for_each_entry(g_.node_record[n], [&](const Entry& e) {
    std::string_view name = g_.pool.view(e.key);
    if (*e.value != kAbsent && name.substr(0, kFacetPrefix.size()) == kFacetPrefix) kept.emplace_back(name.substr(kFacetPrefix.size()), e.value);
  });
  std::vector<char> used(kept.size(), 0);
  bool first = true;
  auto open = [&](std::string_view name) -> bool {  // writes the key; true when a verbatim facet took its place
    out_ += first ? "" : ",";
    first = false;
    json_string(name, out_);
    out_.push_back(':');
    for (size_t i = 0; i < kept.size(); i++)
      if (!used[i] && kept[i].first == name) {
        used[i] = 1;
        value(kept[i].second);
        return true;
      }
    return false;
  };
  out_.push_back('{');
  for (const StandardFacet& facet : kStandardFacets) {
    const uint8_t* values[2] = {};
    bool shown = false;
    for (size_t i = 0; i < 2 && facet.fields[i].json_key != nullptr; i++) {
      values[i] = prop(n, k_.*facet.fields[i].key);
      shown |= i < facet.shown_by && values[i] != nullptr && *values[i] != kNull;
    }
    if (!shown || open(facet.name)) continue;
    for (size_t i = 0; i < 2 && facet.fields[i].json_key != nullptr; i++) {
      key(facet.fields[i].json_key);
      value(values[i]);
    }
    out_.push_back('}');
  }
  for (size_t i = 0; i < kept.size(); i++) {
    if (used[i]) continue;
    out_ += first ? "" : ",";
    first = false;
    json_string(kept[i].first, out_);
    out_.push_back(':');
    value(kept[i].second);
  }
  out_.push_back('}');
}

void Renderer::head(const uint8_t* namespace_, const uint8_t* name, const char* type, const char* second_name) {
  key("{\"id\":");
  name_id(namespace_, name);
  key(",\"type\":\"");
  key(type);
  key("\",\"name\":");
  value(name);
  key(",\"");
  key(second_name);
  key("\":");
  value(name);
}

void Renderer::times(const uint8_t* first_seen, const uint8_t* last_seen, const uint8_t* namespace_) {
  key(",\"createdAt\":");
  time(first_seen);
  key(",\"updatedAt\":");
  time(last_seen);
  key(",\"namespace\":");
  value(namespace_);
}

void Renderer::dataset(NodeIdx n, bool full) {
  enum { kType, kName, kFirst, kLast, kNamespace, kSource, kModified, kDescription, kLifecycle, kDeleted, kCount };
  StrId keys[kCount] = {k_.dataset_type, g_.keys.name,        g_.keys.first_seen_at, g_.keys.last_seen_at, g_.keys.namespace_,
                        k_.source_name,  k_.last_modified_at, k_.description,        k_.lifecycle_state,   g_.keys.deleted};
  Picked<kCount> p(g_.node_record[n], keys);
  char buf[32];
  std::string_view type;
  bool stream = text(dict_get(p[kType], "datasetType", g_.pool), buf, type) && type.size() == 6 &&
                std::equal(type.begin(), type.end(), "STREAM", [](char a, char b) { return (a >= 'a' && a <= 'z' ? char(a - 32) : a) == b; });
  head(p[kNamespace], p[kName], stream ? "STREAM" : "DB_TABLE", "physicalName");
  times(p[kFirst], p[kLast], p[kNamespace]);
  key(",\"sourceName\":");
  value(truthy(p[kSource]) ? p[kSource] : p[kNamespace]);
  key(",\"fields\":");
  fields(n);
  key(",\"tags\":[],\"lastModifiedAt\":");
  value(p[kModified]);
  key(",\"description\":");
  value(p[kDescription]);
  // The table's lifecycle, whichever of its names stated it last (View::lifecycle_of).
  const uint8_t* lifecycle = p[kLifecycle];
  const uint8_t* deleted = p[kDeleted];
  NodeIdx stated = v_.lifecycle_of(n);
  if (stated != n) {
    StrId lifecycle_keys[] = {k_.lifecycle_state, g_.keys.deleted};
    Picked<2> q(g_.node_record[stated], lifecycle_keys);
    lifecycle = q[0];
    deleted = q[1];
  }
  key(",\"lastLifecycleState\":");
  value(lifecycle);
  if (full) {
    key(",\"currentVersion\":null,\"facets\":");
    facets(n);
    key(",\"deleted\":");
    out_ += truthy(deleted) ? "true" : "false";
  }
  out_.push_back('}');
}

void Renderer::job(NodeIdx n, bool full) {
  auto it = jobs_.find(n);
  static const JobFacts kNoFacts;
  const JobFacts& facts = it == jobs_.end() ? kNoFacts : it->second;
  enum { kType, kName, kFirst, kLast, kNamespace, kLocation, kDescription, kCount };
  StrId keys[kCount] = {k_.job_type,          g_.keys.name, g_.keys.first_seen_at, g_.keys.last_seen_at,
                        g_.keys.namespace_, k_.source_code_location, k_.description};
  Picked<kCount> p(g_.node_record[n], keys);
  const uint8_t* processing = dict_get(p[kType], "processingType", g_.pool);
  char buf[32];
  std::string_view type;
  bool stream = text(processing, buf, type) && type == "STREAMING";
  head(p[kNamespace], p[kName], stream ? "STREAM" : "BATCH", "simpleName");
  key(",\"parentJobName\":null,\"parentJobUuid\":null");
  if (!full) {
    key(",\"currentRunUuid\":");
    value(facts.latest_run == kNone ? nullptr : prop(facts.latest_run, k_.run_id));
  }
  times(p[kFirst], p[kLast], p[kNamespace]);
  key(",\"inputs\":");
  names(facts.inputs);
  key(",\"outputs\":");
  names(facts.outputs);
  key(",\"location\":");
  const uint8_t* location = p[kLocation];
  value(location != nullptr && *location == kDict ? dict_get(location, "url", g_.pool) : nullptr);
  key(",\"description\":");
  value(p[kDescription]);
  key(",\"latestRun\":");
  size_t run_at = out_.size();
  if (facts.latest_run == kNone) out_ += "null";
  else run(facts.latest_run, n);
  if (full) {
    std::string latest = out_.substr(run_at);
    key(",\"latestRuns\":");
    out_ += facts.latest_run == kNone ? "[]" : "[" + latest + "]";
    key(",\"facets\":");
    facets(n);
    key(",\"currentVersion\":null,\"labels\":[],\"tags\":[]");
  }
  out_.push_back('}');
}

void Renderer::duration(const uint8_t* started_at, const uint8_t* ended_at) {
  char a[32], b[32];
  std::string_view started, ended;
  int64_t from, to;
  bool from_aware, to_aware;
  if (!text(started_at, a, started) || !text(ended_at, b, ended) || started.empty() || ended.empty() ||
      !parse_moment(started, from, from_aware) || !parse_moment(ended, to, to_aware) || from_aware != to_aware) {
    out_ += "null";
    return;
  }
  double ms = double(to - from) / 1e6 * 1000;  // as int(timedelta.total_seconds() * 1000)
  out_ += std::to_string(int64_t(ms));
}

void Renderer::run(NodeIdx r, NodeIdx job) {
  enum { kRunId, kCreated, kEnded, kStarted, kNominalStart, kNominalEnd, kState, kCount };
  StrId keys[kCount] = {k_.run_id, g_.keys.created_at, g_.keys.ended_at, k_.started_at, k_.nominal_start, k_.nominal_end, g_.keys.state};
  Picked<kCount> p(g_.node_record[r], keys);
  key("{\"id\":");
  value(p[kRunId]);
  key(",\"createdAt\":");
  value(p[kCreated]);
  key(",\"updatedAt\":");
  const uint8_t *ended = p[kEnded], *started = p[kStarted];
  value(truthy(ended) ? ended : truthy(started) ? started : p[kCreated]);
  key(",\"nominalStartTime\":");
  value(p[kNominalStart]);
  key(",\"nominalEndTime\":");
  value(p[kNominalEnd]);
  key(",\"state\":\"");
  char buf[32];
  std::string_view state;
  out_ += run_state(text(p[kState], buf, state) ? state : std::string_view());
  key("\",\"startedAt\":");
  value(started);
  key(",\"endedAt\":");
  value(ended);
  key(",\"durationMs\":");
  duration(started, ended);
  key(",\"args\":{},\"jobVersion\":");
  if (job == kNone) {
    out_ += "null";
  } else {
    name_id(job);
    out_.pop_back();
    key(",\"version\":null}");
  }
  auto versions = versions_ == nullptr ? RunVersions::const_iterator() : versions_->find(std::string(id_text(r)));
  if (versions_ != nullptr && versions != versions_->end()) {
    out_.push_back(',');
    out_ += versions->second;
    key(",\"facets\":");
  } else {
    key(",\"inputDatasetVersions\":[],\"outputDatasetVersions\":[],\"facets\":");
  }
  facets(r);
  out_.push_back('}');
}

void marquez_latest_runs(View& view, const std::vector<NodeIdx>& jobs, std::vector<NodeIdx>& out) {
  view.newest(jobs, kOf, false, key_text::created_at, out);
}

void Renderer::node(NodeIdx n, bool full) {
  uint8_t kind = n == kNone ? kNodeKinds : g_.node_kind[n];
  if (kind == kDataset) dataset(n, full);
  else if (kind == kJob) job(n, full);
  else if (kind == kRun) {
    auto it = run_jobs_.find(n);
    run(n, it == run_jobs_.end() ? kNone : it->second);
  } else out_ += "null";
}

bool marquez_fields_json(const uint8_t* entries, const StringPool& pool, std::string& out) {
  if (entries == nullptr || *entries != kList) return false;
  const uint8_t* f = entries + 1;
  uint64_t count = get_varint(f);
  JsonWriter json(pool, out);
  out.push_back('[');
  for (uint64_t i = 0; i < count; i++, f = skip_value(f)) {
    if (*f != kList) return false;
    if (i) out.push_back(',');
    const uint8_t* q = f + 1;
    uint64_t n = get_varint(q);
    const uint8_t* v[4] = {};
    for (uint64_t k = 0; k < n && k < 4; k++, q = skip_value(q)) v[k] = q;
    json.field(v[0], v[1], v[2], v[3]);
  }
  out.push_back(']');
  return true;
}

void marquez_nodes_json(View& view, const std::vector<NodeIdx>& nodes, bool full, std::string& out) {
  Renderer r(view, out);
  r.read(nodes, full);
  out.push_back('[');
  for (size_t i = 0; i < nodes.size(); i++) {
    if (i) out.push_back(',');
    r.node(nodes[i], full);
  }
  out.push_back(']');
}

}  // namespace lm
