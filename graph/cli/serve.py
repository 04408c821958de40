"""``lineagemesh serve``: the HTTP server (ingest, GraphQL, Marquez REST, the explorer) over one
store, with its tokens, limits and optional Kafka consumer, as the command line configures them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from graph.cli.options import (
    check_kafka_principal,
    domain_rules_option,
    kafka_options,
    load_auth,
    max_clock_skew_option,
    parse_quota_option,
    store_flags,
)
from graph.cli.paths import existing_file_option
from graph.core.auth import ReadAccess, describe, is_loopback
from graph.core.heap import SERVING, tune_gc
from graph.intake.ingest_service import IngestService, translate_events
from graph.intake.quotas import Quota
from graph.serve.admission import AdmissionLimits
from graph.serve.budget import BudgetLimits
from graph.serve.connection_caps import ConnectionLimits
from graph.serve.ingest import IngestConfig, IngestLimits
from graph.serve.limits import GraphQLLimits
from graph.serve.serve_options import connection_options
from graph.serve.slow_clients import DEFAULT_READ_SECONDS
from graph.stores import Store, StoreUnavailable
from ingest.domain_rules import NO_RULES, DomainRules

_WEBHOOK_RANGES = (
    ("loopback", "loopback addresses (127.0.0.0/8, ::1, localhost)"),
    ("rfc1918", "RFC 1918 private addresses (10/8, 172.16/12, 192.168/16, fc00::/7)"),
    ("link-local", "link-local addresses (169.254.0.0/16, fe80::/10: cloud metadata too)"),
    ("private", "all three: loopback, RFC 1918 and link-local addresses"),
)


def webhook_range_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--webhooks-allow-<range>``: each non-global range webhooks may post to, its own opt-in."""
    for name, what in reversed(_WEBHOOK_RANGES):
        command = click.option(
            f"--webhooks-allow-{name}", is_flag=True, help=f"Let webhooks post to {what}."
        )(command)
    return command


