#!/usr/bin/env python3
"""A bounded load test: many concurrent clients post OpenLineage events and query GraphQL.

    .venv/bin/python scripts/load_test.py                          # starts its own server (embedded store, temp dir)
    .venv/bin/python scripts/load_test.py --store bolt://127.0.0.1:7687
    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:5000 --clients 16 --events 5000 --queries 2000

Loopback only: ``--url`` must name 127.0.0.1, localhost or ::1. Without ``--url`` the script runs
``lineagemesh serve`` itself on a free loopback port and stops it afterwards. The work is fixed
(``--events`` posts and ``--queries`` GraphQL queries, shuffled with ``--seed``) and bounded by
``--duration``: clients stop taking work at the deadline, whatever is left is reported as not sent.

Every event has its own job, run and output dataset (with columns and column lineage) reading two
of a few shared sources, so hot nodes see contention. Queries only ask about nodes that exist
(lineage, column lineage, impact, search, dataset, stats). Afterwards every acknowledged event is
checked over GraphQL: its job, run and output must be there.

Prints throughput (events/s, queries/s), latency percentiles and answers by class; ``--json``
prints the same as one JSON object. Exit code 1 on any 5xx, transport error, unexpected 4xx,
GraphQL error or lost event; 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import math
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_options import numbers
from devservers.lineagemesh import LineagemeshServer

NS = "load"
PRODUCER = "https://example.com/lineagemesh-load-test"
RUN_EVENT = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
FACET = "https://openlineage.io/spec/facets/1-0-0/X.json"
VERIFY_ALIASES = 25  # per verification query (the server allows 30)
MAX_RETRIES = 20  # a 429 (admission: too many queries of this client in flight) is retried after its Retry-After


# -- the work ---------------------------------------------------------------------------------------


def source_name(k: int) -> str:
    return f"src.table_{k}"


def _schema(*names: str) -> dict[str, Any]:
    return {
        "_producer": PRODUCER,
        "_schemaURL": FACET,
        "fields": [{"name": n, "type": "STRING"} for n in names],
    }


def seed_event(k: int, moment: float) -> dict[str, Any]:
    """The job that writes source ``k``."""
    source = {
        "namespace": NS,
        "name": source_name(k),
        "facets": {"schema": _schema("id", "payload", "ts")},
    }
    return _run_event(f"seed_{k}", [], [source], moment)


def load_event(i: int, sources: int, moment: float) -> dict[str, Any]:
    """Job ``job_i`` reads two shared sources and writes its own output, column by column."""
    a, b = source_name(i % sources), source_name((i * 7 + 3) % sources)
    lineage = {
        "id": {"inputFields": [{"namespace": NS, "name": a, "field": "id"}]},
        "value": {
            "inputFields": [
                {"namespace": NS, "name": a, "field": "payload"},
                {"namespace": NS, "name": b, "field": "payload"},
            ]
        },
        "ts": {
            "inputFields": [
                {
                    "namespace": NS,
                    "name": b,
                    "field": "ts",
                    "transformations": [{"type": "DIRECT", "subtype": "IDENTITY"}],
                }
            ]
        },
    }
    inputs = [
        {"namespace": NS, "name": n, "facets": {"schema": _schema("id", "payload", "ts")}}
        for n in dict.fromkeys([a, b])
    ]
    outputs = [
        {
            "namespace": NS,
            "name": f"out.table_{i}",
            "facets": {
                "schema": _schema("id", "value", "ts"),
                "columnLineage": {"_producer": PRODUCER, "_schemaURL": FACET, "fields": lineage},
            },
        }
    ]
    return _run_event(f"job_{i}", inputs, outputs, moment)


def _run_event(job: str, inputs: list, outputs: list, moment: float) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(moment))
        + f".{int(moment * 1e6) % 1_000_000:06d}Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {
            "namespace": NS,
            "name": job,
            "facets": {"sql": {"_producer": PRODUCER, "_schemaURL": FACET, "query": f"-- {job}"}},
        },
        "inputs": inputs,
        "outputs": outputs,
        "producer": PRODUCER,
        "schemaURL": RUN_EVENT,
    }


QUERIES = {
    "lineage": (
        "query($id: String!) { lineage(nodeId: $id, direction: UPSTREAM, depth: 3) "
        "{ nodes { id kind } edges { source target kind } truncated } }"
    ),
    "downstream": (
        "query($id: String!) { lineage(nodeId: $id, direction: DOWNSTREAM, depth: 2) "
        "{ nodes { id } edges { source target } truncated } }"
    ),
    "columnLineage": (
        "query($id: String!) { columnLineage(nodeId: $id, direction: UPSTREAM) "
        "{ nodes { id } edges { source target transformations { type } } truncated } }"
    ),
    "impact": "query($id: String!) { impact(nodeId: $id, change: DROP, depth: 2) { affected { id severity } truncated } }",
    "search": "query($text: String!) { search(text: $text, first: 20) { id kind name } }",
    "dataset": (
        "query($ns: String!, $name: String!) { dataset(namespace: $ns, name: $name) "
        "{ id columns { name type current } writtenBy { id } readBy { id } } }"
    ),
    "stats": "{ stats { kind count } }",
}


def query_for(
    kind: str, rng: random.Random, outputs: list[int], sources: int
) -> tuple[str, dict[str, Any]]:
    """A query of ``kind`` about something that exists: an acknowledged output, else a source."""
    known = outputs[rng.randrange(len(outputs))] if outputs else None
    table = f"out.table_{known}" if known is not None else source_name(rng.randrange(sources))
    if kind in ("lineage", "downstream", "impact"):
        target = source_name(rng.randrange(sources)) if kind != "lineage" else table
        return QUERIES[kind], {"id": f"dataset:{NS}:{target}"}
    if kind == "columnLineage":
        return QUERIES[kind], {"id": f"datasetField:{NS}:{table}:id"}
    if kind == "search":
        return QUERIES[kind], {"text": f"table_{rng.randrange(10)}"}
    if kind == "dataset":
        return QUERIES[kind], {"ns": NS, "name": table}
    return QUERIES[kind], {}


# -- measuring ----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one client saw (merged at the end)."""

    latency: dict[str, list[float]] = field(default_factory=lambda: {"event": [], "query": []})
    by_query: dict[str, list[float]] = field(default_factory=dict)  # query kind -> latencies
    answers: Counter = field(default_factory=Counter)  # (event|query, 2xx|4xx|5xx|error) -> n
    failures: list[str] = field(default_factory=list)

    def record(
        self, what: str, seconds: float, status: int | None, failure: str | None = None
    ) -> None:
        self.latency[what].append(seconds)
        self.answers[(what, "error" if status is None else f"{status // 100}xx")] += 1
        if failure and len(self.failures) < 20:
            self.failures.append(failure)

    def merge(self, other: Tally) -> None:
        for what, values in other.latency.items():
            self.latency[what].extend(values)
        for kind, values in other.by_query.items():
            self.by_query.setdefault(kind, []).extend(values)
        self.answers.update(other.answers)
        self.failures.extend(other.failures[: max(0, 20 - len(self.failures))])


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


