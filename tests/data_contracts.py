"""datacontract.com documents as the governance and health tests write them: one Postgres table
``<domain>.public.<table>`` on ``db:5432``, owned by ``<domain>-team``, with a freshness promise."""

from __future__ import annotations


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
