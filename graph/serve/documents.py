"""The other sources over HTTP: ``POST /api/v1/ingest/dbt``, ``/api/v1/ingest/contracts``,
``/api/v1/ingest/products`` and ``/api/v1/ingest/quality``, so a running server is fed from CI
without being stopped.

``lineagemesh ingest dbt|contracts|products|quality … --server URL`` posts them. Each body is a JSON object
holding the documents as text with the names they came under (``{"name", "text"}``) and the
options the command line takes::

    dbt:       {"manifest": DOC, "runResults": DOC?, "catalog": DOC?, "namespace": "duckdb://…"?,
                "jobNaming": "unique_id"?}
    contracts: {"contracts": [DOC, …]}
    products:  {"products": [DOC, …]}
    quality:   {"results": [DOC, …], "namespace": …?, "prefix": …?, "asset": …?}

A request is read and refused as an OpenLineage one is (``graph.serve.ingest``: a writer, JSON,
the body limit), admitted as every operation is (``graph.serve.admission``: 429 beyond), its
documents read by ``graph.intake.documents`` — the command line's reading — all before anything
is applied: a bad document is 400 ``{"error": "NAME[:LINE]: reason"}``, a domain the writer may
not write 403 naming it, its bytes past the principal's quota 429; then the graph is unchanged.
Accepted: 201 ``{"status": "created", "documents": N, "changes": N}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast, get_args

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from graph.core.mutations import Mutation
from graph.core.principal import Principal
from graph.intake.documents import (
    BadDocument,
    Document,
    contract_mutations,
    dbt_mutations,
    product_mutations,
    quality_mutations,
)
from graph.intake.ingest_service import IngestService, forbidden
from graph.intake.quotas import QuotaExceeded
from graph.serve.admission import Admission, Overloaded
from graph.serve.http_bodies import RequestRejected
from graph.serve.ingest import (
    IngestConfig,
    IngestOutcome,
    over_quota,
    parse_body,
    read_body,
    rejection,
)
from graph.stores import StoreUnavailable
from ingest.dbt import JobNaming

#: The sources, as the path names them: ``/api/v1/ingest/{source}``.
SOURCES = ("dbt", "contracts", "products", "quality")


def _document(value: Any, where: str) -> Document:
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("name"), str)
        or not isinstance(value.get("text"), str)
    ):
        raise RequestRejected(400, f'{where}: a document is {{"name": str, "text": str}}')
    return Document(value["name"], value["text"])


def _documents(body: dict[str, Any], key: str) -> list[Document]:
    values = body.get(key)
    if not isinstance(values, list) or not values:
        raise RequestRejected(400, f"$.{key}: a non-empty list of documents is required")
    return [_document(v, f"$.{key}[{i}]") for i, v in enumerate(values)]


def _option(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise RequestRejected(400, f"$.{key}: a string or null is required")
    return value


def reading(source: str, body: Any) -> tuple[int, Callable[[IngestService], list[Mutation]]]:
    """How many documents ``body`` holds and how to read them into mutations; RequestRejected
    (400) for a body that is not the source's envelope."""
    if not isinstance(body, dict):
        raise RequestRejected(400, "$: the body must be a JSON object")
    if source == "contracts":
        contracts = _documents(body, "contracts")
        return len(contracts), lambda _: contract_mutations(contracts)
    if source == "products":
        products = _documents(body, "products")
        return len(products), lambda service: product_mutations(service.store, products)
    if source == "quality":
        results = _documents(body, "results")
        namespace, prefix = _option(body, "namespace"), _option(body, "prefix")
        asset = _option(body, "asset")
        return len(results), lambda _: quality_mutations(results, namespace, prefix, asset)
    manifest = _document(body.get("manifest"), "$.manifest")
    sent = body.get("runResults")
    run_results = None if sent is None else _document(sent, "$.runResults")
    sent = body.get("catalog")
    catalog = None if sent is None else _document(sent, "$.catalog")
    namespace = _option(body, "namespace")
    naming = _option(body, "jobNaming") or "unique_id"
    if naming not in get_args(JobNaming):
        raise RequestRejected(400, f"$.jobNaming: one of {', '.join(get_args(JobNaming))}")
    job_naming = cast(JobNaming, naming)
    return 1 + (run_results is not None) + (catalog is not None), lambda service: dbt_mutations(
        service.store, manifest, namespace, job_naming, run_results, catalog
    )


def _apply(
    service: IngestService,
    principal: Principal,
    read: Callable[[IngestService], list[Mutation]],
    documents: int,
    size: int,
) -> int:
    """Read, authorize and apply the documents (in a worker thread); RequestRejected for a bad
    document (400) or a domain the writer may not write (403), before anything is applied."""
    try:
        mutations = read(service)
    except BadDocument as e:
        raise RequestRejected(400, str(e)) from None
    decision = service.authorize_mutations(principal, mutations)
    if decision.refused:
        raise RequestRejected(403, forbidden(principal, decision.refused))
    if decision.mutations is not None:
        mutations = decision.mutations
    return service.commit_documents(mutations, documents, principal, size)


async def ingest_documents(
    request: Request,
    service: IngestService,
    config: IngestConfig,
    principal: Principal,
    source: str,
    admission: Admission,
) -> IngestOutcome:
    """One request of ``source``'s documents, all applied or none (see the module docstring)."""
    documents = 1
    try:
        body = await read_body(request, config.limits)
        parsed = await run_in_threadpool(parse_body, body)
        documents, read = reading(source, parsed)
        client = f"{principal.name}@{request.client.host if request.client else ''}"
        with admission.admit(client):
            changes = await admission.run(_apply, service, principal, read, documents, len(body))
    except RequestRejected as e:
        e.__traceback__ = e.__context__ = None  # the body must not outlive the answer
        return rejection(e.status, e.error, documents)
    except Overloaded as e:
        return rejection(429, str(e), documents, "1")
    except QuotaExceeded as e:
        return over_quota(e, documents)
    except StoreUnavailable as e:
        return rejection(503, f"store unavailable, retry later: {e}", documents)
    answer = {"status": "created", "documents": documents, "changes": changes}
    return IngestOutcome(JSONResponse(answer, status_code=201), accepted=documents)
