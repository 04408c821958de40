"""Data contracts for the tests, and what a contract's mutations amount to on an empty graph:
the examples vendored under ``tests/corpora/data-contracts``; a minimal ODCS contract to vary
(``_odcs``); and datacontract.com documents as the governance and health tests write them: one
Postgres table ``<domain>.public.<table>`` on ``db:5432``, owned by ``<domain>-team``, with a
freshness promise."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml
from conftest import CORPORA

from graph.core.model import EdgeKind
from graph.core.mutations import Changes, plan


def postgres_contract(domain: str, table: str, fields: dict[str, str], freshness: str) -> str:
    """The contract of ``table`` in database ``domain``; ``fields`` maps a column to its YAML
    spec (``{type: integer}``); ``freshness`` is the promised threshold (``24h``)."""
    columns = "".join(f"      {name}: {spec}\n" for name, spec in fields.items())
    return f"""
dataContractSpecification: 1.1.0
id: {domain}-{table}
info: {{title: {table}, version: 1.0.0, owner: {domain}-team}}
domain: {domain}
servers:
  production: {{type: postgres, host: db, port: 5432, database: {domain}, schema: public}}
models:
  {table}:
    type: table
    fields:
{columns}servicelevels:
  freshness: {{threshold: {freshness}}}
"""


def corpora() -> Path:
    """The corpora vendored under ``tests/corpora`` (with their licences)."""
    return CORPORA


def contract_text(relative: str) -> str:
    return (corpora() / "data-contracts" / relative).read_text()


def applied(mutations) -> Changes:
    """What the mutations amount to on an empty graph (the shared merge rule, no store)."""
    return plan(mutations, {}, {})


def edges_of(changes: Changes, kind: EdgeKind) -> set[tuple[str, str]]:
    return {(e.source, e.target) for e in changes.edges.values() if e.kind is kind}


def as_yaml(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


ODCS_MINIMAL = {
    "apiVersion": "v3.0.2",
    "kind": "DataContract",
    "id": "c1",
    "version": "1.0.0",
    "status": "active",
    "name": "orders",
    "domain": "sales",
}


def _odcs(**overrides) -> str:
    return as_yaml({**copy.deepcopy(ODCS_MINIMAL), **overrides})