# -- running --------------------------------------------------------------------------------------


@dataclass
class Plan:
    url: str
    clients: int
    events: int
    queries: int
    duration: float
    sources: int
    seed: int


def run(plan: Plan) -> dict[str, Any]:
    """Seed the sources, run the shuffled work on ``plan.clients`` threads, verify; the report."""
    rng = random.Random(plan.seed)
    kinds = sorted(QUERIES)
    work: list[tuple[str, int]] = [("event", i) for i in range(plan.events)] + [
        ("query", j) for j in range(plan.queries)
    ]
    rng.shuffle(work)
    query_kinds = [kinds[j % len(kinds)] for j in range(plan.queries)]
    acknowledged: dict[str, str] = {}  # job name -> runId, for every 201
    outputs: list[int] = []  # acknowledged load events, for queries to ask about
    lock = threading.Lock()
    cursor = iter(work)
    base = time.time()

    def post(http: httpx.Client, tally: Tally, job: str, event: dict[str, Any]) -> bool:
        started = time.perf_counter()
        try:
            response = http.post(f"{plan.url}/api/v1/lineage", json=event)
        except httpx.HTTPError as e:
            tally.record(
                "event", time.perf_counter() - started, None, f"POST {job}: {type(e).__name__}: {e}"
            )
            return False
        ok = response.status_code == 201
        tally.record(
            "event",
            time.perf_counter() - started,
            response.status_code,
            None if ok else f"POST {job}: {response.status_code} {response.text[:200]}",
        )
        if ok:
            with lock:
                acknowledged[job] = event["run"]["runId"]
        return ok

    seeding = Tally()  # the sources first, so every query has something to ask about (not timed)
    with httpx.Client(timeout=60) as http:
        for k in range(plan.sources):
            post(http, seeding, f"seed_{k}", seed_event(k, base + k * 1e-3))
    if seeding.failures:
        raise SystemExit("seeding the sources failed: " + "; ".join(seeding.failures))
    tally = Tally()
    started = time.perf_counter()
    deadline = started + plan.duration

    def client(number: int) -> Tally:
        mine = Tally()
        local = random.Random(plan.seed * 1000 + number)
        with httpx.Client(timeout=60) as http:
            while time.perf_counter() < deadline:
                with lock:
                    item = next(cursor, None)
                if item is None:
                    break
                what, n = item
                if what == "event":
                    if post(
                        http,
                        mine,
                        f"job_{n}",
                        load_event(n, plan.sources, base + plan.sources * 1e-3 + n * 1e-3),
                    ):
                        with lock:
                            outputs.append(n)
                    continue
                with lock:
                    known = list(outputs[-200:])
                query, variables = query_for(query_kinds[n], local, known, plan.sources)
                began = time.perf_counter()
                try:
                    response = http.post(
                        f"{plan.url}/graphql", json={"query": query, "variables": variables}
                    )
                    for _ in range(
                        MAX_RETRIES
                    ):  # 429: the server's admission says to come back, as a client should
                        if response.status_code != 429:
                            break
                        mine.answers[("query", "429 retried")] += 1
                        time.sleep(float(response.headers.get("retry-after", "1")))
                        response = http.post(
                            f"{plan.url}/graphql", json={"query": query, "variables": variables}
                        )
                except httpx.HTTPError as e:
                    mine.record(
                        "query",
                        time.perf_counter() - began,
                        None,
                        f"{query_kinds[n]}: {type(e).__name__}: {e}",
                    )
                    continue
                errors = response.json().get("errors") if response.status_code == 200 else None
                failure = None
                if response.status_code != 200:
                    failure = f"{query_kinds[n]} {variables}: {response.status_code} {response.text[:200]}"
                elif errors:
                    failure = (
                        f"{query_kinds[n]} {variables}: GraphQL error {errors[0].get('message')}"
                    )
                    mine.answers[("query", "graphql error")] += 1
                mine.record("query", time.perf_counter() - began, response.status_code, failure)
                mine.by_query.setdefault(query_kinds[n], []).append(time.perf_counter() - began)
        return mine

    results: list[Tally] = []
    threads = [
        threading.Thread(target=lambda c=c: results.append(client(c)), daemon=True)
        for c in range(plan.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(plan.duration + 120)
    elapsed = time.perf_counter() - started
    for part in results:
        tally.merge(part)
    not_sent = sum(1 for _ in cursor)
    lost = verify(plan.url, acknowledged, tally)
    return report(plan, tally, elapsed, not_sent, len(acknowledged), lost)


def verify(url: str, acknowledged: dict[str, str], tally: Tally) -> list[str]:
    """The acknowledged jobs whose job, run or output is not in the graph."""
    lost: list[str] = []
    names = sorted(acknowledged)
    with httpx.Client(timeout=120) as http:
        for start in range(0, len(names), VERIFY_ALIASES):
            chunk = names[start : start + VERIFY_ALIASES]
            params = ", ".join(f"$n{i}: String!" for i in range(len(chunk)))
            fields = " ".join(
                f'j{i}: job(namespace: "{NS}", name: $n{i}) {{ outputs {{ id }} latestRun {{ runId state }} }}'
                for i in range(len(chunk))
            )
            response = http.post(
                f"{url}/graphql",
                json={
                    "query": f"query({params}) {{ {fields} }}",
                    "variables": {f"n{i}": n for i, n in enumerate(chunk)},
                },
            )
            body = response.json() if response.status_code == 200 else {}
            if response.status_code != 200 or body.get("errors"):
                tally.failures.append(
                    f"verification query: {response.status_code} {response.text[:200]}"
                )
                lost.extend(chunk)
                continue
            for i, job in enumerate(chunk):
                got = body["data"][f"j{i}"]
                table = (
                    source_name(int(job[5:])) if job.startswith("seed_") else f"out.table_{job[4:]}"
                )
                output = f"dataset:{NS}:{table}"
                if got != {
                    "outputs": [{"id": output}],
                    "latestRun": {"runId": acknowledged[job], "state": "COMPLETE"},
                }:
                    lost.append(job)
    return lost


def report(
    plan: Plan, tally: Tally, elapsed: float, not_sent: int, acknowledged: int, lost: list[str]
) -> dict[str, Any]:
    def side(what: str, unit: str) -> dict[str, Any]:
        values = tally.latency[what]
        answers = {k: v for (w, k), v in tally.answers.items() if w == what}
        done = answers.get("2xx", 0) - answers.get("graphql error", 0)
        return {
            "sent": len(values),
            **{k: answers.get(k, 0) for k in ("2xx", "4xx", "5xx", "error")},
            "graphqlErrors": answers.get("graphql error", 0),
            "retried429": answers.get("429 retried", 0),
            f"{unit}PerSecond": round(done / elapsed, 1) if elapsed else 0.0,
            **{f"p{p}Ms": round(percentile(values, p) * 1000, 1) for p in (50, 95, 99)},
            "maxMs": round(max(values, default=0) * 1000, 1),
        }

    events, queries = side("event", "events"), side("query", "queries")
    failed = bool(
        events["5xx"]
        or queries["5xx"]
        or events["error"]
        or queries["error"]
        or events["4xx"]
        or queries["4xx"]
        or queries["graphqlErrors"]
        or lost
    )
    by_kind = {
        kind: {
            "sent": len(values),
            **{f"p{p}Ms": round(percentile(values, p) * 1000, 1) for p in (50, 95, 99)},
        }
        for kind, values in sorted(tally.by_query.items())
    }
    return {
        "url": plan.url,
        "clients": plan.clients,
        "seconds": round(elapsed, 2),
        "notSent": not_sent,
        "events": events,
        "queries": queries,
        "queryKinds": by_kind,
        "acknowledged": acknowledged,
        "lost": len(lost),
        "lostJobs": lost[:20],
        "failures": tally.failures[:20],
        "ok": not failed,
    }


def print_report(result: dict[str, Any], store: str) -> None:
    print(
        f"lineagemesh load test: {result['clients']} clients for {result['seconds']} s against {result['url']} ({store})"
    )
    for label, key, unit in (
        ("events ", "events", "events/s"),
        ("queries", "queries", "queries/s"),
    ):
        side = result[key]
        extra = f"  GraphQL errors {side['graphqlErrors']}" if key == "queries" else ""
        print(
            f"  {label} {side['sent']:>6} sent  {side[key + 'PerSecond']:>7.1f} {unit:<9}  "
            f"2xx {side['2xx']}  4xx {side['4xx']}  5xx {side['5xx']}  no answer {side['error']}{extra}  "
            f"latency p50 {side['p50Ms']} ms  p95 {side['p95Ms']} ms  p99 {side['p99Ms']} ms  max {side['maxMs']} ms"
        )
    if result["queryKinds"]:
        print(
            "  by query: "
            + "  ".join(
                f"{kind} p50 {k['p50Ms']} / p95 {k['p95Ms']} ms"
                for kind, k in result["queryKinds"].items()
            )
        )
    if result["notSent"]:
        print(f"  {result['notSent']} requests not sent: the --duration deadline came first")
    print(f"  verified {result['acknowledged']} acknowledged events: {result['lost']} lost")
    for failure in result["failures"]:
        print(f"  ! {failure}")
    print("OK" if result["ok"] else "FAILED")


def _loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--url", help="a running server on this machine (default: start one)")
    target.add_argument(
        "--store", help="store URI for the server this script starts (e.g. bolt://127.0.0.1:7687)"
    )
    target.add_argument(
        "--data-dir", type=Path, help="embedded store directory for the server this script starts"
    )
    numbers(
        parser,
        ("--clients", 8, "concurrent clients"),
        ("--events", 2000, "events to post"),
        ("--queries", 1000, "GraphQL queries to send"),
        ("--duration", 120.0, "stop taking work after this many seconds"),
        ("--sources", 20, "shared source datasets"),
        ("--seed", 1, "shuffles the work"),
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    if (
        min(args.clients, args.sources) < 1
        or min(args.events, args.queries) < 0
        or args.duration <= 0
    ):
        parser.error(
            "--clients and --sources must be at least 1, --events/--queries not negative, --duration positive"
        )
    if args.url and not _loopback(args.url):
        parser.error(
            f"{args.url} is not a loopback address: this load test only runs against this machine"
        )

    def go(url: str) -> int:
        store = httpx.get(f"{url}/healthz", timeout=10).json().get("store", "?")
        plan = Plan(
            url.rstrip("/"),
            args.clients,
            args.events,
            args.queries,
            args.duration,
            args.sources,
            args.seed,
        )
        result = run(plan)
        result["store"] = store
        if args.json:
            print(json.dumps(result))
        else:
            print_report(result, store)
        return 0 if result["ok"] else 1

    if args.url:
        return go(args.url)
    with tempfile.TemporaryDirectory(prefix="lineagemesh-load-") as tmp:
        store_args = (
            ["--store", args.store]
            if args.store
            else ["--data-dir", str(args.data_dir or Path(tmp) / "store")]
        )
        log = Path(tmp) / "server.log"
        try:
            with LineagemeshServer(store_args, log, global_args=[]).start(timeout=90) as server:
                code = go(server.url)
        except RuntimeError as e:  # the server did not come up
            raise SystemExit(str(e)) from None
        if code:
            print(
                f"server log (last lines of {log}):",
                *log.read_text(errors="replace").splitlines()[-20:],
                sep="\n",
                file=sys.stderr,
            )
        return code


if __name__ == "__main__":
    sys.exit(main())
