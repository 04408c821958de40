"""dbt ``run_results.json`` → assertion facts (``ingest.assertions``). A pure translation.

run_results says how each test of an invocation ended (``pass``, ``fail``, ``warn``, ``error``,
``skipped``) and how many rows failed; the manifest of the same project says what each test
checks (``ingest.dbt.tested_subjects``), so both are read. Results of models, seeds and snapshots
are not checks and are left out. The results are observed at the file's ``generated_at``, by the
invocation (``invocation_id``) that ran them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from graph.core.mutations import Mutation, stamp
from ingest.assertions import CheckResult, InvalidCheck, InvalidResultDocument, Status, record
from ingest.builder import GraphBuilder
from ingest.dbt import tested_subjects

SOURCE = "dbt"
_VERSION = re.compile(r"/run-results/v(\d+)\.json$")
SUPPORTED_VERSIONS = range(4, 7)  # run-results v4 (dbt 1.3) .. v6 (dbt 1.8+)
_STATUSES: dict[str, Status] = {
    "pass": "PASS",
    "success": "PASS",
    "fail": "FAIL",
    "warn": "FAIL",  # failed, at warning severity
    "error": "ERROR",
    "runtime error": "ERROR",
    "skipped": "SKIP",
}


class InvalidRunResults(InvalidResultDocument):
    """Not a dbt run_results.json this module understands."""


def translate_run_results(
    run_results: Any, manifest: dict[str, Any], namespace: str | None = None
) -> list[Mutation]:
    """The assertions the results of the manifest's tests record. ``namespace`` as for
    ``ingest.dbt.translate_manifest`` (they must agree for checks to meet their datasets).
    Raises :class:`InvalidRunResults` (and the manifest's ``InvalidManifest``)."""
    if not isinstance(run_results, dict):
        raise InvalidRunResults("expected an object (a dbt run_results.json)")
    metadata = run_results.get("metadata")
    if not isinstance(metadata, dict):
        raise InvalidRunResults("required, an object", "$.metadata")
    version = metadata.get("dbt_schema_version")
    match = _VERSION.search(version) if isinstance(version, str) else None
    if match is None or int(match.group(1)) not in SUPPORTED_VERSIONS:
        raise InvalidRunResults(
            f"{version!r} is not a run-results schema v4-v6", "$.metadata.dbt_schema_version"
        )
    generated = metadata.get("generated_at")
    try:
        moment = datetime.fromisoformat(str(generated))
    except ValueError:
        raise InvalidRunResults(
            f"{generated!r} is not an ISO 8601 date-time", "$.metadata.generated_at"
        ) from None
    results = run_results.get("results")
    if not isinstance(results, list):
        raise InvalidRunResults("required, an array", "$.results")
    invocation = metadata.get("invocation_id")
    run = invocation if isinstance(invocation, str) else None
    subjects = tested_subjects(manifest, namespace)
    checks: list[CheckResult] = []
    for i, result in enumerate(results):
        where = f"$.results[{i}]"
        uid, status = InvalidRunResults.named_strings(result, where, "unique_id", "status")
        if status.lower() not in _STATUSES:
            raise InvalidRunResults(f"unknown status {status!r}", f"{where}.status")
        failures = result.get("failures")
        message = result.get("message")
        checks.extend(
            CheckResult(
                subject.namespace,
                subject.dataset,
                subject.name,
                _STATUSES[status.lower()],
                SOURCE,
                column=subject.column,
                severity="warn" if status.lower() == "warn" else subject.severity,
                check_type=subject.test_type,
                expected="0",
                actual=None if failures is None else str(failures),
                message=message if isinstance(message, str) else None,
                run=run,
            )
            for subject in subjects.get(uid, ())
        )
    builder = GraphBuilder(stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC)))
    try:
        record(builder, checks)
    except InvalidCheck as e:
        raise InvalidRunResults(str(e), "$.results") from None
    return builder.mutations
