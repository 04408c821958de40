"""Tests for scripts/generate_mesh.py (synthetic OpenLineage data-mesh generator).

Imports the script from ``scripts/`` (on the path by conftest), needs only pytest, jsonschema (+ referencing)
and networkx; schema validation uses the OpenLineage 2-0-2 spec vendored under tests/corpora.
"""

from __future__ import annotations

import collections
import gzip
import itertools
import json
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "generate_mesh.py"
import generate_mesh as gm  # noqa: E402
from conftest import CORPORA  # noqa: E402

SPEC_DIR = CORPORA / "openlineage-spec"

N, SEED = 2000, 7


@pytest.fixture(scope="module")
def events():
    return list(gm.generate(N, SEED))


@pytest.fixture(scope="module")
def shape():
    return gm.mesh_shape(N, SEED)


@pytest.fixture(scope="module")
def mesh(events):
    """Dataset graph and declared columns built from the events."""
    import networkx as nx

    g: nx.DiGraph[tuple[str, str]] = nx.DiGraph()
    declared: dict[tuple[str, str], list[str]] = {}
    readers: collections.Counter[tuple[str, str]] = collections.Counter()
    jobs = []
    for ev in events:
        if "dataset" in ev:
            ds = ev["dataset"]
            key = (ds["namespace"], ds["name"])
            assert key not in declared, f"schema of {key} declared twice"
            declared[key] = [f["name"] for f in ds["facets"]["schema"]["fields"]]
            g.add_node(key)
            continue
        if ev["eventType"] != "START":
            continue
        ins = [(d["namespace"], d["name"]) for d in ev["inputs"]]
        outs = [(d["namespace"], d["name"]) for d in ev["outputs"]]
        jobs.append((ev["job"]["namespace"], ev["job"]["name"], ins, outs, ev))
        for o, d in zip(outs, ev["outputs"]):
            assert o not in declared, f"schema of {o} declared twice"
            declared[o] = [f["name"] for f in d["facets"]["schema"]["fields"]]
        for i in set(ins):
            readers[i] += 1
            for o in outs:
                g.add_edge(i, o)
        for o in outs:
            g.add_node(o)
    return {"graph": g, "declared": declared, "readers": readers, "jobs": jobs}


# --------------------------------------------------------------------------- determinism
def test_generate_is_deterministic(events):
    again = list(gm.generate(N, SEED))
    assert [gm.dumps_line(e) for e in again] == [gm.dumps_line(e) for e in events]
    other = list(gm.generate(N, SEED + 1))
    assert [gm.dumps_line(e) for e in other[:50]] != [gm.dumps_line(e) for e in events[:50]]


def test_json_fallback_serializer_is_byte_identical(events):
    for ev in events[:400]:
        assert gm.dumps_json_line(ev) == gm.dumps_line(ev)


def _run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, check=True)


def test_cli_files_are_byte_identical_and_gzip_matches(tmp_path):
    a, b, z = tmp_path / "a.ndjson", tmp_path / "b.ndjson", tmp_path / "c.ndjson.gz"
    z2 = tmp_path / "d.ndjson.gz"
    common = ["--datasets", "300", "--seed", "3", "--columns", "6", "--domains", "20", "--quiet"]
    _run_cli(*common, "--out", str(a))
    _run_cli(*common, "--out", str(b))
    _run_cli(*common, "--out", str(z))
    _run_cli(*common, "--out", str(z2))
    assert a.read_bytes() == b.read_bytes()
    assert z.read_bytes() == z2.read_bytes()  # gzip header has no mtime / file name
    assert gzip.decompress(z.read_bytes()) == a.read_bytes()
    stdout = _run_cli(*common, "--out", "-").stdout
    assert stdout == a.read_bytes()
    lines = a.read_bytes().splitlines()
    assert len(lines) == gm.mesh_shape(300, 3, columns=6, domains=20).events
    assert lines == [
        gm.dumps_line(e).rstrip(b"\n") for e in gm.generate(300, 3, columns=6, domains=20)
    ]


