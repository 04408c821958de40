"""Marquez's v1 read API (Marquez 0.50/0.51), so Marquez's web UI, ``marquez-python`` and scripts
calling ``/api/v1/lineage?nodeId=`` read lineagemesh as they read Marquez.

Mounted at ``/api/v1`` behind the OpenLineage write routes: requests are mapped to the queries of
``graph`` (``graph.read.lineage``, ``graph.read.queries``, ``graph.read.catalog``) and their answers written in
Marquez's shapes (``graph.serve.marquez_shapes``). Paths and parameters are read by
``graph.serve.marquez_request``: each path segment percent-decoded on its own, so names holding
``/`` or ``:`` (``postgres://h:5432``) arrive whole, as Marquez's clients encode them. Unknown names answer 404 with Marquez's error body
(``{"code", "message"}``, plus this server's ``error``).

Where the answers differ from Marquez's, by design:

* ``/lineage`` walks both directions from the node to ``depth`` dataset hops (dataset → job →
  dataset is one): what is upstream and what is downstream. Marquez walks the graph undirected,
  ``depth`` counting job hops, and so pulls in the other inputs of a downstream job and their
  producers (siblings), which are neither. A walk cut short by the server's node or time budget
  answers what it reached, with the header ``X-Lineage-Truncated: true``.
* Column lineage edges read as Marquez writes them: a field's ``inEdges`` have the field as
  ``origin`` and its input as ``destination``.
* ``/stats/lineage-events`` counts what the runs tell (each run's START and its final event), not
  every event received; ``/events/lineage`` pages the raw event log by eventTime within
  ``after``/``before`` (501 for a server keeping none), every event kept, where Marquez lists
  run events only (and counts them all).
* Dataset versions are the schema history (``graph.serve.marquez_versions``); a run's
  ``inputDatasetVersions``/``outputDatasetVersions`` name those it read and wrote
  (``graph.serve.marquez_run_versions``). No job versions are kept: ``currentVersion`` and
  ``jobVersion.version`` are null; namespaces are the ones datasets and jobs name, owned by
  ``anonymous``.

Every route needs a reader, as GraphQL does (``graph.core.auth``), and is admitted and bounded as a
GraphQL operation (``graph.serve.admission``, ``graph.serve.limits``): pages are capped at
``max_page``, walks at the traversal budgets, and each request carries a GraphQL operation's
budget (``graph.serve.budget``): every read of the store first checks its time (``--query-seconds``),
a page is charged its items and their estimated bytes before it is written (``--max-query-cost``,
``--max-result-bytes``), and the written answer is measured once more. Past a bound the answer is
a 400 naming it (``reason``: GraphQL's ``extensions.code``). A path or parameter that does not
read (percent-encoding that is no UTF-8, a number out of range, an unknown enum or time zone) is a
400 with Marquez's error body, never a 500.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from graph.core.auth import AuthConfig, AuthError, Role
from graph.core.errors import QueryError
from graph.core.model import (
    JOB_IO,
    Direction,
    EdgeKind,
    Node,
    NodeKind,
    PropertyKey,
    field_id,
    run_id,
)
from graph.eventlog import raw_events
from graph.eventlog.event_log import RawEventLog
from graph.read import catalog, lineage, queries
from graph.read.namespaces import NamespaceIndex, NotReady
from graph.read.view import GraphView
from graph.serve import marquez_run_versions as run_versions
from graph.serve import marquez_shapes as shapes
from graph.serve import marquez_versions
from graph.serve.admission import Admission, Overloaded
from graph.serve.answers import encode_answer
from graph.serve.budget import QueryAborted, QueryBudget
from graph.serve.limits import GraphQLLimits
from graph.serve.marquez_request import (
    ITEM_FIELDS,
    BudgetedView,
    MarquezError,
    Params,
    clipped,
    path_segments,
    time_zone,
)
from graph.stores import Store, StoreUnavailable

DEFAULT_SEARCH_LIMIT = 10
NAMESPACE_FIELDS = 6
EVENT_FIELDS = 30  # an OpenLineage event's fields, roughly, facets included


def _not_found(what: str, name: str) -> MarquezError:
    return MarquezError(404, f"{what} '{clipped(name)}' not found.")


def _shown(view: GraphView, node: Node, full: bool, what: str, name: str) -> dict[str, Any]:
    """One node as Marquez writes it; 404 if the view does not show it."""
    data = shapes.marquez(view, [node], full)[0]
    if data is None:
        raise _not_found(what, name)
    return data


def error_body(status: int, message: str, reason: str | None = None) -> dict[str, Any]:
    """Marquez's error body (``{"code", "message"}``), plus this server's ``error`` and, for a
    budget exceeded, ``reason`` (GraphQL's ``extensions.code``)."""
    body: dict[str, Any] = {"code": status, "message": message, "error": message}
    if reason is not None:
        body["reason"] = reason
    return body


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


class Reads:
    """The batched reads a page or a lineage graph of Marquez nodes needs, over one view."""

    def __init__(self, view: GraphView) -> None:
        self.view = view

    def fields(self, datasets: Iterable[Node]) -> dict[str, list[Node]]:
        """Each dataset's current schema fields, in schema order (a field known by name only when
        no column node holds it)."""
        wanted = {
            d.id: [
                field_id(
                    d.props.get(PropertyKey.NAMESPACE, ""), d.props.get(PropertyKey.NAME, ""), c
                )
                for c in d.props.get(PropertyKey.COLUMNS) or []
            ]
            for d in datasets
        }
        found = self.view.nodes({i for ids in wanted.values() for i in ids})
        return {
            d: [
                found.get(i) or Node(i, NodeKind.COLUMN, {PropertyKey.NAME: i.rsplit(":", 1)[-1]})
                for i in ids
            ]
            for d, ids in wanted.items()
        }

    def job_io(
        self, jobs: Iterable[Node], known: Mapping[str, Node] | None = None
    ) -> dict[str, tuple[list[Node], list[Node]]]:
        """Each job's current inputs and outputs, by name (``known``: nodes already read)."""
        keys = self.view.edge_keys({j.id for j in jobs}, JOB_IO, "out")
        known = known or {}
        found = {
            **self.view.nodes({target for _, _, target in keys if target not in known}),
            **known,
        }
        io: dict[str, tuple[list[Node], list[Node]]] = defaultdict(lambda: ([], []))
        for source, kind, target in keys:
            if target in found:
                io[source][0 if kind == EdgeKind.READS else 1].append(found[target])
        for inputs, outputs in io.values():
            inputs.sort(key=lambda n: n.id)
            outputs.sort(key=lambda n: n.id)
        return io

    def column_lineage(self, datasets: Iterable[Node]) -> dict[str, list[dict[str, Any]] | None]:
        """Each dataset's ``columnLineage``: per field with inputs, the input fields it derives from."""
        fields = self.fields(datasets)
        column_ids = {c.id for columns in fields.values() for c in columns}
        edges = self.view.edges(column_ids, (EdgeKind.DERIVES_FROM,), "out")
        inputs = self.view.nodes({e.target for e in edges})
        by_column: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for edge in sorted(edges, key=lambda e: e.key):
            source = inputs.get(edge.target)
            if source is not None and source.kind == NodeKind.COLUMN:
                by_column[edge.source].append(_input_field(source, edge.props))
        answer: dict[str, list[dict[str, Any]] | None] = {}
        for dataset, columns in fields.items():
            entries = [
                {"name": c.props.get(PropertyKey.NAME), "inputFields": by_column[c.id]}
                for c in columns
                if by_column.get(c.id)
            ]
            answer[dataset] = entries or None
        return answer


def _transformation(props: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The (description, type) Marquez shows for a column derivation."""
    first = (props.get(PropertyKey.TRANSFORMATIONS) or [{}])[0]
    return (
        props.get("transformationDescription") or first.get("description"),
        props.get("transformationType") or first.get("type"),
    )


def _input_field(column: Node, props: Mapping[str, Any]) -> dict[str, Any]:
    description, kind = _transformation(props)
    return {
        "namespace": column.props.get(PropertyKey.NAMESPACE),
        "dataset": column.props.get(PropertyKey.DATASET),
        "field": column.props.get(PropertyKey.NAME),
        "transformationDescription": description,
        "transformationType": kind,
    }


class MarquezReadAPI:
    """Marquez's v1 read API: ``GET /api/v1/...`` (namespaces, datasets, jobs, runs, lineage,
    column lineage, search, events) answered as Marquez does (marquez.md)."""

    def __init__(
        self,
        store: Store,
        auth: AuthConfig,
        limits: GraphQLLimits,
        admission: Admission,
        events: RawEventLog | None = None,
        namespaces: NamespaceIndex | None = None,
    ) -> None:
        self.store = store
        self.events = events
        self.auth = auth
        self.limits = limits
        self.admission = admission
        self.namespace_index = namespaces or NamespaceIndex(store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self._answer(request)
        await response(scope, receive, send)

    async def _answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "HTTP 405 Method Not Allowed")
        try:
            principal = self.auth.authorize(
                request.headers.get("authorization"),
                request.client.host if request.client else None,
                Role.READER,
            )
        except AuthError as e:
            return JSONResponse({"error": e.error}, status_code=e.status, headers=e.headers)
        request.state.principal = principal.name
        raw = request.scope.get("raw_path") or request.scope["path"].encode()
        try:
            segments = path_segments(raw.decode("latin-1").split("?", 1)[0])
        except MarquezError as e:
            return error_response(e.status, e.message)
        handler = self._route(segments)
        if handler is None:
            return error_response(404, "HTTP 404 Not Found")
        params = Params(request.query_params, self.limits)
        client = f"{principal.name}@{request.client.host if request.client else ''}"
        budget = QueryBudget(
            self.limits.budget
        )  # its time runs from here, as a GraphQL operation's
        try:
            with self.admission.admit(client):
                status, body, headers = await self.admission.run(self._run, handler, params, budget)
        except Overloaded as e:
            return error_response(429, str(e), {"Retry-After": "1"})
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    def _run(
        self,
        handler: Callable[[BudgetedView, Params], Any],
        params: Params,
        budget: QueryBudget,
    ) -> tuple[int, bytes, dict[str, str]]:
        """One request's answer, encoded, in a worker thread. The view reads what walks reach in
        summary form with the properties Marquez shows (on Neo4j the rest of each node is most of
        what reading it costs)."""
        headers: dict[str, str] = {}
        try:
            answer = handler(BudgetedView(self.store, budget), params)
            if isinstance(answer, tuple):
                answer, headers = answer
        except MarquezError as e:
            return e.status, orjson.dumps(error_body(e.status, e.message)), {}
        except QueryAborted as e:
            code = str((e.extensions or {}).get("code"))
            return 400, orjson.dumps(error_body(400, e.message, code)), {}
        except NotReady as e:
            message = f"query stopped after {budget.limits.seconds:g} s (the server's --query-seconds): {e}"
            return 400, orjson.dumps(error_body(400, message, "QUERY_TIMEOUT")), {}
        except QueryError as e:
            return 400, orjson.dumps(error_body(400, str(e))), {}
        except StoreUnavailable as e:
            return 503, orjson.dumps(error_body(503, str(e))), {"Retry-After": "1"}
        body = (
            answer if isinstance(answer, bytes) else encode_answer(answer)
        )  # bytes: written natively
        if len(body) > self.limits.budget.max_result_bytes:
            message = f"{budget.too_large()}: ask for a smaller depth or page"
            return 400, orjson.dumps(error_body(400, message, "RESULT_TOO_LARGE")), {}
        return 200, body, headers

    def _route(self, s: list[str]) -> Callable[[BudgetedView, Params], Any] | None:
        """The handler of a path, its path parameters bound."""
        n = len(s)
        if s == ["lineage"]:
            return self.lineage
        if s == ["lineage", "batch"]:
            return self.write_only
        if s == ["column-lineage"]:
            return self.column_lineage
        if s == ["search"]:
            return self.search
        if s == ["jobs"]:
            return lambda view, p: self.jobs(view, p, None)
        if s == ["namespaces"]:
            return self.namespaces
        if s == ["sources"]:
            return self.sources
        if n == 2 and s[0] == "sources":
            return lambda view, p: self.source(view, s[1])
        if s == ["tags"]:
            return self.tags
        if s == ["stats", "lineage-events"]:
            return self.lineage_event_stats
        if s == ["events", "lineage"]:
            return self.lineage_events
        if s == ["events"]:
            return self.all_events
        if n == 2 and s[0] == "events":
            return lambda view, p: self.namespace_events(view, p, s[1])
        if n in (3, 4) and s[:2] == ["jobs", "runs"]:
            if n == 3:
                return lambda view, p: self.run(view, s[2])
            if s[3] == "facets":
                return lambda view, p: self.run_facets(view, p, s[2])
        if n >= 2 and s[0] == "namespaces":
            ns = s[1]
            if n == 2:
                return lambda view, p: self.namespace(view, ns)
            if s[2:] == ["datasets"]:
                return lambda view, p: self.datasets(view, p, ns)
            if n == 4 and s[2] == "datasets":
                return lambda view, p: self.dataset(view, ns, s[3])
            if (
                n in (5, 6) and s[2] == "datasets" and s[4] == "versions"
            ):  # graph.change.schema_history
                return lambda view, p: self.dataset_versions(view, p, ns, s[3], s[5:])
            if s[2:] == ["jobs"]:
                return lambda view, p: self.jobs(view, p, ns)
            if n == 4 and s[2] == "jobs":
                return lambda view, p: self.job(view, ns, s[3])
            if n == 5 and s[2] == "jobs" and s[4] == "runs":
                return lambda view, p: self.runs(view, p, ns, s[3])
        return None

    def write_only(self, view: GraphView, params: Params) -> Any:
        raise MarquezError(405, "HTTP 405 Method Not Allowed")

    # -- namespaces, datasets, jobs, runs -----------------------------------------------------

    def namespaces(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        """A page of the namespace index (``graph.read.namespaces``): no scan of the graph per request."""
        limit, offset = params.page()
        view.budget.check()
        page = self.namespace_index.namespaces(view.budget.remaining_seconds())[
            offset : offset + limit
        ]
        view.budget.charge(len(page), NAMESPACE_FIELDS)
        return {"namespaces": [shapes.namespace(ns) for ns in page]}

    def sources(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        """A page of the dataset sources, from the namespace index's scan."""
        limit, offset = params.page()
        view.budget.check()
        listed = self.namespace_index.listing(view.budget.remaining_seconds()).sources
        page = listed[offset : offset + limit]
        view.budget.charge(len(page), NAMESPACE_FIELDS)
        return {"sources": [shapes.source(found) for found in page]}

    def source(self, view: BudgetedView, name: str) -> dict[str, Any]:
        """One source of the index by name; 404 if no dataset names it."""
        view.budget.check()
        listed = self.namespace_index.listing(view.budget.remaining_seconds()).sources
        found = next((s for s in listed if s.name == name), None)
        if found is None:
            raise _not_found("Source", name)
        return shapes.source(found)

    def tags(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        """A page of the distinct tags datasets and jobs carry, from the namespace index's scan;
        no tag descriptions are kept."""
        limit, offset = params.page()
        view.budget.check()
        page = self.namespace_index.listing(view.budget.remaining_seconds()).tags
        page = page[offset : offset + limit]
        view.budget.charge(len(page), 2)
        return {"tags": [{"name": name, "description": None} for name in page]}

    def _existing_namespace(self, view: GraphView, ns: str) -> None:
        if not catalog.namespace_exists(view, ns):
            raise _not_found("Namespace", ns)

    def namespace(self, view: BudgetedView, ns: str) -> dict[str, Any]:
        found = self.namespace_index.known(ns) or catalog.namespace(view, ns)
        if found is None:
            raise _not_found("Namespace", ns)
        return shapes.namespace(found)

    def datasets(self, view: BudgetedView, params: Params, ns: str) -> dict[str, Any]:
        self._existing_namespace(view, ns)
        limit, offset = params.page()
        page = catalog.in_namespace(view, NodeKind.DATASET, ns, limit, offset)
        view.charge_page(page.nodes)
        lineage_of = Reads(view).column_lineage(page.nodes)
        return {
            "totalCount": page.total,
            "datasets": [
                shapes.dataset(data, lineage_of[d.id])
                for d, data in zip(page.nodes, shapes.marquez(view, page.nodes, True))
                if data is not None
            ],
        }

    def dataset(self, view: GraphView, ns: str, name: str) -> dict[str, Any]:
        self._existing_namespace(view, ns)
        found = _stated_dataset(view, ns, name)
        return shapes.dataset(
            _shown(view, found, True, "Dataset", name),
            Reads(view).column_lineage([found])[found.id],
        )

    def dataset_versions(
        self, view: BudgetedView, params: Params, ns: str, name: str, version: list[str]
    ) -> dict[str, Any]:
        """``.../versions`` (a page, newest first) or ``.../versions/{version}``."""
        self._existing_namespace(view, ns)
        found = _stated_dataset(view, ns, name)
        if not version:
            return marquez_versions.versions(view, found, *params.page())
        answer = marquez_versions.version(view, found, version[0])
        if answer is None:
            raise _not_found("DatasetVersion", version[0])
        return answer

    def jobs(self, view: BudgetedView, params: Params, ns: str | None) -> dict[str, Any]:
        if ns is not None:
            self._existing_namespace(view, ns)
        limit, offset = params.page()
        page = catalog.in_namespace(view, NodeKind.JOB, ns, limit, offset)
        view.charge_page(page.nodes)
        return {
            "totalCount": page.total,
            "jobs": [job for job in shapes.marquez(view, page.nodes, True) if job is not None],
        }

    def _job(self, view: GraphView, ns: str, name: str) -> Node:
        self._existing_namespace(view, ns)
        found = queries.job(view, ns, name)
        if found is None:
            raise _not_found("Job", name)
        return found

    def job(self, view: GraphView, ns: str, name: str) -> dict[str, Any]:
        return _shown(view, self._job(view, ns, name), True, "Job", name)

    def runs(self, view: BudgetedView, params: Params, ns: str, name: str) -> dict[str, Any]:
        found = self._job(view, ns, name)
        limit, offset = params.page()
        total = len(view.edge_keys({found.id}, (EdgeKind.OF,), "in"))
        view.budget.charge(min(limit, max(total - offset, 0)), ITEM_FIELDS[NodeKind.RUN])
        page = queries.runs(view, found, offset + limit)[offset:]
        return {
            "runs": [run for run in shapes.marquez(view, page, False) if run is not None],
            "totalCount": total,
        }

    def _run_node(self, view: GraphView, uuid: str) -> tuple[Node, Node | None]:
        found = queries.node(view, run_id(uuid))
        if found is None or found.kind != NodeKind.RUN:
            raise _not_found("Run", uuid)
        jobs = view.edge_keys({found.id}, (EdgeKind.OF,), "out")
        job = queries.node(view, jobs[0][2]) if jobs else None
        return found, job

    def run(self, view: GraphView, uuid: str) -> dict[str, Any]:
        return _shown(view, self._run_node(view, uuid)[0], False, "Run", uuid)

    def run_facets(self, view: GraphView, params: Params, uuid: str) -> dict[str, Any]:
        kind = (params.text("type") or "").upper()
        if kind not in ("RUN", "JOB"):
            raise MarquezError(400, "query param type must be one of run, job")
        found, job = self._run_node(view, uuid)
        of = found if kind == "RUN" else job
        facets = _shown(view, of, kind == "JOB", "Run", uuid)["facets"] if of is not None else {}
        return {"runId": found.props.get("runId"), "facets": facets}

    # -- lineage -----------------------------------------------------------------------------

    def _start(self, view: GraphView, node_id: str, kinds: tuple[NodeKind, ...]) -> Node:
        """The node a ``nodeId`` names (a Marquez ``#version`` suffix is ignored: no versions are kept)."""
        for candidate in (node_id, node_id.rsplit("#", 1)[0]) if "#" in node_id else (node_id,):
            found = queries.node(view, candidate)
            if found is not None and found.kind in kinds:
                return found
        raise MarquezError(404, f"Node '{clipped(node_id)}' not found.")

    def lineage(self, view: BudgetedView, params: Params) -> tuple[bytes, dict[str, str]]:
        """The walk's answer written by the native renderer (``native/marquez/marquez.h``): nodes by id, each
        with its ``DatasetData`` or ``JobData`` and its edges within the answer, a job's latest run
        with the dataset versions it read and wrote (``graph.serve.marquez_run_versions``)."""
        start = self._start(
            view, params.text("nodeId", required=True) or "", (NodeKind.DATASET, NodeKind.JOB)
        )
        graph = lineage.dataset_lineage(
            view, start.id, Direction.BOTH, params.walk_budget(view.budget)
        )
        versions = run_versions.texts(view, graph.answer.marquez_runs())
        return graph.answer.render_marquez(versions), {
            "X-Lineage-Truncated": "true"
        } if graph.truncated else {}

    def column_lineage(self, view: BudgetedView, params: Params) -> tuple[bytes, dict[str, str]]:
        """The columns upstream (and downstream, ``withDownstream``) of a field, or of each field of
        a dataset or of a job's outputs, one walk each, merged and written by the native core
        (``native/marquez/marquez.h``)."""
        node_id = params.text("nodeId", required=True) or ""
        with_downstream = params.boolean("withDownstream")
        if with_downstream and "#" in node_id:
            raise MarquezError(400, "Node version cannot be specified when withDownstream is true")
        start = self._start(view, node_id, (NodeKind.DATASET, NodeKind.JOB, NodeKind.COLUMN))
        if start.kind == NodeKind.COLUMN:
            columns = [start.id]
        else:
            datasets = (
                [start]
                if start.kind == NodeKind.DATASET
                else Reads(view).job_io([start]).get(start.id, ([], []))[1]
            )
            named = [c.id for found in Reads(view).fields(datasets).values() for c in found]
            existing = view.nodes(named)
            columns = [c for c in named if c in existing]
        if not columns:
            raise MarquezError(404, "Could not find node")
        budget = params.walk_budget(view.budget)
        body, truncated = view.native.marquez_column_lineage(
            columns, with_downstream, budget.depth, budget.max_nodes, budget.deadline_seconds
        )
        return body, {"X-Lineage-Truncated": "true"} if truncated else {}

    # -- search ------------------------------------------------------------------------------

    def search(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        text = params.text("q", required=True) or ""
        wanted = (params.text("filter") or "").upper()
        if wanted not in ("", "DATASET", "JOB"):
            raise MarquezError(400, "query param filter must be one of DATASET, JOB")
        sort = (params.text("sort") or "name").lower()
        if sort not in ("name", "update_at", "updated_at"):
            raise MarquezError(400, "query param sort must be one of NAME, UPDATE_AT")
        limit = min(params.integer("limit", DEFAULT_SEARCH_LIMIT), self.limits.max_page)
        namespace = params.text("namespace")
        kinds = {"DATASET": (NodeKind.DATASET,), "JOB": (NodeKind.JOB,)}.get(
            wanted, (NodeKind.DATASET, NodeKind.JOB)
        )
        found = _search(view, text, kinds, limit, namespace)
        if sort == "name":
            found.sort(key=lambda n: (n.props.get(PropertyKey.NAME) or "", n.id))
        else:
            found.sort(
                key=lambda n: (n.props.get(PropertyKey.LAST_SEEN_AT) or "", n.id), reverse=True
            )
        results = [
            {
                "type": "DATASET" if n.kind == NodeKind.DATASET else "JOB",
                "name": n.props.get(PropertyKey.NAME),
                "updatedAt": n.props.get(PropertyKey.LAST_SEEN_AT),
                "namespace": n.props.get(PropertyKey.NAMESPACE),
                "nodeId": n.id,
            }
            for n in found
        ]
        return {"totalCount": len(results), "results": results}

    # -- events ------------------------------------------------------------------------------

    def lineage_event_stats(self, view: GraphView, params: Params) -> list[dict[str, Any]]:
        """Marquez's ``LineageMetric`` list: the last 24 hours by hour (``period=DAY``) or the last
        7 days by day in ``timezone`` (``period=WEEK``), counted from the runs' nodes
        (``graph.read.catalog.run_event_counts``)."""
        period = (params.text("period") or "").upper()
        zone_name = params.text("timezone")
        if period == "WEEK" and not zone_name:
            raise MarquezError(400, "Timezone must be specified for period 'WEEK'")
        if period not in ("DAY", "WEEK"):
            raise MarquezError(400, "Invalid period")
        now = datetime.now(UTC)
        if period == "DAY":
            last = now.replace(minute=0, second=0, microsecond=0)
            starts = [last - timedelta(hours=23 - i) for i in range(24)]
            step = timedelta(hours=1)
        else:
            zone = time_zone(zone_name or "UTC")
            today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
            starts = [today - timedelta(days=6 - i) for i in range(7)]
            step = timedelta(days=1)
        bounds = [(start, start + step) for start in starts]
        utc = [(_stamp(a), _stamp(b)) for a, b in bounds]
        counts = catalog.run_event_counts(view, utc)
        return [
            {
                "startInterval": a.isoformat(),
                "endInterval": b.isoformat(),
                "fail": c["FAIL"],
                "start": c["START"],
                "complete": c["COMPLETE"],
                "abort": c["ABORT"],
            }
            for (a, b), c in zip(bounds, counts)
        ]

    def lineage_events(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        """The raw events whose eventTime is in [``after``, ``before``), by eventTime
        (``sortDirection`` ``desc``, the default, or ``asc``), paged (``graph.eventlog.raw_events``)."""
        if self.events is None:
            raise MarquezError(501, "this server keeps no raw event log")
        direction = (params.text("sortDirection") or "desc").strip().lower()
        if direction not in ("desc", "asc"):
            raise MarquezError(400, "query param sortDirection must be one of [desc, asc]")
        after, before = (
            params.moment("after", raw_events.DEFAULT_AFTER),
            params.moment("before", raw_events.DEFAULT_BEFORE),
        )
        limit, offset = params.page()
        view.budget.check()
        answer = raw_events.lineage_events(
            self.events, limit, offset, after, before, direction == "desc"
        )
        view.budget.charge(len(answer["events"]), EVENT_FIELDS)
        return answer

    def all_events(self, view: BudgetedView, params: Params) -> dict[str, Any]:
        """Marquez's ``GET /api/v1/events`` (its EventResource, what marquez-python's
        ``list_events`` reads): the raw events newest eventTime first, ``limit`` from ``offset``,
        as ``{"events": [...]}`` (no window, no count)."""
        if self.events is None:
            raise MarquezError(501, "this server keeps no raw event log")
        limit, offset = params.page()
        view.budget.check()
        found = raw_events.lineage_events(self.events, limit, offset)["events"]
        view.budget.charge(len(found), EVENT_FIELDS)
        return {"events": found}

    def namespace_events(self, view: BudgetedView, params: Params, ns: str) -> dict[str, Any]:
        """Marquez's ``GET /api/v1/events/{namespace}`` (``list_events(namespace)``): the raw
        events whose job or any dataset is in ``ns``, newest first, paged as ``/events``; an
        unknown namespace lists none, as Marquez's does."""
        if self.events is None:
            raise MarquezError(501, "this server keeps no raw event log")
        limit, offset = params.page()
        found = raw_events.namespace_events(self.events, ns, limit, offset, view.budget.check)
        view.budget.charge(len(found), EVENT_FIELDS)
        return {"events": found}


def _stated_dataset(view: GraphView, ns: str, name: str) -> Node:
    """The dataset a namespace and name stand for, if something stated it under one of its names
    (``graph.read.catalog.listed``: one only named by column lineage is not a Marquez dataset)."""
    found = queries.named_dataset(view, ns, name)
    if found is None or found.node.kind != NodeKind.DATASET or not found.stated:
        raise _not_found("Dataset", name)
    return found.node


def _search(
    view: GraphView, text: str, kinds: Collection[NodeKind], limit: int, namespace: str | None
) -> list[Node]:
    """The best ``limit`` matches by the store's ranking, of ``namespace`` only when given: the
    ranked matches are read in growing prefixes (8x each time) until ``limit`` of them are in the
    namespace or there are no more, so the answer is that of filtering first and ranking then,
    whatever the other namespaces hold (each read checks the request's time budget)."""
    if namespace is None:
        return view.search(text, kinds, limit)
    first = max(limit * 8, 100)
    while True:
        ranked = view.search(text, kinds, first)
        hits = [n for n in ranked if n.props.get(PropertyKey.NAMESPACE) == namespace]
        if len(hits) >= limit or len(ranked) < first:
            return hits[:limit]
        first *= 8


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
