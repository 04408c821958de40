"""``lineagemesh journal check|salvage``: inspect the embedded store's journal, or quarantine the
batches that cannot be replayed."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from graph.core.mutations import decode
from graph.stores.journal import Journal, JournalCorrupt, JournalError


@click.group()
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
    from graph.stores.embedded import snapshot

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
