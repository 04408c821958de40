#include "openlineage_event.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ids.h"

namespace lm {

namespace {

// A parsed document, freed when it goes.
class Doc {
 public:
  explicit Doc(std::string_view json, yyjson_read_flag flags = 0)
      : doc_(yyjson_read_opts(const_cast<char*>(json.data()), json.size(), flags, nullptr, &error_)) {}
  ~Doc() { yyjson_doc_free(doc_); }
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;
  Json root() const { return doc_ ? yyjson_doc_get_root(doc_) : nullptr; }
  const char* error() const { return error_.msg; }

 private:
  yyjson_read_err error_{};
  yyjson_doc* doc_;
};

std::string_view view(Json s) { return std::string_view(yyjson_get_str(s), yyjson_get_len(s)); }

Json member(Json o, const char* key) { return yyjson_is_obj(o) ? yyjson_obj_get(o, key) : nullptr; }

// No container deeper than ``most`` levels (the value itself at ``depth``), no object with a key
// twice (orjson keeps the last value at the first key's place: the Python path reads those).
bool plain_tree(Json v, int depth, int most) {
  if (yyjson_is_arr(v)) {
    if (depth > most) return false;
    size_t i, n;
    Json item;
    yyjson_arr_foreach(v, i, n, item) if (!plain_tree(item, depth + 1, most)) return false;
    return true;
  }
  if (!yyjson_is_obj(v)) return true;
  if (depth > most) return false;
  size_t i, n;
  Json key, value;
  yyjson_obj_foreach(v, i, n, key, value) if (!plain_tree(value, depth + 1, most)) return false;
  // Keys compared pairwise where an object has few (nearly all: no allocation), sorted otherwise.
  constexpr size_t kFew = 16;
  size_t size = yyjson_obj_size(v);
  if (size <= kFew) {
    std::string_view keys[kFew];
    size_t k = 0;
    yyjson_obj_foreach(v, i, n, key, value) {
      std::string_view text = view(key);
      for (size_t b = 0; b < k; b++)
        if (keys[b] == text) return false;
      keys[k++] = text;
    }
    return true;
  }
  std::vector<std::string_view> keys;
  keys.reserve(size);
  yyjson_obj_foreach(v, i, n, key, value) keys.push_back(view(key));
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

// A run id the Python path would leave as it is (ingest.lenient relaxes any other string).
bool plain_run_id(Json run) {
  Json id = member(run, "runId");
  return !yyjson_is_str(id) || JsonSchema::plain_uuid(view(id));
}

bool has(Json facets, const char* name) { return member(facets, name) != nullptr; }

// What only Python translates or rewrites: quality facets, catalog facets, a choice between TABLE
// symlinks (ingest.openlineage_quality, ingest.openlineage_catalog).
bool needs_python(Json event) {
  Json run = member(event, "run");
  if (has(member(run, "facets"), "test")) return true;
  std::vector<Json> datasets;
  for (const char* side : {"inputs", "outputs"}) {
    Json list = member(event, side);
    size_t i, n;
    Json ds;
    if (yyjson_is_arr(list)) yyjson_arr_foreach(list, i, n, ds) datasets.push_back(ds);
  }
  if (Json ds = member(event, "dataset")) datasets.push_back(ds);
  for (Json ds : datasets) {
    for (const char* place : {"facets", "inputFacets", "outputFacets"}) {
      Json facets = member(ds, place);
      if (has(facets, "dataQualityAssertions") || has(facets, "dataQualityMetrics") || has(facets, "catalog")) return true;
    }
    Json identifiers = member(member(member(ds, "facets"), "symlinks"), "identifiers");
    int tables = 0;
    size_t i, n;
    Json identifier;
    if (yyjson_is_arr(identifiers)) yyjson_arr_foreach(identifiers, i, n, identifier) {
        Json type = member(identifier, "type");
        if (!yyjson_is_str(type)) continue;
        std::string upper(view(type));
        for (char& c : upper) {
          if (static_cast<unsigned char>(c) >= 0x80) return true;  // str.upper() of non-ASCII: Python's to say
          if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
        }
        tables += upper == "TABLE";
      }
    if (tables >= 2) return true;
  }
  return false;
}

// The event kind, as ingest.openlineage_schema.event_kind tells them apart ("" for none).
std::string_view kind_of(Json event) {
  if (member(event, "run") || member(event, "eventType")) return "RunEvent";
  if (member(event, "dataset")) return "DatasetEvent";
  if (member(event, "job")) return "JobEvent";
  return "";
}

void add_subject(std::vector<std::string>& out, uint8_t kind, std::string_view a, std::string_view b = {}, bool two = true) {
  out.push_back(two ? node_id(kind, {a, b}) : node_id(kind, {a}));
}

// graph.eventlog.event_log.subjects_of: the job, run and datasets the event names.
void subjects_of(Json event, std::vector<std::string>& out) {
  Json job = member(event, "job");
  Json ns = member(job, "namespace"), name = member(job, "name");
  if (yyjson_is_str(ns) && yyjson_is_str(name)) add_subject(out, kJob, view(ns), view(name));
  Json run_id = member(member(event, "run"), "runId");
  if (yyjson_is_str(run_id)) add_subject(out, kRun, view(run_id), {}, false);
  auto dataset = [&out](Json ds) {
    Json ns = member(ds, "namespace"), name = member(ds, "name");
    if (yyjson_is_str(ns) && yyjson_is_str(name)) add_subject(out, kDataset, view(ns), view(name));
  };
  dataset(member(event, "dataset"));
  for (const char* side : {"inputs", "outputs"}) {
    Json list = member(event, side);
    size_t i, n;
    Json ds;
    if (yyjson_is_arr(list)) yyjson_arr_foreach(list, i, n, ds) dataset(ds);
  }
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian), and back (H. Hinnant's algorithms).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y = yoe + era * 400 + (m <= 2);
}

int64_t field(std::string_view s, size_t at, size_t n) {
  int64_t v = 0;
  for (size_t i = at; i < at + n; i++) v = v * 10 + (s[i] - '0');
  return v;
}

constexpr int64_t kMicros = 1000000;

}  // namespace

namespace {

// ingest.openlineage_schema._check_facets: each facet of a container against its own schema (a
// custom one against its kind's), so the error names the facet.
bool facet_refusal(const JsonSchema& schema, const char* base, Json facets, const std::string& at, std::string& path,
                   std::string& message) {
  if (!yyjson_is_obj(facets)) return false;  // the event's schema refuses it
  size_t i, n;
  Json name, facet;
  yyjson_obj_foreach(facets, i, n, name, facet) {
    std::string root = std::string("facet:") + base + ":" + std::string(view(name));
    if (!schema.has_root(root)) root = std::string("facet:") + base;
    if (schema.first_error(root, facet, at + "." + std::string(view(name)), path, message)) return true;
  }
  return false;
}

}  // namespace

bool event_refusal(const JsonSchema& schema, Json event, std::string_view kind, std::string& path, std::string& message) {
  if (schema.valid(kind, event)) return false;
  if (kind == "RunEvent" &&
      facet_refusal(schema, "RunFacet", member(member(event, "run"), "facets"), "$.run.facets", path, message))
    return true;
  if (facet_refusal(schema, "JobFacet", member(member(event, "job"), "facets"), "$.job.facets", path, message))
    return true;
  if (kind == "DatasetEvent" &&
      facet_refusal(schema, "DatasetFacet", member(member(event, "dataset"), "facets"), "$.dataset.facets", path, message))
    return true;
  for (const char* side : {"inputs", "outputs"}) {
    bool in = side[0] == 'i';
    Json list = member(event, side);
    size_t i, n;
    Json ds;
    if (yyjson_is_arr(list)) yyjson_arr_foreach(list, i, n, ds) {
        std::string at = "$." + std::string(side) + "[" + std::to_string(i) + "].";
        const char* extra = in ? "inputFacets" : "outputFacets";
        if (facet_refusal(schema, "DatasetFacet", member(ds, "facets"), at + "facets", path, message) ||
            facet_refusal(schema, in ? "InputDatasetFacet" : "OutputDatasetFacet", member(ds, extra), at + extra, path,
                          message))
          return true;
      }
  }
  return schema.first_error("spec:" + std::string(kind), event, "$", path, message);
}

bool event_refusal(const JsonSchema& schema, std::string_view json, std::string_view kind, std::string& path,
                   std::string& message) {
  Doc doc(json, YYJSON_READ_BIGNUM_AS_RAW);
  if (doc.root() == nullptr) raise(Error::kValue, std::string("an event that is not JSON: ") + doc.error());
  return event_refusal(schema, doc.root(), kind, path, message);
}

OpenLineageTranslator::OpenLineageTranslator(OpenLineageRules rules, std::unique_ptr<JsonSchema> schema, int max_depth)
    : rules_(std::move(rules)), schema_(std::move(schema)), max_depth_(max_depth) {
  // Checked here, with the caller's GIL held: translate runs without it and must not fail.
  if (schema_ == nullptr) return;
  if (max_depth_ > JsonSchema::kDeepest) raise(Error::kValue, "max_depth is deeper than the schema checks");
  for (const char* kind : {"RunEvent", "DatasetEvent", "JobEvent"})
    if (!schema_->has_root(kind) || !schema_->has_root(std::string("spec:") + kind))
      raise(Error::kValue, std::string("the event schema has no root ") + kind + " or spec:" + kind);
}

namespace {

// ``\uD8``-``\uDF`` at ``i``: an escaped surrogate, which orjson refuses where Python's json reads it.
bool escaped_surrogate(std::string_view json, size_t i) {
  if (!(i + 3 < json.size() && json[i + 1] == 'u' && (json[i + 2] == 'd' || json[i + 2] == 'D'))) return false;
  char x = json[i + 3];
  return x == '8' || x == '9' || (x >= 'a' && x <= 'f') || (x >= 'A' && x <= 'F');
}

}  // namespace

bool OpenLineageTranslator::reads_as_orjson_does(std::string_view json) {
  // Every byte of every event is looked at: 16 at a time where SSE2 is there (~4 % of a worker's
  // translation byte by byte). A run of digits is carried across blocks by its length.
  int run = 0;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_set1_epi8('0' - 1), nine = _mm_set1_epi8('9' + 1), slash = _mm_set1_epi8('\\');
  for (; i + 16 <= json.size(); i += 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(json.data() + i));
    unsigned digits = unsigned(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpgt_epi8(block, zero), _mm_cmplt_epi8(block, nine))));
    unsigned slashes = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(block, slash)));
    while (slashes != 0) {
      if (escaped_surrogate(json, i + size_t(__builtin_ctz(slashes)))) return false;
      slashes &= slashes - 1;
    }
    if (digits == 0xFFFF) {
      if ((run += 16) >= 19) return false;
      continue;
    }
    if (run + __builtin_ctz(~digits) >= 19) return false;  // the run reaching into this block
    // a run inside the block is at most 14 long; the one leaving it goes on into the next
    run = __builtin_clz(~(digits << 16));
  }
