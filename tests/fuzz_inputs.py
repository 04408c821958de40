"""What the fuzz tests throw: hypothesis strategies of hostile text, JSON values, odd times,
mutated food_delivery events and random facets; a plain event to vary (``_events_with``); the
GraphQL queries asked; and the settings that keep each run bounded and derandomized
(``LINEAGEMESH_FUZZ_SCALE=10`` multiplies the example counts for a longer local hunt)."""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ingest.openlineage_schema import MAX_DEPTH

SCALE = float(os.environ.get("LINEAGEMESH_FUZZ_SCALE", "1"))
PRODUCER = "https://example.com/fuzz"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET_URL = "https://example.com/facets/Custom.json"


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=max(1, int(examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


# -- strategies ---------------------------------------------------------------------------------

NASTY = [
    "'",
    '"',
    "`",
    "``",
    "{",
    "}",
    "{}",
    "${x}",
    "$1",
    "\\",
    "\\'",
    "\u0000",
    ":",
    "::",
    "/",
    ".",
    "\n",
    "\t",
    " ",
    "MATCH (n) DETACH DELETE n",
    "'}) RETURN 1 //",
    "`) DETACH DELETE n //",
    "CALL db.clearQueryCaches()",
    "null",
    "true",
    "NaN",
    "-0",
    "1e309",
    "__proto__",
    "constructor",
    "<script>",
    "%s%n",
    "é",
    "İ",
    "ß",
    "😀",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\uffff",
    "\U0010ffff",
    "日本語",
    "_stamps",
    "_json",
    "_extra",
    "id",
]
nasty_text = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=6)), max_size=6).map(
    "".join
)
long_text = st.builds(
    lambda c, n: c * n, st.sampled_from(["x", "é", "😀", "`"]), st.integers(500, 5000)
)
names = st.one_of(nasty_text, nasty_text, nasty_text, st.text(max_size=40), long_text)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    nasty_text,
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(nasty_text, children, max_size=4)
    ),
    max_leaves=16,
)


def nested(depth: int, leaf: Any = "leaf") -> Any:
    """A value of exactly ``depth`` levels of objects and arrays."""
    value = leaf
    for level in range(depth):
        value = {"k": value} if level % 2 else [value]
    return value


# Around the limit, past orjson's 254 levels (a 500 once), up to what json.dumps here can write.
deep_values = st.builds(
    nested, st.one_of(st.integers(MAX_DEPTH - 12, MAX_DEPTH + 12), st.integers(250, 900))
)
#: Valid RFC 3339 strings that are no moment in UTC (a GraphQL asOf of one is a known bug:
#: tests/test_fuzz_findings.py).
OUT_OF_RANGE_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]
ODD_TIMES = [
    "0001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-01-05T06:00:00.123456789Z",
    "2026-01-05 06:00:00+00:00",
    "2026-01-05T06:00:00+24:00",
    "2026-01-05",
    "20260105T060000Z",
    "2026-W02-1T06:00:00Z",
    "",
    "now",
]
as_of_times = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.sampled_from(ODD_TIMES),
    nasty_text,
)
event_times = st.one_of(as_of_times, st.sampled_from(OUT_OF_RANGE_TIMES))


def paths(value: Any, limit: int = 40) -> list[tuple]:
    """Every path into a JSON value, the root excluded, down to ``limit`` levels."""
    found: list[tuple] = []
    stack: list[tuple[tuple, Any]] = [((), value)]
    while stack:
        prefix, node = stack.pop()
        if len(prefix) >= limit:
            continue
        children = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, child in children:
            found.append((*prefix, key))
            stack.append(((*prefix, key), child))
    return found


def at(value: Any, path: tuple) -> Any:
    for step in path:
        value = value[step]
    return value


@st.composite
def mutated_events(draw: st.DrawFn, events: list[dict]) -> Any:
    """A food_delivery event with one to four fields deleted, replaced or renamed."""
    event = copy.deepcopy(draw(st.sampled_from(events)))
    for _ in range(draw(st.integers(1, 4))):
        if not isinstance(event, (dict, list)) or not (targets := paths(event)):
            break
        if (
            isinstance(event, dict) and draw(st.integers(0, 5)) == 0
        ):  # where validation lets anything through
            containers = [
                p for p in targets if p[-1] == "facets" and isinstance(at(event, p), dict)
            ]
            if draw(st.booleans()) or not containers:
                event["eventTime"] = draw(event_times)
            else:
                facets = at(event, draw(st.sampled_from(containers)))
                value = draw(st.one_of(json_values, deep_values))
                facets[draw(nasty_text)] = {
                    "_producer": PRODUCER,
                    "_schemaURL": FACET_URL,
                    "v": value,
                }
            continue
        path = draw(st.sampled_from(targets))
        parent, key = at(event, path[:-1]), path[-1]
        how = draw(
            st.sampled_from(["delete", "json", "nasty", "name", "time", "deep", "rename", "whole"])
        )
        if how == "delete":
            del parent[key]
        elif how == "json":
            parent[key] = draw(json_values)
        elif how in ("nasty", "name"):
            parent[key] = draw(names)
        elif how == "time":
            parent[key] = draw(event_times)
        elif how == "deep":
            parent[key] = draw(deep_values)
        elif how == "rename" and isinstance(parent, dict):
            parent[draw(nasty_text)] = parent.pop(key)
        elif how == "whole":
            event = draw(json_values)
    return event


