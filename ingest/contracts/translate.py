"""A contract in the common shape to graph mutations, and ``translate_contract``: text in,
mutations out (parse, validate, read, translate). What it becomes in the graph: docs/sources.md."""

from __future__ import annotations

from typing import Any

from graph.core.model import EdgeKind, NodeKind, PropertyKey, contract_id, domain_id
from graph.core.mutations import Mutation
from ingest.builder import GraphBuilder
from ingest.contracts.datacontract import _read_datacontract
from ingest.contracts.identity import Identity, dataset_identity
from ingest.contracts.odcs import _read_odcs
from ingest.contracts.parsing import _parse, _validate_odcs, detect_standard
from ingest.contracts.shape import (
    _SHARED_PROPS,
    CONTRACT_SOURCE,
    UNASSIGNED_DOMAIN,
    _Contract,
    _Field,
    _Table,
    contract_stamp,
)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    """Drop unstated shared properties; keep None for contract-only ones (a newer version clears them)."""
    return {k: v for k, v in props.items() if v is not None or k not in _SHARED_PROPS}


class _Translation(GraphBuilder):
    """Writes one contract through the shared vocabulary; every mutation carries the same stamp."""

    def __init__(self, contract: _Contract, at: str) -> None:
        super().__init__(at)
        c = contract
        domain = c.domain or UNASSIGNED_DOMAIN
        # a product is stated by descriptors, DataHub and catalogs too: what a contract leaves
        # unsaid of it (an SLO, a description) it does not clear
        pid = self.product(
            domain, c.product, {k: v for k, v in c.product_props.items() if v is not None}
        )
        cid = self.node(contract_id(c.id), NodeKind.CONTRACT, _clean(c.contract_props))
        self.edge(pid, EdgeKind.HAS_CONTRACT, cid)
        owners: dict[str, str] = {}
        for name, kind in c.owners:
            owners.setdefault(name, kind)  # one OWNED_BY edge per owner: its first role
        for name, kind in owners.items():
            self.owner(pid, name, kind)
            self.owner(cid, name, kind)
        seen: set[str] = set()
        for name, props, edge_props in c.consumers:
            if name not in seen:
                seen.add(name)
                self.edge(
                    self.consumer(name, _clean(props)), EdgeKind.CONSUMES, pid, _clean(edge_props)
                )
        for table in c.tables:
            for identity, environment, exposed in self._placements(c, table):
                did = self._table(table, identity, environment)
                self.edge(cid, EdgeKind.GOVERNS, did)
                if exposed:
                    self.edge(pid, EdgeKind.EXPOSES, did)
                if c.domain:
                    self.edge(
                        did,
                        EdgeKind.BELONGS_TO,
                        domain_id(c.domain),
                        {PropertyKey.SOURCE: CONTRACT_SOURCE},
                    )

    def _placements(self, c: _Contract, table: _Table) -> list[tuple[Identity, str | None, bool]]:
        """(identity, environment, exposed) on every server that can name the table, else the fallback."""
        found: list[tuple[Identity, str | None]] = []
        for server in c.servers:
            identity = dataset_identity(
                server.type, server.spec, table.physical, len(c.tables) > 1, len(c.tables) == 1
            )
            if identity is not None and all(identity != other for other, _ in found):
                found.append((identity, server.environment))
        if not found:
            return [(Identity(f"contract:{c.id}", table.logical, physical=False), None, True)]
        envs = [env for _, env in found]
        primary = "prod" if "prod" in envs else envs[0]
        return [(identity, env, env == primary) for identity, env in found]

    def _table(self, table: _Table, identity: Identity, environment: str | None) -> str:
        ns, name = identity.namespace, identity.name

        def path(f: _Field, length: int | None = None) -> str:
            parts = (f.physical if identity.physical else f.logical)[:length]
            text = ".".join(parts)
            return text.upper() if identity.upper else text

        paths = [path(f) for f in table.fields]
        props = {**table.props, PropertyKey.COLUMNS: paths, "environment": environment}
        if identity.physical and table.physical != table.logical:
            props["logicalName"] = table.logical
        did = self.dataset(ns, name, _clean(props))
        for ordinal, f in enumerate(table.fields, start=1):
            extra = {"ordinal": ordinal, "parent": path(f, -1) if len(f.logical) > 1 else None}
            if identity.physical and f.physical[-1] != f.logical[-1]:
                extra["logicalName"] = f.logical[-1]
            column = self.column(
                ns,
                name,
                paths[ordinal - 1],
                _clean({PropertyKey.DECLARED: True, **f.props, **extra}),
            )
            for source in f.lineage:
                upstream = self.column(source["namespace"], source["name"], source["field"])
                self.edge(
                    column, EdgeKind.DERIVES_FROM, upstream, {PropertyKey.SOURCE: CONTRACT_SOURCE}
                )
        return did


def translate_contract(
    text: str, source: str = "<contract>", at: str | None = None
) -> list[Mutation]:
    """Parse, validate and translate one contract document into mutations.

    ``source`` names the document in error messages; ``at`` overrides the stamp derived from the
    contract (see the module docstring). Raises :class:`InvalidContract` for anything that is not
    a valid ODCS v3 or datacontract.com 1.x contract.
    """
    document = _parse(text, source)
    standard = detect_standard(document, source)
    if standard == "odcs":
        _validate_odcs(document, source)
        contract = _read_odcs(document, source)
    else:
        contract = _read_datacontract(document, source)
    return _Translation(
        contract, at or contract_stamp(contract.created, contract.version)
    ).mutations
