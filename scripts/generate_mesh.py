#!/usr/bin/env python3
"""Deterministic synthetic data-mesh generator emitting OpenLineage 2-0-2 NDJSON.

Usage::

    python scripts/generate_mesh.py --datasets 10000 --seed 7 --out mesh.ndjson.gz
    python scripts/generate_mesh.py --datasets 2000 --seed 7 --out - | head

Library use::

    from generate_mesh import generate, mesh_shape
    for event in generate(2000, seed=7):
        ...
    shape = mesh_shape(2000, seed=7)   # what the mesh is meant to look like

Only the standard library is needed; ``orjson`` is used when importable (the
``json`` fallback produces byte-identical output for the values emitted here).
The same arguments always give byte-identical output: all randomness comes from
``random.Random`` instances seeded from the arguments, timestamps are offsets
from a fixed base time and run ids are UUIDs built from the random stream.

Shape of the mesh (N datasets):

* D domains (default ``max(3, N // 2000)``): ``sales``, ``finance``, ... then
  ``domain_017`` ...; each domain owns data products of 5-20 tables named
  ``{domain}.{product}.table_{i}`` in namespace ``warehouse://{domain}``, each
  with about ``--columns`` columns (schema facet); PII columns (``email``,
  ``phone``, ...) are also tagged through the ``tags`` dataset facet.
* Products are arranged in 8 layers: layer 0 (about 8% of the datasets) is
  source-aligned (no upstream, schemas published with DatasetEvents); a
  product in layer L reads tables of lower layers (often the last table, its
  "output port", often another domain) and chains its own tables.
* One job (namespace ``airflow://{domain}``) per written dataset, about 10% of
  the jobs write two tables.  Jobs read 1-4 datasets; ``max(3, N/1000)`` hub
  tables are read by a Zipf-distributed share of about 35% of all jobs.
* Guaranteed structures: a spine chain of ``max(10, 16*log10(N))`` hops
  (52 at 2k, 64 at 10k, 80 at 100k, 96 at 1M; the longest path of the dataset
  graph with cycles condensed is at least that), ``max(2, N/1000)`` explicit
  diamonds, ``max(2, N/2000)`` 2- and 3-job loops across tables (diamonds and
  loops need a few hundred datasets to fit), and ~0.5% of jobs that read the
  table they write (at least one).  ``mesh_shape()`` lists them by name.
* Every output carries schema, columnLineage (ColumnLineageDatasetFacet 1-2-0,
  DIRECT IDENTITY/TRANSFORMATION/AGGREGATION, INDIRECT FILTER/JOIN/GROUP_BY/
  SORT/WINDOW/CONDITIONAL, masking on some PII columns), ownership,
  documentation and (for PII tables) tags facets on START; the COMPLETE event
  repeats inputs/outputs without dataset facets (outputs carry
  outputStatistics).  Events are written in eventTime order.

Steady state (``--reruns K --change-rate P``): what schedulers send once the mesh exists, every
job running again and again.  After the mesh above, K-1 more rounds follow (a round one mesh
span plus an hour after the previous one, jobs in the same order): each re-run is a new
START/COMPLETE pair (new runId, later eventTimes, new outputStatistics).  A fraction P of the
re-runs changes one output: a column added, a column retyped, or a column's lineage input
moved; the change stays for the job's later runs, as a deployed change does.  The other re-runs
repeat the job's latest schema, columnLineage and other facets byte for byte.  The re-run
randomness has its own stream, so the first round is the mesh ``--reruns 1`` gives; re-runs
hold each job's latest START in memory (O(jobs) events).
"""

from __future__ import annotations

import argparse
import bisect
import calendar
import gzip
import heapq
import itertools
import json
import math
import queue
import random
import sys
import threading
import time
import uuid
from array import array
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

try:  # optional speed-up
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised only without orjson
    _orjson = None  # type: ignore[assignment]

_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def dumps_json_line(event: dict) -> bytes:
    """Serialize one event as a compact JSON line (with trailing newline)."""
    return _JSON_ENCODER.encode(event).encode("utf-8") + b"\n"


if _orjson is not None:
    _OPT = _orjson.OPT_APPEND_NEWLINE

    def dumps_line(event: dict) -> bytes:
        return _orjson.dumps(event, option=_OPT)
else:  # pragma: no cover
    dumps_line = dumps_json_line


# --------------------------------------------------------------------------- constants
PRODUCER = "https://lineagemesh.example/scripts/generate_mesh/1.0.0"
SPEC_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json"
RUN_EVENT_URL = SPEC_URL + "#/$defs/RunEvent"
DATASET_EVENT_URL = SPEC_URL + "#/$defs/DatasetEvent"
_FACET_BASE = "https://openlineage.io/spec/facets/"
SCHEMA_FACET_URL = _FACET_BASE + "1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
COLUMN_LINEAGE_FACET_URL = (
    _FACET_BASE + "1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
)
OWNERSHIP_FACET_URL = _FACET_BASE + "1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet"
DOCUMENTATION_FACET_URL = (
    _FACET_BASE + "1-1-0/DocumentationDatasetFacet.json#/$defs/DocumentationDatasetFacet"
)
TAGS_FACET_URL = _FACET_BASE + "1-0-0/TagsDatasetFacet.json#/$defs/TagsDatasetFacet"
JOB_TYPE_FACET_URL = _FACET_BASE + "2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
JOB_OWNERSHIP_FACET_URL = _FACET_BASE + "1-0-1/OwnershipJobFacet.json#/$defs/OwnershipJobFacet"
OUTPUT_STATS_FACET_URL = (
    _FACET_BASE
    + "1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/OutputStatisticsOutputDatasetFacet"
)

BASE_TIME = "2026-01-05T00:00:00Z"
_BASE_EPOCH = calendar.timegm((2026, 1, 5, 0, 0, 0, 0, 0, 0))