# The facets the store keeps as properties and gives back rebuilt, by what they describe.
DATASET_STRUCTURED = (
    "schema",
    "columnLineage",
    "symlinks",
    "ownership",
    "documentation",
    "dataSource",
    "lifecycleStateChange",
)
JOB_STRUCTURED = ("documentation", "ownership", "sql", "jobType")
RUN_STRUCTURED = ("parent", "nominalTime")

facet_names = st.one_of(
    nasty_text,
    st.sampled_from(
        list(
            dict.fromkeys(
                [
                    *DATASET_STRUCTURED,
                    *JOB_STRUCTURED,
                    *RUN_STRUCTURED,
                    "spark.logicalPlan",
                    "tags",
                    "_deleted",
                ]
            )
        )
    ),
)
facet_payloads = st.one_of(
    st.builds(
        lambda extra: {"_producer": PRODUCER, "_schemaURL": FACET_URL, **extra},
        st.dictionaries(nasty_text, json_values, max_size=4),
    ),
    st.builds(lambda v: {"_producer": PRODUCER, "_schemaURL": FACET_URL, "plan": v}, deep_values),
    st.builds(
        lambda d: {"_producer": PRODUCER, "_schemaURL": FACET_URL, "_deleted": d}, st.booleans()
    ),
    json_values,
)
facet_maps = st.dictionaries(facet_names, facet_payloads, max_size=3)


# -- a plain event to vary ------------------------------------------------------------------------


def _events_with(
    namespace: str, name: str, job: str, fields: list[str], serial: int, extras: Sequence[dict] = ()
) -> dict:
    return {
        "eventType": "COMPLETE",
        "eventTime": f"2026-02-01T00:00:00.{serial:06d}Z",  # later examples are newer
        "run": {"runId": str(uuid.UUID(int=serial, version=4))},
        "job": {"namespace": namespace, "name": job},
        "outputs": [
            {
                "namespace": namespace,
                "name": name,
                "facets": {
                    "schema": {
                        "_producer": PRODUCER,
                        "_schemaURL": FACET_URL,
                        "fields": [
                            {"name": f, "type": "STRING", **dict(x)}
                            for f, x in zip(fields, [*extras, *[{}] * len(fields)])
                        ],
                    }
                },
            }
        ],
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
    }


#: What else a schema field may carry: tags are not in the 2-0-2 schema facet, so anything goes.
field_extras = st.fixed_dictionaries(
    {},
    optional={
        "tags": json_values,
        "ordinal_position": st.one_of(st.integers(), st.floats(-1e12, 1e12)),
        "description": st.one_of(names, json_values),
    },
)


# -- the GraphQL queries asked -------------------------------------------------------------------

DATASET = """query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) {
  id namespace name facets columns { id name type description ordinal tags declared current } writtenBy { id namespace name } } }"""
JOB = """query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) {
  id namespace name facets latestRun { runId state facets } outputs { id } } }"""
SEARCH = "query($text: String!, $first: Int) { search(text: $text, first: $first) { id kind namespace name } }"

QUERIES = {
    "lineage": """query($id: String!, $direction: LineageDirection, $depth: Int, $asOf: DateTime) {
      lineage(nodeId: $id, direction: $direction, depth: $depth, asOf: $asOf) {
        nodes { id kind namespace name dataset deleted declared }
        edges { source target kind transformations { type subtype description masking } transformationType }
        truncated } }""",
    "columnLineage": """query($id: String!, $direction: LineageDirection, $depth: Int, $asOf: DateTime) {
      columnLineage(nodeId: $id, direction: $direction, depth: $depth, asOf: $asOf) {
        nodes { id kind namespace name dataset declared } edges { source target kind transformations { type } } truncated } }""",
    "impact": """query($id: String!, $change: ChangeKind, $depth: Int, $asOf: DateTime) {
      impact(nodeId: $id, change: $change, depth: $depth, asOf: $asOf) {
        changed { id kind } change affected { id kind distance path severity certain } owners { id name }
        truncated breaking } }""",
    "search": SEARCH,
    "dataset": DATASET,
    "job": JOB,
    "node": "query($id: String!) { node(id: $id) { id kind namespace name dataset deleted declared } }",
}
