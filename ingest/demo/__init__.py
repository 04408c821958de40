"""Demo data: the Marquez food_delivery seed (Apache-2.0, see LICENSE here), so a newcomer sees a graph at once."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def food_delivery_events() -> list[dict[str, Any]]:
    """26 OpenLineage RunEvents of 13 jobs over 13 datasets, with schemas and column lineage."""
    return json.loads((resources.files("ingest.demo") / "food_delivery.json").read_text())
