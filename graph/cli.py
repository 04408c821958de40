"""The ``lineagemesh`` command line: serve the graph, ingest sources, export the schema.

Every command that reads or writes the graph takes the same store options as ``serve``.
Errors are printed as one clear line and give a non-zero exit code.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from graph import queries
from graph.api.ingest import IngestConfig, IngestLimits
from graph.check import NODE_QUERY, RENDERERS, CheckError, Execute, check_node, check_schema
from graph.impact import ChangeKind
from graph.mutations import Mutation, UpsertNode
from graph.stores import Store, StoreUnavailable, open_store
from ingest.domain_rules import NO_RULES, DomainRules, InvalidRules
from ingest.event_files import BadLine, expand_paths, read_events
from ingest.openlineage import translate
from ingest.openlineage_schema import InvalidEvent
from ingest.proposed_schema import InvalidProposedSchema, read_proposed_schema

APPLY_BATCH_EVENTS = 500


def store_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """--data-dir / --store / Neo4j credentials; the command gets ``open_graph``, a function that
    opens the store they name (so a command may also work without a store)."""

    @click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="LINEAGEMESH_DATA_DIR",
                  help="Directory of the embedded store (default ~/.lineagemesh).")
    @click.option("--store", "store_uri", envvar="LINEAGEMESH_STORE", metavar="URI",
                  help="Store URI: bolt://host:7687 or neo4j://... for Neo4j; default the embedded store.")
    @click.option("--neo4j-user", envvar="LINEAGEMESH_NEO4J_USER", help="Neo4j user (env LINEAGEMESH_NEO4J_USER).")
    @click.option("--neo4j-password", envvar="LINEAGEMESH_NEO4J_PASSWORD", help="Neo4j password (env LINEAGEMESH_NEO4J_PASSWORD).")
    @click.option("--neo4j-database", envvar="LINEAGEMESH_NEO4J_DATABASE", default="neo4j", show_default=True,
                  help="Neo4j database name.")
    @functools.wraps(command)
    def wrapper(*args: Any, data_dir: Path | None, store_uri: str | None, neo4j_user: str | None,
                neo4j_password: str | None, neo4j_database: str, **kwargs: Any) -> Any:
        if data_dir and store_uri:
            raise click.UsageError("give either --data-dir or --store, not both")

        def open_graph() -> Store:
            return open_store(store_uri, data_dir=str(data_dir) if data_dir else None, user=neo4j_user,
                              password=neo4j_password, database=neo4j_database)

        return command(*args, open_graph=open_graph, **kwargs)

    return wrapper


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The store flags, with the store opened for the command (and closed after it)."""

    @store_flags
    @functools.wraps(command)
    def wrapper(*args: Any, open_graph: Callable[[], Store], **kwargs: Any) -> Any:
        try:
            store = open_graph()
        except StoreUnavailable as e:
            raise click.ClickException(f"store unavailable: {e}") from None
        with store:
            return command(*args, store=store, **kwargs)

    return wrapper


def _load_rules(ctx: click.Context, param: click.Parameter, value: Path | None) -> DomainRules:
    if value is None:
        return NO_RULES
    try:
        return DomainRules.load(value)
    except InvalidRules as e:
        raise click.BadParameter(str(e), ctx, param) from None


domain_rules_option = click.option(
    "--domain-rules", "rules", type=click.Path(exists=True, dir_okay=False, path_type=Path), callback=_load_rules,
    envvar="LINEAGEMESH_DOMAIN_RULES", help="YAML/JSON rules assigning domains to OpenLineage-only datasets.",
)


