"""The options commands share: the store flags (and the store and its ingest service they open),
durations, domain rules, the clock-skew bound and the Kafka consumer's settings.

A command that reads or writes the graph takes ``store_flags`` (it opens the store itself) or
``store_options`` (it gets the opened ingest service), so every command names a store the same way.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, ClassVar

import click

from graph.cli import one_shot
from graph.cli.store_location import StoreOpener, graph_flags
from graph.core.auth import AuthConfig, InvalidAuthConfig, ReadAccess
from graph.core.principal import Principal
from graph.eventlog.event_log import REINDEX_AFTER, EventLog, RawEventLog
from graph.eventlog.event_log_migration import open_event_log
from graph.intake.ingest_service import IngestService
from graph.intake.kafka_ingest import KafkaSettings
from graph.intake.quotas import Quota, parse_quota
from graph.stores import Store, StoreUnavailable
from graph.stores.journal import JournalError
from ingest.clock_skew import parse_skew
from ingest.domain_rules import NO_RULES, DomainRules, InvalidRules


def store_flags(command: Callable[..., Any]) -> Callable[..., Any]:
    """The location flags (``graph_flags``) and the raw event log's; the command gets
    ``open_graph``, which opens the store or says in one line why it cannot, and, when it takes
    ``open_events``, the opener of the store's ingest service."""

    @click.option(
        "--event-log",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="LINEAGEMESH_EVENT_LOG",
        help="Directory of a raw event log an earlier version kept on its own (events.sqlite), "
        "moved into the store when opened (default: the embedded store's data dir; for Neo4j "
        "~/.lineagemesh/event-log). The log itself lives in the store.",
    )
    @click.option(
        "--keep-events",
        type=DURATION,
        envvar="LINEAGEMESH_KEEP_EVENTS",
        metavar="DURATION",
        help="Keep raw events this long (e.g. 90d, 12h); older ones leave the log, their lineage stays. Default: forever.",
    )
    @graph_flags
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        open_graph: StoreOpener,
        event_log: Path | None,
        keep_events: float | None,
        **kwargs: Any,
    ) -> Any:
        def open_reported() -> Store:
            try:
                return open_graph()
            except JournalError as e:  # a damaged journal: say so in one line, never a traceback
                raise click.ClickException(str(e)) from None

        if "open_events" in inspect.signature(command, follow_wrapped=False).parameters:
            kwargs["open_events"] = functools.partial(_open_events, event_log, keep_events)
        return command(*args, open_graph=open_reported, **kwargs)

    return wrapper


def _open_events(
    directory: Path | None,
    keep_seconds: float | None,
    store: Store,
    rules: DomainRules = NO_RULES,
    standalone_dir: Path | None = None,
) -> IngestService:
    """The ingest service of ``store``: the deployment's raw event log opened in the store
    (``graph.eventlog.event_log_migration.open_event_log``: ``--event-log`` names a log an older lineagemesh kept on
    its own, migrated into it), events older than ``keep_seconds`` aged out of it, and a reindex
    left unfinished refused. ``standalone_dir``: a log of its own there instead (``--event-log``
    first), for a store built to be thrown away (``ingest --neo4j-import``)."""
    try:
        log: RawEventLog = (
            EventLog(directory or standalone_dir)
            if standalone_dir is not None
            else open_event_log(store, directory)
        )
    except (JournalError, StoreUnavailable) as e:
        raise click.ClickException(str(e)) from None
    service = IngestService(store, log, rules, keep_seconds)
    events = logging.getLogger("lineagemesh.events")
    try:
        unfinished = log.get_meta(REINDEX_AFTER) is not None
        aged = 0 if unfinished else service.age_out()
    except StoreUnavailable as e:
        if store.remote:  # a server starts while Neo4j is down, as the store itself does
            events.warning("raw event log not checked at start: %s", e)
            return service
        log.close()
        raise click.ClickException(f"event log unavailable: {e}") from None
    if unfinished and not _reindexing():
        log.close()
        raise click.ClickException(
            f"a reindex of {store.uri} is unfinished: run `lineagemesh reindex` to finish it first"
        )
    if aged:
        events.info("%d raw events aged out of %s", aged, log.path)
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
    """The store flags, with the store opened for the command (and closed after it); the process
    then ends as a one-shot command's does (``graph.cli.one_shot``)."""

    @store_flags
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        open_graph: Callable[[], Store],
        open_events: Callable[..., IngestService],
        **kwargs: Any,
    ) -> None:
        with opened_service(open_graph, open_events, kwargs.get("rules", NO_RULES)) as service:
            command(*args, service=service, **kwargs)
        one_shot.exit(0)

    return wrapper


@contextlib.contextmanager
def opened_service(
    open_graph: Callable[[], Store],
    open_events: Callable[..., IngestService],
    rules: DomainRules,
    **events_options: Any,
) -> Iterator[IngestService]:
    """The store the flags name, opened with its ingest service (both closed after), and held
    for a one-shot command's exit (``graph.cli.one_shot``: when it ends with ``one_shot.exit``,
    the closed graph is not freed)."""
    try:
        store = open_graph()
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable: {e}") from None
    one_shot.hold_until_exit(store)
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
    help="YAML/JSON rules assigning domains to OpenLineage-only datasets, and the query "
    "engines' catalogs over their sources (a Trino table named as the table behind it).",
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
    @click.option(
        "--kafka-principal",
        envvar="LINEAGEMESH_KAFKA_PRINCIPAL",
        metavar="NAME",
        help="Apply messages with the rights and quota of this principal of the tokens "
        "(--auth-file or LINEAGEMESH_TOKENS). Default: the store's own rights (every domain).",
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
        kafka_principal: str | None,
        **kwargs: Any,
    ) -> Any:
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
                key_values(kafka_properties, "--kafka-property"),
                dead_letter_topic,
                max_message_bytes,
                principal=kafka_principal,
            )
            try:
                settings.check()
            except ValueError as e:
                raise click.BadParameter(str(e), param_hint="--kafka-property") from None
        return command(*args, kafka=settings, **kwargs)

    return wrapper


def key_values(items: tuple[str, ...], option: str) -> dict[str, str]:
    options = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint=option)
        options[key] = value
    return options


def load_auth(
    auth_file: Path | None, tokens: str | None, read_access: str | None, insecure: bool
) -> AuthConfig:
    """The AuthConfig the serve options name (a UsageError when they cannot be used together)."""
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


def check_kafka_principal(auth: AuthConfig, kafka: Any) -> Principal | None:
    """The principal ``--kafka-principal`` names (a UsageError when the tokens have no such writer)."""
    from graph.intake.kafka_ingest import bound_principal

    if kafka is None or not kafka.principal:
        return None
    try:
        return bound_principal(auth, kafka.principal)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--kafka-principal") from None


def parse_quota_option(
    ctx: click.Context, param: click.Parameter, value: str | None
) -> Quota | None:
    """``--principal-quota BYTES/PERIOD`` as a Quota (None: no quota)."""
    try:
        return None if value is None else parse_quota(value)
    except ValueError as e:
        raise click.BadParameter(str(e), ctx, param) from None
