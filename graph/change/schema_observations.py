"""Schema observations: what a batch states of its datasets' schemas, as the schema history
(``graph.change.schema_history``) compares them with each dataset's newest version.

A schema observation is a dataset written with its ``columns`` (an OpenLineage schema facet, an
Iceberg crawl, a contract, a dbt manifest: every ingester states a dataset's whole schema that
way) together with those columns. :func:`observations` reads them from mutations; the native
reader (:func:`read_observed`) reads the same from a batch's wire form without decoding it, and
holds them so that a store can compare their fields with a version's where they lie
(``Store.first_holding_observed``): a re-run restates nearly every schema it observes, and making
each into Python objects to find that out was a tenth of its ingest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from graph import _native
from graph._native import ObservedSchemas
from graph.change.classifier import FieldSpec
from graph.core.model import EdgeKind, NodeKind, PropertyKey
from graph.core.mutations import Mutation, UpsertNode
from graph.core.vocabulary import FIELD_KEYS  # the column properties a version keeps


class Observation(NamedTuple):
    """A dataset's whole schema as one source stated it at ``at`` (a tuple: a batch observes
    hundreds, and a frozen dataclass took ~4x as long to make)."""

    dataset: str
    namespace: str
    name: str
    at: str
    fields: tuple[dict[str, Any], ...]
    source: str
    origin: str | None  # the run (``run:...``) or document that stated it
    contract: str | None = None  # the contract stating it, whose freshness SLO comes along
    freshness_hours: float | None = None

    def specs(self) -> list[FieldSpec]:
        return field_specs(self.fields)


def field_specs(fields: Iterable[Mapping[str, Any]]) -> list[FieldSpec]:
    """The classifier's view of a version's fields."""
    return [
        FieldSpec(
            str(f["name"]),
            f.get("type"),
            bool(f.get("required")),
            f.get("fieldId") if isinstance(f.get("fieldId"), int) else None,
            tuple(str(v) for v in f["enum"]) if isinstance(f.get("enum"), list) else None,
            f.get("ordinal") if isinstance(f.get("ordinal"), int) else None,
        )
        for f in fields
    ]


OPENLINEAGE = "openlineage"
DOCUMENT = None  # a document ingester's batch: the source is told by what it wrote


def _document_source(props: Mapping[str, Any]) -> str:
    """Which document ingester wrote a dataset (``ingest.iceberg``, ``ingest.dbt``, ``ingest.contracts``)."""
    if props.get("format") == "iceberg":
        return "iceberg"
    if "dbtUniqueId" in props:
        return "dbt"
    return "contract"


def observations(mutations: Sequence[Mutation], source: str | None) -> list[Observation]:
    """The schema observations in a batch: each dataset upsert stating ``columns``, with the
    properties its columns were written with in the same batch (at the same stamp). ``source``
    None: a document ingester's batch, told apart by what it wrote."""
    # One pass over what may be ~40 mutations an event: plain type and identity tests only, and
    # no dict made per column (a column written twice at one stamp is merged only then).
    columns: dict[tuple[str, Any, str], Mapping[str, Any]] = {}
    produced_by: dict[tuple[str, str], str] = {}
    datasets: list[UpsertNode] = []
    dataset_kind, column_kind, produced = NodeKind.DATASET, NodeKind.COLUMN, EdgeKind.PRODUCED
    contract_kind, governs = NodeKind.CONTRACT, EdgeKind.GOVERNS
    freshness: dict[str, Any] = {}
    governed_by: dict[str, str] = {}
    for m in mutations:
        kind = m.kind
        if kind is column_kind:
            props = m.props
            owner = props.get(PropertyKey.DATASET_ID)
            if owner is not None:
                key = (owner, props.get(PropertyKey.NAME), m.at)
                held = columns.get(key)
                columns[key] = props if held is None else {**held, **props}
        elif kind is dataset_kind:
            if type(m.props.get(PropertyKey.COLUMNS)) is list:
                datasets.append(m)  # type: ignore[arg-type]
        elif kind is produced:
            produced_by[(m.target, m.at)] = m.source  # type: ignore[union-attr]
        elif kind is contract_kind:
            if "freshnessHours" in m.props:
                freshness[m.id] = m.props["freshnessHours"]  # type: ignore[union-attr]
        elif kind is governs:
            governed_by[m.target] = m.source  # type: ignore[union-attr]
    if not datasets:
        return []
    found: dict[tuple[str, str], Observation] = {}
    for d in datasets:
        fields = []
        for name in d.props[PropertyKey.COLUMNS]:
            props = columns.get((d.id, name, d.at), {})
            field: dict[str, Any] = {"name": name}
            field.update((k, props[k]) for k in FIELD_KEYS if props.get(k) is not None)
            fields.append(field)
        found[(d.id, d.at)] = Observation(
            d.id,
            str(d.props.get(PropertyKey.NAMESPACE, "")),
            str(d.props.get(PropertyKey.NAME, "")),
            d.at,
            tuple(fields),
            source or _document_source(d.props),
            produced_by.get((d.id, d.at)),
            governed_by.get(d.id),
            freshness_hours(freshness.get(governed_by.get(d.id, ""))),
        )
    return sorted(found.values(), key=lambda o: (o.at, o.dataset))


def read_observed(payload: bytes, index: bytes | None = None) -> ObservedSchemas | None:
    """The schema observations of an encoded batch read from its wire form without decoding it
    (``native/core/observations.h``: :func:`observations`' rule), held with it; None for a
    batch only :func:`observations` reads (one naming a contract, or JSON rows of an older
    journal). ``index``: what :func:`observed_index` gave for this payload where it was
    translated (a worker of ``graph.intake.bulk_load``), adopted instead of reading it here."""
    if payload[:1] == b"[":
        return None
    return _native.observed_schemas(payload, index)


def observed_index(payload: bytes) -> bytes | None:
    """What :func:`read_observed` reads of ``payload``, as offsets into it (``ObservedSchemas.index``):
    a worker reads the batch it translated, and the applying process adopts the index (~0.1 ms)
    instead of reading the batch (~2 ms); None where it has no observations natively read."""
    observed = read_observed(payload) if b"columns" in payload else None
    return None if observed is None else observed.index()


def distinct(observed: ObservedSchemas) -> tuple[list[str], list[int]]:
    """The observations :func:`observations` keeps, one per dataset and stamp (the batch's last
    of them): their datasets, and their indexes in ``observed``."""
    last = {key: index for index, key in enumerate(observed.keys())}  # (the later one kept)
    return [dataset for dataset, _ in last], list(last.values())


def observations_of(
    observed: ObservedSchemas, indices: Sequence[int], source: str
) -> list[Observation]:
    """The observations at ``indices`` from ``source``, ordered as :func:`observations` orders them."""
    found = [
        Observation(dataset, namespace, name, at, fields, source, origin)
        for dataset, namespace, name, at, fields, origin in observed.rows(indices)
    ]
    return sorted(found, key=lambda o: (o.at, o.dataset))


def observations_in(payload: bytes, source: str) -> list[Observation] | None:
    """:func:`observations` of an encoded batch from ``source``, read from its wire form
    (:func:`read_observed`; None as it says)."""
    observed = read_observed(payload)
    if observed is None:
        return None
    return observations_of(observed, distinct(observed)[1], source)


def freshness_hours(value: Any) -> float | None:
    """A freshness SLO as hours, as a contract states it (None: not a number)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
