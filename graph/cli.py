"""The ``lineagemesh`` command line: serve the graph, ingest sources, export the schema.

Every command that reads or writes the graph takes the same store options as ``serve``.
Errors are printed as one clear line and give a non-zero exit code.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click

from graph import queries
from graph.api.admission import AdmissionLimits
from graph.api.auth import AuthConfig, InvalidAuthConfig, ReadAccess, describe, is_loopback
from graph.api.budget import BudgetLimits
from graph.api.connection_caps import ConnectionLimits
from graph.api.ingest import IngestConfig, IngestLimits
from graph.api.limits import GraphQLLimits
from graph.api.serve_options import connection_options
from graph.api.slow_clients import DEFAULT_READ_SECONDS
from graph.check import NODE_QUERY, RENDERERS, CheckError, Execute, check_node, check_schema
from graph.event_log import REINDEX_AFTER, EventLog, event_log_dir
from graph.heap import REMOTE, SERVING, settle_heap, tune_gc
from graph.impact import ChangeKind
from graph.ingest_service import IngestService, translate_events
from graph.mutations import Mutation, UpsertNode
from graph.stores import Store, StoreUnavailable, open_store
from graph.stores.journal import Journal, JournalCorrupt, JournalError
from ingest.bulk_load import load_events
from ingest.clock_skew import parse_skew
from ingest.domain_rules import NO_RULES, DomainRules, InvalidRules
from ingest.event_files import BadLine, expand_paths
from ingest.proposed_schema import InvalidProposedSchema, read_proposed_schema

if TYPE_CHECKING:
    from ingest.dbt import JobNaming


def store_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """--data-dir / --store / Neo4j credentials; the command gets ``open_graph``, a function that
    opens the store they name (so a command may also work without a store)."""

    @click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="LINEAGEMESH_DATA_DIR",
        help="Directory of the embedded store (default ~/.lineagemesh).",
    )
    @click.option(
        "--store",
        "store_uri",
        envvar="LINEAGEMESH_STORE",
        metavar="URI",
        help="Store URI: bolt://host:7687 or neo4j://... for Neo4j; default the embedded store.",
    )
    @click.option(
        "--neo4j-user",
        envvar="LINEAGEMESH_NEO4J_USER",
        help="Neo4j user (env LINEAGEMESH_NEO4J_USER).",
    )
    @click.option(
        "--neo4j-password",
        envvar="LINEAGEMESH_NEO4J_PASSWORD",
        help="Neo4j password (env LINEAGEMESH_NEO4J_PASSWORD).",
    )
    @click.option(
        "--neo4j-database",
        envvar="LINEAGEMESH_NEO4J_DATABASE",
        default="neo4j",
        show_default=True,
        help="Neo4j database name.",
    )
    @click.option(
        "--event-log",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="LINEAGEMESH_EVENT_LOG",
        help="Directory of the raw event log (default: the embedded store's data dir; for Neo4j "
        "~/.lineagemesh/event-log).",
    )
    @click.option(
        "--keep-events",
        type=DURATION,
        envvar="LINEAGEMESH_KEEP_EVENTS",
        metavar="DURATION",
        help="Keep raw events this long (e.g. 90d, 12h); older ones leave the log, their lineage stays. Default: forever.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        data_dir: Path | None,
        store_uri: str | None,
        neo4j_user: str | None,
        neo4j_password: str | None,
        neo4j_database: str,
        event_log: Path | None,
        keep_events: float | None,
        **kwargs: Any,
    ) -> Any:
        if data_dir and store_uri:
            raise click.UsageError("give either --data-dir or --store, not both")

        def open_graph() -> Store:
            try:
                store = open_store(
                    store_uri,
                    data_dir=str(data_dir) if data_dir else None,
                    user=neo4j_user,
                    password=neo4j_password,
                    database=neo4j_database,
                )
            except JournalError as e:  # a damaged journal: say so in one line, never a traceback
                raise click.ClickException(str(e)) from None
            if store.remote:
                tune_gc(REMOTE)  # the graph is elsewhere (graph.heap)
            return store

        if "open_events" in inspect.signature(command, follow_wrapped=False).parameters:
            kwargs["open_events"] = functools.partial(_open_events, event_log, keep_events)
        return command(*args, open_graph=open_graph, **kwargs)

    return wrapper


def _open_events(
    directory: Path | None,
    keep_seconds: float | None,
    store: Store,
    rules: DomainRules = NO_RULES,
    default_dir: Path | None = None,
) -> IngestService:
    """The ingest service of ``store``: its raw event log opened (``graph.event_log``; without
    ``--event-log``, ``default_dir`` or the store's own), events older than ``keep_seconds`` aged
    out of it, and a reindex left unfinished refused."""
    try:
        log = EventLog(event_log_dir(store, directory or default_dir))
    except JournalError as e:
        raise click.ClickException(str(e)) from None
    service = IngestService(store, log, rules, keep_seconds)
    if log.get_meta(REINDEX_AFTER) is not None and not _reindexing():
        log.close()
        raise click.ClickException(
            f"a reindex of {store.uri} is unfinished: run `lineagemesh reindex` to finish it first"
        )
    try:
        aged = service.age_out()
    except StoreUnavailable as e:
        log.close()
        raise click.ClickException(f"event log unavailable: {e}") from None
    if aged:
        logging.getLogger("lineagemesh.events").info("%d raw events aged out of %s", aged, log.path)
    return service


def _reindexing() -> bool:
    return click.get_current_context().command.name == "reindex"


class _Duration(click.ParamType):
    """A duration: a number with a unit (s, m, h, d, w), as seconds."""

    name = "duration"
    _UNITS: ClassVar[dict[str, int]] = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value).strip().lower()
        unit = self._UNITS.get(text[-1:]) if text else None
        try:
            amount = float(text[:-1]) if unit else float(text)
        except ValueError:
            amount = -1.0
        if amount <= 0:
            self.fail(f"{value!r} is not a duration such as 90d, 12h or 30m", param, ctx)
        return amount * (unit or 1)


DURATION = _Duration()


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The store flags, with the store opened for the command (and closed after it)."""

    @store_flags
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        open_graph: Callable[[], Store],
        open_events: Callable[..., IngestService],
        **kwargs: Any,
    ) -> Any:
        with _opened_service(open_graph, open_events, kwargs.get("rules", NO_RULES)) as service:
            return command(*args, service=service, **kwargs)

    return wrapper


