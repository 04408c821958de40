"""``lineagemesh ingest ...``: load OpenLineage event files (or build Neo4j import files from
them), consume Kafka, crawl an Iceberg catalog, read a dbt manifest or data contracts. Every
source goes through the one ingest service (``graph.intake.ingest_service``)."""

from __future__ import annotations

import contextlib
import functools
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from graph.cli import one_shot
from graph.cli.graphql import server_flags
from graph.cli.options import (
    check_kafka_principal,
    domain_rules_option,
    kafka_options,
    key_values,
    load_auth,
    max_clock_skew_option,
    opened_service,
    store_flags,
    store_options,
)
from graph.cli.paths import existing_file_option
from graph.core.auth import AuthConfig
from graph.core.extras import require
from graph.core.heap import keep_freed_memory, settle_heap
from graph.core.input_files import InputError, read_input, regular_file
from graph.core.mutations import Mutation
from graph.eventlog.event_log import NEO4J_DEFAULT
from graph.intake.bulk_load import TranslationWorkers, load_events, workers_ahead
from graph.intake.declared_only import mark_declared_only
from graph.intake.documents import (
    BadDocument,
    Document,
    Parsed,
    contract_mutations,
    dbt_mutations,
    descriptor_mutations,
    quality_mutations,
)
from graph.intake.event_files import BadLine, expand_paths
from graph.intake.ingest_service import IngestService
from graph.intake.kafka_ingest import KafkaIngest
from graph.read import queries
from graph.stores import Store, StoreUnavailable
from graph.stores.journal import JournalError
from ingest.dbt import JobNaming
from ingest.domain_rules import NO_RULES, DomainRules

T = TypeVar("T")

if TYPE_CHECKING:
    from graph.stores.neo4j.bulk_import import ImportFiles


@click.group()
def ingest() -> None:
    """Load metadata into the graph."""


@ingest.command("openlineage")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, allow_dash=True, path_type=Path)
)
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
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Apply the valid events and skip the bad ones (reported; exit 1) instead of applying none.",
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
    skip_invalid: bool,
) -> None:
    """Ingest OpenLineage events from files (JSON event, JSON array or NDJSON; directories recurse).

    Every event is read and checked (UTF-8, nesting, JSON, the schema, the clock skew) before any
    is applied: bad ones are reported as FILE:LINE: REASON, nothing is applied, exit 2. With
    --skip-invalid the valid events are applied and the bad skipped, exit 1. Events are applied
    in file order, 500 at a time (graph.intake.bulk_load). Standard input is not read (`-`): it
    cannot be checked and then applied; write it to a file.
    """
    try:  # a device or a FIFO would never end or never start
        for path in expand_paths(paths):  # those found in directories too
            if str(path) == "-":
                raise InputError("-", STDIN_REFUSED)
            regular_file(path)
    except InputError as e:
        click.echo(str(e), err=True)
        sys.exit(2)
    all_or_none = not skip_invalid
    # A load of files, then exit: each batch's freed memory is the next one's (not `ingest
    # kafka`, which runs on and must give a burst's memory back).
    keep_freed_memory()
    if neo4j_import is None:
        with (  # the workers start while the store opens (graph.intake.bulk_load.workers_ahead)
            workers_ahead(expand_paths(paths), workers, rules) as started,
            opened_service(open_graph, open_events, rules) as service,
        ):
            rejected = _ingest_files(service, paths, max_clock_skew, workers, all_or_none, started)
    else:
        rejected = _ingest_for_neo4j_import(
            open_events, neo4j_import, paths, rules, max_clock_skew, workers, all_or_none
        )
    one_shot.exit(0 if not rejected else 2 if all_or_none else 1)


STDIN_REFUSED = (
    "standard input is not read: every event is checked before any is applied, which reads "
    "the input twice; write it to a file"
)
#: Bad lines reported one by one; beyond them, how many more.
REPORTED_BAD_LINES = 100


