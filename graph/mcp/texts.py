"""The words the MCP server gives a model: its instructions, the blast-radius prompt and the
naming-rules resource (the rules themselves stated once, in ``ingest.naming`` and
``graph.core.model``)."""

from __future__ import annotations

INSTRUCTIONS = """lineagemesh is the lineage graph of a data mesh: datasets, their columns, the jobs
reading and writing them, data products, domains and owners. Find a node with `search`, learn it
with `describe`, walk it with `lineage`, ask what a change breaks with `impact` (one node) or
`check_change` (a SQL migration or a dbt manifest, as the pull-request check judges it), ask whom
to tell with `owners_and_consumers`. Every answer puts a summary first and is cut to `budget`
tokens: when `truncated` is true, `more` says how to get the rest (the same call with `cursor`, or
a narrower one). Ids are stable: cite them, and pass them back as `node`."""

BLAST_RADIUS = """Assess the blast radius of this migration before it runs.

Database namespace: {namespace}
Migration:
```sql
{migration}
```

1. Call check_change with this sql and namespace (add dialect if it is not generic SQL) and read
   its verdict and changes.
2. For each BREAKING change, call impact on the changed column or dataset to see the affected
   nodes nearest first, and owners_and_consumers on the changed dataset.
3. Answer with: the verdict; what breaks (datasets, jobs, data products, contracts), nearest
   first; the owners and consumers to tell; and a safer rollout if one exists (add before drop,
   a deprecation window, a view keeping the old name)."""

IDS = """Node ids (what every tool returns and takes as `node`):

  dataset:NAMESPACE:NAME               dataset:postgres://db:5432:shop.public.orders
  datasetField:NAMESPACE:NAME:COLUMN   datasetField:postgres://db:5432:shop.public.orders:amount
  job:NAMESPACE:NAME                   job:dbt:model.jaffle_shop.orders
  dataProduct:DOMAIN:NAME, domain:NAME, owner:NAME

Each part after the first is escaped: '%' as '%25', then ':' as '%3A' (the first part, a
namespace, is written as it is and may hold colons).
"""


def naming_rules() -> str:
    """How names become datasets (``ingest.naming``) and how ids are written."""
    from ingest import naming

    return f"{IDS}\nDataset names:\n\n{naming.__doc__ or ''}"


def graphql_schema() -> str:
    """The GraphQL schema's SDL, as ``lineagemesh schema`` prints it."""
    from graph.serve.schema import schema

    return str(schema.as_str())
