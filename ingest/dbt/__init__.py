"""dbt ``manifest.json`` → graph mutations, a pure translation (``translate``), over the reading
of the manifest (``manifest``), of the warehouse's ``catalog.json`` (``catalog``) and what each
dbt test checks (``checks``).

What it becomes in the graph, and why: docs/sources.md.
"""

from ingest.dbt.catalog import Catalog, InvalidCatalog, WarehouseColumn, read_catalog
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
    ManifestTranslation,
    datasets_in_manifest,
    default_namespace,
    mark_removed,
    translate_manifest,
)

__all__ = [
    "DECLARED_BY",
    "DEFAULT_JOB_NAMESPACE",
    "SUPPORTED_SCHEMA_VERSIONS",
    "Catalog",
    "InvalidCatalog",
    "InvalidManifest",
    "JobNaming",
    "ManifestTranslation",
    "TestedSubject",
    "WarehouseColumn",
    "datasets_in_manifest",
    "default_namespace",
    "mark_removed",
    "read_catalog",
    "schema_version",
    "tested_subjects",
    "translate_manifest",
]