def test_domain_names():
    shape = gm.mesh_shape(300, 1, domains=20)
    assert shape.domains[:3] == ["sales", "finance", "marketing"]
    assert shape.domains[16] == "domain_017"
    assert len(shape.domains) == 20
    assert gm.mesh_shape(10_000, 1).domains == ["sales", "finance", "marketing", "logistics", "hr"]


def test_ingested_mesh_has_datasets_in_domains_with_owners(tmp_path):
    """The mesh and its ``--domain-rules`` file, ingested by the command line as an operator does:
    every dataset lands in the domain its name starts with, owned by its product's team."""
    from command_line import lineagemesh_ok

    from graph.serve.schema import context, schema
    from graph.stores import open_store

    mesh, rules, store = tmp_path / "mesh.ndjson", tmp_path / "domains.json", tmp_path / "store"
    common = ["--datasets", "200", "--seed", "3", "--domains", "4", "--quiet", "--out", str(mesh)]
    _run_cli(*common, "--domain-rules", str(rules))
    assert json.loads(rules.read_text()) == gm.domain_rules(200, 4)
    lineagemesh_ok(
        "ingest", "openlineage", str(mesh), "--domain-rules", str(rules), "--data-dir", str(store)
    )
    query = "{ domains { name datasets { name domain { name } owners { name } } } }"
    with open_store(None, data_dir=str(store)) as opened:
        result = schema.execute_sync(query, context_value=context(opened))
    assert result.errors is None and result.data is not None, result.errors
    domains = {d["name"]: d["datasets"] for d in result.data["domains"]}
    assert sorted(domains) == sorted(gm.mesh_shape(200, 3, domains=4).domains)
    datasets = [ds for found in domains.values() for ds in found]
    assert len(datasets) == 200
    for name, found in domains.items():
        for ds in found:
            domain, product, _table = ds["name"].split(".")
            assert domain == name == ds["domain"]["name"]
            assert ds["owners"] == [{"name": f"team:{domain}-{product}"}]


# --------------------------------------------------------------------------- schema validation
def _validators():
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT202012

    docs = [json.loads((SPEC_DIR / "OpenLineage.json").read_text())]
    facet_files = sorted((SPEC_DIR / "facets").glob("*.json"))
    facet_docs = [(p.stem, json.loads(p.read_text())) for p in facet_files]
    resources = [
        (d["$id"], referencing.Resource.from_contents(d, default_specification=DRAFT202012))
        for d in docs + [d for _, d in facet_docs]
    ]
    registry = referencing.Registry().with_resources(resources)
    cls = jsonschema.Draft202012Validator
    main = cls(docs[0], registry=registry, format_checker=cls.FORMAT_CHECKER)
    by_context: dict[str, dict[str, tuple[str, object]]] = {
        k: {} for k in ("dataset", "input", "output", "job", "run")
    }
    for stem, doc in facet_docs:
        if stem.endswith("InputDatasetFacet"):
            ctx = "input"
        elif stem.endswith("OutputDatasetFacet"):
            ctx = "output"
        elif stem.endswith("DatasetFacet"):
            ctx = "dataset"
        elif stem.endswith("JobFacet"):
            ctx = "job"
        elif stem.endswith("RunFacet"):
            ctx = "run"
        else:
            continue
        v = cls(doc, registry=registry, format_checker=cls.FORMAT_CHECKER)
        for key in doc.get("properties", {}):
            by_context[ctx][key] = (doc["$id"], v)
    return main, by_context


def _errors(validator, instance, limit=3):
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
        for _, e in zip(range(limit), validator.iter_errors(instance))
    ]