#endif
  for (; i < json.size(); i++) {
    char c = json[i];
    if (c >= '0' && c <= '9') {
      if (++run >= 19) return false;
      continue;
    }
    run = 0;
    if (c == '\\' && escaped_surrogate(json, i)) return false;
  }
  return true;
}

bool OpenLineageTranslator::utc_micros(std::string_view s, int64_t& micros) {
  if (!JsonSchema::plain_date_time(s)) return false;
  int64_t year = field(s, 0, 4);
  if (year == 0) return false;
  int64_t seconds = days_from_civil(year, field(s, 5, 2), field(s, 8, 2)) * 86400 + field(s, 11, 2) * 3600 +
                    field(s, 14, 2) * 60 + field(s, 17, 2);
  size_t at = 19;
  int64_t fraction = 0;
  if (s[at] == '.') {
    int digits = 0;
    for (at++; s[at] >= '0' && s[at] <= '9'; at++)
      if (digits < 6) {
        fraction = fraction * 10 + (s[at] - '0');
        digits++;
      }
    for (; digits < 6; digits++) fraction *= 10;
  }
  if (s[at] != 'Z') {
    int64_t offset = field(s, at + 1, 2) * 3600 + field(s, at + 4, 2) * 60;
    seconds -= s[at] == '+' ? offset : -offset;
  }
  micros = seconds * kMicros + fraction;
  static const int64_t kFirst = days_from_civil(1, 1, 1) * 86400 * kMicros;
  static const int64_t kLast = days_from_civil(10000, 1, 1) * 86400 * kMicros - 1;
  return micros >= kFirst && micros <= kLast;
}