DOMAIN_NAMES = (
    "sales",
    "finance",
    "marketing",
    "logistics",
    "hr",
    "product",
    "support",
    "inventory",
    "payments",
    "risk",
    "legal",
    "operations",
    "procurement",
    "engineering",
    "analytics",
    "customer",
)
PRODUCT_NOUNS = (
    "orders",
    "customers",
    "invoices",
    "shipments",
    "returns",
    "campaigns",
    "leads",
    "accounts",
    "ledger",
    "payroll",
    "tickets",
    "subscriptions",
    "pricing",
    "catalog",
    "stock",
    "suppliers",
    "contracts",
    "claims",
    "refunds",
    "sessions",
    "clicks",
    "forecasts",
    "budgets",
    "employees",
    "warehouses",
    "deliveries",
    "transactions",
    "fraud_signals",
    "credit_scores",
    "churn",
    "reviews",
    "promotions",
    "carriers",
    "vendors",
    "assets",
    "audits",
    "web_events",
    "kpis",
    "quotes",
    "renewals",
)
# (name, type, description)
_KEY_COLUMNS = (
    ("customer_id", "BIGINT", "Customer identifier"),
    ("order_id", "BIGINT", "Order identifier"),
    ("account_id", "BIGINT", "Account identifier"),
    ("product_id", "BIGINT", "Product identifier"),
    ("supplier_id", "BIGINT", "Supplier identifier"),
    ("employee_id", "BIGINT", "Employee identifier"),
    ("store_id", "INT", "Store identifier"),
    ("region_id", "INT", "Sales region identifier"),
    ("campaign_id", "BIGINT", "Marketing campaign identifier"),
    ("invoice_id", "BIGINT", "Invoice identifier"),
    ("session_id", "STRING", "Web session identifier"),
)
_TIME_COLUMNS = (
    ("created_at", "TIMESTAMP", "Creation timestamp (UTC)"),
    ("updated_at", "TIMESTAMP", "Last update timestamp (UTC)"),
    ("event_date", "DATE", "Business date of the event"),
    ("valid_from", "TIMESTAMP", "SCD2 validity start"),
    ("valid_to", "TIMESTAMP", "SCD2 validity end"),
    ("load_ts", "TIMESTAMP", "Load timestamp of the batch"),
)
_ATTR_COLUMNS = (
    ("status", "STRING", "Lifecycle status"),
    ("category", "STRING", "Business category"),
    ("channel", "STRING", "Sales or contact channel"),
    ("country_code", "STRING", "ISO 3166-1 alpha-2 country code"),
    ("currency", "STRING", "ISO 4217 currency code"),
    ("segment", "STRING", "Customer segment"),
    ("source_system", "STRING", "Originating operational system"),
    ("is_active", "BOOLEAN", "Whether the record is active"),
    ("is_deleted", "BOOLEAN", "Soft-delete flag"),
    ("sku", "STRING", "Stock keeping unit"),
    ("title", "STRING", "Display title"),
    ("notes", "STRING", "Free-text notes"),
    ("postal_code", "STRING", "Postal code"),
    ("city", "STRING", "City name"),
)
_MEASURE_COLUMNS = (
    ("amount", "DECIMAL(18,2)", "Gross amount"),
    ("quantity", "INT", "Number of units"),
    ("unit_price", "DECIMAL(18,2)", "Price per unit"),
    ("discount", "DECIMAL(18,2)", "Discount applied"),
    ("tax_amount", "DECIMAL(18,2)", "Tax amount"),
    ("total_amount", "DECIMAL(18,2)", "Net total amount"),
    ("revenue", "DECIMAL(18,2)", "Recognised revenue"),
    ("cost", "DECIMAL(18,2)", "Cost of goods"),
    ("margin", "DOUBLE", "Gross margin ratio"),
    ("score", "DOUBLE", "Model score"),
    ("event_count", "BIGINT", "Number of events"),
    ("duration_seconds", "BIGINT", "Duration in seconds"),
    ("balance", "DECIMAL(18,2)", "Account balance"),
    ("rating", "INT", "Rating from 1 to 5"),
)
PII_COLUMNS = (
    ("email", "STRING", "Contact e-mail address (PII)"),
    ("phone", "STRING", "Contact phone number (PII)"),
    ("first_name", "STRING", "Given name (PII)"),
    ("last_name", "STRING", "Family name (PII)"),
    ("date_of_birth", "DATE", "Date of birth (PII)"),
    ("street_address", "STRING", "Postal street address (PII)"),
    ("ip_address", "STRING", "Client IP address (PII)"),
    ("national_id", "STRING", "National identification number (PII)"),
)
PII_COLUMN_NAMES = frozenset(c[0] for c in PII_COLUMNS)
_NUMERIC_TYPES = ("INT", "BIGINT", "DOUBLE", "DECIMAL(18,2)")
_FILTER_NAMES = frozenset(
    ("status", "event_date", "is_active", "is_deleted", "created_at", "country_code", "valid_to")
)
_TIME_NAMES = frozenset(c[0] for c in _TIME_COLUMNS)

N_LAYERS = 8
SOURCE_LAYER_SHARE = 0.08
HUB_READ_PROBABILITY = 0.35
HUB_ZIPF_EXPONENT = 0.8
PAIR_PROBABILITY = 0.10
SELF_LOOP_PROBABILITY = 0.005
N_FAMILIES = 128
N_VARIANTS = 8
RERUN_GAP_MS = 3_600_000  # between the end of one round of runs and the start of the next
_RETYPE = {
    "STRING": "BIGINT",
    "BIGINT": "STRING",
    "INT": "BIGINT",
    "DOUBLE": "DECIMAL(18,2)",
    "DECIMAL(18,2)": "DOUBLE",
    "BOOLEAN": "STRING",
    "DATE": "TIMESTAMP",
    "TIMESTAMP": "DATE",
}

# flags per dataset
_SOURCE, _SPINE, _PAIR, _SECOND, _SELF, _HUB, _FORCED = 1, 2, 4, 8, 16, 32, 64


def _t(kind: str, subtype: str, description: str = "", masking: bool = False) -> dict:
    return {"type": kind, "subtype": subtype, "description": description, "masking": masking}


