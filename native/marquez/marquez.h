// Marquez's node data (graph.serve.marquez), written as JSON in one pass over a view: a lineage
// graph of thousands of datasets and jobs carries every dataset's schema fields and every job's
// inputs, outputs and latest run, tens of thousands of small objects that cost far more made as
// Python dicts than written here. The reads are batched (one per kind of fact for the whole
// answer), so a remote store answers them in a few round trips.
//
// The shapes are Marquez 0.50's (``marquez.service.models``): ``DatasetData``/``JobData`` in a
// lineage graph, ``Dataset``/``Job``/``Run`` for the catalog routes, which add their own extras.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lineage.h"

namespace lm {

// The properties, besides graph.read.view.SUMMARY, a lineage answer reads of the datasets, jobs and
// schema fields it shows and of the runs it picks the newest of (then read whole): a view of a
// remote store reading ahead in summary form reads these with them (graph.serve.marquez), and the
// answer reads no more of those nodes (View::lean).
extern const std::vector<std::string_view> kMarquezShown;

// The properties of a column a dataset's ``fields`` show, in their order.
extern const std::vector<std::string_view> kMarquezFieldKeys;

// A dataset's fields as a remote store may keep them on the dataset itself, so that an answer of
// thousands of datasets reads no column node and decodes no field: the JSON text of its
// ``fields`` (marquez_fields_json), copied into answers as it is. Read only of a mirror, and only
// beside a ``columns`` list; a dataset without it is shown from its column nodes.
extern const std::string_view kKeptFieldsKey;

// The JSON text of a dataset's ``fields`` from ``entries``, a list value holding, for each of its
// ``columns`` in order, the list of that column node's kMarquezFieldKeys values: what a remote
// store keeps under kKeptFieldsKey. False (``out`` partly written) where ``entries`` is not such a list.
bool marquez_fields_json(const uint8_t* entries, const StringPool& pool, std::string& out);

// The dataset versions runs read and wrote, as a ``Run`` writes them: by a run's id, the JSON text
// ``"inputDatasetVersions":[…],"outputDatasetVersions":[…]`` (graph.serve.marquez_run_versions
// reads them); a run not in it is written with both lists empty.
using RunVersions = std::unordered_map<std::string, std::string>;

// The runs a Marquez answer shows of ``jobs``: each one's latest run (its newest by ``createdAt``,
// then id; kNone for a job with none), in their order.
void marquez_latest_runs(View& view, const std::vector<NodeIdx>& jobs, std::vector<NodeIdx>& out);

// The runs marquez_lineage_json shows: the latest run of each job of a dataset lineage answer.
void marquez_lineage_runs(View& view, const LineageAnswer& answer, std::vector<NodeIdx>& out);

// ``{"graph": [{id, type, data, inEdges, outEdges}]}`` of a dataset lineage answer, its jobs'
// latest runs with the dataset versions ``versions`` gives.
void marquez_lineage_json(View& view, const LineageAnswer& answer, std::string& out, const RunVersions* versions = nullptr);

// A JSON list, one item per node (null for kNone or a node of another kind): a dataset's
// ``DatasetData``, a job's ``JobData`` and a run's ``Run``. ``full``: a dataset's as a ``Dataset``
// without ``columnLineage`` (``currentVersion``, ``facets``, ``deleted`` added), a job's as a ``Job``.
void marquez_nodes_json(View& view, const std::vector<NodeIdx>& nodes, bool full, std::string& out);

// ``{"graph": [{id, type: DATASET_FIELD, data, inEdges, outEdges}]}``: the columns upstream of each
// of ``starts`` (and downstream, ``downstream``) to ``depth``, one walk each, their answers merged
// (a later walk's edge properties win). An edge's ``inEdges`` entry has the column as ``origin``
// and its input as ``destination``, as Marquez writes them. Returns whether a budget cut a walk.
bool marquez_column_lineage_json(View& view, const std::vector<NodeIdx>& starts, bool downstream, int depth, Budget budget,
                                 std::string& out);

}  // namespace lm