std::string OpenLineageTranslator::stamp(int64_t micros) {
  int64_t seconds = micros >= 0 ? micros / kMicros : -((-micros + kMicros - 1) / kMicros);
  int64_t fraction = micros - seconds * kMicros;
  int64_t days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400);
  int64_t rest = seconds - days * 86400, y, m, d;
  civil_from_days(days, y, m, d);
  char out[40];
  int n = std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", int(y), int(m), int(d), int(rest / 3600),
                        int(rest / 60 % 60), int(rest % 60), int(fraction));
  return std::string(out, size_t(n));
}

OpenLineageTranslator::Outcome OpenLineageTranslator::translate(std::string_view json, bool has_not_after,
                                                                int64_t not_after_us, WireWriter& into, Translated& why,
                                                                Facts& facts) const {
  if (schema_ == nullptr || !reads_as_orjson_does(json)) return kElsewhere;
  Doc doc(json);
  Json event = doc.root();
  if (!yyjson_is_obj(event) || !plain_tree(event, 1, max_depth_)) return kElsewhere;
  std::string_view kind = kind_of(event);
  Json run = member(event, "run");
  if (kind.empty() || !plain_run_id(run) || !plain_run_id(member(member(member(run, "facets"), "parent"), "run")))
    return kElsewhere;
  if (!schema_->valid(kind, event)) {
    if (!event_refusal(*schema_, event, kind, why.invalid_path, why.invalid)) return kElsewhere;
    return kRefused;
  }
  if (needs_python(event)) return kElsewhere;
  int64_t micros;
  Json time = member(event, "eventTime");
  if (!yyjson_is_str(time) || !utc_micros(view(time), micros) || (has_not_after && micros > not_after_us) ||
      micros >= (int64_t(1) << 53) || micros <= -(int64_t(1) << 53))
    return kElsewhere;  // past 2^53 microseconds a double of the seconds is Python's to round
  why = translate_openlineage(event, kind, stamp(micros), rules_, into);
  if (why.refused()) return kRefused;
  facts.seconds = double(micros) / double(kMicros);
  subjects_of(event, facts.subjects);
  return kTranslated;
}

