// An OpenLineage event's JSON as sent, read, checked and translated (or refused) in one pass here,
// wherever the core can decide it whole; every other event is the Python path's (ingest.openlineage),
// which then hands the event it settled on back as JSON for the same translation.
//
// The core reads an event that reads exactly as orjson reads it (no integer of 19 digits or
// more, no escaped surrogate: the cases ingest.json_text reads again, no duplicate key), that
// nests at most ``max_depth`` levels, is of a kind and has no run id to relax (ingest.lenient).
// Such an event the schema decides (``event_refusal``, the one event validator: an invalid one is
// refused here, worded as ingest.openlineage_schema.validate words it); a valid one is
// translated here when its eventTime is a plain RFC 3339 date-time no later than the latest
// accepted (ingest.clock_skew) and it needs nothing only Python does: no quality facet
// (ingest.openlineage_quality), no catalog facet nor two TABLE symlinks
// (ingest.openlineage_catalog). Anything else is the Python path's (kElsewhere), which checks
// the event it settles on with ``event_refusal`` too.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "json_schema.h"
#include "openlineage.h"

namespace lm {

// ingest.openlineage_schema.validate's check of a valid-JSON event of ``kind`` against ``schema``
// (the roots ingest.openlineage_schema.event_schemas names: by kind the whole event, "spec:" the
// event alone, "facet:" a facet kind or "facet:<kind>:<name>" a standard facet): false when it is
// valid; else the refusal's JSON path and message, of the first facet that fails (one by one, in
// the event's order, so the error names the facet), or else of the event as a whole.
bool event_refusal(const JsonSchema& schema, yyjson_val* event, std::string_view kind, std::string& path,
                   std::string& message);
// The same of an event's JSON text (read keeping an integer past 64 bits as such: the standard
// library's JSON, which the caller may hand over, holds those); fails (lm::Error) on text that is
// not JSON.
bool event_refusal(const JsonSchema& schema, std::string_view json, std::string_view kind, std::string& path,
                   std::string& message);

class OpenLineageTranslator {
 public:
  // ``schema``: the event schemas by kind (null: the core vouches for no event); ``max_depth``:
  // the deepest nesting an event may have (ingest.openlineage_schema.MAX_DEPTH).
  OpenLineageTranslator(OpenLineageRules rules, std::unique_ptr<JsonSchema> schema, int max_depth);

  enum Outcome : uint8_t { kTranslated, kRefused, kElsewhere };

  // What the raw event log keeps of a translated event beside its bytes.
  struct Facts {
    double seconds = 0;                 // its eventTime, Unix seconds (graph.eventlog.event_log.event_time)
    std::vector<std::string> subjects;  // the ids it names (graph.eventlog.event_log.subjects_of)
  };

  // ``json``: one event as sent. kTranslated: written into ``into``, ``facts`` filled;
  // kRefused: invalid, or translated but refused (``why``; the caller rolls ``into`` back); kElsewhere: the
  // Python path decides (nothing written). ``not_after_us``: the latest eventTime accepted, in
  // Unix microseconds (``has_not_after`` false: none).
  Outcome translate(std::string_view json, bool has_not_after, int64_t not_after_us, WireWriter& into,
                    Translated& why, Facts& facts) const;

  // An event the Python path validated and settled (relaxed, its catalog tables preferred): its
  // JSON, kind and stamp. Fails (lm::Error) on JSON it cannot read (never orjson's output).
  Translated translate_settled(std::string_view json, std::string_view kind, std::string at, WireWriter& into) const;

  const OpenLineageRules& rules() const { return rules_; }

  // The parts of the check, exposed for their tests.
  static bool reads_as_orjson_does(std::string_view json);  // no 19-digit run, no escaped surrogate
  // The UTC moment of a plain RFC 3339 date-time as Python reads it (fraction truncated to
  // microseconds), false when Python would not read it or it leaves years 1-9999 in UTC.
  static bool utc_micros(std::string_view date_time, int64_t& micros);
  static std::string stamp(int64_t micros);  // graph.core.mutations.stamp of that moment

 private:
  OpenLineageRules rules_;
  std::unique_ptr<JsonSchema> schema_;
  int max_depth_;
};

// Events translated into one batch, in order (graph._native.Translator.translate: one string
// table, equal maps once, less to journal and plan than a batch each): each read, checked and
// translated here where the translator vouches for it; any other its caller settles (the Python
// path) and hands back (``settled``), or leaves out.
class OpenLineageBatch {
 public:
  // Writing into ``wire``; ``has_not_after``, ``not_after_us``: as OpenLineageTranslator::translate.
  OpenLineageBatch(const OpenLineageTranslator& translator, WireWriter& wire, bool has_not_after, int64_t not_after_us)
      : translator_(translator), wire_(wire), has_not_after_(has_not_after), not_after_us_(not_after_us) {}

  // The next event's JSON: false when its caller decides it (nothing written).
  bool add(std::string_view json);
  // The event last added, as its caller settled it: its JSON, kind and stamp (fails, lm::Error, on
  // JSON it cannot read, as translate_settled).
  void settled(std::string_view json, std::string_view kind, std::string at);

  std::vector<std::pair<size_t, Translated>> refused;  // the events refused (by index), and why
  std::vector<double> seconds;  // per event, its eventTime in Unix seconds (NaN where not read here)
  TextTable subjects{1024};     // the ids the events read here name, each once

 private:
  const OpenLineageTranslator& translator_;
  WireWriter& wire_;
  bool has_not_after_;
  int64_t not_after_us_;
  WireWriter::Mark mark_{};  // where the last event's mutations begin
  OpenLineageTranslator::Facts facts_;
};

}  // namespace lm