def test_every_event_validates_against_openlineage_2_0_2(events):
    main, facets = _validators()
    problems = []

    def check_facets(ctx, obj, where):
        for key, value in (obj or {}).items():
            if key not in facets[ctx]:
                problems.append(f"{where}: unknown {ctx} facet {key!r}")
                continue
            schema_id, v = facets[ctx][key]
            if not value["_schemaURL"].startswith(schema_id + "#/$defs/"):
                problems.append(
                    f"{where}: {key} _schemaURL {value['_schemaURL']} does not match {schema_id}"
                )
            problems.extend(f"{where}.{key}: {m}" for m in _errors(v, {key: value}))

    for n, ev in enumerate(events):
        where = f"event {n}"
        problems.extend(f"{where}: {m}" for m in _errors(main, ev))
        datetime.fromisoformat(ev["eventTime"].replace("Z", "+00:00"))
        if "dataset" in ev:
            assert (
                ev["schemaURL"]
                == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent"
            )
            assert "run" not in ev and "job" not in ev
            check_facets("dataset", ev["dataset"].get("facets"), where)
        else:
            assert (
                ev["schemaURL"]
                == "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
            )
            assert ev["eventType"] in ("START", "COMPLETE")
            assert str(uuid.UUID(ev["run"]["runId"])) == ev["run"]["runId"]
            check_facets("run", ev["run"].get("facets"), where)
            check_facets("job", ev["job"].get("facets"), where)
            for d in ev.get("inputs", []):
                check_facets("dataset", d.get("facets"), where)
                check_facets("input", d.get("inputFacets"), where)
            for d in ev.get("outputs", []):
                check_facets("dataset", d.get("facets"), where)
                check_facets("output", d.get("outputFacets"), where)
        if len(problems) > 20:
            break
    assert not problems, "\n".join(problems[:20])


# --------------------------------------------------------------------------- events / runs
def test_start_complete_pairs_and_event_counts(events, shape):
    starts: dict[str, Any] = {}
    completes: dict[str, Any] = {}
    for ev in events:
        if "dataset" in ev:
            continue
        target = starts if ev["eventType"] == "START" else completes
        assert ev["run"]["runId"] not in target
        target[ev["run"]["runId"]] = ev
    assert starts.keys() == completes.keys()
    for rid, s in starts.items():
        c = completes[rid]
        assert c["job"] == {"namespace": s["job"]["namespace"], "name": s["job"]["name"]}
        assert c["eventTime"] > s["eventTime"]
        assert [o["name"] for o in c["outputs"]] == [o["name"] for o in s["outputs"]]
        assert all("facets" not in d for d in c["inputs"] + c["outputs"])
    times = [ev["eventTime"] for ev in events]
    assert times == sorted(times)
    assert len(starts) == shape.jobs
    assert sum("dataset" in ev for ev in events) == shape.dataset_events == shape.sources
    assert len(events) == shape.events == shape.sources + 2 * shape.jobs
    assert 0.6 * N <= shape.jobs <= N
    jobs = {(s["job"]["namespace"], s["job"]["name"]) for s in starts.values()}
    assert len(jobs) == len(starts)
    assert all(s["job"]["namespace"].startswith("airflow://") for s in starts.values())


def test_every_dataset_has_exactly_one_schema(mesh, shape):
    declared = mesh["declared"]
    assert len(declared) == N
    assert set(mesh["graph"].nodes) == set(declared)
    for (ns, name), cols in declared.items():
        domain, _product, table = name.split(".")
        assert ns == f"warehouse://{domain}" and table.startswith("table_")
        assert cols[0] == "id" and len(cols) == len(set(cols))
    avg = sum(len(c) for c in declared.values()) / len(declared)
    assert 9 <= avg <= 11
    assert sum(len(c) for c in declared.values()) == shape.total_columns


def test_output_facets_ownership_documentation_pii_tags(mesh):
    for _jns, _jname, _ins, _outs, ev in mesh["jobs"]:
        for out in ev["outputs"]:
            f = out["facets"]
            assert {"schema", "columnLineage", "ownership", "documentation"} <= f.keys()
            domain, product, _ = out["name"].split(".")
            assert f["ownership"]["owners"] == [
                {"name": f"team:{domain}-{product}", "type": "team"}
            ]
            assert f["documentation"]["description"]
            cols = {c["name"] for c in f["schema"]["fields"]}
            assert [c["ordinal_position"] for c in f["schema"]["fields"]] == list(
                range(1, len(cols) + 1)
            )
            pii = cols & gm.PII_COLUMN_NAMES
            tagged = {t["field"] for t in f.get("tags", {}).get("tags", []) if t["key"] == "pii"}
            assert tagged == pii
    assert any("tags" in o["facets"] for *_, ev in mesh["jobs"] for o in ev["outputs"])


