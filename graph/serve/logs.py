"""Structured logs: one JSON object per line (``serve --log-format json``).

Every request is logged once, by ``AccessLog``, as::

    {"time": "2026-01-05T06:00:00.123Z", "level": "info", "logger": "lineagemesh.access",
     "message": "POST /api/v1/lineage 201", "method": "POST", "path": "/api/v1/lineage",
     "status": 201, "duration_ms": 4.2, "principal": "spark-sales", "events": 1, "client": "10.0.0.7"}

``principal`` is who the request acted as (null when refused before that was known), ``events``
how many OpenLineage events it carried (null off the ingest endpoints; a request refused before
its events were read counts as one). Endpoints leave both in ``request.state``. Every other log
record of the process is a JSON line too.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

from starlette.types import ASGIApp, Scope

from graph.serve.observe import RequestObserver

ACCESS = logging.getLogger("lineagemesh.access")
REQUEST_FIELDS = ("method", "path", "status", "duration_ms", "principal", "events", "client")


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object; request fields (``extra={"request": {...}}``) at the top level."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(getattr(record, "request", None) or {})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def use_json_logs() -> None:
    """Render every record of the process (ours, uvicorn's) through ``JsonFormatter``."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())


class AccessLog(RequestObserver):
    """Logs each HTTP request once, when its response is complete (or failed)."""

    def __init__(self, app: ASGIApp, logger: logging.Logger = ACCESS) -> None:
        super().__init__(app)
        self.logger = logger

    def started(self, scope: Scope) -> float:
        scope.setdefault("state", {})  # where endpoints leave the principal and the event count
        return time.perf_counter()

    def finished(self, scope: Scope, status: int, started: float) -> None:
        state = scope["state"]
        client = scope.get("client")
        fields = {
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            "principal": state.get("principal"),
            "events": state.get("events"),
            "client": client[0] if client else None,
        }
        self.logger.info(
            "%s %s %s", scope["method"], scope["path"], status, extra={"request": fields}
        )
