"""Quality result files → mutations, for the command line: ``lineagemesh ingest quality FILE...``
and ``lineagemesh ingest dbt --run-results``. Reads and parses the files; the translations are
``ingest.quality`` and ``ingest.dbt_results``. Every file is translated before anything is
applied, so one bad file leaves the graph as it was; the error names it as ``FILE[:LINE]: reason``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.core.input_files import InputError, read_input
from graph.core.mutations import Mutation
from ingest.dbt import InvalidManifest
from ingest.dbt_results import InvalidRunResults, translate_run_results
from ingest.quality import InvalidQualityResult, translate_quality_result


class BadQualityFile(ValueError):
    """A file that is not a result document this server understands: ``file[:line]: reason``."""


def _read(path: Path) -> Any:
    try:
        return json.loads(read_input(path, "json"))
    except json.JSONDecodeError as e:
        raise BadQualityFile(f"{path}:{e.lineno}: not JSON: {e.msg}") from None
    except InputError as e:
        raise BadQualityFile(str(e)) from None


def read_quality_files(
    paths: Sequence[Path], namespace: str | None = None, prefix: str | None = None
) -> list[Mutation]:
    """The mutations of every Great Expectations or Soda result file, all or none."""
    mutations: list[Mutation] = []
    for path in paths:
        try:
            mutations += translate_quality_result(_read(path), namespace, prefix)
        except InvalidQualityResult as e:
            raise BadQualityFile(f"{path}: {e}") from None
    return mutations


def read_run_results(
    path: Path, manifest: dict[str, Any], namespace: str | None = None
) -> list[Mutation]:
    """The mutations of a dbt run_results.json, given its project's manifest."""
    try:
        return translate_run_results(_read(path), manifest, namespace)
    except (InvalidRunResults, InvalidManifest) as e:
        raise BadQualityFile(f"{path}: {e}") from None
