"""One PII rule (``graph.core.pii.is_pii``) behind both answers GraphQL gives about personal data: a
column's ``pii`` and a domain's ``piiColumns`` agree for every source that declares it — an
OpenLineage schema facet's tags, an ODCS contract's classification and custom properties, a
datacontract.com field's ``pii`` flag, classification and tags, a dbt column's meta and tags — on
every store."""

from __future__ import annotations

from typing import Any

import yaml
from openlineage_events import complete, with_schema

from graph.serve.schema import context, schema
from graph.stores import Store
from ingest.contracts import translate_contract
from ingest.dbt import translate_manifest
from ingest.domain_rules import DomainRules
from ingest.openlineage import translate

PG = "postgres://db:5432"
DOMAIN = "crm"

OPENLINEAGE_TABLE = "crm.public.signups"
OPENLINEAGE_FIELDS = {  # column: (tags as a producer sends them, declared personal data)
    "email": ([{"key": "pii", "value": "true"}], True),
    "phone": ([{"name": "sensitive"}], True),
    "country": ([{"key": "GDPR"}], True),
    "id": ([{"key": "primary"}], False),
    "note": ([], False),
}

ODCS_TABLE = "crm.public.accounts"
ODCS = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "accounts",
    "version": "1.0.0",
    "status": "active",
    "name": "accounts",
    "domain": DOMAIN,
    "servers": [
        {
            "server": "production",
            "type": "postgres",
            "host": "db",
            "port": 5432,
            "database": "crm",
            "schema": "public",
        }
    ],
    "schema": [
        {
            "name": "accounts",
            "properties": [
                {"name": "iban", "classification": "restricted"},
                {"name": "birthday", "customProperties": [{"property": "isPii", "value": "yes"}]},
                {"name": "tier", "classification": "public"},
            ],
        }
    ],
}
ODCS_PII = {"iban": True, "birthday": True, "tier": False}

DATACONTRACT_TABLE = "crm.public.customers"
DATACONTRACT = f"""
dataContractSpecification: 1.1.0
id: crm-customers
info: {{title: customers, version: 1.0.0, owner: crm-team}}
domain: {DOMAIN}
servers:
  production: {{type: postgres, host: db, port: 5432, database: crm, schema: public}}
models:
  customers:
    type: table
    fields:
      email: {{type: string, pii: true}}
      ssn: {{type: string, classification: confidential}}
      nickname: {{type: string, tags: [personal-data]}}
      id: {{type: integer}}
"""
DATACONTRACT_PII = {"email": True, "ssn": True, "nickname": True, "id": False}

DBT_TABLE = "warehouse.analytics.orders"
DBT_COLUMNS = {  # column: (meta, tags, declared personal data)
    "buyer": ({"contains_pii": "true"}, [], True),
    "address": ({}, ["PII"], True),
    "amount": ({"unit": "EUR"}, [], False),
}


def openlineage_event() -> dict[str, Any]:
    fields = [
        {"name": name, "type": "varchar", "tags": tags}
        for name, (tags, _) in OPENLINEAGE_FIELDS.items()
    ]
    return complete("load_signups", [], [with_schema(PG, OPENLINEAGE_TABLE, fields)])


def dbt_manifest() -> dict[str, Any]:
    columns = {
        name: {"name": name, "description": "", "meta": meta, "tags": tags, "data_type": None}
        for name, (meta, tags, _) in DBT_COLUMNS.items()
    }
    model = {
        "database": "warehouse",
        "schema": "analytics",
        "name": "orders",
        "alias": "orders",
        "resource_type": "model",
        "package_name": "shop",
        "unique_id": "model.shop.orders",
        "path": "orders.sql",
        "original_file_path": "models/orders.sql",
        "config": {"materialized": "table", "meta": {}, "tags": [], "access": "public"},
        "tags": [],
        "meta": {"domain": DOMAIN},
        "description": "Orders.",
        "columns": columns,
        "access": "public",
        "raw_code": "select 1",
        "compiled_code": "select 1",
        "language": "sql",
        "depends_on": {"macros": [], "nodes": []},
        "relation_name": '"warehouse"."analytics"."orders"',
    }
    return {
        "metadata": {
            "dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
            "generated_at": "2026-01-05T06:00:00Z",
            "adapter_type": "postgres",
            "project_name": "shop",
        },
        "nodes": {"model.shop.orders": model},
        "sources": {},
        "exposures": {},
        "groups": {},
    }


def build(store: Store) -> dict[str, bool]:
    """Every source declares columns of the one domain; returns the expected answer by column id."""
    rules = DomainRules.parse({"rules": [{"domain": DOMAIN, "namespace": PG}]})
    store.apply(translate(openlineage_event(), rules))
    store.apply(translate_contract(yaml.safe_dump(ODCS), "accounts.yaml"))
    store.apply(translate_contract(DATACONTRACT, "customers.yaml"))
    store.apply(translate_manifest(dbt_manifest(), PG).mutations)
    expected: dict[str, bool] = {}
    for table, answers in (
        (OPENLINEAGE_TABLE, {c: pii for c, (_, pii) in OPENLINEAGE_FIELDS.items()}),
        (ODCS_TABLE, ODCS_PII),
        (DATACONTRACT_TABLE, DATACONTRACT_PII),
        (DBT_TABLE, {c: pii for c, (_, _, pii) in DBT_COLUMNS.items()}),
    ):
        for column, pii in answers.items():
            expected[f"datasetField:{PG}:{table}:{column}"] = pii
    return expected


def ask(store: Store, query: str, **variables: Any) -> dict[str, Any]:
    result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
    assert result.errors is None and result.data is not None, result.errors
    return result.data


def test_column_pii_and_pii_columns_agree_for_every_source(store: Store) -> None:
    expected = build(store)
    answered: dict[str, bool] = {}
    for table in (OPENLINEAGE_TABLE, ODCS_TABLE, DATACONTRACT_TABLE, DBT_TABLE):
        found = ask(
            store,
            "query($ns: String!, $name: String!) "
            "{ dataset(namespace: $ns, name: $name) { columns { id pii } } }",
            ns=PG,
            name=table,
        )["dataset"]
        assert found is not None, table
        answered.update({c["id"]: c["pii"] for c in found["columns"]})
    assert answered == expected  # Column.pii: each source's declaration, through the one rule

    listed = ask(
        store, "query($d: String!) { domain(name: $d) { piiColumns { declared path } } }", d=DOMAIN
    )
    declared = {p["path"][-1] for p in listed["domain"]["piiColumns"] if p["declared"]}
    assert declared == {column for column, pii in expected.items() if pii}  # piiColumns: the same
