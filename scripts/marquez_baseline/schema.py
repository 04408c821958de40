"""Marquez's schema, made by applying Marquez's own Flyway migrations in Flyway's order.

``vendor/migrations/`` holds Marquez's SQL migrations verbatim (third-party code, see its
``NOTICE``). Flyway applies the versioned ones (``V<version>__<description>.sql``) in ascending
version order, versions compared part by part as numbers (``V2`` < ``V2.1`` < ``V10``), then the
repeatable ones (``R__*.sql``, the views) by description. Each runs as one script, as Flyway runs
them (no placeholders are used).

Marquez also has seven Java migrations (``marquez.db.migrations``). Five only update rows that
already exist (V44.1-V44.3, V66.3, V67.2 backfills) and so do nothing on an empty database. Two
make views: V56.1 creates the facet views over ``lineage_events``; V57.2 (``V57_1__BackfillFacets``)
on a database with no lineage events replaces them with views over the facet tables and writes a
``facet_migration_lock`` row. Their net effect on an empty database is transcribed, marked as
ours, in ``V57.2__BackfillFacets_on_an_empty_database.sql``; no statement the bench times reads
these views.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).resolve().parent / "vendor" / "migrations"
_VERSIONED = re.compile(r"^V(?P<version>[0-9._]+?)__(?P<description>.+)\.sql$")
_REPEATABLE = re.compile(r"^R__(?P<description>.+)\.sql$")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.split(r"[._]", text) if part)


def migration_files(directory: Path = MIGRATIONS) -> list[Path]:
    """The migrations in the order Flyway applies them: versioned by version, then repeatable."""
    versioned: list[tuple[tuple[int, ...], Path]] = []
    repeatable: list[tuple[str, Path]] = []
    for path in directory.glob("*.sql"):
        if match := _VERSIONED.match(path.name):
            versioned.append((_version(match["version"]), path))
        elif match := _REPEATABLE.match(path.name):
            repeatable.append((match["description"], path))
        else:
            raise ValueError(f"{path}: not a Flyway migration name")
    versions = [v for v, _ in versioned]
    if len(set(versions)) != len(versions):
        raise ValueError("two migrations share a version")
    return [p for _, p in sorted(versioned)] + [p for _, p in sorted(repeatable)]


def apply_migrations(connection: Any, directory: Path = MIGRATIONS) -> list[str]:
    """Apply every migration to an empty database (``connection``: a psycopg connection in
    autocommit mode), each in its own transaction as Flyway does (``CREATE INDEX CONCURRENTLY``
    outside one, as Flyway detects); returns the applied file names."""
    applied = []
    for path in migration_files(directory):
        script = path.read_text()
        if "CONCURRENTLY" in script.upper():  # Flyway runs these outside a transaction
            connection.execute(script)
        else:
            with connection.transaction():
                connection.execute(script)  # no parameters: run as one script
        applied.append(path.name)
    return applied
