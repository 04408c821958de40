"""A product descriptor to graph mutations, and ``translate_descriptor``: text in, mutations out
(parse, detect the format, validate, read, translate). What it becomes: docs/data-products.md."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from graph.core.model import (
    EdgeKind,
    NodeKind,
    PropertyKey,
    contract_id,
    dataset_id,
    domain_id,
    product_id,
    product_version_id,
)
from graph.core.mutations import Mutation
from ingest.builder import GraphBuilder
from ingest.contracts import contract_stamp
from ingest.products.document import (
    ODPS,
    SPEC_SCHEMA,
    detect_format,
    odps_schema,
    parse,
    validate,
)
from ingest.products.odps import read_odps
from ingest.products.shape import DESCRIPTOR_SOURCE, INPUT, OUTPUT, Port, Product
from ingest.products.spec import read_spec

#: What a port is written as on its product (``ports``): the names, no graph ids but the dataset's.
PORTS = "ports"
#: A product version's record of its descriptor (``ProductVersion.descriptor``).
DESCRIPTOR = "descriptor"


def _port_record(port: Port) -> dict[str, Any]:
    record: dict[str, Any] = {
        "direction": port.direction,
        "name": port.name,
        "type": port.kind,
        "version": port.version,
        "contract": port.contract,
        "location": port.location,
    }
    if port.dataset is not None:
        namespace, name = port.dataset
        record.update(dataset=dataset_id(namespace, name), namespace=namespace, datasetName=name)
        record["datasetType"] = port.dataset_type
    if port.product is not None:
        record["upstreamProduct"] = product_id(*port.product)
        record["upstreamPort"] = port.upstream_port
    record.update(port.props)
    return {k: v for k, v in record.items() if v is not None}


class _Translation(GraphBuilder):
    """Writes one product through the shared vocabulary; every mutation carries the same stamp."""

    def __init__(self, product: Product, at: str) -> None:
        super().__init__(at)
        p = product
        props = {k: v for k, v in p.props.items() if v is not None}
        props.update(version=p.version, **{PORTS: [_port_record(port) for port in p.ports]})
        pid = self.product(p.domain, p.name, props)
        owners = dict(reversed(p.owners))  # one OWNED_BY per owner: its first role
        for name, kind in owners.items():
            self.owner(pid, name, kind)
        self._version(pid, props, owners)
        exposes: dict[str, list[Port]] = {}
        consumes: dict[str, list[Port]] = {}
        for port in p.ports:
            if port.contract is not None:
                cid = contract_id(port.contract)
                self.node(
                    cid, NodeKind.CONTRACT, {}
                )  # exists (declared only, when nothing else says)
                if port.direction == OUTPUT:
                    self.edge(pid, EdgeKind.HAS_CONTRACT, cid, _ports_of([port]))
            if port.dataset is not None:
                did = self.dataset_ref(*port.dataset)
                (exposes if port.direction == OUTPUT else consumes).setdefault(did, []).append(port)
            if port.product is not None and port.direction == INPUT:
                upstream = self.product(*port.product, {})
                consumes.setdefault(upstream, []).append(port)
        source = {PropertyKey.SOURCE: DESCRIPTOR_SOURCE}
        for did, ports in exposes.items():
            self.edge(pid, EdgeKind.EXPOSES, did, _ports_of(ports))
            self.edge(did, EdgeKind.BELONGS_TO, domain_id(p.domain), source)  # a declared domain
        for target, ports in consumes.items():
            self.edge(pid, EdgeKind.CONSUMES, target, _ports_of(ports))
        by_port = {port.name: port for port in p.ports if port.direction == OUTPUT}
        for port_name, column in p.pii_columns:
            targets = [by_port[port_name]] if port_name else list(by_port.values())
            for port in targets:
                if port.dataset is not None and port.dataset_type in ("TABLE", "VIEW", "FILE"):
                    self.column(
                        *port.dataset, column, {"pii": True, "piiSource": DESCRIPTOR_SOURCE}
                    )

    def _version(self, pid: str, props: dict[str, Any], owners: dict[str, str]) -> None:
        """The descriptor as this version states it (its properties, SLOs, ports and the contracts
        behind them, owners), a node of its own named by its digest: a descriptor that changes
        is a new version, the same one ingested again the version it was."""
        contracts = sorted({port["contract"] for port in props[PORTS] if port.get("contract")})
        descriptor = {
            **props,
            "owners": [{"name": n, "type": k} for n, k in sorted(owners.items())],
            "contracts": contracts,
        }
        text = json.dumps(descriptor, sort_keys=True, separators=(",", ":"), default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        vid = product_version_id(pid, digest)
        self.node(
            vid,
            NodeKind.PRODUCT_VERSION,
            {"product": pid, "digest": digest, DESCRIPTOR: json.loads(text)},
            {PropertyKey.FIRST_SEEN_AT: self.at},
        )
        self.edge(vid, EdgeKind.OF, pid)


def _ports_of(ports: list[Port]) -> dict[str, Any]:
    """An edge's props: the ports behind it and their contracts."""
    props: dict[str, Any] = {
        PropertyKey.SOURCE: DESCRIPTOR_SOURCE,
        "ports": [port.name for port in ports],
    }
    contracts = sorted({port.contract for port in ports if port.contract})
    if contracts:
        props["contracts"] = contracts
    upstream = sorted({port.upstream_port for port in ports if port.upstream_port})
    if upstream:
        props["upstreamPorts"] = upstream
    return props


def read_descriptor(text: str, source: str = "<descriptor>") -> Product:
    """Parse, detect, validate and read one descriptor. Raises :class:`InvalidDescriptor`."""
    document = parse(text, source)
    if detect_format(document) == ODPS:
        validate(document, odps_schema(document))
        return read_odps(document)
    validate(document, SPEC_SCHEMA)
    return read_spec(document)


def translate_descriptor(
    text: str, source: str = "<descriptor>", at: str | None = None
) -> list[Mutation]:
    """One descriptor (ODPS or data-product-spec.yaml) as mutations. ``at`` overrides the stamp
    derived from the descriptor (its creation time, then its version, as a contract's)."""
    product = read_descriptor(text, source)
    stamp = at or contract_stamp(product.created, product.version or "0")
    return _Translation(product, stamp).mutations
