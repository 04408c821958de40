"""The root ``Query``: every top-level field, in the order the SDL shows them, each resolved by
the module of its concept (a new field goes here, its resolver beside its types). The modules
are imported as ``*_fields``: a field named like its module would hide it in the class body."""

from __future__ import annotations

import strawberry

from graph.serve.schema import catalog as catalog_fields
from graph.serve.schema import column_paths as column_paths_fields
from graph.serve.schema import events as events_fields
from graph.serve.schema import history as history_fields
from graph.serve.schema import impact as impact_fields
from graph.serve.schema import lineage as lineage_fields
from graph.serve.schema import mesh as mesh_fields
from graph.serve.schema import neighbours as neighbours_fields
from graph.serve.schema import nodes as nodes_fields
from graph.serve.schema import paths as paths_fields
from graph.serve.schema import search as search_fields
from graph.serve.schema.search import MAX_SEARCH_RESULTS


@strawberry.type
class Query:
    lineage = strawberry.field(
        resolver=lineage_fields.lineage,
        description="Datasets and jobs upstream/downstream of a dataset or job; depth counts dataset hops.",
    )
    column_lineage = strawberry.field(
        resolver=lineage_fields.column_lineage,
        description="Column lineage of a datasetField node; depth counts column hops.",
    )
    column_path = strawberry.field(
        resolver=column_paths_fields.column_path,
        description="A column's whole column lineage for drawing in one request: the datasets it crosses "
        "with only the path's columns, and the column edges between them; depth counts column hops.",
    )
    schema_changes = strawberry.field(
        resolver=history_fields.schema_changes,
        description="Breaking schema changes as they landed, newest first, with their impact then: "
        "of a dataset or column (`nodeId`), of a domain's datasets, none older than `since`.",
    )
    webhook_failures = strawberry.field(
        resolver=history_fields.webhook_failures,
        description="Admin: webhook deliveries that failed (kept as failed, or still being retried).",
    )
    dataset = strawberry.field(
        resolver=nodes_fields.dataset,
        description="A dataset by namespace and name (aliases resolve to the canonical dataset).",
    )
    job = strawberry.field(resolver=nodes_fields.job)
    search = strawberry.field(
        resolver=search_fields.search,
        description="Datasets, jobs, columns, products, domains and owners by name.",
        deprecation_reason="Use searchConnection, which pages.",
    )
    search_connection = strawberry.field(
        resolver=search_fields.search_connection,
        description="Datasets, jobs, columns, products, domains and owners whose name contains `text` "
        "(case-insensitive), filtered by kind, namespace, domain, owner and tag: exact matches first "
        "(a dataset's name also without its schema), then prefix, word and other matches; datasets "
        f"and jobs before columns; the first {MAX_SEARCH_RESULTS} matches, a page at a time.",
    )
    lineage_diff = strawberry.field(
        resolver=lineage_fields.lineage_diff,
        description="How the lineage of a dataset or job changed from `from` to `to` (default now): "
        "nodes and edges added and removed, schema changes of datasets in the radius.",
    )
    lineage_paths = strawberry.field(
        resolver=paths_fields.lineage_paths,
        description="Every path between two datasets or jobs within `depth` dataset hops, either way round.",
    )
    impact = strawberry.field(
        resolver=impact_fields.impact,
        description="What breaks, and whom to tell, if a dataset or column (datasetField id) changes.",
    )
    domains = strawberry.field(
        resolver=mesh_fields.domains,
        description="All domains, by name.",
        deprecation_reason="Use domainsConnection, which pages.",
    )
    domains_connection = strawberry.field(
        resolver=mesh_fields.domains_connection,
        description="All domains (of one health status, judged now or `at` a moment), by id, a page at a time.",
    )
    neighbours = strawberry.field(
        resolver=neighbours_fields.neighbours,
        description="The direct neighbours of a dataset, job or column, one hop of `lineage` (a dataset's "
        "jobs, a job's datasets) or `columnLineage` (a column's columns), a page at a time, ordered by "
        "direction (UPSTREAM first), then neighbour id, then edge kind.",
    )
    domain_dependencies = strawberry.field(
        resolver=mesh_fields.domain_dependencies,
        description="Which domains depend on which, with the products in between.",
    )
    consumer_gaps = strawberry.field(
        resolver=mesh_fields.consumer_gaps,
        description="Products whose observed consumers and declarations disagree: jobs reading "
        "them that no contract or input port declares, declarations with no read for `days`.",
    )
    domain = strawberry.field(resolver=mesh_fields.domain)
    data_product = strawberry.field(resolver=mesh_fields.data_product)
    owner = strawberry.field(
        resolver=mesh_fields.owner, description="An owner (team or person) and everything it owns."
    )
    stats = strawberry.field(
        resolver=catalog_fields.stats,
        description="Node counts per node kind and edge counts per edge kind, by kind name.",
    )
    node = strawberry.field(resolver=lineage_fields.node, description="Any node by id.")
    events = strawberry.field(
        resolver=events_fields.events,
        description="The OpenLineage events naming a job, run or dataset (a column: its dataset), as sent, oldest first.",
    )
