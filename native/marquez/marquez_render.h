// What native/marquez/marquez.cc (the nodes' Marquez data) and marquez_graph.cc (the lineage graphs
// that show them) share: the JSON writer of property values and the renderer of a view's datasets,
// jobs and runs.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lineage.h"

namespace lm {

// The property keys read here besides the graph's own (kNone: no node has such a property).
struct PropKeys {
  explicit PropKeys(const StringPool& pool)
      : description(pool.find("description")), source_name(pool.find("sourceName")), source_uri(pool.find("sourceUri")),
        last_modified_at(pool.find("lastModifiedAt")), lifecycle_state(pool.find("lifecycleState")), tags(pool.find("tags")),
        run_id(pool.find("runId")), started_at(pool.find("startedAt")),
        nominal_start(pool.find("nominalStartTime")), nominal_end(pool.find("nominalEndTime")), sql(pool.find("sql")),
        dataset_type(pool.find("facet:datasetType")), job_type(pool.find("facet:jobType")),
        source_code_location(pool.find("facet:sourceCodeLocation")) {}
  StrId description, source_name, source_uri, last_modified_at, lifecycle_state, tags, run_id, started_at,
      nominal_start, nominal_end, sql, dataset_type, job_type, source_code_location;
};

// JSON text of property values (dict keys in their order; null for nullptr) and of a Marquez
// schema field: what an answer writes, and what a remote store keeps as a dataset's fields
// (marquez_fields_json), written by the same code.
class JsonWriter {
 public:
  JsonWriter(const StringPool& pool, std::string& out) : pool_(pool), out_(out) {}
  void value(const uint8_t* v);
  void time(const uint8_t* v);  // a stamp as the time it holds
  void field(const uint8_t* name, const uint8_t* type, const uint8_t* tags, const uint8_t* description);

 protected:
  void put_str(StrId s) {
    if (!pool_.json_plain(s)) {
      json_string(pool_.view(s), out_);
      return;
    }
    std::string_view t = pool_.view(s);
    out_.push_back('"');
    out_.append(t.data(), t.size());
    out_.push_back('"');
  }
  void put_double(double d);
  void key(const char* quoted_key_colon) { out_ += quoted_key_colon; }

  const StringPool& pool_;
  std::string& out_;
};

// A view's datasets, jobs and runs as Marquez shows them, written into one string: ``read`` first
// (one batch per kind of fact), then each node.
class Renderer : private JsonWriter {
 public:
  Renderer(View& view, std::string& out) : JsonWriter(view.g.pool, out), v_(view), g_(view.g), k_(view.g.pool) {}
  ~Renderer() {
    for (StrId s : held_) g_.pool.decref(s);
  }
  Renderer(const Renderer&) = delete;

  // Read what rendering ``nodes`` needs: one batch per kind of fact for all of them; ``full``: as
  // the catalog routes show them (whole nodes: their facets).
  void read(const std::vector<NodeIdx>& nodes, bool full);
  size_t fields_read() const { return fields_all_.size(); }
  void node(NodeIdx n, bool full);
  void dataset(NodeIdx n, bool full);
  void job(NodeIdx n, bool full);
  void run(NodeIdx run, NodeIdx job);
  // The dataset versions runs are written with (none: each run's lists empty).
  void run_versions(const RunVersions* versions) { versions_ = versions; }
  void id(NodeIdx n) { put_str(g_.node_id[n]); }
  // One of Marquez's ``inEdges``/``outEdges`` entries; ``first`` in its list (no comma before it).
  void edge(NodeIdx origin, NodeIdx destination, bool first) {
    out_ += first ? "{\"origin\":" : ",{\"origin\":";
    id(origin);
    out_ += ",\"destination\":";
    id(destination);
    out_.push_back('}');
  }
  using JsonWriter::value;
  void prop_value(NodeIdx n, StrId key) { value(prop(n, key)); }
  static const uint8_t* dict_get(const uint8_t* v, std::string_view key, const StringPool& pool);

 private:
  struct Field {
    StrId id;          // kNone: no node can have it
    NodeIdx node;      // kNone: none the view shows
    std::string name;  // the name a field without a node shows (its id after the last ':'), set for those only
  };
  struct JobFacts {
    std::vector<NodeIdx> inputs, outputs;
    NodeIdx latest_run = kNone;
  };

  const uint8_t* prop(NodeIdx n, StrId key) const {
    if (key == kNone) return nullptr;
    const uint8_t* v = g_.node_value(n, key);
    return v == nullptr || *v == kAbsent ? nullptr : v;
  }
  bool truthy(const uint8_t* v) const { return v != nullptr && value_truthy(v, g_.pool); }
  bool text(const uint8_t* v, char* buf, std::string_view& out) const { return v != nullptr && value_string(v, g_.pool, buf, out); }
  std::string_view id_text(NodeIdx n) const { return g_.pool.view(g_.node_id[n]); }
  void sort_by_id(std::vector<NodeIdx>& nodes) const {
    std::sort(nodes.begin(), nodes.end(), [&](NodeIdx a, NodeIdx b) { return id_text(a) < id_text(b); });
  }

  void name_id(NodeIdx n);
  void name_id(const uint8_t* namespace_, const uint8_t* name) {
    key("{\"namespace\":");
    value(namespace_);
    key(",\"name\":");
    value(name);
    out_.push_back('}');
  }
  void names(const std::vector<NodeIdx>& nodes);
  void fields(NodeIdx dataset);
  // The dataset's kept fields (kKeptFieldsKey: the JSON text of its ``fields``), if it keeps them
  // beside a ``columns`` list; else null.
  const uint8_t* kept_fields(NodeIdx dataset) const;
  void facets(NodeIdx n);
  // How a dataset's and a job's objects start: {"id":…,"type":…,"name":…,"<second_name>":…
  void head(const uint8_t* namespace_, const uint8_t* name, const char* type, const char* second_name);
  // Their createdAt, updatedAt and namespace, which follow in both.
  void times(const uint8_t* first_seen, const uint8_t* last_seen, const uint8_t* namespace_);
  void duration(const uint8_t* started_at, const uint8_t* ended_at);  // a run's durationMs

  View& v_;
  Graph& g_;
  PropKeys k_;
  std::vector<StrId> held_;  // ids interned into a mirror's pool, released at the end
  std::vector<Field> fields_all_;                                // every dataset's, in turn
  std::unordered_map<NodeIdx, std::pair<size_t, size_t>> fields_;  // a dataset's [begin, end) in fields_all_
  StrId kept_key_ = kNone;  // kKeptFieldsKey in a mirror's pool (kNone: read the column nodes)
  StrId field_keys_[4] = {kNone, kNone, kNone, kNone};  // kMarquezFieldKeys in the pool, once all is read
  std::unordered_map<NodeIdx, JobFacts> jobs_;
  std::unordered_map<NodeIdx, NodeIdx> run_jobs_;
  const RunVersions* versions_ = nullptr;
};

}  // namespace lm
