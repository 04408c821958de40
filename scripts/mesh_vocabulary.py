"""What the generated mesh is made of: domain and product names, column families (keys, times,
attributes, measures, PII), the layout's probabilities, and the column templates tables draw from.
"""

from __future__ import annotations

import math
import random
from typing import Any

from mesh_openlineage import PRODUCER, SCHEMA_FACET_URL, TAGS_FACET_URL

DOMAIN_NAMES = (
    "sales",
    "finance",
    "marketing",
    "logistics",
    "hr",
    "product",
    "support",
    "inventory",
    "payments",
    "risk",
    "legal",
    "operations",
    "procurement",
    "engineering",
    "analytics",
    "customer",
)
PRODUCT_NOUNS = (
    "orders",
    "customers",
    "invoices",
    "shipments",
    "returns",
    "campaigns",
    "leads",
    "accounts",
    "ledger",
    "payroll",
    "tickets",
    "subscriptions",
    "pricing",
    "catalog",
    "stock",
    "suppliers",
    "contracts",
    "claims",
    "refunds",
    "sessions",
    "clicks",
    "forecasts",
    "budgets",
    "employees",
    "warehouses",
    "deliveries",
    "transactions",
    "fraud_signals",
    "credit_scores",
    "churn",
    "reviews",
    "promotions",
    "carriers",
    "vendors",
    "assets",
    "audits",
    "web_events",
    "kpis",
    "quotes",
    "renewals",
)
# (name, type, description)
_KEY_COLUMNS = (
    ("customer_id", "BIGINT", "Customer identifier"),
    ("order_id", "BIGINT", "Order identifier"),
    ("account_id", "BIGINT", "Account identifier"),
    ("product_id", "BIGINT", "Product identifier"),
    ("supplier_id", "BIGINT", "Supplier identifier"),
    ("employee_id", "BIGINT", "Employee identifier"),
    ("store_id", "INT", "Store identifier"),
    ("region_id", "INT", "Sales region identifier"),
    ("campaign_id", "BIGINT", "Marketing campaign identifier"),
    ("invoice_id", "BIGINT", "Invoice identifier"),
    ("session_id", "STRING", "Web session identifier"),
)
_TIME_COLUMNS = (
    ("created_at", "TIMESTAMP", "Creation timestamp (UTC)"),
    ("updated_at", "TIMESTAMP", "Last update timestamp (UTC)"),
    ("event_date", "DATE", "Business date of the event"),
    ("valid_from", "TIMESTAMP", "SCD2 validity start"),
    ("valid_to", "TIMESTAMP", "SCD2 validity end"),
    ("load_ts", "TIMESTAMP", "Load timestamp of the batch"),
)
_ATTR_COLUMNS = (
    ("status", "STRING", "Lifecycle status"),
    ("category", "STRING", "Business category"),
    ("channel", "STRING", "Sales or contact channel"),
    ("country_code", "STRING", "ISO 3166-1 alpha-2 country code"),
    ("currency", "STRING", "ISO 4217 currency code"),
    ("segment", "STRING", "Customer segment"),
    ("source_system", "STRING", "Originating operational system"),
    ("is_active", "BOOLEAN", "Whether the record is active"),
    ("is_deleted", "BOOLEAN", "Soft-delete flag"),
    ("sku", "STRING", "Stock keeping unit"),
    ("title", "STRING", "Display title"),
    ("notes", "STRING", "Free-text notes"),
    ("postal_code", "STRING", "Postal code"),
    ("city", "STRING", "City name"),
)
_MEASURE_COLUMNS = (
    ("amount", "DECIMAL(18,2)", "Gross amount"),
    ("quantity", "INT", "Number of units"),
    ("unit_price", "DECIMAL(18,2)", "Price per unit"),
    ("discount", "DECIMAL(18,2)", "Discount applied"),
    ("tax_amount", "DECIMAL(18,2)", "Tax amount"),
    ("total_amount", "DECIMAL(18,2)", "Net total amount"),
    ("revenue", "DECIMAL(18,2)", "Recognised revenue"),
    ("cost", "DECIMAL(18,2)", "Cost of goods"),
    ("margin", "DOUBLE", "Gross margin ratio"),
    ("score", "DOUBLE", "Model score"),
    ("event_count", "BIGINT", "Number of events"),
    ("duration_seconds", "BIGINT", "Duration in seconds"),
    ("balance", "DECIMAL(18,2)", "Account balance"),
    ("rating", "INT", "Rating from 1 to 5"),
)
PII_COLUMNS = (
    ("email", "STRING", "Contact e-mail address (PII)"),
    ("phone", "STRING", "Contact phone number (PII)"),
    ("first_name", "STRING", "Given name (PII)"),
    ("last_name", "STRING", "Family name (PII)"),
    ("date_of_birth", "DATE", "Date of birth (PII)"),
    ("street_address", "STRING", "Postal street address (PII)"),
    ("ip_address", "STRING", "Client IP address (PII)"),
    ("national_id", "STRING", "National identification number (PII)"),
)
PII_COLUMN_NAMES = frozenset(c[0] for c in PII_COLUMNS)
_NUMERIC_TYPES = ("INT", "BIGINT", "DOUBLE", "DECIMAL(18,2)")
_FILTER_NAMES = frozenset(
    ("status", "event_date", "is_active", "is_deleted", "created_at", "country_code", "valid_to")
)
_TIME_NAMES = frozenset(c[0] for c in _TIME_COLUMNS)

