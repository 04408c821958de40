"""PII propagation, freshness against the SLO, and contracts in impact — on every store, from a real
datacontract.com contract plus OpenLineage events, asked through GraphQL."""

from __future__ import annotations

import json

import pytest
from data_contracts import postgres_contract
from openlineage_events import PRODUCER, complete

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.contracts import translate_contract
from ingest.openlineage import translate

CUSTOMERS = "dataset:postgres://db:5432:crm.public.customers"
CONTRACT = postgres_contract(
    "crm", "customers", {"id": "{type: integer}", "email": "{type: string, pii: true}"}, "24h"
)


def facet(**fields):
    return {
        "_producer": PRODUCER,
        "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/X.json",
        **fields,
    }


def field(*transformations: dict) -> dict:
    return {
        "inputFields": [
            {
                "namespace": "postgres://db:5432",
                "name": "crm.public.customers",
                "field": "email",
                "transformations": list(transformations),
            }
        ]
    }


def direct(subtype: str = "IDENTITY", masking: bool = False) -> dict:
    return {"type": "DIRECT", "subtype": subtype, "masking": masking}


def event(job: str, time: str, inputs: list[dict], outputs: list[dict]) -> dict:
    return complete(job, inputs, outputs, at=time)


def build(store: Store) -> None:
    store.apply(translate_contract(CONTRACT, "customers.yaml"))
    customers = {"namespace": "postgres://db:5432", "name": "crm.public.customers"}
    marketing = {
        "namespace": "postgres://db:5432",
        "name": "mkt.public.audience",
        "facets": {
            "columnLineage": facet(
                fields={
                    "email_hash": field(direct("TRANSFORMATION", masking=True)),
                    "email_copy": field(direct()),
                    "email_domain": field(direct("TRANSFORMATION")),
                    "has_email": field({"type": "INDIRECT", "subtype": "FILTER"}),
                }
            )
        },
    }
    load = event("load_customers", "2026-01-05T06:00:00Z", [], [customers])
    audience = event("build_audience", "2026-01-05T07:00:00Z", [customers], [marketing])
    report = {
        "namespace": "postgres://db:5432",
        "name": "mkt.public.report",
        "facets": {
            "columnLineage": facet(
                fields={
                    "contact": {
                        "inputFields": [
                            {
                                "namespace": "postgres://db:5432",
                                "name": "mkt.public.audience",
                                "field": "email_copy",
                                "transformations": [direct()],
                            }
                        ]
                    },
                    "contact_hash": {
                        "inputFields": [
                            {
                                "namespace": "postgres://db:5432",
                                "name": "mkt.public.audience",
                                "field": "email_hash",
                                "transformations": [direct()],
                            }
                        ]
                    },
                }
            )
        },
    }
    downstream = event(
        "build_report",
        "2026-01-05T08:00:00Z",
        [{"namespace": "postgres://db:5432", "name": "mkt.public.audience"}],
        [report],
    )
    for e in (load, audience, downstream):
        store.apply(translate(e))


def ask(store: Store, query: str, **variables) -> dict:
    result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data


def test_pii_from_a_contract_propagates_until_masked(store: Store) -> None:
    build(store)
    from graph.read import governance
    from graph.read.view import GraphView

    view = GraphView(store)
    columns = view.nodes(
        [
            f"datasetField:postgres://db:5432:mkt.public.{c}"
            for c in (
                "audience:email_hash",
                "audience:email_copy",
                "audience:email_domain",
                "audience:has_email",
                "report:contact",
                "report:contact_hash",
            )
        ]
    ).values()
    found = {p.column.id.rsplit(":", 1)[1]: p for p in governance.pii_columns(view, columns)}
    assert set(found) == {
        "email_copy",
        "email_domain",
        "contact",
    }  # masked, indirect and hashed-derived are not
    assert found["contact"].path == (
        "datasetField:postgres://db:5432:crm.public.customers:email",
        "datasetField:postgres://db:5432:mkt.public.audience:email_copy",
        "datasetField:postgres://db:5432:mkt.public.report:contact",
    )
    assert not found["contact"].declared
    product = ask(
        store,
        '{ dataProduct(domain: "crm", name: "customers") { piiColumns { name declared path } } }',
    )
    assert product["dataProduct"]["piiColumns"] == [
        {
            "name": "email",
            "declared": True,
            "path": ["datasetField:postgres://db:5432:crm.public.customers:email"],
        }
    ]