T_IDENTITY = _t("DIRECT", "IDENTITY")
T_TRANSFORM = tuple(
    _t("DIRECT", "TRANSFORMATION", d)
    for d in (
        "CAST",
        "COALESCE",
        "CONCAT",
        "UPPER(TRIM(...))",
        "ROUND(..., 2)",
        "DATE_TRUNC('day', ...)",
        "arithmetic",
    )
)
T_AGGREGATE = tuple(
    _t("DIRECT", "AGGREGATION", d) for d in ("SUM", "COUNT", "AVG", "MAX", "MIN", "COUNT(DISTINCT)")
)
T_MASK = (
    _t("DIRECT", "TRANSFORMATION", "SHA2(..., 256)", True),
    _t("DIRECT", "TRANSFORMATION", "REGEXP_REPLACE(..., '.', '*')", True),
)
T_FILTER = _t("INDIRECT", "FILTER", "WHERE")
T_JOIN = _t("INDIRECT", "JOIN", "JOIN ON")
T_GROUP_BY = _t("INDIRECT", "GROUP_BY", "GROUP BY")
T_SORT = _t("INDIRECT", "SORT", "ORDER BY")
T_WINDOW = _t("INDIRECT", "WINDOW", "OVER (PARTITION BY ...)")
T_CONDITIONAL = _t("INDIRECT", "CONDITIONAL", "CASE WHEN")

JOB_TYPE_FACET = {
    "_producer": PRODUCER,
    "_schemaURL": JOB_TYPE_FACET_URL,
    "processingType": "BATCH",
    "integration": "AIRFLOW",
    "jobType": "TASK",
}


def domain_name(index: int) -> str:
    """Name of the ``index``-th (0-based) domain: sales, finance, ..., then domain_017 ..."""
    if index < len(DOMAIN_NAMES):
        return DOMAIN_NAMES[index]
    return f"domain_{index + 1:03d}"


