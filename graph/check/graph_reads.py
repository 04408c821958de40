"""The graph questions the check asks, through GraphQL (a server's, or in-process on a store;
in-process, node lookups and ``impact`` skip GraphQL: ``graph.check.store_reads``).

Going through GraphQL keeps one answer whichever way the check runs, and lets ``--server`` work
with nothing but HTTP. Lookups of many ids go in one operation (aliased fields), so a pull request
touching a hundred models costs a handful of round trips, not hundreds.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from graph.change.classifier import FieldSpec
from graph.check.changeset import CheckError, Execute, store_execute

_BATCH = 25  # aliased lookups per operation (a server refuses documents over 30 aliases)
_NODE_FIELDS = "id kind namespace name"
_COLUMN_FIELDS = "id name type ordinal current fieldId quality enum required"


def nodes(execute: Execute, ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
    """Each id → its node (``id kind namespace name``), None where the graph has no such node."""
    wanted = list(dict.fromkeys(ids))
    store = store_execute(execute)
    if store is not None:  # in-process: no GraphQL needed
        return store.nodes(wanted)
    found: dict[str, dict[str, Any] | None] = {}
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        fields = " ".join(
            f"n{i}: node(id: {json.dumps(node_id)}) {{ {_NODE_FIELDS} }}"
            for i, node_id in enumerate(chunk)
        )
        data = execute(f"query Nodes {{ {fields} }}", {})
        found.update((node_id, data[f"n{i}"]) for i, node_id in enumerate(chunk))
    return found


@dataclass(frozen=True)
class GraphDataset:
    """A dataset as the graph knows it now: its canonical id and current columns (``required``
    as a declaration in the graph, a contract, states it; None where none does)."""

    id: str
    namespace: str
    name: str
    columns: list[FieldSpec]
    column_ids: dict[str, str]
    quality: dict[str, list[dict[str, Any]]]  # column name -> its declared quality rules


def datasets(
    execute: Execute, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], GraphDataset | None]:
    """(namespace, name) → the dataset (aliases resolved to the canonical one), None when unknown."""
    found: dict[tuple[str, str], GraphDataset | None] = {}
    wanted = list(dict.fromkeys(keys))
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        fields = " ".join(
            f"d{i}: dataset(namespace: {json.dumps(ns)}, name: {json.dumps(name)}) "
            f"{{ id namespace name columns {{ {_COLUMN_FIELDS} }} }}"
            for i, (ns, name) in enumerate(chunk)
        )
        data = execute(f"query Datasets {{ {fields} }}", {})
        for i, key in enumerate(chunk):
            found[key] = _dataset(data[f"d{i}"])
    return found


def _dataset(data: dict[str, Any] | None) -> GraphDataset | None:
    if data is None:
        return None
    current = sorted(
        (c for c in data["columns"] if c["current"]),
        key=lambda c: (c["ordinal"] is None, c["ordinal"] or 0, c["name"]),
    )
    return GraphDataset(
        data["id"],
        data["namespace"],
        data["name"],
        [
            FieldSpec(
                c["name"],
                c["type"],
                c.get("required"),  # None where no declaration (a contract) states it
                field_id=c["fieldId"],
                enum=None if c.get("enum") is None else tuple(c["enum"]),
                position=c["ordinal"],
            )
            for c in current
        ],
        {c["name"]: c["id"] for c in current},
        {c["name"]: _rules(c.get("quality")) for c in current},
    )


def _rules(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):  # a JSON scalar some transports leave as text
        value = json.loads(value)
    return [r for r in value or [] if isinstance(r, dict)]


SEARCH_QUERY = """
query Suggest($text: String!) { searchConnection(text: $text, first: 50) { nodes { id } } }"""


def suggestions(execute: Execute, node_id: str, limit: int = 3) -> list[str]:
    """Ids close to ``node_id`` (a typo, another namespace): searched by its last name part."""
    tail = node_id.replace("/", ":").split(":")[-1].split(".")[-1] or node_id
    candidates: list[str] = []
    texts = [*[tail[:n] for n in range(len(tail), 1, -1)][:6], tail[-3:]]  # a typo anywhere
    for text in dict.fromkeys(texts):
        candidates.extend(search_ids(execute, text))
        close = difflib.get_close_matches(node_id, list(dict.fromkeys(candidates)), limit, 0.8)
        if close:
            return close
    return difflib.get_close_matches(node_id, list(dict.fromkeys(candidates)), limit, 0.6)


def unknown_node(execute: Execute, node_id: str) -> CheckError:
    """The error for an id the graph does not know, with "did you mean" where something is close."""
    close = suggestions(execute, node_id)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return CheckError(
        f"no node with id {node_id!r}{hint} (ids look like dataset:NAMESPACE:NAME, "
        "datasetField:NAMESPACE:NAME:COLUMN, job:NAMESPACE:NAME; GraphQL searchConnection finds them)"
    )


def search_ids(execute: Execute, text: str) -> list[str]:
    """Ids of nodes whose name contains ``text`` (case-insensitive), best matches first."""
    return [h["id"] for h in execute(SEARCH_QUERY, {"text": text})["searchConnection"]["nodes"]]


def _one_hop(
    execute: Execute, ids: Iterable[str], direction: str
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """Each id with the edges of one hop of ``lineage`` that way (``source target kind``),
    batched in aliased lookups."""
    wanted = list(dict.fromkeys(ids))
    for start in range(0, len(wanted), _BATCH):
        chunk = wanted[start : start + _BATCH]
        fields = " ".join(
            f"l{i}: lineage(nodeId: {json.dumps(node_id)}, direction: {direction}, depth: 1) "
            "{ edges { source target kind } }"
            for i, node_id in enumerate(chunk)
        )
        data = execute(f"query OneHop {{ {fields} }}", {})
        for i, node_id in enumerate(chunk):
            yield node_id, data[f"l{i}"]["edges"]


def writing_edges(execute: Execute, dataset_ids: Iterable[str]) -> set[tuple[str, str, str]]:
    """(read dataset, job, written dataset) for the jobs writing each dataset, as the graph has
    them now: one hop of ``lineage`` upstream per dataset, batched."""
    found: set[tuple[str, str, str]] = set()
    for _, edges in _one_hop(execute, dataset_ids, "UPSTREAM"):
        reads: dict[str, set[str]] = {}
        for e in edges:
            if e["kind"] == "READS":
                reads.setdefault(e["target"], set()).add(e["source"])
        found.update(
            (read, e["source"], e["target"])
            for e in edges
            if e["kind"] == "WRITES"
            for read in reads.get(e["source"], ())
        )
    return found


def written_by(execute: Execute, job_ids: Iterable[str]) -> dict[str, set[str]]:
    """Each job the graph knows → the datasets it writes now (one hop of ``lineage`` downstream);
    jobs the graph does not know are left out."""
    known = [j for j, node in nodes(execute, job_ids).items() if node is not None]
    return {
        job: {e["target"] for e in edges if e["kind"] == "WRITES" and e["source"] == job}
        for job, edges in _one_hop(execute, known, "DOWNSTREAM")
    }
