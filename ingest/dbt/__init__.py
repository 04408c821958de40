"""dbt ``manifest.json`` → graph mutations, a pure translation (``translate``), over the reading
of the manifest (``manifest``) and what each dbt test checks (``checks``).

What it becomes in the graph, and why: docs/sources.md.
"""

from ingest.dbt.checks import TestedSubject, tested_subjects
from ingest.dbt.manifest import (
    DECLARED_BY,
    DEFAULT_JOB_NAMESPACE,
    SUPPORTED_SCHEMA_VERSIONS,
    InvalidManifest,
    JobNaming,
    schema_version,
)
from ingest.dbt.translate import (
    datasets_in_manifest,
    default_namespace,
    mark_removed,
    translate_manifest,
    translate_project,
)

__all__ = [
    "DECLARED_BY",
    "DEFAULT_JOB_NAMESPACE",
    "SUPPORTED_SCHEMA_VERSIONS",
    "InvalidManifest",
    "JobNaming",
    "TestedSubject",
    "datasets_in_manifest",
    "default_namespace",
    "mark_removed",
    "schema_version",
    "tested_subjects",
    "translate_manifest",
    "translate_project",
]
