"""What the Marquez food_delivery seed says, written out by hand from its 26 events.

The tests compare the graph's answers with these sets, so a lineage bug cannot hide behind a
reference implementation that shares it.
"""

from graph.stores import Store
from ingest.openlineage import translate

NS = "food_delivery"


#: The tables the seed's ``etl_<table>`` jobs write from no input of the seed's.
SOURCE_TABLES = (
    "customers",
    "order_status",
    "drivers",
    "restaurants",
    "menus",
    "menu_items",
    "orders",
    "categories",
)


def ds(name: str) -> str:
    return f"dataset:{NS}:public.{name}"


def job(name: str) -> str:
    return f"job:{NS}:{name}"


def col(table: str, field: str) -> str:
    return f"datasetField:{NS}:public.{table}:{field}"


def ownership_event(job_name: str, owner: str) -> dict:
    """A JobEvent giving one of the seed's jobs an owning team: how a scheduler tells who runs a
    job (the seed itself names no owners)."""
    producer = "https://example.com/tests"
    return {
        "eventTime": "2026-01-05T07:00:00Z",
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent",
        "job": {
            "namespace": NS,
            "name": job_name,
            "facets": {
                "ownership": {
                    "_producer": producer,
                    "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json",
                    "owners": [{"name": owner, "type": "team"}],
                }
            },
        },
    }


def load_with_owners(store: Store, events: list[dict], owners: dict[str, str]) -> Store:
    """``store`` holding the seed's ``events`` and an ownership event for each job in ``owners``
    (job name to owning team)."""
    for event in events + [ownership_event(job, owner) for job, owner in owners.items()]:
        store.apply(translate(event))
    return store


DELIVERY_7_DAYS_UPSTREAM_NODES = {
    ds("delivery_7_days"),
    job("etl_delivery_7_days"),
    ds("orders_7_days"),
    ds("customers"),
    ds("order_status"),
    ds("drivers"),
    ds("restaurants"),
    job("etl_orders_7_days"),
    job("etl_customers"),
    job("etl_order_status"),
    job("etl_drivers"),
    job("etl_restaurants"),
    ds("menus"),
    ds("menu_items"),
    ds("orders"),
    ds("categories"),
    job("etl_menus"),
    job("etl_menu_items"),
    job("etl_orders"),
    job("etl_categories"),
}

DELIVERY_7_DAYS_UPSTREAM_EDGES = {
    (job("etl_delivery_7_days"), ds("delivery_7_days"), "WRITES"),
    *(
        (ds(t), job("etl_delivery_7_days"), "READS")
        for t in ("orders_7_days", "customers", "order_status", "drivers", "restaurants")
    ),
    (job("etl_orders_7_days"), ds("orders_7_days"), "WRITES"),
    *(
        (ds(t), job("etl_orders_7_days"), "READS")
        for t in ("menus", "menu_items", "orders", "categories")
    ),
    *((job(f"etl_{t}"), ds(t), "WRITES") for t in SOURCE_TABLES),
}

DELIVERY_7_DAYS_DOWNSTREAM_NODES = {
    ds("delivery_7_days"),
    job("delivery_times_7_days"),
    ds("top_delivery_times"),
    ds("discounts"),
    job("orders_popular_day_of_week"),
    ds("popular_orders_day_of_week"),
    job("email_discounts"),
}

DELIVERY_7_DAYS_DOWNSTREAM_EDGES = {
    (ds("delivery_7_days"), job("delivery_times_7_days"), "READS"),
    (job("delivery_times_7_days"), ds("top_delivery_times"), "WRITES"),
    (job("delivery_times_7_days"), ds("discounts"), "WRITES"),
    (ds("top_delivery_times"), job("orders_popular_day_of_week"), "READS"),
    (job("orders_popular_day_of_week"), ds("popular_orders_day_of_week"), "WRITES"),
    (ds("discounts"), job("email_discounts"), "READS"),
}

DISCOUNTS_UPSTREAM_NODES = DELIVERY_7_DAYS_UPSTREAM_NODES | {
    ds("discounts"),
    job("delivery_times_7_days"),
}
DISCOUNTS_DOWNSTREAM_NODES = {ds("discounts"), job("email_discounts")}

CUSTOMERS_EMAIL_DOWNSTREAM_NODES = {
    col("customers", "email"),
    col("delivery_7_days", "customer_email"),
    col("top_delivery_times", "customer_email"),
    col("discounts", "customer_email"),
}

CUSTOMERS_EMAIL_DOWNSTREAM_EDGES = {
    (col("customers", "email"), col("delivery_7_days", "customer_email"), "DERIVES_FROM"),
    (
        col("delivery_7_days", "customer_email"),
        col("top_delivery_times", "customer_email"),
        "DERIVES_FROM",
    ),
    (col("delivery_7_days", "customer_email"), col("discounts", "customer_email"), "DERIVES_FROM"),
}
