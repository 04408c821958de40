"""Demo data: the Marquez food_delivery seed (Apache-2.0, see LICENSE here), so a newcomer sees a graph
at once; with the domains and owning teams a data mesh has (the seed names neither), so the demo
shows what the explorer colours and whom an impact report notifies; and a data product per domain
(``products/``, data-product-spec.yaml) with two ODCS contracts (``contracts/``), so product
lineage, ports and declared against observed consumers show at once."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from ingest.domain_rules import DomainRules

NAMESPACE = "food_delivery"
# the seed's datasets by domain, and the team owning each domain's jobs
DOMAINS = {
    "restaurants": ("public.restaurants", "public.menus", "public.menu_items", "public.categories"),
    "customers": ("public.customers",),
    "orders": (
        "public.orders",
        "public.order_status",
        "public.orders_7_days",
        "public.popular_orders_day_of_week",
    ),
    "delivery": ("public.drivers", "public.delivery_7_days", "public.top_delivery_times"),
    "marketing": ("public.discounts",),
}
JOB_OWNERS = {
    "team-restaurants": ("etl_restaurants", "etl_menus", "etl_menu_items", "etl_categories"),
    "team-crm": ("etl_customers",),
    "team-orders": (
        "etl_orders",
        "etl_order_status",
        "etl_orders_7_days",
        "orders_popular_day_of_week",
    ),
    "team-logistics": ("etl_drivers", "etl_delivery_7_days", "delivery_times_7_days"),
    "team-growth": ("email_discounts",),
}
PRODUCER = "https://example.com/lineagemesh/demo"


def food_delivery_events() -> list[dict[str, Any]]:
    """26 OpenLineage RunEvents of 13 jobs over 13 datasets, with schemas and column lineage."""
    return json.loads((resources.files("ingest.demo") / "food_delivery.json").read_text())


def demo_documents(kind: str) -> list[tuple[str, str]]:
    """The demo's ``products`` descriptors or ``contracts``, as (source name, YAML text)."""
    folder = resources.files("ingest.demo") / kind
    return sorted(
        (f"ingest/demo/{kind}/{f.name}", f.read_text())
        for f in folder.iterdir()
        if f.name.endswith(".yaml")
    )


def demo_domain_rules() -> DomainRules:
    """The rules putting each of the seed's datasets in its domain (``serve --demo`` without rules)."""
    rules = [
        {"domain": domain, "namespace": NAMESPACE, "name": name}
        for domain, names in DOMAINS.items()
        for name in names
    ]
    return DomainRules.parse({"rules": rules}, "the demo's domains")


def _ownership(team: str) -> dict[str, Any]:
    return {
        "ownership": {
            "_producer": PRODUCER,
            "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
            "owners": [{"name": team, "type": "team"}],
        }
    }


def demo_ownership_events() -> list[dict[str, Any]]:
    """OpenLineage JobEvents and DatasetEvents naming the team that owns each of the seed's jobs
    and datasets (a domain's datasets: the team owning the jobs writing them)."""
    dataset_owner = {
        "restaurants": "team-restaurants",
        "customers": "team-crm",
        "orders": "team-orders",
        "delivery": "team-logistics",
        "marketing": "team-growth",
    }
    datasets = [
        {
            "eventTime": "2026-01-05T07:00:00Z",
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent",
            "dataset": {
                "namespace": NAMESPACE,
                "name": name,
                "facets": {
                    "ownership": {
                        "_producer": PRODUCER,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json",
                        "owners": [{"name": dataset_owner[domain], "type": "team"}],
                    }
                },
            },
        }
        for domain, names in DOMAINS.items()
        for name in names
    ]
    return datasets + [
        {
            "eventTime": "2026-01-05T07:00:00Z",
            "producer": PRODUCER,
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
            "job": {
                "namespace": NAMESPACE,
                "name": job,
                "facets": _ownership(team),
            },
        }
        for team, jobs in JOB_OWNERS.items()
        for job in jobs
    ]