def default_domains(datasets: int) -> int:
    return max(3, datasets // 2000)


def chain_depth_target(datasets: int) -> int:
    """Guaranteed minimum longest-path length (edges) of the dataset graph."""
    return max(10, int(16 * math.log10(max(datasets, 10))))


def _iso(ms: int, _gm=time.gmtime, _fmt=time.strftime) -> str:
    s, m = divmod(ms, 1000)
    return f"{_fmt('%Y-%m-%dT%H:%M:%S', _gm(s))}.{m:03d}Z"


# --------------------------------------------------------------------------- templates
def _written(namespace: str, name: str, rows: int, columns: int) -> dict:
    """A COMPLETE event's output: the dataset with the rows it was written (8 bytes a cell)."""
    return {
        "namespace": namespace,
        "name": name,
        "outputFacets": {
            "outputStatistics": {
                "_producer": PRODUCER,
                "_schemaURL": OUTPUT_STATS_FACET_URL,
                "rowCount": rows,
                "size": rows * 8 * columns,
            }
        },
    }


def _complete(end: int, run_id: str, start: dict, outputs: list[dict]) -> dict:
    """The COMPLETE event of the run ``start`` began: its job, its inputs named only."""
    return {
        "eventTime": _iso(end),
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT_URL,
        "eventType": "COMPLETE",
        "run": {"runId": run_id},
        "job": {"namespace": start["job"]["namespace"], "name": start["job"]["name"]},
        "inputs": [{"namespace": d["namespace"], "name": d["name"]} for d in start["inputs"]],
        "outputs": outputs,
    }


class _Template:
    __slots__ = (
        "filter_pos",
        "index",
        "key_pos",
        "names",
        "numeric",
        "numeric_pos",
        "pii",
        "pii_pos",
        "schema_facet",
        "tags_facet",
        "time_pos",
    )

    def __init__(self, cols: list[tuple[str, str, str]]):
        self.names = [c[0] for c in cols]
        self.pii = [c[0] in PII_COLUMN_NAMES for c in cols]
        self.numeric = [c[1] in _NUMERIC_TYPES for c in cols]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.pii_pos = [i for i, p in enumerate(self.pii) if p]
        self.numeric_pos = [i for i, p in enumerate(self.numeric) if p]
        self.filter_pos = [i for i, n in enumerate(self.names) if n in _FILTER_NAMES] or [0]
        self.time_pos = [i for i, n in enumerate(self.names) if n in _TIME_NAMES] or [0]
        self.key_pos = [i for i, n in enumerate(self.names) if n == "id" or n.endswith("_id")] or [
            0
        ]
        self.schema_facet = {
            "_producer": PRODUCER,
            "_schemaURL": SCHEMA_FACET_URL,
            "fields": [
                {"name": n, "type": t, "description": d, "ordinal_position": i + 1}
                for i, (n, t, d) in enumerate(cols)
            ],
        }
        if self.pii_pos:
            tags = [{"key": "contains_pii", "value": "true", "source": "generate_mesh"}]
            tags += [
                {"key": "pii", "value": "true", "source": "generate_mesh", "field": self.names[i]}
                for i in self.pii_pos
            ]
            self.tags_facet: dict[str, Any] | None = {
                "_producer": PRODUCER,
                "_schemaURL": TAGS_FACET_URL,
                "tags": tags,
            }
        else:
            self.tags_facet = None


def _make_templates(rng: random.Random, columns: int) -> list[_Template]:
    """N_FAMILIES column families x N_VARIANTS variants.

    A data product draws its tables from one family, so tables of a product share most
    columns (column lineage is then mostly IDENTITY); other products mostly share keys.
    """
    pool = list(_KEY_COLUMNS + _TIME_COLUMNS + _ATTR_COLUMNS + _MEASURE_COLUMNS)
    templates = []
    for _ in range(N_FAMILIES):
        base_n = max(0, columns + 1)  # base without "id"
        n_pii = 0
        if base_n >= 4 and rng.random() < 0.3:
            n_pii = 1 if rng.random() < 0.6 else 2
        n_plain = base_n - n_pii
        base = rng.sample(pool, min(n_plain, len(pool)))
        base += [
            (f"attr_{j:03d}", "STRING", f"Generic attribute {j}")
            for j in range(n_plain - len(base))
        ]
        base += rng.sample(PII_COLUMNS, n_pii)
        rng.shuffle(base)
        spare = [c for c in pool if c not in base]
        for _ in range(N_VARIANTS):
            count = columns + rng.randint(-2, 2) if columns >= 3 else columns
            body = [c for c in base if rng.random() < 0.9]
            while len(body) > count - 1:
                body.pop(int(rng.random() * len(body)))
            while len(body) < count - 1:
                extra = (
                    spare[int(rng.random() * len(spare))] if spare and rng.random() < 0.5 else None
                )
                if extra is None or extra in body:
                    extra = next((c for c in base if c not in body), None)
                if extra is None:
                    extra = (f"attr_{len(body):03d}", "STRING", f"Generic attribute {len(body)}")
                    if extra in body:
                        extra = (
                            f"attr_x{len(body):03d}",
                            "STRING",
                            f"Generic attribute x{len(body)}",
                        )
                body.append(extra)
            templates.append(_Template([("id", "BIGINT", "Surrogate primary key"), *body]))
    return templates


# --------------------------------------------------------------------------- shape / plan
@dataclass
class MeshShape:
    """The intended shape of a generated mesh (computed without generating events)."""

    datasets: int
    seed: int
    columns: int
    domains: list[str]
    products: int
    layers: int
    sources: int
    jobs: int
    dataset_events: int
    run_events: int
    events: int
    total_columns: int
    pair_jobs: int
    hubs: list[str]
    hub_namespaces: list[str]
    chain_depth: int
    spine: list[str]
    diamonds: list[tuple[str, ...]] = field(default_factory=list)
    loops: list[list[str]] = field(default_factory=list)
    self_loops: list[str] = field(default_factory=list)

    def to_dict(self, max_items: int | None = None) -> dict:
        d = asdict(self)
        if max_items is not None:
            for k, v in d.items():
                if isinstance(v, list) and len(v) > max_items:
                    d[k] = [*v[:max_items], f"... {len(v) - max_items} more"]
        return d


class _Plan:
    """Structural decisions made up front in O(N) compact memory (no events)."""

    def __init__(self, datasets: int, seed: int, columns: int = 10, domains: int | None = None):
        if datasets < 50:
            raise ValueError("datasets must be >= 50")
        if columns < 1:
            raise ValueError("columns must be >= 1")
        n = self.n = int(datasets)
        self.seed = seed
        self.columns = columns
        n_domains = self.n_domains = int(domains) if domains else default_domains(n)
        if n_domains < 1:
            raise ValueError("domains must be >= 1")
        rng = random.Random(f"lineagemesh/generate_mesh/plan/{seed}/{n}/{columns}/{n_domains}")
        r = rng.random
        self.domain_names = [domain_name(i) for i in range(n_domains)]
        self.domain_ns = [f"warehouse://{d}" for d in self.domain_names]
        self.job_ns = [f"airflow://{d}" for d in self.domain_names]
        self.templates = _make_templates(rng, columns)

        # ---- products (contiguous index ranges) and their domains
        dom_cum = list(_cumulative([1.0 / math.sqrt(i + 1) for i in range(n_domains)]))
        first_domains = list(range(n_domains))
        rng.shuffle(first_domains)
        prod_start = array("I")
        prod_size = array("H")
        prod_domain = array("I")
        prod_name: list[str] = []
        noun_count: dict[tuple[int, str], int] = {}
        i = 0
        while i < n:
            size = min(rng.randint(5, 20), n - i)
            p = len(prod_start)
            d = (
                first_domains[p]
                if p < n_domains
                else bisect.bisect_left(dom_cum, r() * dom_cum[-1])
            )
            noun = PRODUCT_NOUNS[int(r() * len(PRODUCT_NOUNS))]
            c = noun_count.get((d, noun), 0) + 1
            noun_count[(d, noun)] = c
            prod_name.append(noun if c == 1 else f"{noun}_{c}")
            prod_start.append(i)
            prod_size.append(size)
            prod_domain.append(d)
            i += size
        n_prod = self.n_products = len(prod_start)
        self.prod_start, self.prod_size, self.prod_domain, self.prod_name = (
            prod_start,
            prod_size,
            prod_domain,
            prod_name,
        )
        self.prod_qual = [
            f"{self.domain_names[prod_domain[p]]}.{prod_name[p]}" for p in range(n_prod)
        ]
        prod_of = array("I", bytes(4 * n))
        for p in range(n_prod):
            s = prod_start[p]
            for k in range(s, s + prod_size[p]):
                prod_of[k] = p
        self.prod_of = prod_of
        self.domain_products = [array("I") for _ in range(n_domains)]
        for p in range(n_prod):
            self.domain_products[prod_domain[p]].append(p)

        # ---- layers: layer 0 = source-aligned products, then N_LAYERS-1 equal slices
        p0 = min(n_prod - 1, max(1, round(n_prod * SOURCE_LAYER_SHARE))) if n_prod > 1 else 1
        rest = n_prod - p0
        self.layer_first_prod = [0] + [
            p0 + (layer - 1) * rest // (N_LAYERS - 1) for layer in range(1, N_LAYERS)
        ]
        self.layer_first_prod.append(n_prod)
        prod_layer = array("B", bytes(n_prod))
        for layer in range(N_LAYERS):
            for p in range(self.layer_first_prod[layer], self.layer_first_prod[layer + 1]):
                prod_layer[p] = layer
        self.prod_layer = prod_layer
        layer1_start = prod_start[p0] if p0 < n_prod else n

        # ---- templates per dataset, sources
        prod_family = [int(r() * N_FAMILIES) for _ in range(n_prod)]
        tmpl = array("H", bytes(2 * n))
        for k in range(n):
            tmpl[k] = prod_family[prod_of[k]] * N_VARIANTS + int(r() * N_VARIANTS)
        self.tmpl = tmpl
        flags = bytearray(n)
        for k in range(layer1_start):
            flags[k] = _SOURCE
        for k in range(layer1_start, n):
            local = k - prod_start[prod_of[k]]
            if r() < (0.2 if local == 0 else 0.01):
                flags[k] = _SOURCE

        # ---- hubs (layer 0), Zipf weights by rank
        n_hubs = min(layer1_start, max(3, round(n / 1000)))
        self.hubs = rng.sample(range(layer1_start), n_hubs)
        for h in self.hubs:
            flags[h] |= _HUB
        self.hub_cum = list(
            _cumulative([1.0 / (rank + 1) ** HUB_ZIPF_EXPONENT for rank in range(n_hubs)])
        )

        # ---- spine: a guaranteed long chain spread over the whole index range
        depth = min(chain_depth_target(n), n - layer1_start)
        hub_set = set(self.hubs)
        spine0 = next(k for k in range(layer1_start - 1, -1, -1) if k not in hub_set)
        span = n - 1 - layer1_start
        spine = [spine0] + [layer1_start + j * span // max(1, depth - 1) for j in range(depth)]
        self.spine = spine
        self.spine_prev: dict[int, int] = {}
        for a, b in itertools.pairwise(spine):
            self.spine_prev[b] = a
            flags[b] = _SPINE  # written, not a source
        self.chain_depth = len(spine) - 1

        # ---- special products: diamonds and loops (their first 4 tables are off the spine)
        spine_set = set(spine)
        candidates = [
            p
            for p in range(p0, n_prod)
            if prod_size[p] >= 4
            and not any(k in spine_set for k in range(prod_start[p], prod_start[p] + 4))
        ]
        n_diamonds = max(2, n // 1000)
        n_loops = max(2, n // 2000)
        chosen = sorted(rng.sample(candidates, min(len(candidates), n_diamonds + n_loops)))
        rng.shuffle(chosen)
        diamond_prods = sorted(chosen[:n_diamonds])
        loop_prods = sorted(chosen[n_diamonds:])
        self.forced: dict[int, tuple[int, ...]] = {}
        self.back: dict[int, int] = {}
        self.diamonds: list[tuple[int, int, int, int]] = []
        self.loops: list[list[int]] = []
        for p in diamond_prods:
            a = prod_start[p]
            self.forced[a + 1] = (a,)
            self.forced[a + 2] = (a,)
            self.forced[a + 3] = (a + 1, a + 2)
            for k in range(a, a + 4):
                flags[k] = (flags[k] & _SOURCE if k == a else 0) | _FORCED
            self.diamonds.append((a, a + 1, a + 2, a + 3))
        for j, p in enumerate(loop_prods):
            a = prod_start[p]
            length = 2 if j % 2 == 0 else 3
            for k in range(a + 1, a + length):
                self.forced[k] = (k - 1,)
            self.back[a] = a + length - 1
            for k in range(a, a + 4):
                flags[k] = _FORCED
            self.loops.append(list(range(a, a + length)))

        # ---- two-output jobs and self-loop jobs
        free = _SOURCE | _SPINE | _FORCED | _SECOND
        for k in range(layer1_start, n - 1):
            if flags[k] & free or flags[k + 1] & free or prod_of[k + 1] != prod_of[k]:
                continue
            if r() < PAIR_PROBABILITY:
                flags[k] |= _PAIR
                flags[k + 1] |= _SECOND
        self_loops = []
        for k in range(layer1_start, n):
            if (
                not flags[k] & (_SOURCE | _SPINE | _FORCED | _SECOND)
                and r() < SELF_LOOP_PROBABILITY
            ):
                flags[k] |= _SELF
                self_loops.append(k)
        if not self_loops:
            k = next(
                k
                for k in range(n - 1, layer1_start - 1, -1)
                if not flags[k] & (_SOURCE | _SPINE | _FORCED | _SECOND)
            )
            flags[k] |= _SELF
            self_loops.append(k)
        self.self_loops = self_loops
        self.flags = flags
        self.layer1_start = layer1_start

    # ---- naming helpers
    def name(self, k: int) -> str:
        p = self.prod_of[k]
        return f"{self.prod_qual[p]}.table_{k - self.prod_start[p]}"

    def namespace(self, k: int) -> str:
        return self.domain_ns[self.prod_domain[self.prod_of[k]]]

    def shape(self, reruns: int = 1) -> MeshShape:
        flags = self.flags
        sources = sum(1 for f in flags if f & _SOURCE)
        seconds = sum(1 for f in flags if f & _SECOND)
        jobs = self.n - sources - seconds
        nm = self.name
        total_columns = sum(len(self.templates[t].names) for t in self.tmpl)
        return MeshShape(
            datasets=self.n,
            seed=self.seed,
            columns=self.columns,
            domains=list(self.domain_names),
            products=self.n_products,
            layers=N_LAYERS,
            sources=sources,
            jobs=jobs,
            dataset_events=sources,
            run_events=2 * jobs * reruns,
            events=sources + 2 * jobs * reruns,
            total_columns=total_columns,
            pair_jobs=seconds,
            hubs=[nm(h) for h in self.hubs],
            hub_namespaces=[self.namespace(h) for h in self.hubs],
            chain_depth=self.chain_depth,
            spine=[nm(k) for k in self.spine],
            diamonds=[tuple(nm(k) for k in d) for d in self.diamonds],
            loops=[[nm(k) for k in lp] for lp in self.loops],
            self_loops=[nm(k) for k in self.self_loops],
        )


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def mesh_shape(
    datasets: int, seed: int, columns: int = 10, domains: int | None = None, reruns: int = 1
) -> MeshShape:
    """Summary of the mesh ``generate`` would produce for the same arguments."""
    return _Plan(datasets, seed, columns, domains).shape(reruns)


# --------------------------------------------------------------------------- events
class _Emitter:
    def __init__(self, plan: _Plan, reruns: int = 1, change_rate: float = 0.0):
        if reruns < 1:
            raise ValueError("reruns must be >= 1")
        if not 0.0 <= change_rate <= 1.0:
            raise ValueError("change rate must be between 0 and 1")
        self.plan = plan
        self.rng = random.Random(
            f"lineagemesh/generate_mesh/events/{plan.seed}/{plan.n}/{plan.columns}/{plan.n_domains}"
        )
        self._own_cache: dict[int, tuple[dict, dict]] = {}
        self.reruns = reruns
        self.change_rate = change_rate
        # per job, for its re-runs: [latest START, its start ms, run duration ms, its inputs' (ns, name, template)]
        self._jobs: list[list] = []

    # -- helpers
    def _ownership(self, p: int) -> tuple[dict, dict]:
        hit = self._own_cache.get(p)
        if hit is None:
            if len(self._own_cache) > 64:
                self._own_cache.clear()
            plan = self.plan
            owner = [
                {
                    "name": f"team:{plan.domain_names[plan.prod_domain[p]]}-{plan.prod_name[p]}",
                    "type": "team",
                }
            ]
            hit = (
                {"_producer": PRODUCER, "_schemaURL": OWNERSHIP_FACET_URL, "owners": owner},
                {"_producer": PRODUCER, "_schemaURL": JOB_OWNERSHIP_FACET_URL, "owners": owner},
            )
            self._own_cache[p] = hit
        return hit

    def _documentation(self, k: int, p: int) -> dict:
        plan = self.plan
        local = k - plan.prod_start[p]
        dom = plan.domain_names[plan.prod_domain[p]]
        if plan.flags[k] & _SOURCE:
            text = (
                f"Source-aligned table {local} of data product '{plan.prod_name[p]}', "
                f"ingested from the {dom} operational systems."
            )
        else:
            text = (
                f"Table {local} of data product '{plan.prod_name[p]}' (layer {plan.prod_layer[p]}) "
                f"owned by the {dom} domain."
            )
        return {"_producer": PRODUCER, "_schemaURL": DOCUMENTATION_FACET_URL, "description": text}

    def _dataset_facets(self, k: int) -> dict:
        plan = self.plan
        p = plan.prod_of[k]
        tpl = plan.templates[plan.tmpl[k]]
        facets = {
            "schema": tpl.schema_facet,
            "ownership": self._ownership(p)[0],
            "documentation": self._documentation(k, p),
        }
        if tpl.tags_facet is not None:
            facets["tags"] = tpl.tags_facet
        return facets

    def _cross(self, p: int) -> int:
        """A dataset of a product in a lower layer than product ``p``."""
        plan = self.plan
        r = self.rng.random
        layer = plan.prod_layer[p]
        hi = plan.layer_first_prod[layer]
        lo = plan.layer_first_prod[layer - 1] if r() < 0.5 else 0
        if lo >= hi:  # empty previous layer (tiny meshes)
            lo = 0
        q = -1
        if r() < 0.5:
            dl = plan.domain_products[plan.prod_domain[p]]
            a = bisect.bisect_left(dl, lo)
            b = bisect.bisect_left(dl, hi)
            if b > a:
                q = dl[a + int(r() * (b - a))]
        if q < 0:
            q = lo + int(r() * (hi - lo))
        size = plan.prod_size[q]
        if r() < 0.5:
            return plan.prod_start[q] + size - 1  # the product's "output port"
        return plan.prod_start[q] + int(r() * size)

    def _inputs(self, k: int, f: int) -> list[int]:
        plan = self.plan
        r = self.rng.random
        forced = plan.forced.get(k)
        if forced is not None:
            ins = list(forced)
        else:
            p = plan.prod_of[k]
            start = plan.prod_start[p]
            local = k - start
            if f & _SPINE:
                primary = plan.spine_prev[k]
            elif local > 0 and r() < 0.85:
                primary = k - 1 if r() < 0.75 else start + int(r() * local)
            else:
                primary = self._cross(p)
            ins = [primary]
            x = r()
            n_extra = 0 if x < 0.45 else 1 if x < 0.78 else 2 if x < 0.93 else 3
            if r() < HUB_READ_PROBABILITY:
                cum = plan.hub_cum
                h = plan.hubs[bisect.bisect_left(cum, r() * cum[-1])]
                if h not in ins:
                    ins.append(h)
                if n_extra:
                    n_extra -= 1
            for _ in range(n_extra):
                c = start + int(r() * local) if local > 0 and r() < 0.3 else self._cross(p)
                if c not in ins:
                    ins.append(c)
        back = plan.back.get(k)
        if back is not None:
            ins.append(back)
        if f & _SELF:
            ins.append(k)
        return ins

    def _column_lineage(self, out_tpl: _Template, ins: list[tuple[str, str, _Template]]) -> dict:
        r = self.rng.random
        n_in = len(ins)
        fields = {}
        aggregated = False
        pns, pname, ptpl = ins[0]
        pii_sources = None
        for j, cname in enumerate(out_tpl.names):
            hit = None
            for src in ins:
                if cname in src[2].index:
                    hit = src
                    break
            is_pii = out_tpl.pii[j]
            if hit is not None and r() > 0.08:
                tr = (
                    (T_MASK[0] if r() < 0.7 else T_MASK[1]) if is_pii and r() < 0.35 else T_IDENTITY
                )
                lst = [
                    {"namespace": hit[0], "name": hit[1], "field": cname, "transformations": [tr]}
                ]
            elif is_pii:
                if pii_sources is None:
                    pii_sources = [(s, s[2].names[i]) for s in ins for i in s[2].pii_pos]
                if pii_sources:
                    s, fname = pii_sources[int(r() * len(pii_sources))]
                    tr = (
                        T_MASK[int(r() * 2)]
                        if r() < 0.5
                        else T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                    )
                else:
                    s = ins[int(r() * n_in)]
                    fname = s[2].names[int(r() * len(s[2].names))]
                    tr = T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                lst = [{"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}]
            elif out_tpl.numeric[j] and r() < 0.5:
                s = ins[int(r() * n_in)]
                npos = s[2].numeric_pos
                fname = s[2].names[npos[int(r() * len(npos))]] if npos else s[2].names[0]
                tr = T_AGGREGATE[int(r() * len(T_AGGREGATE))]
                aggregated = True
                lst = [{"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}]
            else:
                tr = T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                lst = []
                for _ in range(2 if r() < 0.3 else 1):
                    s = ins[int(r() * n_in)]
                    fname = s[2].names[int(r() * len(s[2].names))]
                    lst.append(
                        {"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}
                    )
            if r() < 0.03:
                fname = ptpl.names[ptpl.filter_pos[int(r() * len(ptpl.filter_pos))]]
                lst.append(
                    {
                        "namespace": pns,
                        "name": pname,
                        "field": fname,
                        "transformations": [T_CONDITIONAL],
                    }
                )
            fields[cname] = {"inputFields": lst}

        dataset = []
        if n_in >= 2:
            pkeys = ptpl.key_pos
            for s in ins[1:3]:
                common = [i for i in pkeys if ptpl.names[i] in s[2].index]
                key = ptpl.names[common[int(r() * len(common))]] if common else ptpl.names[pkeys[0]]
                other = key if key in s[2].index else s[2].names[s[2].key_pos[0]]
                dataset.append(
                    {"namespace": pns, "name": pname, "field": key, "transformations": [T_JOIN]}
                )
                dataset.append(
                    {"namespace": s[0], "name": s[1], "field": other, "transformations": [T_JOIN]}
                )
        if r() < 0.5:
            fname = ptpl.names[ptpl.filter_pos[int(r() * len(ptpl.filter_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_FILTER]}
            )
        if aggregated:
            fname = ptpl.names[ptpl.key_pos[int(r() * len(ptpl.key_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_GROUP_BY]}
            )
        if r() < 0.08:
            fname = ptpl.names[ptpl.time_pos[int(r() * len(ptpl.time_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_SORT]}
            )
        if r() < 0.04:
            fname = ptpl.names[ptpl.key_pos[0]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_WINDOW]}
            )
        facet: dict[str, Any] = {
            "_producer": PRODUCER,
            "_schemaURL": COLUMN_LINEAGE_FACET_URL,
            "fields": fields,
        }
        if dataset:
            facet["dataset"] = dataset
        return facet

    def _run_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def events(self) -> Iterator[dict]:
        plan = self.plan
        rng = self.rng
        r = rng.random
        flags = plan.flags
        prod_of, prod_start, prod_domain = plan.prod_of, plan.prod_start, plan.prod_domain
        templates, tmpl = plan.templates, plan.tmpl
        name = plan.name
        domain_ns = plan.domain_ns
        pending: list[tuple[int, int, dict]] = []
        seq = 0
        now = _BASE_EPOCH * 1000
        heappush, heappop = heapq.heappush, heapq.heappop
        for k in range(plan.n):
            f = flags[k]
            if f & _SECOND:
                continue
            now += 500 + int(r() * 3000)
            while pending and pending[0][0] <= now:
                yield heappop(pending)[2]
            if f & _SOURCE:
                yield {
                    "eventTime": _iso(now),
                    "producer": PRODUCER,
                    "schemaURL": DATASET_EVENT_URL,
                    "dataset": {
                        "namespace": plan.namespace(k),
                        "name": name(k),
                        "facets": self._dataset_facets(k),
                    },
                }
                continue

            p = prod_of[k]
            dom = prod_domain[p]
            outs = (k, k + 1) if f & _PAIR else (k,)
            in_idx = self._inputs(k, f)
            in_info = []
            inputs = []
            for i in in_idx:
                ns = domain_ns[prod_domain[prod_of[i]]]
                nm = name(i)
                in_info.append((ns, nm, templates[tmpl[i]]))
                inputs.append({"namespace": ns, "name": nm})
            outputs = []
            done_outputs = []
            for o in outs:
                ons = domain_ns[prod_domain[prod_of[o]]]
                onm = name(o)
                facets = self._dataset_facets(o)
                otpl = templates[tmpl[o]]
                facets["columnLineage"] = self._column_lineage(otpl, in_info)
                outputs.append({"namespace": ons, "name": onm, "facets": facets})
                rows = int(1000 * (1 + 999 * r() * r()))
                done_outputs.append(_written(ons, onm, rows, len(otpl.names)))
            local = k - prod_start[p]
            job_name = (
                f"{plan.prod_name[p]}.build_tables_{local}_{local + 1}"
                if f & _PAIR
                else f"{plan.prod_name[p]}.build_table_{local}"
            )
            job_ns = plan.job_ns[dom]
            run_id = self._run_id()
            start = {
                "eventTime": _iso(now),
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_URL,
                "eventType": "START",
                "run": {"runId": run_id},
                "job": {
                    "namespace": job_ns,
                    "name": job_name,
                    "facets": {"jobType": JOB_TYPE_FACET, "ownership": self._ownership(p)[1]},
                },
                "inputs": inputs,
                "outputs": outputs,
            }
            yield start
            end = now + 20_000 + int(1_780_000 * r() * r())
            if self.reruns > 1:
                self._jobs.append([start, now, end - now, in_info])
            seq += 1
            heappush(pending, (end, seq, _complete(end, run_id, start, done_outputs)))
        last = now
        while pending:
            last = pending[0][0]
            yield heappop(pending)[2]
        if self._jobs:
            yield from self._rerun_rounds(_BASE_EPOCH * 1000, last)

    # -- steady state
    def _rerun_rounds(self, first: int, last: int) -> Iterator[dict]:
        """Rounds 2..K: every job again, a round one mesh span plus RERUN_GAP_MS after the last."""
        plan = self.plan
        rng = random.Random(
            f"lineagemesh/generate_mesh/reruns/{plan.seed}/{plan.n}/{plan.columns}/{plan.n_domains}"
        )
        r = rng.random
        span = last - first + RERUN_GAP_MS
        pending: list[tuple[int, int, dict]] = []
        seq = 0
        heappush, heappop = heapq.heappush, heapq.heappop
        for round_ in range(1, self.reruns):
            for job in self._jobs:
                now = job[1] + round_ * span
                while pending and pending[0][0] <= now:
                    yield heappop(pending)[2]
                if r() < self.change_rate:
                    job[0] = self._changed(job[0], job[3], rng, round_)
                start = dict(job[0])
                run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                start["eventTime"] = _iso(now)
                start["run"] = {"runId": run_id}
                yield start
                end = now + job[2]
                done_outputs = []
                for out in start["outputs"]:
                    rows = int(1000 * (1 + 999 * r() * r()))
                    columns = len(out["facets"]["schema"]["fields"])
                    done_outputs.append(_written(out["namespace"], out["name"], rows, columns))
                seq += 1
                heappush(pending, (end, seq, _complete(end, run_id, start, done_outputs)))
        while pending:
            yield heappop(pending)[2]

    @staticmethod
    def _changed(
        start: dict, in_info: list[tuple[str, str, _Template]], rng: random.Random, round_: int
    ) -> dict:
        """``start`` with one output changed as a deployment changes it: a column added, a column
        retyped, or a column's lineage input moved. Copies what it changes (facets are shared)."""
        r = rng.random
        outputs = list(start["outputs"])
        o = int(r() * len(outputs))
        facets = dict(outputs[o]["facets"])
        schema = dict(facets["schema"])
        fields = list(schema["fields"])
        lineage = dict(facets["columnLineage"])
        by_column = dict(lineage["fields"])
        how = r()
        src_ns, src_name, src_tpl = in_info[int(r() * len(in_info))]
        src_field = src_tpl.names[int(r() * len(src_tpl.names))]
        moved = {
            "namespace": src_ns,
            "name": src_name,
            "field": src_field,
            "transformations": [T_IDENTITY],
        }
        column = fields[int(r() * len(fields))]
        held = by_column.get(column["name"], {}).get("inputFields", [])
        if how < 1 / 3 and held[:1] != [moved]:  # a column's lineage input moved
            by_column[column["name"]] = {"inputFields": [moved]}
        elif how < 2 / 3:  # a column retyped
            j = fields.index(column)
            fields[j] = {**column, "type": _RETYPE.get(column["type"], "STRING")}
        else:  # a column added, fed by an input column
            name = f"added_r{round_}_{len(fields)}"
            fields.append(
                {
                    "name": name,
                    "type": "STRING",
                    "description": "Added by a deployment",
                    "ordinal_position": len(fields) + 1,
                }
            )
            by_column[name] = {"inputFields": [moved]}
        schema["fields"] = fields
        lineage["fields"] = by_column
        facets["schema"] = schema
        facets["columnLineage"] = lineage
        outputs[o] = {**outputs[o], "facets": facets}
        return {**start, "outputs": outputs}


def generate(
    datasets: int,
    seed: int,
    columns: int = 10,
    domains: int | None = None,
    reruns: int = 1,
    change_rate: float = 0.0,
) -> Iterator[dict]:
    """Yield the mesh's OpenLineage events (DatasetEvents and RunEvents) in eventTime order;
    ``reruns`` runs of every job, ``change_rate`` of the re-runs changing an output (module doc).

    Streams: memory is O(datasets) small integers, never the events themselves (but each job's
    latest START with ``reruns`` > 1).  Treat the yielded dicts as read-only: facet objects
    that never change (schema per column template, transformation descriptors, jobType) are
    shared between events.
    """
    plan = _Plan(datasets, seed, columns, domains)
    yield from _Emitter(plan, reruns, change_rate).events()


# --------------------------------------------------------------------------- output
class _ThreadedWriter:
    """Writes byte chunks from a background thread (zlib/file I/O release the GIL)."""

    def __init__(self, raw, compresslevel: int | None):
        self._raw = raw
        self._gz = (
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=compresslevel, mtime=0)
            if compresslevel is not None
            else None
        )
        self._sink = self._gz if self._gz is not None else raw
        self._q: queue.Queue = queue.Queue(maxsize=8)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="mesh-writer", daemon=True)
        self._thread.start()

    def _run(self):
        try:
            while True:
                chunk = self._q.get()
                if chunk is None:
                    break
                self._sink.write(chunk)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread  # pragma: no cover
            self._error = exc
            while self._q.get() is not None:
                pass

    def write(self, chunk: bytes):
        if self._error is not None:
            raise self._error
        self._q.put(chunk)

    def close(self):
        self._q.put(None)
        self._thread.join()
        if self._gz is not None:
            self._gz.close()
        self._raw.flush()
        if self._error is not None:
            raise self._error


def write_mesh(
    out,
    datasets: int,
    seed: int,
    columns: int = 10,
    domains: int | None = None,
    compresslevel: int = 6,
    progress: bool = False,
    reruns: int = 1,
    change_rate: float = 0.0,
) -> dict:
    """Write the mesh as NDJSON to path ``out`` (``.gz`` => gzip, ``-`` => stdout). Returns stats."""
    t0 = time.perf_counter()
    if out == "-":
        raw = sys.stdout.buffer
        close_raw = False
    else:
        raw = open(out, "wb")  # noqa: SIM115 - closed by the writer below, or left open as stdout is
        close_raw = True
    gz = compresslevel if (out != "-" and str(out).endswith(".gz")) else None
    writer = _ThreadedWriter(raw, gz)
    n_events = 0
    n_bytes = 0
    buf: list[bytes] = []
    buf_bytes = 0
    dumps = dumps_line
    try:
        for ev in generate(datasets, seed, columns, domains, reruns, change_rate):
            line = dumps(ev)
            buf.append(line)
            buf_bytes += len(line)
            n_events += 1
            if buf_bytes >= 1 << 20:
                writer.write(b"".join(buf))
                n_bytes += buf_bytes
                buf, buf_bytes = [], 0
            if progress and n_events % 200_000 == 0:
                el = time.perf_counter() - t0
                print(
                    f"  {n_events:,} events, {el:.1f}s, {n_events / el:,.0f} ev/s", file=sys.stderr
                )
        if buf:
            writer.write(b"".join(buf))
            n_bytes += buf_bytes
    finally:
        writer.close()
        if close_raw:
            raw.close()
    elapsed = time.perf_counter() - t0
    return {
        "events": n_events,
        "uncompressed_bytes": n_bytes,
        "seconds": round(elapsed, 3),
        "events_per_second": round(n_events / elapsed) if elapsed > 0 else None,
        "serializer": "orjson" if _orjson is not None else "json",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--datasets", type=int, required=True, help="number of datasets (>= 50)")
    ap.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    ap.add_argument("--out", required=True, help="output file; '.gz' suffix => gzip; '-' => stdout")
    ap.add_argument(
        "--columns", type=int, default=10, help="average columns per dataset (default 10)"
    )
    ap.add_argument(
        "--domains", type=int, default=None, help="number of domains (default max(3, N//2000))"
    )
    ap.add_argument(
        "--compresslevel",
        type=int,
        default=6,
        choices=range(10),
        metavar="0-9",
        help="gzip level for .gz output (default 6)",
    )
    ap.add_argument(
        "--reruns",
        type=int,
        default=1,
        metavar="K",
        help="runs of every job (default 1); K > 1 adds the steady state: K-1 more rounds",
    )
    ap.add_argument(
        "--change-rate",
        type=float,
        default=0.0,
        metavar="P",
        help="share of re-runs that change an output's schema or column lineage (default 0)",
    )
    ap.add_argument(
        "--summary", action="store_true", help="print the intended mesh shape (JSON) to stderr"
    )
    ap.add_argument("--quiet", action="store_true", help="no statistics on stderr")
    ap.add_argument("--progress", action="store_true", help="progress lines on stderr")
    args = ap.parse_args(argv)
    try:
        if args.summary:
            shape = mesh_shape(args.datasets, args.seed, args.columns, args.domains, args.reruns)
            print(json.dumps(shape.to_dict(max_items=10), indent=2), file=sys.stderr)
        stats = write_mesh(
            args.out,
            args.datasets,
            args.seed,
            args.columns,
            args.domains,
            compresslevel=args.compresslevel,
            progress=args.progress,
            reruns=args.reruns,
            change_rate=args.change_rate,
        )
    except ValueError as exc:
        ap.error(str(exc))
    if not args.quiet:
        print(json.dumps(stats), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