def _ingest_files(
    service: IngestService,
    paths: tuple[Path, ...],
    max_clock_skew: timedelta,
    workers: int | None,
    all_or_none: bool,
    started: TranslationWorkers | None = None,
) -> int:
    """Load event files through ``service`` with a progress bar; returns how many were rejected
    (``all_or_none``: then none was applied)."""
    from tqdm import tqdm

    files = expand_paths(paths)
    progress = tqdm(unit=" events", disable=None, file=sys.stderr)
    reported = 0

    def bad(line: BadLine) -> None:
        nonlocal reported
        reported += 1
        if reported <= REPORTED_BAD_LINES:
            tqdm.write(f"{line.path}:{line.line}: {line.reason}", file=sys.stderr)

    try:
        report = load_events(
            service,
            files,
            on_bad=bad,
            on_progress=progress.update,
            workers=workers,
            max_clock_skew=max_clock_skew,
            ahead=started,
            all_or_none=all_or_none,
        )
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable, nothing more applied: {e}") from None
    finally:
        progress.close()
    if reported > REPORTED_BAD_LINES:
        click.echo(f"... and {reported - REPORTED_BAD_LINES} more bad lines", err=True)
    if not report.applied:
        click.echo(
            f"{report.rejected} bad events in {len(files)} files, found in "
            f"{report.check_seconds:.2f}s; nothing applied (--skip-invalid applies the valid ones)",
            err=True,
        )
        return report.rejected
    rate = report.accepted / report.seconds if report.seconds > 0 else 0.0
    checked = f", {report.check_seconds:.2f}s of it checking" if all_or_none else ""
    click.echo(
        f"{report.accepted} events ingested ({report.changes} node/edge changes), {report.rejected} rejected, "
        f"from {len(files)} files in {report.seconds:.2f}s{checked} ({rate:,.0f} events/s) into {service.store.uri}",
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
    all_or_none: bool,
) -> int:
    """``ingest openlineage --neo4j-import``: the graph built by the one ingest path into an
    embedded store, then written out as neo4j-admin import files (``graph.stores.neo4j.bulk_import``)."""
    from graph.stores.embedded.store import EmbeddedStore

    require("neo4j", "--neo4j-import")  # graph.stores.neo4j's encoding comes with its driver
    from graph.stores.neo4j.bulk_import import ImportExportError, admin_command, export

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
        service = open_events(store, rules, standalone_dir=NEO4J_DEFAULT.expanduser())
        cleanup.callback(service.close)
        assert service.log is not None
        if service.log.last_seq():
            raise click.UsageError(
                f"the event log {service.log.path} holds events already: a new database's log "
                "starts empty (give a new --event-log)"
            )
        rejected = _ingest_files(service, paths, max_clock_skew, workers, all_or_none)
        if rejected and all_or_none:
            return rejected  # nothing to write
        started = time.monotonic()
        try:
            files = export(store, directory, workers)
        except ImportExportError as e:
            raise click.ClickException(f"cannot write the import files: {e}") from None
        room, warning = import_room(files, shutil.disk_usage(directory).free)
        click.echo(
            f"{files.nodes} nodes and {files.edges} edges written to {directory} in "
            f"{time.monotonic() - started:.2f}s ({_size(files.size)}). With Neo4j stopped, "
            f"import them into a new database ({room}):\n"
            f"  {' '.join(admin_command(files))}\n"
            f"then start it and serve it with its event log (moved into the database on start):\n"
            f"  lineagemesh serve --store bolt://HOST:7687 --event-log {Path(service.log.path).parent}",
            err=True,
        )
        if warning is not None:
            click.echo(f"warning: {warning}", err=True)
    return rejected


def import_room(files: ImportFiles, free: int) -> tuple[str, str | None]:
    """The room importing ``files`` takes beside the ``free`` bytes their disk has, and a warning
    when it has less: a full disk fails neo4j-admin part-way (after minutes, at 1M datasets)."""
    needed = files.room_needed()
    room = f"it takes about {_size(needed)} more; {_size(free)} free beside the files"
    if free >= needed:
        return room, None
    return room, (
        f"importing beside {files.directory} needs about {_size(needed)} free and its disk has "
        f"{_size(free)}: free the room, or import where Neo4j keeps its data on a disk that has it"
    )