def test_freshness_against_the_contract_slo(store: Store) -> None:
    build(store)
    query = 'query($at: DateTime) { dataProduct(domain: "crm", name: "customers") { freshness(at: $at) { status sloHours lastUpdated ageHours } } }'
    fresh = ask(store, query, at="2026-01-05T12:00:00Z")["dataProduct"]["freshness"]
    assert fresh == {
        "status": "OK",
        "sloHours": 24.0,
        "lastUpdated": "2026-01-05T06:00:00.000000Z",
        "ageHours": 6.0,
    }
    late = ask(store, query, at="2026-01-07T06:00:00Z")["dataProduct"]["freshness"]
    assert late["status"] == "LATE" and late["ageHours"] == 48.0


def test_dropping_a_contract_column_breaks_the_contract_and_tells_consumers(store: Store) -> None:
    build(store)
    report = ask(
        store,
        """{ impact(nodeId: "datasetField:postgres://db:5432:crm.public.customers:email") {
        breaking contracts { id } products { id } owners { name } domains { name }
        affected { id severity certain } } }""",
    )["impact"]
    assert report["breaking"] is True
    assert report["contracts"] == [{"id": "contract:crm-customers"}]
    assert report["products"] == [{"id": "dataProduct:crm:customers"}]
    assert {"name": "crm-team"} in report["owners"]
    severities = {
        a["id"].rsplit(":", 1)[1]: a["severity"]
        for a in report["affected"]
        if a["id"].startswith("datasetField:")
    }
    assert severities["email_copy"] == "BREAKING" and severities["contact"] == "BREAKING"
    assert severities["has_email"] == "WARNING"  # only filtered on
    semantic = ask(
        store,
        """{ impact(nodeId: "datasetField:postgres://db:5432:crm.public.customers:email", change: SEMANTIC) {
        breaking contracts { id } } }""",
    )["impact"]
    assert semantic == {"breaking": False, "contracts": []}


HOP_CASES = [
    None,
    [],
    [{"type": "DIRECT", "subtype": "IDENTITY"}],
    [{"type": "direct"}],
    [{"subtype": "AGGREGATION"}],
    [{"type": "INDIRECT", "subtype": "FILTER"}],
    [{"type": "INDIRECT"}, {"type": "DIRECT"}],
    [{"type": "INDIRECT", "subtype": "JOIN"}, {"type": "INDIRECT", "subtype": "SORT"}],
    [{"type": "DIRECTLY"}],
    ["not a transformation"],  # no type stated: direct
    [{"type": None}],
    [{"type": "INDIRECT"}, {"type": "direct", "masking": True}],
]


@pytest.mark.parametrize("transformations", HOP_CASES, ids=[json.dumps(c) for c in HOP_CASES])
def test_the_direct_hop_rule_is_the_same_in_python_and_in_the_native_impact_walk(
    store: Store, transformations
) -> None:
    from graph.core.model import EdgeKind
    from graph.read.governance import is_direct_hop
    from graph.read.impact import Severity, impact
    from ingest.builder import GraphBuilder

    b = GraphBuilder("2026-01-05T06:00:00.000000Z")
    for table in ("src", "out"):
        b.dataset("pg", table, {"columns": ["a"]})
    job = b.job("spark", "j", {})
    props = (
        {"jobId": job}
        if transformations is None
        else {"jobId": job, "transformations": transformations}
    )
    b.edge(
        b.column("pg", "out", "a", {"declared": True}),
        EdgeKind.DERIVES_FROM,
        b.column("pg", "src", "a", {"declared": True}),
        props,
    )
    store.apply(b.mutations)
    out = next(
        a
        for a in impact(store, "datasetField:pg:src:a").affected
        if a.node.id == "datasetField:pg:out:a"
    )
    assert (out.severity is Severity.BREAKING) == is_direct_hop(transformations)


@pytest.mark.parametrize(
    ("explicit", "classification", "tags", "properties", "expected"),
    [
        (True, None, [], {}, True),
        ("yes", None, [], {}, True),
        (False, "confidential", ["pii"], {}, False),
        (None, None, [], {"contains_pii": "y"}, True),
        (None, None, [], {"containsPii": "n"}, False),
        (None, None, [], {"data_classification": "Confidential"}, True),
        (None, "internal", ["gdpr"], {}, True),
        (None, None, ["pii:true"], {}, True),
        (None, None, ["Personal-Data"], {}, True),
        (None, "public", [], {}, False),
    ],
)
def test_one_pii_rule_for_contracts_dbt_and_queries(
    explicit, classification, tags, properties, expected
) -> None:
    from graph.core.pii import is_pii

    assert is_pii(explicit, classification, tags, properties) is expected