# --------------------------------------------------------------------------- graph shape
def test_hubs_have_large_fan_out(mesh, shape):
    readers = mesh["readers"]
    hubs = list(zip(shape.hub_namespaces, shape.hubs))
    assert len(hubs) >= 3
    top = readers.most_common(len(hubs))
    assert top[0][0] in hubs, top
    assert readers[hubs[0]] >= 0.08 * shape.jobs  # Zipf head: ~15% of jobs at N=2000
    assert all(readers[h] >= 50 for h in hubs), [readers[h] for h in hubs]
    assert sum(readers[h] for h in hubs) >= 0.25 * shape.jobs
    non_hub_max = max(c for d, c in readers.items() if d not in hubs)
    assert readers[hubs[0]] > 5 * non_hub_max


def test_jobs_fan_in_fan_out(mesh):
    jobs = mesh["jobs"]
    n_in = collections.Counter(len(ins) for _, _, ins, _, _ in jobs)
    n_out = collections.Counter(len(outs) for _, _, _, outs, _ in jobs)
    assert set(n_out) == {1, 2}
    assert n_out[2] >= 0.03 * len(jobs)
    assert sum(n_in[k] for k in (1, 2, 3, 4)) >= 0.98 * len(jobs)
    assert n_in[1] and n_in[2] and n_in[3] and n_in[4]
    g = mesh["graph"]
    cross = sum(1 for a, b in g.edges if a[0] != b[0])
    assert cross >= 0.2 * g.number_of_edges()  # cross-domain reads are common


def test_longest_chain_depth(mesh, shape):
    import networkx as nx

    g = mesh["graph"]
    dag = nx.condensation(g)  # collapses cycles (SCCs) so the longest path is well defined
    depth = nx.dag_longest_path_length(dag)
    assert shape.chain_depth >= 50
    assert depth >= shape.chain_depth
    assert depth <= 400  # deep, but bounded by the layer structure
    spine = [(f"warehouse://{n.split('.')[0]}", n) for n in shape.spine]
    assert all(g.has_edge(a, b) for a, b in itertools.pairwise(spine))
    assert [n for n, d in g.in_degree() if d == 0], "no source tables"


def test_diamonds(mesh, shape):
    g = mesh["graph"]
    key = lambda n: (f"warehouse://{n.split('.')[0]}", n)  # noqa: E731
    assert shape.diamonds
    for a, b, c, d in shape.diamonds:
        a, b, c, d = map(key, (a, b, c, d))
        assert {(a, b), (a, c), (b, d), (c, d)} <= set(g.edges)
    # generic detection: a node with two distinct parents sharing a grand-parent
    found = 0
    for node in g:
        parents = [p for p in g.predecessors(node) if p != node]
        gp = collections.Counter(
            x for p in parents for x in set(g.predecessors(p)) if x not in (p, node)
        )
        found += any(v >= 2 for v in gp.values())
    assert found >= len(shape.diamonds)


def test_cycles(mesh, shape):
    import networkx as nx

    g = mesh["graph"]
    self_loops = list(nx.nodes_with_selfloops(g))
    assert self_loops and len(self_loops) == len(shape.self_loops)
    sccs = [c for c in nx.strongly_connected_components(g) if len(c) > 1]
    sizes = sorted(len(c) for c in sccs)
    assert 2 in sizes and 3 in sizes, sizes
    assert len(sccs) == len(shape.loops)
    for loop in shape.loops:
        nodes = {(f"warehouse://{n.split('.')[0]}", n) for n in loop}
        assert any(nodes == c for c in sccs)


