"""``--contract``: a new version of a data contract (ODCS or datacontract.com) against the current one.

The file goes through ``ingest.contracts.translate_contract`` — what ``lineagemesh ingest
contracts`` applies — so the contract, its product and the datasets it governs carry the ids
that command records. The current version is the graph's (the contract's every SLO property and
quality rule, the governed datasets' columns with what the contract states of them) or, with
``--contract-base``, an older file. Both are compared by
``graph.change.contract_rules.classify_contract``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.change.classifier import FieldSpec
from graph.change.contract_rules import ContractTerms, classify_contract, slo_terms
from graph.check.changeset import ChangeSet, CheckError, Execute
from graph.check.graph_reads import GraphDataset, datasets
from graph.check.planning import plan
from graph.core.enums import declared_enum
from graph.core.input_files import InputError, read_input
from graph.core.model import NodeKind, PropertyKey
from graph.core.mutations import UpsertNode


@dataclass
class ContractVersion:
    id: str
    product: tuple[str, str] | None  # (domain, name)
    terms: ContractTerms
    governed: dict[str, tuple[str, str]]  # dataset id → (namespace, name)


def read_contract(path: Path) -> ContractVersion:
    """A contract file as the graph would record it; CheckError names the file and field."""
    from ingest.contracts import InvalidContract, translate_contract

    try:
        text = read_input(path, "yaml")
    except InputError as e:
        raise CheckError(str(e)) from None
    try:
        mutations = translate_contract(text, str(path))
    except InvalidContract as e:
        raise CheckError(str(e)) from None
    contract: UpsertNode | None = None
    product: tuple[str, str] | None = None
    governed: dict[str, tuple[str, str]] = {}
    fields: dict[tuple[str, str], list[tuple[int, FieldSpec]]] = {}
    for m in mutations:
        if not isinstance(m, UpsertNode):
            continue
        if m.kind is NodeKind.CONTRACT:
            contract = m
        elif m.kind is NodeKind.DATA_PRODUCT and product is None:
            product = (m.props.get(PropertyKey.DOMAIN) or "", m.props.get(PropertyKey.NAME) or "")
        elif m.kind is NodeKind.DATASET and m.props.get(PropertyKey.DECLARED):
            governed[m.id] = (m.props[PropertyKey.NAMESPACE], m.props[PropertyKey.NAME])
        elif m.kind is NodeKind.COLUMN and m.props.get(PropertyKey.DECLARED):
            p = m.props
            spec = FieldSpec(
                p[PropertyKey.NAME],
                p.get(PropertyKey.TYPE),
                bool(p.get("required")),
                enum=declared_enum(p),
            )
            key = (p[PropertyKey.NAMESPACE], p[PropertyKey.DATASET])
            fields.setdefault(key, []).append((len(fields.get(key, [])), spec))
    if contract is None:
        raise CheckError(f"{path}: no contract in it")
    terms = ContractTerms(
        None,
        list(contract.props.get("quality") or []),
        {
            did: [spec for _, spec in fields.get(key, [])]
            for did, key in governed.items()
            if key in fields
        },
        slo_terms(contract.props.get("standard"), contract.props.get("sla")),
    )
    return ContractVersion(contract.id, product, terms, governed)


PRODUCT_QUERY = """
query Product($domain: String!, $name: String!) {
  dataProduct(domain: $domain, name: $name) { contracts { id quality sla standard } }
}"""


def current_terms(execute: Execute, new: ContractVersion) -> ContractTerms | None:
    """The graph's version of the contract, None when the graph does not know it."""
    if new.product is None:
        return None
    product = execute(PRODUCT_QUERY, {"domain": new.product[0], "name": new.product[1]})[
        "dataProduct"
    ]
    contract = next((c for c in (product or {}).get("contracts") or [] if c["id"] == new.id), None)
    if product is None or contract is None:
        return None
    quality, sla = (_json(contract.get(key)) for key in ("quality", "sla"))
    found = datasets(execute, new.governed.values())
    columns = {
        did: graph.columns
        for did, key in new.governed.items()
        if (graph := found[key]) is not None and graph.columns
    }
    slos = slo_terms(contract.get("standard"), sla)
    return ContractTerms(None, list(quality or []), columns, slos)


def _json(value: Any) -> Any:
    """A JSON scalar as GraphQL gives it (a server may send it as text)."""
    return json.loads(value) if isinstance(value, str) else value


def contract_changes(
    execute: Execute, files: tuple[Path, ...], bases: tuple[Path, ...]
) -> ChangeSet:
    """The classified changes each contract file makes, placed in the graph."""
    base_versions = {v.id: v for v in (read_contract(p) for p in bases)}
    out = ChangeSet()
    for path in files:
        new = read_contract(path)
        base = base_versions.get(new.id)
        old = base.terms if base else current_terms(execute, new)
        if old is None:
            out.notes.append(
                f"{path}: the graph has no {new.id}: a new contract, nothing to compare"
            )
            continue
        new_terms = new.terms
        if base is None:  # compare only datasets the graph knows columns of
            new_terms = ContractTerms(
                None,
                new.terms.quality,
                {d: f for d, f in new.terms.fields.items() if d in old.fields},
                new.terms.slos,
            )
        found = datasets(execute, new.governed.values())
        by_id = {did: found[key] for did, key in new.governed.items()}
        for change in classify_contract(new.id, old, new_terms):
            if change.dataset_id in by_id:
                out.changes.extend(plan([change], by_id[change.dataset_id], str(path)))
            else:  # the contract's own promises: reach the datasets it governs
                targets: list[GraphDataset | None] = [g for g in by_id.values() if g] or [None]
                for target in targets:
                    out.changes.extend(plan([change], target, str(path)))
    return out
