"""The health of every domain at once, in one pass over the mesh rather than a walk per dataset.

``domains(health: AT_RISK)`` judged each domain as ``graph.read.health.domain_health`` does: an
upstream walk from each of its products' datasets, ~20k walks on a 20k-dataset mesh, ~28 s, and so
cut by its deadline (issue 74). Whether a dataset is at risk is whether something failing lies
upstream of it, so the rollup turns the question around:

1. what every dataset and job says about itself is read once, for all of them
   (``graph.read.health.own_state``: their assertions and freshness SLOs);
2. a walk goes *downstream* from each failing dataset or job (there are few: on a mesh where
   nothing fails there is no walk at all), with the same depth and the same one deadline, and
   the datasets it reaches are at risk;
3. each domain's status is then its products' worst (a product's: its exposed datasets' worst,
   ``FAILING`` when it misses its own SLO), or its datasets' when it has no products.

The statuses are those of ``domain_health`` (the tests compare them on generated meshes); the
reasons and paths are not made here: a domain's ``health`` field still gives them, one domain
at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from graph.core.model import Direction, Node, NodeKind
from graph.read import governance, lineage, mesh
from graph.read.health import HealthStatus, Walks, own_state
from graph.read.view import view_of
from graph.stores import GraphReader

_ORDER = list(HealthStatus)  # worst first


def _worst(statuses: Sequence[HealthStatus]) -> HealthStatus:
    return min(statuses, key=_ORDER.index, default=HealthStatus.UNKNOWN)


def dataset_statuses(reader: GraphReader, now: datetime, walks: Walks) -> dict[str, HealthStatus]:
    """Every dataset's health status (``graph.read.health``'s rules), one downstream walk per
    failing dataset or job, all within ``walks``' one deadline (its ``check`` before each)."""
    view = view_of(reader)
    datasets = mesh.all_of_kind(view, NodeKind.DATASET)
    jobs = [j.id for j in mesh.all_of_kind(view, NodeKind.JOB)]
    walks.seconds_left()  # the operation's budget may stop the rollup between its steps too
    state = own_state(view, datasets, jobs, now)
    at_risk: set[str] = set()
    for subject in sorted(s for s, own in state.items() if own.failures):
        walk = lineage.dataset_lineage(view, subject, Direction.DOWNSTREAM, walks.next_walk())
        reached = {*walk.answer.edge_column("source"), *walk.answer.edge_column("target")}
        reached.discard(subject)
        at_risk |= reached
    statuses = {}
    for d in datasets:
        own = state[d.id]
        if own.failures:
            statuses[d.id] = HealthStatus.FAILING
        elif d.id in at_risk:
            statuses[d.id] = HealthStatus.AT_RISK
        elif own.known:
            statuses[d.id] = HealthStatus.HEALTHY
        else:
            statuses[d.id] = HealthStatus.UNKNOWN
    return statuses


def domain_statuses(
    reader: GraphReader, domains: Sequence[Node], now: datetime, walks: Walks
) -> dict[str, HealthStatus]:
    """Each of ``domains``' health status, as ``graph.read.health.domain_health`` judges it."""
    view = view_of(reader)
    datasets = dataset_statuses(view, now, walks)

    def of(members: Sequence[Node]) -> HealthStatus:
        return _worst([datasets.get(d.id, HealthStatus.UNKNOWN) for d in members])

    found = {}
    for domain in domains:
        walks.seconds_left()  # the operation's budget may stop the rollup here
        products = mesh.domain_products(view, domain)
        if not products:
            found[domain.id] = of(mesh.domain_datasets(view, domain))
            continue
        judged = []
        for product in products:
            status = of(mesh.exposed_datasets(view, product))
            if governance.product_freshness(view, product, now).status == "LATE":
                status = HealthStatus.FAILING
            judged.append(status)
        found[domain.id] = _worst(judged)
    return found