# --------------------------------------------------------------------------- column lineage
def test_column_lineage_references_declared_columns(mesh):
    declared = {k: set(v) for k, v in mesh["declared"].items()}
    types, subtypes, masked_fields = set(), set(), []
    n_direct = n_identity = 0
    for _jns, _jname, ins, _outs, ev in mesh["jobs"]:
        inputs = set(ins)
        for out in ev["outputs"]:
            okey = (out["namespace"], out["name"])
            cl = out["facets"]["columnLineage"]
            assert set(cl["fields"]) == declared[okey]  # every output column has lineage
            refs = [(f, i) for f, v in cl["fields"].items() for i in v["inputFields"]]
            refs += [(None, i) for i in cl.get("dataset", [])]
            for out_col, i in refs:
                ikey = (i["namespace"], i["name"])
                assert ikey in inputs, f"{okey} lineage references non-input {ikey}"
                assert i["field"] in declared[ikey], f"{ikey}.{i['field']} not declared"
                for t in i["transformations"]:
                    types.add(t["type"])
                    subtypes.add((t["type"], t["subtype"]))
                    assert isinstance(t["masking"], bool)
                    if out_col is None:
                        assert t["type"] == "INDIRECT"
                    if t["type"] == "DIRECT":
                        n_direct += 1
                        n_identity += t["subtype"] == "IDENTITY"
                    if t["masking"]:
                        masked_fields.append((out_col, i["field"]))
    assert types == {"DIRECT", "INDIRECT"}
    expected = {
        ("DIRECT", "IDENTITY"),
        ("DIRECT", "TRANSFORMATION"),
        ("DIRECT", "AGGREGATION"),
        ("INDIRECT", "FILTER"),
        ("INDIRECT", "JOIN"),
        ("INDIRECT", "GROUP_BY"),
    }
    assert expected <= subtypes, expected - subtypes
    assert n_identity > 0.5 * n_direct  # mostly IDENTITY
    assert masked_fields
    assert all(o in gm.PII_COLUMN_NAMES and f in gm.PII_COLUMN_NAMES for o, f in masked_fields)


# --------------------------------------------------------------------------- steady state
def test_reruns_repeat_jobs_with_new_runs_and_a_share_of_changes():
    n, reruns, rate = 300, 4, 0.2
    base = [gm.dumps_line(ev) for ev in gm.generate(n, SEED)]
    steady = [gm.dumps_line(ev) for ev in gm.generate(n, SEED, reruns=reruns, change_rate=rate)]
    assert steady == [
        gm.dumps_line(ev) for ev in gm.generate(n, SEED, reruns=reruns, change_rate=rate)
    ]
    assert steady[: len(base)] == base  # the first round is the mesh itself
    shape = gm.mesh_shape(n, SEED, reruns=reruns)
    assert len(steady) == shape.events == shape.sources + 2 * shape.jobs * reruns
    events = [json.loads(line) for line in steady]
    times = [ev["eventTime"] for ev in events]
    assert times == sorted(times)
    starts = [ev for ev in events if ev.get("eventType") == "START"]
    completes = {ev["run"]["runId"]: ev for ev in events if ev.get("eventType") == "COMPLETE"}
    assert (
        len({ev["run"]["runId"] for ev in starts})
        == len(starts)
        == len(completes)
        == shape.jobs * reruns
    )
    latest: dict[tuple[str, str], dict] = {}
    changed = same = 0
    for ev in starts:
        job = (ev["job"]["namespace"], ev["job"]["name"])
        assert completes[ev["run"]["runId"]]["eventTime"] > ev["eventTime"]
        if job in latest:
            before = latest[job]
            assert ev["eventTime"] > before["eventTime"] and ev["inputs"] == before["inputs"]
            assert ev["job"] == before["job"]
            if ev["outputs"] == before["outputs"]:
                same += 1
            else:
                changed += 1
                ((was, now),) = [(a, b) for a, b in zip(before["outputs"], ev["outputs"]) if a != b]
                kept = {
                    k: v for k, v in was["facets"].items() if k not in ("schema", "columnLineage")
                }
                assert kept == {
                    k: v for k, v in now["facets"].items() if k not in ("schema", "columnLineage")
                }
                columns = {f["name"]: f["type"] for f in now["facets"]["schema"]["fields"]}
                assert set(now["facets"]["columnLineage"]["fields"]) <= set(columns)
        latest[job] = ev
    assert changed + same == shape.jobs * (reruns - 1)
    assert 0.12 < changed / (changed + same) < 0.28