@contextlib.contextmanager
def _opened_service(
    open_graph: Callable[[], Store],
    open_events: Callable[..., IngestService],
    rules: DomainRules,
    **events_options: Any,
) -> Iterator[IngestService]:
    """The store the flags name, opened with its ingest service (both closed after)."""
    try:
        store = open_graph()
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable: {e}") from None
    with store:
        service = open_events(store, rules, **events_options)
        try:
            yield service
        finally:
            service.close()


def _load_rules(ctx: click.Context, param: click.Parameter, value: Path | None) -> DomainRules:
    if value is None:
        return NO_RULES
    try:
        return DomainRules.load(value)
    except InvalidRules as e:
        raise click.BadParameter(str(e), ctx, param) from None


domain_rules_option = click.option(
    "--domain-rules",
    "rules",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    callback=_load_rules,
    envvar="LINEAGEMESH_DOMAIN_RULES",
    help="YAML/JSON rules assigning domains to OpenLineage-only datasets.",
)


def _parse_skew(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    try:
        return parse_skew(value)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx, param) from None


max_clock_skew_option = click.option(
    "--max-clock-skew",
    type=str,
    default="1h",
    show_default=True,
    callback=_parse_skew,
    envvar="LINEAGEMESH_MAX_CLOCK_SKEW",
    help="Refuse events dated further than this ahead of this machine's clock (3600, 90s, 30m, 1h, 2d): "
    "a future eventTime would outrank every later fact.",
)


@click.group()
@click.option(
    "--log-level",
    default="info",
    type=click.Choice(["debug", "info", "warning", "error"]),
    show_default=True,
)
def main(log_level: str) -> None:
    """lineagemesh: a lineage-centric metadata graph for data mesh platforms."""
    tune_gc()
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )


