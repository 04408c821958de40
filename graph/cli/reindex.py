"""``lineagemesh reindex``: rebuild the graph from the raw event log, resumably."""

from __future__ import annotations

import sys
import time

import click

from graph.cli.options import domain_rules_option, store_options
from graph.eventlog.event_log import REINDEX_AFTER
from graph.intake.ingest_service import IngestService
from graph.stores import StoreUnavailable
from ingest.domain_rules import DomainRules


@click.command()
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