@click.group()
@click.option("--log-level", default="info", type=click.Choice(["debug", "info", "warning", "error"]), show_default=True)
def main(log_level: str) -> None:
    """lineagemesh: a lineage-centric metadata graph for data mesh platforms."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Load the Marquez food_delivery demo graph when the store is empty.")
@click.option("--max-body-bytes", default=IngestLimits.max_body_bytes, show_default=True, type=click.IntRange(1),
              help="Largest ingest request body, before and after gzip decompression (413 above).")
@domain_rules_option
@store_options
def serve(store: Store, host: str, port: int, demo: bool, max_body_bytes: int, rules: DomainRules) -> None:
    """Serve OpenLineage ingest (/api/v1/lineage) and GraphQL (/graphql, GraphiQL in a browser)."""
    import uvicorn

    from graph.api.app import create_app

    if demo and not any(store.counts().values()):
        from ingest.demo import food_delivery_events

        events = food_delivery_events()
        store.apply([m for event in events for m in translate(event, rules)])
        click.echo(f"loaded the food_delivery demo: {len(events)} events", err=True)
    click.echo(f"lineagemesh on {store.uri}: GraphQL at http://{host}:{port}/graphql", err=True)
    config = IngestConfig(limits=IngestLimits(max_body_bytes=max_body_bytes), rules=rules)
    uvicorn.run(create_app(store, config), host=host, port=port, log_level="info")


@main.group()
def ingest() -> None:
    """Load metadata into the graph."""


@ingest.command("openlineage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@domain_rules_option
@store_options
def ingest_openlineage(store: Store, paths: tuple[Path, ...], rules: DomainRules) -> None:
    """Ingest OpenLineage events from files (JSON event, JSON array or NDJSON; directories recurse).

    Bad events are reported as FILE:LINE: REASON and skipped; the exit code is then 1.
    """
    from tqdm import tqdm

    files = expand_paths(paths)
    started = time.monotonic()
    accepted = rejected = changes = 0
    pending: list[Mutation] = []
    pending_events = 0
    progress = tqdm(unit=" events", disable=None, file=sys.stderr)
    try:
        for path in files:
            for item in read_events(path):
                progress.update(1)
                if isinstance(item, BadLine):
                    rejected += 1
                    tqdm.write(f"{item.path}:{item.line}: {item.reason}", file=sys.stderr)
                    continue
                try:
                    pending.extend(translate(item.event, rules))
                except InvalidEvent as e:
                    rejected += 1
                    tqdm.write(f"{item.path}:{item.line}: {e}", file=sys.stderr)
                    continue
                accepted += 1
                pending_events += 1
                if pending_events >= APPLY_BATCH_EVENTS:
                    changes += _apply(store, pending)
                    pending, pending_events = [], 0
        changes += _apply(store, pending)
    finally:
        progress.close()
    elapsed = time.monotonic() - started
    rate = accepted / elapsed if elapsed > 0 else 0.0
    click.echo(
        f"{accepted} events ingested ({changes} node/edge changes), {rejected} rejected, "
        f"from {len(files)} files in {elapsed:.2f}s ({rate:,.0f} events/s) into {store.uri}",
        err=True,
    )
    if rejected:
        sys.exit(1)


@ingest.command("iceberg")
@click.option("--catalog", "catalog_name", required=True, help="Catalog name for pyiceberg's load_catalog (.pyiceberg.yaml, PYICEBERG_CATALOG__* env).")
@click.option("--property", "properties", multiple=True, metavar="KEY=VALUE", help="Catalog property, e.g. uri=http://... (repeatable).")
@click.option("--namespace", "namespaces", multiple=True, help="Crawl only these namespaces (repeatable; default all).")
@click.option("--dataset-namespace", help="Pin the dataset namespace tables are recorded under (default: what openlineage-spark names them).")
@store_options
def ingest_iceberg(store: Store, catalog_name: str, properties: tuple[str, ...], namespaces: tuple[str, ...],
                   dataset_namespace: str | None) -> None:
    """Crawl an Iceberg catalog: namespaces become domains, tables datasets, data-product.* properties products.

    Re-crawling is incremental (unchanged tables are skipped) and marks tables that disappeared as deleted.
    """
    from pyiceberg.catalog import load_catalog

    from ingest.iceberg import crawl, translate_catalog

    options = {}
    for item in properties:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--property")
        options[key] = value
    started = time.monotonic()
    try:
        catalog = load_catalog(catalog_name, **options)
        snapshot = crawl(catalog, list(namespaces) or None)
    except Exception as e:  # pyiceberg raises many kinds; the user needs the message, not a trace
        raise click.ClickException(f"cannot crawl catalog {catalog_name!r}: {e}") from None
    in_scope = [d for d in queries.datasets_where(store, "catalog", snapshot.catalog_name)
                if not namespaces or d.props.get("icebergNamespace") in namespaces]
    known = {d.id: d.props.get("metadataLocation") for d in in_scope}
    mutations = translate_catalog(snapshot, known, dataset_namespace=dataset_namespace)
    changes = _apply(store, mutations)
    for error in snapshot.errors:
        click.echo(f"warning: could not read {error.kind} {'.'.join(error.identifier)}: {error.message}", err=True)
    click.echo(f"crawled {len(snapshot.tables)} tables and {len(snapshot.views)} views of {snapshot.catalog_name!r} in "
               f"{time.monotonic() - started:.2f}s: {changes} node/edge changes into {store.uri}", err=True)


@ingest.command("dbt")
@click.argument("manifest_path", metavar="MANIFEST", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--namespace", help="Dataset namespace of the warehouse, as OpenLineage names it (e.g. postgres://host:5432).")
@click.option("--job-naming", type=click.Choice(["unique_id", "run", "build"]), default="unique_id", show_default=True,
              help="Name jobs like dbt-ol with structured logs (unique_id) or like dbt-ol run/build.")
@store_options
def ingest_dbt(store: Store, manifest_path: Path, namespace: str | None, job_naming: str) -> None:
    """Ingest a dbt manifest.json: models, seeds, snapshots and sources with columns, tests and lineage.

    Models a previous manifest of the same project built and this one does not are marked deleted.
    """
    import json

    from ingest.dbt import default_namespace, mark_removed, translate_manifest

    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        mutations = translate_manifest(manifest, namespace, job_naming=job_naming)
    except (ValueError, OSError) as e:  # InvalidManifest and JSON errors are ValueErrors
        raise click.ClickException(f"{manifest_path}: {e}") from None
    project = next((m.props["dbtProject"] for m in mutations if isinstance(m, UpsertNode) and "dbtProject" in m.props), None)
    if project is not None:
        dataset_namespace = namespace or default_namespace(manifest)
        previous = {d.id for d in queries.datasets_where(store, "dbtProject", project) if d.props.get("namespace") == dataset_namespace}
        mutations += mark_removed(previous, manifest, namespace)
    if namespace is None:
        click.echo("note: no --namespace given; datasets meet OpenLineage events from dbt-ol only if their namespaces agree", err=True)
    changes = _apply(store, mutations)
    click.echo(f"ingested {manifest_path}: {changes} node/edge changes into {store.uri}", err=True)


@ingest.command("contracts")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_options
def ingest_contracts(store: Store, paths: tuple[Path, ...]) -> None:
    """Ingest data contracts (ODCS v3 or datacontract.com YAML; directories recurse for *.yaml/*.yml): products,
    domains, owners, SLOs, schemas with PII flags and quality rules, consumers.

    An invalid contract is reported as FILE: FIELD: REASON and skipped; the exit code is then 1.
    """
    from ingest.contracts import InvalidContract, translate_contract

    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*.y*ml")))
             if p.is_file()]
    mutations: list[Mutation] = []
    rejected = 0
    for path in files:
        try:
            mutations.extend(translate_contract(path.read_text(encoding="utf-8"), str(path)))
        except (InvalidContract, OSError, UnicodeDecodeError) as e:
            rejected += 1
            click.echo(str(e) if isinstance(e, InvalidContract) else f"{path}: cannot read: {e}", err=True)
    changes = _apply(store, mutations)
    click.echo(f"{len(files) - rejected} contracts ingested ({changes} node/edge changes), {rejected} rejected, into {store.uri}", err=True)
    if rejected:
        sys.exit(1)


def _apply(store: Store, mutations: list[Mutation]) -> int:
    if not mutations:
        return 0
    try:
        return store.apply(mutations)
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable, nothing more applied: {e}") from None


@main.command()
@click.argument("node_id")
@click.option("--change", type=click.Choice([c.value.lower() for c in ChangeKind], case_sensitive=False),
              help="The change to check (default drop); not with --proposed-schema.")
@click.option("--proposed-schema", type=click.Path(dir_okay=False, path_type=Path),
              help="A new schema for the dataset (OpenLineage schema facet, Iceberg schema JSON or contract): "
                   "dropped, renamed and retyped columns are found by diffing it against the current one.")
@click.option("--format", "output_format", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--depth", type=click.IntRange(0), help="Bound the walk to this many hops (default unbounded).")
@click.option("--server", metavar="URL", help="Ask a running lineagemesh server instead of opening a store.")
@store_flags
def check(open_graph: Callable[[], Store], node_id: str, change: str | None, proposed_schema: Path | None,
          output_format: str, depth: int | None, server: str | None) -> None:
    """Blast radius of a proposed change, for CI: exit 0 when nothing breaks, 1 when something
    BREAKING is hit, 2 on usage or input errors."""
    if change and proposed_schema:
        raise click.UsageError("give --change or --proposed-schema, not both")
    try:
        with _graphql_executor(server, open_graph) as execute:
            if proposed_schema is not None:
                node = execute(NODE_QUERY, {"id": node_id})["node"]
                if node is None:
                    raise CheckError(f"no node with id {node_id!r}")
                proposed = read_proposed_schema(proposed_schema, node.get("name") or "")
                result = check_schema(execute, node_id, proposed, depth)
            else:
                result = check_node(execute, node_id, ChangeKind((change or "drop").upper()), depth)
    except (CheckError, InvalidProposedSchema, StoreUnavailable) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    click.echo(RENDERERS[output_format](result))
    sys.exit(1 if result.breaking else 0)


@contextlib.contextmanager
def _graphql_executor(server: str | None, open_graph: Callable[[], Store]) -> Iterator[Execute]:
    """Run GraphQL against a server's /graphql, or in-process on the store the options name."""
    if server:
        import httpx

        def remote(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            try:
                response = httpx.post(server.rstrip("/") + "/graphql", json={"query": query, "variables": variables}, timeout=120)
                body = response.json()
            except (httpx.HTTPError, ValueError) as e:
                raise CheckError(f"cannot ask {server}: {e}") from None
            if body.get("errors"):
                raise CheckError("; ".join(error["message"] for error in body["errors"]))
            return body["data"]

        yield remote
        return
    from graph.api.schema import context, schema

    with open_graph() as store:
        def local(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            result = schema.execute_sync(query, variable_values=variables, context_value=context(store))
            if result.errors:
                raise CheckError("; ".join(error.message for error in result.errors))
            return result.data

        yield local


@main.command("schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); schema.graphql in the repository is this output."""
    from graph.api.schema import schema

    click.echo(schema.as_str())

