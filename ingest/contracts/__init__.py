"""Data contracts → graph mutations. A pure translation: contract text in, mutations out, no I/O.

``parsing`` turns text into plain data and tells the standard; ``odcs`` (schema-validated) and
``datacontract`` (checked by ``checker``) read each standard into one ``shape``; ``identity``
names the dataset a table is; ``translate`` makes the mutations. What it becomes in the graph,
and why: docs/sources.md.
"""

from __future__ import annotations

from ingest.contracts.identity import Identity, dataset_identity
from ingest.contracts.parsing import detect_standard
from ingest.contracts.shape import (
    CONTRACT_SOURCE,
    UNASSIGNED_DOMAIN,
    InvalidContract,
    contract_stamp,
    freshness_hours,
    version_key,
)
from ingest.contracts.translate import translate_contract

__all__ = [
    "CONTRACT_SOURCE",
    "UNASSIGNED_DOMAIN",
    "Identity",
    "InvalidContract",
    "contract_stamp",
    "dataset_identity",
    "detect_standard",
    "freshness_hours",
    "translate_contract",
    "version_key",
]
