"""dbt artifacts, data contracts, product descriptors and quality results → the mutations they
make: one reading for ``lineagemesh ingest dbt|contracts|products|quality`` and for the server's
document endpoints (``graph.serve.documents``), so a document means the same whichever way it
comes in.

A document is its text and a name (a file's path, or the name a client sent it under). Its text
is checked as a file argument is (``graph.core.input_files``: nesting bound) and parsed here; the
translations are ``ingest.dbt``, ``ingest.dbt_results``, ``ingest.quality``,
``ingest.contracts`` and ``ingest.products`` (what a descriptor names and the graph lacks marked by
``graph.intake.declared_only``). Every document of a call is translated before anything is applied, so one
bad document leaves the graph as it was; :class:`BadDocument` names it as ``NAME[:LINE]: reason``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from graph.core.input_files import InputError, check_nesting, read_input
from graph.core.model import PropertyKey
from graph.core.mutations import Mutation, UpsertNode, stamp
from graph.intake.declared_only import mark_declared_only
from graph.read import queries
from graph.stores import GraphReader
from ingest.dbt import (
    InvalidCatalog,
    InvalidManifest,
    JobNaming,
    default_namespace,
    mark_removed,
    read_catalog,
    translate_manifest,
)
from ingest.dbt_results import InvalidRunResults, translate_run_results
from ingest.quality import InvalidQualityResult, translate_quality_result


class BadDocument(ValueError):
    """A document that is not one this source understands: ``name[:line]: reason``."""


@dataclass(frozen=True)
class Document:
    """A document as sent: ``name`` says where it came from (a path, a client's file name)."""

    name: str
    text: str

    @classmethod
    def read(cls, path: Path, syntax: str) -> Document:
        """A file argument's text (``graph.core.input_files.read_input``); BadDocument if unreadable."""
        try:
            return cls(str(path), read_input(path, syntax))
        except InputError as e:
            raise BadDocument(str(e)) from None

    @classmethod
    def parse_file(cls, path: Path) -> Parsed:
        """A JSON file argument parsed (:meth:`parsed`: its nesting checked once, as it is
        parsed; its text not kept); BadDocument if unreadable."""
        try:
            text = read_input(path)
        except InputError as e:
            raise BadDocument(str(e)) from None
        return cls(str(path), text).parsed()

    def json(self) -> Any:
        try:
            check_nesting(self.name, self.text, "json")
            return json.loads(self.text)
        except InputError as e:
            raise BadDocument(str(e)) from None
        except json.JSONDecodeError as e:
            raise BadDocument(f"{self.name}:{e.lineno}: not JSON: {e.msg}") from None

    def parsed(self) -> Parsed:
        """This JSON document parsed, to be read without its text: a caller that lets this go
        does not hold a large file's text (200 MB of manifest) beside the objects it became."""
        return Parsed(self.name, self.json())


@dataclass(frozen=True)
class Parsed:
    """A JSON :class:`Document` parsed (:meth:`Document.parsed`): read as the document is."""

    name: str
    value: Any

    def json(self) -> Any:
        return self.value


def quality_mutations(
    documents: Sequence[Document | Parsed],
    namespace: str | None = None,
    prefix: str | None = None,
    asset: str | None = None,
) -> list[Mutation]:
    """The mutations of every Great Expectations or Soda result document, all or none.

    ``asset`` names the dataset of results that name none (GX 1.x's ``describe_dict()``), which
    say no time either: they are recorded at the moment they are read, in the order given (a
    microsecond apart)."""
    mutations: list[Mutation] = []
    now = datetime.now(UTC)
    for i, document in enumerate(documents):
        at = stamp(now + timedelta(microseconds=i))
        try:
            mutations += translate_quality_result(document.json(), namespace, prefix, asset, at)
        except InvalidQualityResult as e:
            raise BadDocument(f"{document.name}: {e}") from None
    return mutations


def contract_mutations(documents: Sequence[Document]) -> list[Mutation]:
    """The mutations of every ODCS or datacontract.com contract, all or none."""
    from ingest.contracts import InvalidContract, translate_contract

    mutations: list[Mutation] = []
    for document in documents:
        try:
            check_nesting(document.name, document.text, "yaml")
            mutations += translate_contract(document.text, document.name)
        except (InvalidContract, InputError) as e:
            raise BadDocument(str(e)) from None
    return mutations


def descriptor_mutations(document: Document) -> list[Mutation]:
    """The mutations of one data product descriptor (ODPS or data-product-spec.yaml), before
    :func:`product_mutations` marks what it names and the graph lacks."""
    from ingest.products import InvalidDescriptor, translate_descriptor

    try:
        check_nesting(document.name, document.text, "yaml")
        return translate_descriptor(document.text, document.name)
    except (InvalidDescriptor, InputError) as e:
        raise BadDocument(str(e)) from None


def product_mutations(graph: GraphReader, documents: Sequence[Document]) -> list[Mutation]:
    """The mutations of every product descriptor, all or none; what they name and neither
    ``graph`` nor another of them describes marked ``declaredOnly``."""
    mutations: list[Mutation] = []
    for document in documents:
        mutations += descriptor_mutations(document)
    return mark_declared_only(graph, mutations)


def dbt_mutations(
    graph: GraphReader,
    manifest_document: Document | Parsed,
    namespace: str | None,
    job_naming: JobNaming = "unique_id",
    run_results: Document | Parsed | None = None,
    catalog: Document | Parsed | None = None,
) -> list[Mutation]:
    """A dbt manifest's models, seeds, sources, tests and lineage (and a run_results.json's test
    results as assertions; a catalog.json's columns and types, ``ingest.dbt.catalog``); the
    models a previous manifest of the project in ``graph`` built and this one does not are
    marked deleted."""
    manifest = manifest_document.json()
    warehouse = None
    if catalog is not None:
        try:
            warehouse = read_catalog(catalog.json())
        except InvalidCatalog as e:
            raise BadDocument(f"{catalog.name}: {e}") from None
    try:
        mutations = translate_manifest(
            manifest, namespace, job_naming=job_naming, catalog=warehouse
        ).mutations
    except InvalidManifest as e:
        raise BadDocument(f"{manifest_document.name}: {e}") from None
    if run_results is not None:
        try:
            mutations += translate_run_results(run_results.json(), manifest, namespace)
        except (InvalidRunResults, InvalidManifest) as e:
            raise BadDocument(f"{run_results.name}: {e}") from None
    project = next(
        (
            m.props["dbtProject"]
            for m in mutations
            if isinstance(m, UpsertNode) and "dbtProject" in m.props
        ),
        None,
    )
    if project is not None:
        dataset_namespace = namespace or default_namespace(manifest)
        previous = {
            d.id
            for d in queries.datasets_where(graph, "dbtProject", project)
            if d.props.get(PropertyKey.NAMESPACE) == dataset_namespace
        }
        mutations += mark_removed(previous, manifest, namespace)
    return mutations
