"""DataHub metadata files → graph mutations. A pure translation: the JSON the ``file`` sink and
the ``datahub`` CLI write (MCEs and MCPs) in, mutations out, no I/O.

``records`` reads a file into aspects, ``urns`` names DataHub's datasets, flows and jobs as
OpenLineage does (with the namespaces the caller knows; imported from ``ingest.datahub.urns``
itself), ``translate`` makes the mutations. What each aspect becomes:
docs/data-products.md#datahub.
"""

from __future__ import annotations

from ingest.datahub.records import Aspect, BadMetadataFile, read_records
from ingest.datahub.translate import DATAHUB_SOURCE, Translated, translate_datahub

__all__ = [
    "DATAHUB_SOURCE",
    "Aspect",
    "BadMetadataFile",
    "Translated",
    "read_records",
    "translate_datahub",
]