N_LAYERS = 8
SOURCE_LAYER_SHARE = 0.08
HUB_READ_PROBABILITY = 0.35
HUB_ZIPF_EXPONENT = 0.8
PAIR_PROBABILITY = 0.10
SELF_LOOP_PROBABILITY = 0.005
N_FAMILIES = 128
N_VARIANTS = 8
RERUN_GAP_MS = 3_600_000  # between the end of one round of runs and the start of the next
_RETYPE = {
    "STRING": "BIGINT",
    "BIGINT": "STRING",
    "INT": "BIGINT",
    "DOUBLE": "DECIMAL(18,2)",
    "DECIMAL(18,2)": "DOUBLE",
    "BOOLEAN": "STRING",
    "DATE": "TIMESTAMP",
    "TIMESTAMP": "DATE",
}

# flags per dataset
_SOURCE, _SPINE, _PAIR, _SECOND, _SELF, _HUB, _FORCED = 1, 2, 4, 8, 16, 32, 64


def domain_name(index: int) -> str:
    """Name of the ``index``-th (0-based) domain: sales, finance, ..., then domain_017 ..."""
    if index < len(DOMAIN_NAMES):
        return DOMAIN_NAMES[index]
    return f"domain_{index + 1:03d}"


def domain_namespace(domain: str) -> str:
    """The namespace of a domain's datasets (the domain rules match it)."""
    return f"warehouse://{domain}"


def default_domains(datasets: int) -> int:
    return max(3, datasets // 2000)


def chain_depth_target(datasets: int) -> int:
    """Guaranteed minimum longest-path length (edges) of the dataset graph."""
    return max(10, int(16 * math.log10(max(datasets, 10))))


class _Template:
    __slots__ = (
        "filter_pos",
        "index",
        "key_pos",
        "names",
        "numeric",
        "numeric_pos",
        "pii",
        "pii_pos",
        "schema_facet",
        "tags_facet",
        "time_pos",
    )

    def __init__(self, cols: list[tuple[str, str, str]]):
        self.names = [c[0] for c in cols]
        self.pii = [c[0] in PII_COLUMN_NAMES for c in cols]
        self.numeric = [c[1] in _NUMERIC_TYPES for c in cols]
        self.index = {n: i for i, n in enumerate(self.names)}
        self.pii_pos = [i for i, p in enumerate(self.pii) if p]
        self.numeric_pos = [i for i, p in enumerate(self.numeric) if p]
        self.filter_pos = [i for i, n in enumerate(self.names) if n in _FILTER_NAMES] or [0]
        self.time_pos = [i for i, n in enumerate(self.names) if n in _TIME_NAMES] or [0]
        self.key_pos = [i for i, n in enumerate(self.names) if n == "id" or n.endswith("_id")] or [
            0
        ]
        self.schema_facet = {
            "_producer": PRODUCER,
            "_schemaURL": SCHEMA_FACET_URL,
            "fields": [
                {"name": n, "type": t, "description": d, "ordinal_position": i + 1}
                for i, (n, t, d) in enumerate(cols)
            ],
        }
        if self.pii_pos:
            tags = [{"key": "contains_pii", "value": "true", "source": "generate_mesh"}]
            tags += [
                {"key": "pii", "value": "true", "source": "generate_mesh", "field": self.names[i]}
                for i in self.pii_pos
            ]
            self.tags_facet: dict[str, Any] | None = {
                "_producer": PRODUCER,
                "_schemaURL": TAGS_FACET_URL,
                "tags": tags,
            }
        else:
            self.tags_facet = None


def _make_templates(rng: random.Random, columns: int) -> list[_Template]:
    """N_FAMILIES column families x N_VARIANTS variants.

    A data product draws its tables from one family, so tables of a product share most
    columns (column lineage is then mostly IDENTITY); other products mostly share keys.
    """
    pool = list(_KEY_COLUMNS + _TIME_COLUMNS + _ATTR_COLUMNS + _MEASURE_COLUMNS)
    templates = []
    for _ in range(N_FAMILIES):
        base_n = max(0, columns + 1)  # base without "id"
        n_pii = 0
        if base_n >= 4 and rng.random() < 0.3:
            n_pii = 1 if rng.random() < 0.6 else 2
        n_plain = base_n - n_pii
        base = rng.sample(pool, min(n_plain, len(pool)))
        base += [
            (f"attr_{j:03d}", "STRING", f"Generic attribute {j}")
            for j in range(n_plain - len(base))
        ]
        base += rng.sample(PII_COLUMNS, n_pii)
        rng.shuffle(base)
        spare = [c for c in pool if c not in base]
        for _ in range(N_VARIANTS):
            count = columns + rng.randint(-2, 2) if columns >= 3 else columns
            body = [c for c in base if rng.random() < 0.9]
            while len(body) > count - 1:
                body.pop(int(rng.random() * len(body)))
            while len(body) < count - 1:
                extra = (
                    spare[int(rng.random() * len(spare))] if spare and rng.random() < 0.5 else None
                )
                if extra is None or extra in body:
                    extra = next((c for c in base if c not in body), None)
                if extra is None:
                    extra = (f"attr_{len(body):03d}", "STRING", f"Generic attribute {len(body)}")
                    if extra in body:
                        extra = (
                            f"attr_x{len(body):03d}",
                            "STRING",
                            f"Generic attribute x{len(body)}",
                        )
                body.append(extra)
            templates.append(_Template([("id", "BIGINT", "Surrogate primary key"), *body]))
    return templates