@click.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind. Anything but loopback needs tokens (or --insecure-no-auth).",
)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option(
    "--demo",
    is_flag=True,
    help="Load the Marquez food_delivery demo graph when the store is empty.",
)
@existing_file_option(
    "--auth-file",
    envvar="LINEAGEMESH_AUTH_FILE",
    show_envvar=True,
    help="YAML/JSON file of bearer tokens: principal, roles (reader, writer, admin), domains a writer may write.",
)
@click.option(
    "--tokens",
    metavar="JSON",
    envvar="LINEAGEMESH_TOKENS",
    show_envvar=True,
    help="The same token document as JSON; prefer the environment variable (a command line is visible to all).",
)
@click.option(
    "--read-access",
    type=click.Choice(["open", "token"]),
    envvar="LINEAGEMESH_READ_ACCESS",
    show_envvar=True,
    help="Whether GraphQL and /metrics need a token  [default: the token file's `read`, else token]",
)
@click.option(
    "--insecure-no-auth",
    is_flag=True,
    help="Serve without tokens on any interface: every client may read and write everything.",
)
@click.option(
    "--max-body-bytes",
    default=IngestLimits.max_body_bytes,
    show_default=True,
    type=click.IntRange(1),
    help="Largest ingest request body, before and after gzip decompression (413 above).",
)
@click.option(
    "--max-batch-events",
    default=IngestLimits.max_batch_events,
    show_default=True,
    type=click.IntRange(1),
    help="Most events in one /api/v1/lineage/batch request (413 above).",
)
@click.option(
    "--max-query-bytes",
    default=GraphQLLimits.max_body_bytes,
    show_default=True,
    type=click.IntRange(1),
    help="Largest GraphQL request body (413 above).",
)
@click.option(
    "--max-query-depth",
    default=GraphQLLimits.max_depth,
    show_default=True,
    type=click.IntRange(1),
    help="Deepest selection nesting of a GraphQL operation (400 above).",
)
@click.option(
    "--max-query-tokens",
    default=GraphQLLimits.max_tokens,
    show_default=True,
    type=click.IntRange(1),
    help="Most tokens in a GraphQL document (400 above).",
)
@click.option(
    "--max-query-aliases",
    default=GraphQLLimits.max_aliases,
    show_default=True,
    type=click.IntRange(0),
    help="Most aliased fields in a GraphQL document (400 above).",
)
@click.option(
    "--max-traversal-depth",
    default=GraphQLLimits.max_traversal_depth,
    show_default=True,
    type=click.IntRange(0),
    help="Cap on the depth of lineage, columnLineage and impact walks; deeper asks answer truncated.",
)
@click.option(
    "--max-traversal-nodes",
    default=GraphQLLimits.max_traversal_nodes,
    show_default=True,
    type=click.IntRange(1),
    help="Nodes one lineage or impact walk may visit; a bigger answer is partial (truncated: true).",
)
@click.option(
    "--traversal-seconds",
    default=GraphQLLimits.traversal_seconds,
    show_default=True,
    type=click.FloatRange(0.01),
    help="Time one lineage or impact walk may take; a slower one answers partial (truncated: true).",
)
@click.option(
    "--max-query-cost",
    default=BudgetLimits.max_cost,
    show_default=True,
    type=click.IntRange(1),
    help="List items one GraphQL operation may resolve (lineage and impact answers not counted); "
    "beyond, the answer is the error QUERY_TOO_COSTLY.",
)
@click.option(
    "--max-result-bytes",
    default=BudgetLimits.max_result_bytes,
    show_default=True,
    type=click.IntRange(1),
    help="Largest GraphQL answer; beyond, the error RESULT_TOO_LARGE.",
)
@click.option(
    "--query-seconds",
    default=BudgetLimits.seconds,
    show_default=True,
    type=click.FloatRange(0.01),
    help="Time one GraphQL operation may take; beyond, its worker stops and the answer is the error QUERY_TIMEOUT.",
)
@click.option(
    "--max-client-queries",
    default=AdmissionLimits.per_client,
    show_default=True,
    type=click.IntRange(1),
    help="GraphQL operations one client may have in flight (429 beyond).",
)
@click.option(
    "--max-concurrent-queries",
    default=AdmissionLimits.total,
    show_default=True,
    type=click.IntRange(1),
    help="GraphQL operations the server runs at once (429 beyond).",
)
@click.option(
    "--query-threads",
    type=click.IntRange(1),
    default=None,
    help="Of those, how many work at once; the others wait their turn (holding no thread). "
    "One client works in at most half of them. [default: the cores but one, at least 2]",
)
@click.option(
    "--read-seconds",
    default=DEFAULT_READ_SECONDS,
    show_default=True,
    type=click.FloatRange(0.01),
    help="Time a client has to send a request's headers, and then its body (408 and closed beyond).",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    metavar="NAME",
    help="In local mode, a Host name to serve besides loopback ones (repeatable); others get 403.",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    envvar="LINEAGEMESH_LOG_FORMAT",
    help="json: one JSON object per line, and one line per request.",
)
@existing_file_option(
    "--webhooks",
    "webhooks_file",
    envvar="LINEAGEMESH_WEBHOOKS",
    help="Webhooks told of breaking schema changes (YAML; graph.notify.webhooks).",
)
@webhook_range_options
@click.option(
    "--principal-quota",
    callback=parse_quota_option,
    envvar="LINEAGEMESH_PRINCIPAL_QUOTA",
    metavar="BYTES/PERIOD",
    help="Bytes of events each principal may ingest per period, e.g. 512MiB/1d (429 beyond). Default: no quota.",
)
@connection_options
@domain_rules_option
@max_clock_skew_option
@kafka_options
@store_flags
def serve(
    open_graph: Callable[[], Store],
    open_events: Callable[..., IngestService],
    kafka: Any,
    host: str,
    port: int,
    demo: bool,
    auth_file: Path | None,
    tokens: str | None,
    read_access: str | None,
    insecure_no_auth: bool,
    max_body_bytes: int,
    max_batch_events: int,
    max_query_bytes: int,
    max_query_depth: int,
    max_query_tokens: int,
    max_query_aliases: int,
    max_traversal_depth: int,
    max_traversal_nodes: int,
    traversal_seconds: float,
    max_query_cost: int,
    max_result_bytes: int,
    query_seconds: float,
    max_client_queries: int,
    max_concurrent_queries: int,
    query_threads: int | None,
    read_seconds: float,
    allowed_hosts: tuple[str, ...],
    log_format: str,
    rules: DomainRules,
    max_clock_skew: timedelta,
    principal_quota: Quota | None,
    connections: ConnectionLimits,
    max_answer_builds: int,
    max_push_bytes: int,
    webhooks_file: Path | None = None,
    webhooks_allow_loopback: bool = False,
    webhooks_allow_rfc1918: bool = False,
    webhooks_allow_link_local: bool = False,
    webhooks_allow_private: bool = False,
) -> None:
    """Serve OpenLineage ingest (/api/v1/lineage), GraphQL (/graphql, GraphiQL in a browser), /metrics and /healthz.

    Clients authenticate with bearer tokens (--auth-file or LINEAGEMESH_TOKENS). Without tokens the
    server runs in local mode: it answers loopback clients only, and refuses to bind another
    interface unless --insecure-no-auth is given.
    """
    from graph.serve.app import create_app
    from graph.serve.connection_caps import uvicorn_options
    from graph.serve.logs import use_json_logs
    from graph.serve.server import serve_until_stopped

    if log_format == "json":
        use_json_logs()
    say = logging.getLogger("lineagemesh.serve")
    auth = load_auth(auth_file, tokens, read_access, insecure_no_auth)
    check_kafka_principal(auth, kafka)
    allow = {
        "loopback": webhooks_allow_loopback or webhooks_allow_private,
        "rfc1918": webhooks_allow_rfc1918 or webhooks_allow_private,
        "link-local": webhooks_allow_link_local or webhooks_allow_private,
    }
    webhooks = _load_webhooks(webhooks_file, frozenset(k for k, on in allow.items() if on))
    where = f"http://{host}:{port}"
    if auth.local_mode and not is_loopback(host):
        raise click.UsageError(
            f"refusing to serve on {host} without tokens: anyone who reaches it could read and write the graph. "
            "Configure tokens (--auth-file or LINEAGEMESH_TOKENS), or pass --insecure-no-auth to serve unauthenticated anyway."
        )
    if auth.insecure:
        say.warning(
            "--insecure-no-auth: NO AUTHENTICATION. Every client that reaches %s may read and write the whole graph.",
            where,
        )
    elif auth.local_mode:
        say.warning(
            "no tokens configured: LOCAL MODE. Only loopback clients are served (unauthenticated, as admin); "
            "configure tokens with --auth-file or LINEAGEMESH_TOKENS before exposing this server."
        )
    else:
        say.info(
            "%d tokens (%s), reads %s",
            len(auth.tokens),
            "; ".join(describe(auth)),
            "open to all" if auth.read is ReadAccess.OPEN else "need a token",
        )
    try:
        store = open_graph()
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable: {e}") from None
    with store, contextlib.closing(open_events(store, rules)) as service:
        if demo and not any(store.counts().values()):
            from ingest.demo import demo_domain_rules, demo_ownership_events, food_delivery_events

            events = food_delivery_events() + demo_ownership_events()
            demo_rules = demo_domain_rules() if rules is NO_RULES else rules
            demo_events = translate_events(events, demo_rules, service.keeps_raw)
            service.commit(demo_events.payload, demo_events.block)
            products = demo_products(service)
            say.info(
                "loaded the food_delivery demo: %d events, %d data products", len(events), products
            )
        tune_gc(SERVING)  # requests' garbage collected as it comes (graph.core.heap)
        say.info(
            "lineagemesh on %s: explorer at %s/ and GraphQL at %s/graphql", store.uri, where, where
        )
        config = IngestConfig(
            limits=IngestLimits(max_body_bytes=max_body_bytes, max_batch_events=max_batch_events),
            rules=rules,
            max_clock_skew=max_clock_skew,
            principal_quota=principal_quota,
        )
        limits = GraphQLLimits(
            max_body_bytes=max_query_bytes,
            max_depth=max_query_depth,
            max_tokens=max_query_tokens,
            max_aliases=max_query_aliases,
            max_traversal_depth=max_traversal_depth,
            max_traversal_nodes=max_traversal_nodes,
            traversal_seconds=traversal_seconds,
            budget=BudgetLimits(max_query_cost, max_result_bytes, query_seconds),
            admission=AdmissionLimits(
                max_client_queries,
                max_concurrent_queries,
                **({"threads": query_threads} if query_threads else {}),
            ),
            max_answer_builds=max_answer_builds,
            max_push_bytes=max_push_bytes,
        )
        app = create_app(
            store,
            config,
            auth,
            limits,
            access_log=log_format == "json",
            allowed_hosts=allowed_hosts,
            read_seconds=read_seconds,
            events=service.log,
            kafka=kafka,
            webhooks=webhooks,
            connections=connections,
        )
        server_options = uvicorn_options(read_seconds, app.state.connections, max_query_bytes)
        service.age_out_periodically()
        if (
            log_format == "json"
        ):  # our records only, through the root handler: uvicorn's own config would add text lines
            serve_until_stopped(
                app,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                **server_options,
            )
        else:
            serve_until_stopped(app, host=host, port=port, log_level="info", **server_options)
        say.info("stopped; closing %s", store.uri)


def _load_webhooks(path: Path | None, allow: frozenset[str]) -> Any:
    """``--webhooks``: the file's webhooks (``graph.notify.webhooks``); exit 2 naming what is wrong.
    ``allow``: the ranges of ``graph.notify.webhook_targets.RANGES`` the ``--webhooks-allow-*`` flags opened."""
    if path is None:
        return None
    from graph.notify.webhook_config import InvalidWebhooks, load_webhooks

    try:
        return load_webhooks(path, allow)
    except InvalidWebhooks as e:
        raise click.UsageError(str(e)) from None


def demo_products(service: IngestService) -> int:
    """Apply the demo's contracts, then its product descriptors (ports name the seed's datasets
    and the contracts); returns how many products were loaded."""
    from graph.intake.declared_only import mark_declared_only
    from ingest.contracts import translate_contract
    from ingest.demo import demo_documents
    from ingest.products import translate_descriptor

    mutations = [
        m for source, text in demo_documents("contracts") for m in translate_contract(text, source)
    ]
    descriptors = demo_documents("products")
    mutations += [m for source, text in descriptors for m in translate_descriptor(text, source)]
    service.apply_mutations(mark_declared_only(service.store, mutations), len(descriptors))
    return len(descriptors)