def _size(count: int) -> str:
    """Bytes as an operator reads them: MB below a GB, else GB (decimal, as ``df -H``)."""
    return f"{count / 1e9:.1f} GB" if count >= 10**9 else f"{count / 1e6:.1f} MB"


@ingest.command("kafka")
@domain_rules_option
@max_clock_skew_option
@kafka_options
@click.option(
    "--until-idle",
    type=click.FloatRange(0.1),
    metavar="SECONDS",
    help="Stop once no message came for this long (default: consume until SIGTERM or Ctrl-C).",
)
@existing_file_option(
    "--auth-file",
    envvar="LINEAGEMESH_AUTH_FILE",
    help="The tokens file naming --kafka-principal.",
)
@click.option(
    "--tokens", metavar="JSON", envvar="LINEAGEMESH_TOKENS", help="The tokens as JSON instead."
)
@store_options
def ingest_kafka(
    service: IngestService,
    rules: DomainRules,
    max_clock_skew: timedelta,
    kafka: Any,
    until_idle: float | None,
    auth_file: Path | None,
    tokens: str | None,
) -> None:
    """Consume OpenLineage events from Kafka topics into the graph (at least once: an offset is
    committed only after its events are durable). Bad messages are logged with topic/partition/offset,
    skipped, and written to --dead-letter-topic when given (else recorded in the store)."""
    if kafka is None:
        raise click.UsageError("--bootstrap-servers and --topic are required")
    service.max_clock_skew = max_clock_skew
    auth = load_auth(auth_file, tokens, None, False) if kafka.principal else AuthConfig()
    consumer = KafkaIngest(service, kafka, principal=check_kafka_principal(auth, kafka))
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: consumer.stop())
    started = time.monotonic()
    consumer.supervise(until_idle=until_idle)
    click.echo(
        f"{consumer.applied_events} events ingested from {', '.join(kafka.topics)}, {consumer.bad_messages} bad "
        f"messages passed over ({consumer.skipped_messages} not dead-lettered, recorded as skipped), in {time.monotonic() - started:.2f}s into {service.store.uri}",
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
    from graph.intake.iceberg_crawl import crawl
    from ingest.iceberg import translate_catalog

    load_catalog = require("pyiceberg.catalog", "lineagemesh ingest iceberg").load_catalog
    require("pyarrow", "lineagemesh ingest iceberg")  # pyiceberg reads the catalog's files with it

    options = key_values(properties, "--property")
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


@dataclass(frozen=True)
class Remote:
    """A running server to send documents to (``--server``), instead of opening a store."""

    url: str
    token: str | None

    def send(self, source: str, body: dict[str, Any]) -> dict[str, Any]:
        """Post ``body`` to the server's ``source`` endpoint; exit 2 when it refuses the input
        (400), a one-line error for any other refusal; the graph is unchanged either way."""
        from graph.client import ClientError, Refused, post_documents

        try:
            return post_documents(self.url, source, body, self.token)
        except Refused as e:
            if e.status == 400:
                click.echo(f"Error: {e}", err=True)
                sys.exit(2)
            raise click.ClickException(str(e)) from None
        except ClientError as e:
            raise click.ClickException(str(e)) from None


def server_or_store(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--server URL`` (and ``--token``): send the documents to a running server — the one way in
    while it holds the store — else the store flags, the store opened for the command. The command
    gets ``service`` (None with a server) and ``remote`` (None without)."""

    @server_flags
    @store_flags
    @functools.wraps(command)
    def wrapper(
        *args: Any,
        server: str | None,
        token: str | None,
        open_graph: Callable[[], Store],
        open_events: Callable[..., IngestService],
        **kwargs: Any,
    ) -> None:
        rules = kwargs.pop("rules", None) or NO_RULES  # (--domain-rules: its engine catalogs)
        if server:
            params = click.get_current_context().params
            if params.get("data_dir") or params.get("store"):
                raise click.UsageError("give --server, or --data-dir / --store, not both")
            if rules is not NO_RULES:
                raise click.UsageError("a server applies its own --domain-rules: give it there")
            command(*args, service=None, remote=Remote(server, token), **kwargs)
            one_shot.exit(0)
        with opened_service(open_graph, open_events, rules) as service:
            command(*args, service=service, remote=None, **kwargs)
        one_shot.exit(0)

    return wrapper


def _json_file(path: Path, remote: Remote | None) -> Document | Parsed:
    """A JSON file argument as its text, to send to ``remote`` (checked here as it will be
    there), else parsed: its text let go (a 200 MB manifest's is not held beside what it
    became), its nesting checked once."""
    return Document.read(path, "json") if remote is not None else Document.parse_file(path)


def _sent(answer: dict[str, Any], remote: Remote) -> str:
    return f"{answer.get('changes', 0)} node/edge changes into {remote.url}"


def _applied(service: IngestService, mutations: list[Mutation], documents: int = 1) -> str:
    """:func:`_apply`, said as :func:`_sent` says what a server applied."""
    return f"{_apply(service, mutations, documents)} node/edge changes into {service.store.uri}"


@contextlib.contextmanager
def _refused_exit_2(*refusals: type[Exception]) -> Iterator[None]:
    """A document one of ``refusals`` refuses is reported as FILE[:LINE]: reason, exit 2 (what
    was to be applied of it, nothing)."""
    try:
        yield
    except refusals as e:
        click.echo(str(e), err=True)
        sys.exit(2)


def _yaml_documents_command(name: str) -> Callable[[Callable[..., Any]], click.Command]:
    """``ingest NAME PATHS...`` over YAML documents (a directory: its *.yaml/*.yml files), with
    ``--domain-rules``, into a server or a store (:func:`server_or_store`)."""

    def declared(command: Callable[..., Any]) -> click.Command:
        paths = click.Path(exists=True, path_type=Path)
        with_paths = click.argument("paths", nargs=-1, required=True, type=paths)
        return ingest.command(name)(domain_rules_option(with_paths(server_or_store(command))))

    return declared


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
@existing_file_option(
    "--run-results",
    help="Also record the test results of a run_results.json (of this manifest) as assertions.",
)
@existing_file_option(
    "--catalog",
    help="The project's catalog.json (dbt docs generate): the warehouse's columns and types.",
)
@server_or_store
def ingest_dbt(
    service: IngestService | None,
    remote: Remote | None,
    manifest_path: Path,
    namespace: str | None,
    job_naming: JobNaming,
    run_results: Path | None,
    catalog: Path | None,
) -> None:
    """Ingest a dbt manifest.json: models, seeds, snapshots and sources with columns, tests and
    lineage (column lineage from the models' compiled SQL too); with --catalog, the columns and
    types the warehouse has.

    Models a previous manifest of the same project built and this one does not are marked deleted.
    A manifest, run results or catalog that cannot be read is reported as FILE[:LINE]: reason,
    exit 2.
    """
    with _refused_exit_2(BadDocument):
        manifest = _json_file(manifest_path, remote)
        results = None if run_results is None else _json_file(run_results, remote)
        warehouse = None if catalog is None else _json_file(catalog, remote)
        if namespace is None:
            click.echo(
                "note: no --namespace given; datasets meet OpenLineage events from dbt-ol only if their namespaces agree",
                err=True,
            )
        if remote is not None:
            body = {
                "manifest": asdict(manifest),
                "runResults": None if results is None else asdict(results),
                "catalog": None if warehouse is None else asdict(warehouse),
                "namespace": namespace,
                "jobNaming": job_naming,
            }
            done = _sent(remote.send("dbt", body), remote)
        else:
            assert service is not None
            mutations = dbt_mutations(
                service.store, manifest, namespace, job_naming, results, warehouse
            )
            del manifest, results, warehouse  # not held while the mutations apply
            done = _applied(service, mutations)
    click.echo(f"ingested {manifest_path}: {done}", err=True)


@ingest.command("quality")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--namespace", help="Dataset namespace of the checked tables (default: the data source's name)."
)
@click.option(
    "--prefix", help="Put before each table name (e.g. db.schema), as the pipelines name it."
)
@click.option(
    "--asset",
    metavar="NAME",
    help="The table checked, for results that name none (Great Expectations 1.x describe_dict()); "
    "with --namespace.",
)
@server_or_store
def ingest_quality(
    service: IngestService | None,
    remote: Remote | None,
    paths: tuple[Path, ...],
    namespace: str | None,
    prefix: str | None,
    asset: str | None,
) -> None:
    """Ingest check results as assertions: Great Expectations validation or checkpoint results
    (describe_dict() summaries too, with --asset), Soda scan results (soda scan -srf). A bad file
    is reported as FILE: reason, nothing is applied, exit 2."""
    with _refused_exit_2(BadDocument):
        documents = [_json_file(path, remote) for path in paths]
        if remote is not None:
            body = {"results": [asdict(d) for d in documents], "namespace": namespace}
            body |= {"prefix": prefix, "asset": asset}
            done = _sent(remote.send("quality", body), remote)
        else:
            assert service is not None
            mutations = quality_mutations(documents, namespace, prefix, asset)
            del documents  # not held while the mutations apply
            done = _applied(service, mutations, len(paths))
    click.echo(f"ingested {len(paths)} result files: {done}", err=True)


@_yaml_documents_command("contracts")
def ingest_contracts(
    service: IngestService | None, remote: Remote | None, paths: tuple[Path, ...]
) -> None:
    """Ingest data contracts (ODCS v3 or datacontract.com YAML; directories recurse for *.yaml/*.yml): products,
    domains, owners, SLOs, schemas with PII flags and quality rules, consumers.

    A contract that cannot be read or is invalid is reported as FILE[:LINE]: $.FIELD: REASON; then
    nothing is applied and the exit code is 2 (sent to a server with --server, likewise).
    """
    count, done = _documents_all_or_none(
        service, remote, paths, "contracts", lambda d: contract_mutations([d])
    )
    click.echo(f"{count} contracts ingested ({done})", err=True)


@_yaml_documents_command("products")
def ingest_products(
    service: IngestService | None, remote: Remote | None, paths: tuple[Path, ...]
) -> None:
    """Ingest data product descriptors (ODPS v0.9-v1.1 or data-product-spec.yaml; directories
    recurse for *.yaml/*.yml): products with owners, status, version, SLOs, ports and the
    contracts behind them, each port resolved to the dataset, topic or API its URI names.

    What the graph does not hold yet is created, marked declaredOnly. A descriptor that cannot be
    read is reported as FILE:LINE: $.FIELD: REASON; then nothing is applied and the exit code is 2
    (sent to a server with --server, the server's refusal likewise).
    """
    count, done = _documents_all_or_none(
        service, remote, paths, "products", descriptor_mutations, mark_declared_only
    )
    click.echo(f"{count} product descriptors ingested ({done})", err=True)


def _documents_all_or_none(
    service: IngestService | None,
    remote: Remote | None,
    paths: tuple[Path, ...],
    kind: str,
    mutations_of: Callable[[Document], list[Mutation]],
    settled: Callable[[Store, list[Mutation]], list[Mutation]] = lambda _store, m: m,
) -> tuple[int, str]:
    """``ingest contracts|products``: every YAML document under ``paths`` read and translated
    (``mutations_of``; ``settled`` against the store last) before any is applied, or sent to the
    server, which does the same; any refused, exit 2 with nothing applied. How many documents, and
    what was applied."""
    files = _yaml_files(paths)
    documents = _all_or_exit(files, lambda path: [Document.read(path, "yaml")], BadDocument, kind)
    if remote is not None:
        return len(files), _sent(remote.send(kind, {kind: [asdict(d) for d in documents]}), remote)
    assert service is not None
    read = dict(zip(files, documents))
    mutations = _all_or_exit(files, lambda path: mutations_of(read[path]), BadDocument, kind)
    return len(files), _applied(service, settled(service.store, mutations), len(files))


@ingest.command("datahub")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--platform-namespace",
    "mapping_items",
    multiple=True,
    metavar="PLATFORM[.INSTANCE]=NAMESPACE",
    help="The OpenLineage namespace of a DataHub platform or platform instance "
    "(postgres=postgres://orders-db:5432; an orchestrator's flows and jobs: airflow=sales); "
    "repeat for more. Unmapped: the one dataset of the platform's scheme and name (the one job "
    "namespace of the flow's jobs) the graph holds, when exactly one exists.",
)
@store_options
def ingest_datahub(
    service: IngestService, paths: tuple[Path, ...], mapping_items: tuple[str, ...]
) -> None:
    """Ingest DataHub metadata files (the JSON the file sink and `datahub` CLI write: MCEs and
    MCPs): datasets, schemas with field descriptions and tags, ownership, domains, data products,
    glossary terms as tags, upstream and column lineage, customProperties SLOs and PII, dataFlows
    and dataJobs with the datasets they read and write.

    A file that cannot be read is reported as FILE:LINE: REASON; then nothing is applied and the
    exit code is 2. Aspects not mapped and URNs no namespace was found for are listed.
    """
    from graph.core.mutations import stamp
    from graph.intake.datahub_names import namespaces
    from ingest.datahub import BadMetadataFile, read_records, translate_datahub

    mapping = key_values(mapping_items, "--platform-namespace")
    aspects = _all_or_exit(
        list(paths),
        lambda path: read_records(read_input(path, "json"), str(path)),
        BadMetadataFile,
        "files",
    )
    with _refused_exit_2(BadMetadataFile):
        names = namespaces(service.store, mapping)
        found = translate_datahub(aspects, names, stamp(datetime.now(UTC)), names.flow)
    for name, count in sorted(found.skipped.items()):
        click.echo(f"note: {count} {name} aspects not mapped", err=True)
    for urn in found.unplaced:
        click.echo(f"note: no namespace known for {urn} (--platform-namespace)", err=True)
    changes = _apply(service, found.mutations, len(paths))
    click.echo(
        f"ingested {len(aspects)} aspects from {len(paths)} DataHub files ({changes} node/edge "
        f"changes) into {service.store.uri}",
        err=True,
    )


def _all_or_exit(
    files: list[Path], read: Callable[[Path], list[T]], refusal: type[Exception], what: str
) -> list[T]:
    """What ``read`` makes of every file; a file it refuses (or that cannot be read) is reported
    as FILE:LINE: REASON, and then nothing is applied: exit 2 (the graph unchanged)."""
    found: list[T] = []
    refused = 0
    for path in files:
        try:
            found.extend(read(path))
        except (refusal, InputError) as e:
            refused += 1
            click.echo(str(e), err=True)
    if refused:
        click.echo(f"{refused} of {len(files)} {what} refused; nothing applied", err=True)
        sys.exit(2)
    return found


def _yaml_files(paths: tuple[Path, ...]) -> list[Path]:
    """The files named, and the YAML files under the directories named (sorted)."""
    return [  # a named file as it is (read_input refuses what is not a regular file)
        p
        for path in paths
        for p in (
            sorted(f for f in path.rglob("*.y*ml") if f.is_file()) if path.is_dir() else [path]
        )
    ]


def _apply(service: IngestService, mutations: list[Mutation], documents: int = 1) -> int:
    if not mutations:
        return 0
    try:
        changes = service.apply_mutations(mutations, documents)
    except StoreUnavailable as e:
        raise click.ClickException(f"store unavailable, nothing more applied: {e}") from None
    settle_heap()  # a bulk load is single-threaded: keep the GC off the growing graph (~15 % faster at 10k)
    return changes
