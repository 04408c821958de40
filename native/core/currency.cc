#include "currency.h"

#include <algorithm>

namespace lm {

NodeIdx deciding_run(const Graph& g, NodeIdx job) {
  const uint8_t* v = g.node_value(job, g.keys.latest_completed_run);
  if (v == nullptr || *v != kStr) return kNone;  // a run id is never shaped like a stamp
  const uint8_t* p = v + 1;
  StrId id = StrId(get_varint(p));
  return g.pool.view(id).empty() ? kNone : g.find_node(id);
}

bool value_at_or_before(const Graph& g, const uint8_t* value, Stamp stamp) {
  if (value != nullptr && *value == kStampStr && !is_text_stamp(stamp)) {
    const uint8_t* p = value + 1;
    return get_u64(p) <= stamp;
  }
  char a[32], b[32];
  std::string_view first;
  if (value == nullptr || !value_string(value, g.pool, a, first)) first = {};
  return first <= stamp_text(stamp, g.pool, b);
}

bool streaming(const Graph& g, NodeIdx job) {
  const uint8_t* v = g.node_value(job, g.keys.processing_type);
  char buf[32];
  std::string_view text;
  return v != nullptr && value_string(v, g.pool, buf, text) && text == "STREAMING";
}

void unrestated_edges(const Graph& g, NodeIdx job, NodeIdx run, std::vector<EdgeIdx>& out) {
  const AdjList& io = g.node_out[run];
  auto [consumed_begin, consumed_end] = io.of_kind(kConsumed);
  auto [produced_begin, produced_end] = io.of_kind(kProduced);
  if (consumed_begin == consumed_end && produced_begin == produced_end) return;  // recorded no inputs or outputs
  // A streaming job's run decides from its start (it may never complete): what it does not restate,
  // seen before it started, is stale; once it has ended, nothing it did is current any more.
  bool stream = streaming(g, job);
  Stamp ended = 0;
  bool has_ended = false, run_ended = false;
  for (uint8_t kind : kJobIoKinds) {
    uint8_t restated = kind == kReads ? kConsumed : kProduced;
    auto [b, e] = g.node_out[job].of_kind(kind);
    for (const uint64_t* it = b; it < e; it++) {
      if (!has_ended) {
        Stamp s;
        const uint8_t* entry = g.node_value(run, g.keys.ended_at, &s);
        run_ended = entry != nullptr;
        ended = entry ? s : g.keys.empty_stamp();
        if (!entry && stream && g.node_value(run, g.keys.created_at, &s)) ended = s;  // its first event
        has_ended = true;
      }
      if (io.find(restated, entry_neighbour(*it)) != kNone && !(stream && run_ended)) continue;
      EdgeIdx edge = entry_edge(*it);
      if (value_at_or_before(g, g.edge_value(edge, g.keys.first_seen_at), ended)) out.push_back(edge);
    }
  }
}

void judge_jobs(Graph& g, std::vector<NodeIdx> jobs) {
  std::sort(jobs.begin(), jobs.end());
  jobs.erase(std::unique(jobs.begin(), jobs.end()), jobs.end());
  std::vector<EdgeIdx> stale;
  for (NodeIdx job : jobs) {
    for (uint8_t kind : kJobIoKinds) {
      auto [b, e] = g.node_out[job].of_kind(kind);
      for (const uint64_t* it = b; it < e; it++) g.set_unrestated(entry_edge(*it), false);
    }
    NodeIdx run = deciding_run(g, job);
    if (run == kNone) continue;
    stale.clear();
    unrestated_edges(g, job, run, stale);
    for (EdgeIdx edge : stale) g.set_unrestated(edge, true);
  }
}

void Graph::settle() {
  if (touched_jobs_.empty() && touched_runs_.empty()) return;
  std::vector<NodeIdx> jobs;
  jobs.swap(touched_jobs_);
  for (NodeIdx run : touched_runs_) {
    auto [b, e] = node_out[run].of_kind(kOf);
    for (const uint64_t* it = b; it < e; it++) jobs.push_back(entry_neighbour(*it));
  }
  touched_runs_.clear();
  touched_runs_.shrink_to_fit();
  touched_jobs_.shrink_to_fit();
  judge_jobs(*this, std::move(jobs));
}

}  // namespace lm