def _load_auth(
    auth_file: Path | None, tokens: str | None, read_access: str | None, insecure: bool
) -> AuthConfig:
    """The AuthConfig the serve options name (a UsageError when they cannot be used together)."""
    import dataclasses

    if auth_file and tokens:
        raise click.UsageError("give --auth-file or LINEAGEMESH_TOKENS (--tokens), not both")
    if insecure and (auth_file or tokens):
        raise click.UsageError(
            "--insecure-no-auth serves without tokens: drop it, or drop the tokens"
        )
    try:
        if auth_file:
            auth = AuthConfig.load(auth_file)
        elif tokens:
            auth = AuthConfig.from_json(tokens)
        else:
            auth = AuthConfig(insecure=insecure)
    except InvalidAuthConfig as e:
        raise click.UsageError(str(e)) from None
    if read_access is not None:
        auth = dataclasses.replace(auth, read=ReadAccess(read_access))
    return auth


def kafka_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The Kafka consumer's options; the command gets ``kafka``: its settings, or None without
    ``--bootstrap-servers`` (``serve`` then consumes nothing)."""

    @click.option(
        "--bootstrap-servers",
        envvar="LINEAGEMESH_KAFKA_BOOTSTRAP_SERVERS",
        metavar="HOST:PORT,...",
        help="Kafka brokers to consume OpenLineage events from.",
    )
    @click.option(
        "--topic",
        "topics",
        multiple=True,
        envvar="LINEAGEMESH_KAFKA_TOPIC",
        help="Topic to consume (repeatable).",
    )
    @click.option(
        "--group",
        default="lineagemesh",
        show_default=True,
        envvar="LINEAGEMESH_KAFKA_GROUP",
        help="Consumer group id.",
    )
    @click.option(
        "--kafka-property",
        "kafka_properties",
        multiple=True,
        metavar="KEY=VALUE",
        help="librdkafka setting passed through (security.protocol, sasl.mechanism, ssl.ca.location, ...; repeatable).",
    )
    @click.option(
        "--dead-letter-topic",
        help="Where bad messages go (as they were, with the reason in a header).",
    )
    @click.option(
        "--max-message-bytes",
        default=8 * 2**20,
        show_default=True,
        type=click.IntRange(1),
        help="Larger messages are bad messages.",
    )
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        bootstrap_servers: str | None,
        topics: tuple[str, ...],
        group: str,
        kafka_properties: tuple[str, ...],
        dead_letter_topic: str | None,
        max_message_bytes: int,
        **kwargs: Any,
    ) -> Any:
        from graph.kafka_ingest import KafkaSettings

        if bool(bootstrap_servers) != bool(topics):
            raise click.UsageError(
                "give both --bootstrap-servers and --topic to consume from Kafka"
            )
        settings = None
        if bootstrap_servers:
            settings = KafkaSettings(
                bootstrap_servers,
                topics,
                group,
                _key_values(kafka_properties, "--kafka-property"),
                dead_letter_topic,
                max_message_bytes,
            )
            try:
                settings.check()
            except ValueError as e:
                raise click.BadParameter(str(e), param_hint="--kafka-property") from None
        return command(*args, kafka=settings, **kwargs)

    return wrapper


def _key_values(items: tuple[str, ...], option: str) -> dict[str, str]:
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=option)
        options[key] = value
    return options


@main.command()
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
@click.option(
    "--auth-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
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
    read_seconds: float,
    allowed_hosts: tuple[str, ...],
    log_format: str,
    rules: DomainRules,
    max_clock_skew: timedelta,
    connections: ConnectionLimits,
    max_answer_builds: int,
    max_push_bytes: int,
) -> None:
    """Serve OpenLineage ingest (/api/v1/lineage), GraphQL (/graphql, GraphiQL in a browser), /metrics and /healthz.

    Clients authenticate with bearer tokens (--auth-file or LINEAGEMESH_TOKENS). Without tokens the
    server runs in local mode: it answers loopback clients only, and refuses to bind another
    interface unless --insecure-no-auth is given.
    """
    from graph.api.app import create_app
    from graph.api.connection_caps import uvicorn_options
    from graph.api.logs import use_json_logs
    from graph.api.server import serve_until_stopped

    if log_format == "json":
        use_json_logs()
    say = logging.getLogger("lineagemesh.serve")
    auth = _load_auth(auth_file, tokens, read_access, insecure_no_auth)
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
            from ingest.demo import food_delivery_events

            events = food_delivery_events()
            demo_events = translate_events(events, rules, service.keeps_raw)
            service.commit(demo_events.payload, demo_events.block)
            say.info("loaded the food_delivery demo: %d events", len(events))
        tune_gc(SERVING)  # requests' garbage collected as it comes (graph.heap)
        say.info(
            "lineagemesh on %s: explorer at %s/ and GraphQL at %s/graphql", store.uri, where, where
        )
        config = IngestConfig(
            limits=IngestLimits(max_body_bytes=max_body_bytes, max_batch_events=max_batch_events),
            rules=rules,
            max_clock_skew=max_clock_skew,
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
            admission=AdmissionLimits(max_client_queries, max_concurrent_queries),
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


@main.group()
def ingest() -> None:
    """Load metadata into the graph."""


@ingest.command("openlineage")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@domain_rules_option
@max_clock_skew_option
@click.option(
    "--workers",
    type=click.IntRange(0),
    default=None,
    help="Processes parsing and translating events beside the one applying them "
    "(0: none; default: one per core, below this one's priority; none for under 4 MiB of files); "
    "with --neo4j-import, also the processes writing the import files.",
)
@click.option(
    "--neo4j-import",
    "neo4j_import",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="A first load or migration into a new Neo4j database: build the graph in an embedded store "
    "(--data-dir, default a temporary one beside DIR) and write it into DIR, a new directory, as CSV "
    "files for `neo4j-admin database import full`; the raw events go into --event-log (default "
    "~/.lineagemesh/event-log), the log `serve --store bolt://...` then uses.",
)
@store_flags
def ingest_openlineage(
    open_graph: Callable[[], Store],
    open_events: Callable[..., IngestService],
    paths: tuple[Path, ...],
    rules: DomainRules,
    max_clock_skew: timedelta,
    workers: int | None,
    neo4j_import: Path | None,
) -> None:
    """Ingest OpenLineage events from files (JSON event, JSON array or NDJSON; directories recurse).

    Bad events are reported as FILE:LINE: REASON and skipped; the exit code is then 1. Events are
    applied in file order, 500 at a time (ingest.bulk_load).
    """
    if neo4j_import is None:
        with _opened_service(open_graph, open_events, rules) as service:
            rejected = _ingest_files(service, paths, max_clock_skew, workers)
    else:
        rejected = _ingest_for_neo4j_import(
            open_events, neo4j_import, paths, rules, max_clock_skew, workers
        )
    if rejected:
        sys.exit(1)


def _ingest_files(
    service: IngestService, paths: tuple[Path, ...], max_clock_skew: timedelta, workers: int | None
) -> int:
    """Load event files through ``service`` with a progress bar; returns how many were rejected."""
    from tqdm import tqdm

    files = expand_paths(paths)
    progress = tqdm(unit=" events", disable=None, file=sys.stderr)

    def bad(line: BadLine) -> None:
        tqdm.write(f"{line.path}:{line.line}: {line.reason}", file=sys.stderr)

    try:
        report = load_events(
            service,
            files,
            on_bad=bad,
            on_progress=progress.update,
            workers=workers,
            max_clock_skew=max_clock_skew,
        )
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable, nothing more applied: {e}") from None
    finally:
        progress.close()
    rate = report.accepted / report.seconds if report.seconds > 0 else 0.0
    click.echo(
        f"{report.accepted} events ingested ({report.changes} node/edge changes), {report.rejected} rejected, "
        f"from {len(files)} files in {report.seconds:.2f}s ({rate:,.0f} events/s) into {service.store.uri}",
        err=True,
    )
    return report.rejected


def _ingest_for_neo4j_import(
    open_events: Callable[..., IngestService],
    directory: Path,
    paths: tuple[Path, ...],
    rules: DomainRules,
    max_clock_skew: timedelta,
    workers: int | None,
) -> int:
    """``ingest openlineage --neo4j-import``: the graph built by the one ingest path into an
    embedded store, then written out as neo4j-admin import files (``graph.stores.neo4j_import``)."""
    import tempfile

    from graph.event_log import NEO4J_DEFAULT
    from graph.stores.embedded import EmbeddedStore
    from graph.stores.neo4j_import import ImportExportError, admin_command, export

    params = click.get_current_context().params
    if params.get("store_uri"):
        raise click.UsageError(
            "--neo4j-import builds the graph in an embedded store (--data-dir): drop --store"
        )
    if directory.exists() and any(directory.iterdir()):
        raise click.UsageError(
            f"--neo4j-import {directory}: not empty; the import files go into a new directory"
        )
    given: Path | None = params.get("data_dir")
    with contextlib.ExitStack() as cleanup:
        if given is None:
            directory.parent.mkdir(parents=True, exist_ok=True)
            given = Path(
                cleanup.enter_context(
                    tempfile.TemporaryDirectory(prefix=".lineagemesh-build-", dir=directory.parent)
                )
            )
        try:
            store = EmbeddedStore(given)
        except JournalError as e:
            raise click.ClickException(str(e)) from None
        cleanup.callback(store.close, snapshot=params.get("data_dir") is not None)  # else deleted
        service = open_events(store, rules, default_dir=NEO4J_DEFAULT.expanduser())
        cleanup.callback(service.close)
        assert service.log is not None
        if service.log.last_seq():
            raise click.UsageError(
                f"the event log {service.log.path} holds events already: a new database's log "
                "starts empty (give a new --event-log)"
            )
        rejected = _ingest_files(service, paths, max_clock_skew, workers)
        started = time.monotonic()
        try:
            files = export(store, directory, workers)
        except ImportExportError as e:
            raise click.ClickException(f"cannot write the import files: {e}") from None
        click.echo(
            f"{files.nodes} nodes and {files.edges} edges written to {directory} in "
            f"{time.monotonic() - started:.2f}s. With Neo4j stopped, import them into a new database:\n"
            f"  {' '.join(admin_command(files))}\n"
            f"then start it and serve it with its event log:\n"
            f"  lineagemesh serve --store bolt://HOST:7687 --event-log {service.log.path.parent}",
            err=True,
        )
    return rejected


@ingest.command("kafka")
@domain_rules_option
@kafka_options
@click.option(
    "--until-idle",
    type=click.FloatRange(0.1),
    metavar="SECONDS",
    help="Stop once no message came for this long (default: consume until SIGTERM or Ctrl-C).",
)
@store_options
def ingest_kafka(
    service: IngestService, rules: DomainRules, kafka: Any, until_idle: float | None
) -> None:
    """Consume OpenLineage events from Kafka topics into the graph (at least once: an offset is
    committed only after its events are durable). Bad messages are logged with topic/partition/offset,
    skipped, and written to --dead-letter-topic when given."""
    import signal

    from graph.kafka_ingest import KafkaIngest

    if kafka is None:
        raise click.UsageError("--bootstrap-servers and --topic are required")
    consumer = KafkaIngest(service, kafka)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: consumer.stop())
    started = time.monotonic()
    consumer.run(until_idle=until_idle)
    click.echo(
        f"{consumer.applied_events} events ingested from {', '.join(kafka.topics)}, {consumer.bad_messages} bad "
        f"messages passed over, in {time.monotonic() - started:.2f}s into {service.store.uri}",
        err=True,
    )


@ingest.command("iceberg")
@click.option(
    "--catalog",
    "catalog_name",
    required=True,
    help="Catalog name for pyiceberg's load_catalog (.pyiceberg.yaml, PYICEBERG_CATALOG__* env).",
)
@click.option(
    "--property",
    "properties",
    multiple=True,
    metavar="KEY=VALUE",
    help="Catalog property, e.g. uri=http://... (repeatable).",
)
@click.option(
    "--namespace",
    "namespaces",
    multiple=True,
    help="Crawl only these namespaces (repeatable; default all).",
)
@click.option(
    "--dataset-namespace",
    help="Pin the dataset namespace tables are recorded under (default: what openlineage-spark names them).",
)
@store_options
def ingest_iceberg(
    service: IngestService,
    catalog_name: str,
    properties: tuple[str, ...],
    namespaces: tuple[str, ...],
    dataset_namespace: str | None,
) -> None:
    """Crawl an Iceberg catalog: namespaces become domains, tables datasets, data-product.* properties products.

    Re-crawling is incremental (unchanged tables are skipped) and marks tables that disappeared as deleted.
    """
    from pyiceberg.catalog import load_catalog

    from ingest.iceberg import crawl, translate_catalog

    options = _key_values(properties, "--property")
    started = time.monotonic()
    try:
        catalog = load_catalog(catalog_name, **options)
        snapshot = crawl(catalog, list(namespaces) or None)
    except Exception as e:  # noqa: BLE001 - pyiceberg raises many kinds; the user needs the message, not a trace
        raise click.ClickException(f"cannot crawl catalog {catalog_name!r}: {e}") from None
    store = service.store
    in_scope = [
        d
        for d in queries.datasets_where(store, "catalog", snapshot.catalog_name)
        if not namespaces or d.props.get("icebergNamespace") in namespaces
    ]
    known = {d.id: d.props.get("metadataLocation") for d in in_scope}
    mutations = translate_catalog(snapshot, known, dataset_namespace=dataset_namespace)
    changes = _apply(service, mutations)
    for error in snapshot.errors:
        click.echo(
            f"warning: could not read {error.kind} {'.'.join(error.identifier)}: {error.message}",
            err=True,
        )
    click.echo(
        f"crawled {len(snapshot.tables)} tables and {len(snapshot.views)} views of {snapshot.catalog_name!r} in "
        f"{time.monotonic() - started:.2f}s: {changes} node/edge changes into {store.uri}",
        err=True,
    )


@ingest.command("dbt")
@click.argument(
    "manifest_path",
    metavar="MANIFEST",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--namespace",
    help="Dataset namespace of the warehouse, as OpenLineage names it (e.g. postgres://host:5432).",
)
@click.option(
    "--job-naming",
    type=click.Choice(["unique_id", "run", "build"]),
    default="unique_id",
    show_default=True,
    help="Name jobs like dbt-ol with structured logs (unique_id) or like dbt-ol run/build.",
)
@store_options
def ingest_dbt(
    service: IngestService, manifest_path: Path, namespace: str | None, job_naming: JobNaming
) -> None:
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
    project = next(
        (
            m.props["dbtProject"]
            for m in mutations
            if isinstance(m, UpsertNode) and "dbtProject" in m.props
        ),
        None,
    )
    if project is not None:
        dataset_namespace = namespace or default_namespace(manifest)
        previous = {
            d.id
            for d in queries.datasets_where(service.store, "dbtProject", project)
            if d.props.get("namespace") == dataset_namespace
        }
        mutations += mark_removed(previous, manifest, namespace)
    if namespace is None:
        click.echo(
            "note: no --namespace given; datasets meet OpenLineage events from dbt-ol only if their namespaces agree",
            err=True,
        )
    changes = _apply(service, mutations)
    click.echo(
        f"ingested {manifest_path}: {changes} node/edge changes into {service.store.uri}", err=True
    )


@ingest.command("contracts")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@store_options
def ingest_contracts(service: IngestService, paths: tuple[Path, ...]) -> None:
    """Ingest data contracts (ODCS v3 or datacontract.com YAML; directories recurse for *.yaml/*.yml): products,
    domains, owners, SLOs, schemas with PII flags and quality rules, consumers.

    An invalid contract is reported as FILE: FIELD: REASON and skipped; the exit code is then 1.
    """
    from ingest.contracts import InvalidContract, translate_contract

    files = [
        p
        for path in paths
        for p in ([path] if path.is_file() else sorted(path.rglob("*.y*ml")))
        if p.is_file()
    ]
    mutations: list[Mutation] = []
    rejected = 0
    for path in files:
        try:
            mutations.extend(translate_contract(path.read_text(encoding="utf-8"), str(path)))
        except (InvalidContract, OSError, UnicodeDecodeError) as e:
            rejected += 1
            click.echo(
                str(e) if isinstance(e, InvalidContract) else f"{path}: cannot read: {e}", err=True
            )
    changes = _apply(service, mutations, len(files) - rejected)
    click.echo(
        f"{len(files) - rejected} contracts ingested ({changes} node/edge changes), {rejected} rejected, into {service.store.uri}",
        err=True,
    )
    if rejected:
        sys.exit(1)


def _apply(service: IngestService, mutations: list[Mutation], documents: int = 1) -> int:
    if not mutations:
        return 0
    try:
        changes = service.apply_mutations(mutations, documents)
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable, nothing more applied: {e}") from None
    settle_heap()  # a bulk load is single-threaded: keep the GC off the growing graph (~15 % faster at 10k)
    return changes


@main.command()
@domain_rules_option
@store_options
def reindex(service: IngestService, rules: DomainRules) -> None:
    """Rebuild the graph from the raw event log with the current translators and domain rules.

    The graph is emptied, then every kept block is applied again in the order it arrived. An
    interrupted reindex resumes where it stopped when run again; until it has finished, serve and
    ingest refuse to open the store.
    """
    from tqdm import tqdm

    log = service.log
    assert log is not None
    started = time.monotonic()
    resume = log.get_meta(REINDEX_AFTER)
    try:
        if resume is None:
            log.set_meta(REINDEX_AFTER, "0")
            service.store.clear()
            resume = "0"
        done_events = log.events_before(int(resume))
        progress = tqdm(
            unit=" events",
            disable=None,
            file=sys.stderr,
            total=log.events_before(log.last_seq()),
            initial=done_events,
        )

        def applied(seq: int, events: int) -> None:
            log.set_meta(REINDEX_AFTER, str(seq))
            progress.update(events)

        try:
            service.replay(since=int(resume), on_block=applied)
        finally:
            progress.close()
        log.set_meta(REINDEX_AFTER, None)
    except StoreUnavailable as e:
        raise click.ClickException(
            f"store unavailable, reindex stopped (run it again to resume): {e}"
        ) from None
    click.echo(
        f"reindexed {service.store.uri} from {log.path} in {time.monotonic() - started:.2f}s",
        err=True,
    )


@main.command()
@click.argument("node_id")
@click.option(
    "--change",
    type=click.Choice([c.value.lower() for c in ChangeKind], case_sensitive=False),
    help="The change to check (default drop); not with --proposed-schema.",
)
@click.option(
    "--proposed-schema",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A new schema for the dataset (OpenLineage schema facet, Iceberg schema JSON or contract): "
    "dropped, renamed and retyped columns are found by diffing it against the current one.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(RENDERERS)),
    default="text",
    show_default=True,
)
@click.option(
    "--depth", type=click.IntRange(0), help="Bound the walk to this many hops (default unbounded)."
)
@click.option(
    "--server", metavar="URL", help="Ask a running lineagemesh server instead of opening a store."
)
@click.option(
    "--token", envvar="LINEAGEMESH_TOKEN", help="Bearer token for --server (env LINEAGEMESH_TOKEN)."
)
@store_flags
def check(
    open_graph: Callable[[], Store],
    node_id: str,
    change: str | None,
    proposed_schema: Path | None,
    output_format: str,
    depth: int | None,
    server: str | None,
    token: str | None,
) -> None:
    """Blast radius of a proposed change, for CI: exit 0 when nothing breaks, 1 when something
    BREAKING is hit, 2 on usage or input errors."""
    if change and proposed_schema:
        raise click.UsageError("give --change or --proposed-schema, not both")
    try:
        with _graphql_executor(server, token, open_graph) as execute:
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


@main.command()
@click.argument("node_id")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["graphml", "gexf", "json-graph"]),
    default="graphml",
    show_default=True,
)
@click.option(
    "--direction",
    type=click.Choice(["upstream", "downstream", "both"], case_sensitive=False),
    default="both",
    show_default=True,
)
@click.option(
    "--depth",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="Dataset (or column) hops.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here instead of stdout.",
)
@click.option(
    "--server", metavar="URL", help="Ask a running lineagemesh server instead of opening a store."
)
@click.option(
    "--token", envvar="LINEAGEMESH_TOKEN", help="Bearer token for --server (env LINEAGEMESH_TOKEN)."
)
@store_flags
def export(
    open_graph: Callable[[], Store],
    node_id: str,
    output_format: str,
    direction: str,
    depth: int,
    output: Path | None,
    server: str | None,
    token: str | None,
) -> None:
    """Write the lineage of a dataset, job or column as GraphML or GEXF (yEd, Gephi) or node-link JSON."""
    from graph.client import Client, ClientError, write_graph

    try:
        with _graphql_executor(server, token, open_graph) as execute:
            client = Client(execute=execute)
            if client.kind(node_id) is None:
                raise CheckError(f"no node with id {node_id!r}")
            graph = client.lineage(node_id, direction, depth).to_networkx()
    except (CheckError, ClientError, StoreUnavailable) as e:
        click.echo(f"Error: {e}", err=True)
        sys.exit(2)
    if output is None:
        write_graph(graph, output_format, sys.stdout.buffer)
        return
    with output.open("wb") as out:
        write_graph(graph, output_format, out)


@contextlib.contextmanager
def _graphql_executor(
    server: str | None, token: str | None, open_graph: Callable[[], Store]
) -> Iterator[Execute]:
    """Run GraphQL against a server's /graphql, or in-process on the store the options name."""
    if server:
        import httpx

        headers = {"Authorization": f"Bearer {token}"} if token else {}

        def remote(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            try:
                response = httpx.post(
                    server.rstrip("/") + "/graphql",
                    json={"query": query, "variables": variables},
                    headers=headers,
                    timeout=120,
                )
                body = response.json()
            except (httpx.HTTPError, ValueError) as e:
                raise CheckError(f"cannot ask {server}: {e}") from None
            if (
                not isinstance(body, dict) or "error" in body
            ):  # refused before GraphQL: 401, 403, 413
                reason = body.get("error") if isinstance(body, dict) else body
                raise CheckError(f"{server} answered {response.status_code}: {reason}")
            if body.get("errors"):
                raise CheckError("; ".join(error["message"] for error in body["errors"]))
            return body["data"]

        yield remote
        return
    from graph.api.schema import context, schema

    with open_graph() as store:

        def local(query: str, variables: dict[str, Any]) -> dict[str, Any]:
            result = schema.execute_sync(
                query, variable_values=variables, context_value=context(store)
            )
            if result.errors:
                raise CheckError("; ".join(error.message for error in result.errors))
            assert result.data is not None, "a query that raised no error has data"
            return result.data

        yield local


@main.group()
def journal() -> None:
    """Inspect the embedded store's journal, or take out of replay what cannot be replayed."""


def _journal_at(path: Path) -> Journal:
    """The journal file ``path`` names, or the one in the data dir ``path``."""
    found = path / "journal.sqlite" if path.is_dir() else path
    if not found.exists():
        raise click.UsageError(f"no journal at {found}")
    logging.basicConfig(level="INFO", format="%(levelname)s %(message)s")
    try:
        return Journal(found)
    except JournalError as e:
        raise click.ClickException(str(e)) from None


@journal.command("check")
@click.argument("path", type=click.Path(path_type=Path))
def journal_check(path: Path) -> None:
    """Say whether every batch replays, and what the next start does with the snapshot."""
    from graph.mutations import decode

    opened = _journal_at(path)
    try:
        try:
            count = sum(1 for _ in opened.replay(decode, repair=False))
        except JournalError as e:
            raise click.ClickException(str(e)) from None
        torn = (
            f"; a torn tail of {len(opened.torn_tail)} will be dropped on the next start"
            if opened.torn_tail
            else ""
        )
        click.echo(f"{opened.path}: {count} batches replay{torn}")
        click.echo(_snapshot_state(opened.path.parent, opened))
    finally:
        opened.close()


@journal.command("salvage")
@click.argument("path", type=click.Path(path_type=Path))
def journal_salvage(path: Path) -> None:
    """Quarantine the batches that cannot be replayed (the way past a corrupt journal)."""
    from graph.mutations import decode

    opened = _journal_at(path)
    try:
        found = opened.salvage(decode)
        for d in found:
            click.echo(f"quarantined batch {d.seq} ({d.size} bytes): {d.reason}")
        click.echo(
            f"{opened.path}: {len(found)} batch{'' if len(found) == 1 else 'es'} quarantined"
        )
    finally:
        opened.close()


def _snapshot_state(data_dir: Path, opened: Journal) -> str:
    """What the embedded store's next start does with the snapshot beside the journal."""
    from graph.stores import snapshot

    try:
        reader = snapshot.usable(data_dir, opened)
    except snapshot.SnapshotUnusable as e:
        return f"{snapshot.path_in(data_dir)}: not usable ({e}); the next start replays the whole journal"
    except JournalCorrupt as e:
        return f"the next start refuses: {e}"
    if reader is None:
        return f"{snapshot.path_in(data_dir)}: none; the next start replays the whole journal"
    header = reader.header
    return (
        f"{snapshot.path_in(data_dir)}: {header.nodes} nodes and {header.edges} edges as of batch "
        f"{header.point.seq}; the next start loads it and replays the batches after it"
    )


@main.command("schema")
def export_schema() -> None:
    """Print the GraphQL schema (SDL); schema.graphql in the repository is this output."""
    from graph.api.schema import schema

    click.echo(schema.as_str())
