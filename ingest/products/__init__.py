"""Data product descriptors → graph mutations. A pure translation: descriptor text in, mutations
out, no I/O.

Two formats, told apart by their fields (``document``): Bitol's Open Data Product Standard
(ODPS v0.9–v1.1, checked against its JSON schema) and the ``data-product-spec.yaml`` shape teams
write by hand (checked against ``ingest/schemas/data-product-spec.schema.json``). ``odps`` and
``spec`` read each into one ``shape``; ``endpoints`` names the dataset a port's URI is;
``translate`` makes the mutations. Every refusal is ``file:line: $.path: reason``. What it
becomes in the graph: docs/data-products.md.
"""

from __future__ import annotations

from ingest.products.document import InvalidDescriptor
from ingest.products.endpoints import BadEndpoint, endpoint_dataset
from ingest.products.shape import DESCRIPTOR_SOURCE, Port, Product
from ingest.products.translate import PORTS, read_descriptor, translate_descriptor

__all__ = [
    "DESCRIPTOR_SOURCE",
    "PORTS",
    "BadEndpoint",
    "InvalidDescriptor",
    "Port",
    "Product",
    "endpoint_dataset",
    "read_descriptor",
    "translate_descriptor",
]