Translated OpenLineageTranslator::translate_settled(std::string_view json, std::string_view kind, std::string at,
                                                    WireWriter& into) const {
  Doc doc(json);
  if (doc.root() == nullptr) raise(Error::kValue, std::string("a settled event that is not JSON: ") + doc.error());
  return translate_openlineage(doc.root(), kind, std::move(at), rules_, into);
}

bool OpenLineageBatch::add(std::string_view json) {
  seconds.push_back(std::nan(""));
  mark_ = wire_.mark();
  facts_.subjects.clear();
  Translated why;
  switch (translator_.translate(json, has_not_after_, not_after_us_, wire_, why, facts_)) {
    case OpenLineageTranslator::kTranslated:
      seconds.back() = facts_.seconds;
      for (const std::string& subject : facts_.subjects) subjects.intern(subject);
      return true;
    case OpenLineageTranslator::kRefused:
      wire_.rollback(mark_);
      refused.emplace_back(seconds.size() - 1, std::move(why));
      return true;
    default:
      wire_.rollback(mark_);
      return false;
  }
}

void OpenLineageBatch::settled(std::string_view json, std::string_view kind, std::string at) {
  Translated why = translator_.translate_settled(json, kind, std::move(at), wire_);
  if (!why.refused()) return;
  wire_.rollback(mark_);
  refused.emplace_back(seconds.size() - 1, std::move(why));
}

}  // namespace lm
