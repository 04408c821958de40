"""Every SLO property and quality rule of a contract compared by ``lineagemesh check --contract``:
the Bitol ODCS full example and datacontract.com's orders example (``tests/corpora/
data-contracts``), ingested as they are, then proposed with one promise changed at a time —
against the graph's version and against a ``--contract-base`` file. A stronger promise is
BREAKING (exit 1), a weaker one a WARNING (exit 0). Through the real CLI on a real store.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import corpus
from test_pr_check import check, cli

ODCS = corpus("data-contracts", "odcs", "full-example.odcs.yaml")
DATACONTRACT = corpus("data-contracts", "datacontract-spec", "orders-latest.datacontract.yaml")


def ingested(path: Path, data_dir: Path) -> dict[str, Any]:
    done = cli("ingest", "contracts", str(path), "--data-dir", str(data_dir))
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(path.read_text())


def proposed(
    data_dir: Path, tmp_path: Path, doc: dict[str, Any], *base: str
) -> tuple[int, list[tuple[Any, ...]]]:
    """The exit code and (kind, term, old, new, severity) of each change ``doc`` makes (the
    report lists each once, though a contract's change is planned from each dataset it governs)."""
    path = tmp_path / f"proposed-{len(list(tmp_path.glob('proposed-*')))}.yaml"
    path.write_text(yaml.safe_dump(doc))
    code, report, stderr = check(data_dir, "--contract", str(path), *base, "--format", "json")
    assert isinstance(report, dict), stderr
    return code, [
        (c["kind"], c["term"], c["old"], c["new"], c["severity"]) for c in report["changes"]
    ]


def sla(doc: dict[str, Any], prop: str, **values: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    entry = next(e for e in new["slaProperties"] if e["property"] == prop)
    entry.update(values)
    return new


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def test_odcs_latency_4d_to_1d_is_breaking_against_the_graph(store: Path, tmp_path: Path) -> None:
    doc = ingested(ODCS, store)
    assert proposed(store, tmp_path, doc) == (0, [])
    code, rows = proposed(store, tmp_path, sla(doc, "latency", value=1))
    assert (code, rows) == (
        1,
        [("FRESHNESS_TIGHTENED", "latency[tab1.txn_ref_dt]", "4d", "1d", "BREAKING")],
    )
    # the JSON lists the change once, with each table the contract governs and its walk from it
    code, report, _ = check(
        store, "--contract", str(tmp_path / "proposed-1.yaml"), "--format", "json"
    )
    assert isinstance(report, dict)
    [change] = report["changes"]
    assert change["dataset"] == f"contract:{doc['id']}"
    assert sorted(g["dataset"].rsplit(":", 1)[-1] for g in change["governs"]) == [
        "pypl-edw.pp_access_views.receivers_master",
        "pypl-edw.pp_access_views.tbl_1",
    ]
    assert all(g["walk"] == "SEMANTIC" for g in change["governs"])
    assert (change["start"], change["walk"]) == (
        change["governs"][0]["start"],
        change["governs"][0]["walk"],
    )
    # the report for people: the change once (though planned from each governed table), under
    # the contract it changes
    code, markdown, _ = check(
        store, "--contract", str(tmp_path / "proposed-1.yaml"), "--format", "markdown"
    )
    assert isinstance(markdown, str)
    assert code == 1 and markdown.count("tighten latency[tab1.txn_ref_dt] of") == 1, markdown
    assert f"\n- **`contract:{doc['id']}`**\n  - BREAKING `tighten latency" in markdown
    assert proposed(store, tmp_path, sla(doc, "latency", value=96, unit="h")) == (0, [])
    code, rows = proposed(store, tmp_path, sla(doc, "latency", value=5))
    assert (code, [r[0] for r in rows]) == (0, ["FRESHNESS_LOOSENED"])


#: One property changed at a time: (property, new values, kind, severity).
ODCS_CHANGES: list[tuple[str, dict[str, Any], str, str]] = [
    ("retention", {"value": 5}, "SLO_TIGHTENED", "BREAKING"),  # kept 5 years, not 3
    ("retention", {"value": 1}, "SLO_LOOSENED", "WARNING"),
    ("frequency", {"value": 0.5}, "SLO_TIGHTENED", "BREAKING"),  # twice a day
    ("endOfSupport", {"value": "2030-01-01T00:00:00+00:00"}, "SLO_LOOSENED", "WARNING"),
    ("endOfLife", {"value": "2050-01-01T00:00:00+00:00"}, "SLO_TIGHTENED", "BREAKING"),
    ("generalAvailability", {"value": "2021-01-01T00:00:00+00:00"}, "SLO_TIGHTENED", "BREAKING"),
]


def test_every_odcs_slo_property_is_compared(store: Path, tmp_path: Path) -> None:
    doc = ingested(ODCS, store)
    for prop, values, kind, severity in ODCS_CHANGES:
        code, rows = proposed(store, tmp_path, sla(doc, prop, **values))
        assert [(r[0], r[1].split("[")[0], r[4]) for r in rows] == [(kind, prop, severity)]
        assert code == (1 if severity == "BREAKING" else 0), (prop, values)


def test_odcs_properties_added_dropped_and_unordered(store: Path, tmp_path: Path) -> None:
    doc = ingested(ODCS, store)
    new = copy.deepcopy(doc)
    new["slaProperties"] += [
        {"property": "completeness", "value": 99.5, "unit": "%"},
        {"property": "availability", "value": "99.9%"},
    ]
    new["slaProperties"] = [e for e in new["slaProperties"] if e["property"] != "endOfLife"]
    for entry in new["slaProperties"]:
        if entry["property"] == "timeOfAvailability" and entry["driver"] == "analytics":
            entry["value"] = "07:00-08:00"  # an hour earlier: a stronger promise
        if entry["property"] == "frequency":
            entry["valueExt"] = 2  # no order: a change all the same
    code, rows = proposed(store, tmp_path, new)
    assert code == 1
    assert {(r[0], r[1], r[4]) for r in rows} == {
        ("SLO_LOOSENED", "endOfLife", "WARNING"),
        ("SLO_TIGHTENED", "timeOfAvailability[tab1.txn_ref_dt, analytics]", "BREAKING"),
        ("SLO_TIGHTENED", "frequency[tab1.txn_ref_dt].valueExt", "BREAKING"),
        ("SLO_TIGHTENED", "completeness", "BREAKING"),
        ("SLO_TIGHTENED", "availability", "BREAKING"),
    }


def test_datacontract_service_levels_against_a_base_file(store: Path, tmp_path: Path) -> None:
    doc = ingested(DATACONTRACT, store)
    levels = copy.deepcopy(doc)
    sl = levels["servicelevels"]
    sl["availability"]["percentage"] = "99.99%"
    sl["retention"]["period"] = "P6M"
    sl["freshness"]["threshold"] = "1d"  # 25h → 24h
    sl["frequency"]["interval"] = "hourly"
    sl["support"]["responseTime"] = "4h"
    sl["backup"]["recoveryTime"] = "24 hours"  # the same promise, written alike
    sl["backup"]["cron"] = "0 3 * * 0"
    expected = {
        ("SLO_TIGHTENED", "availability.percentage", "99.9%", "99.99%", "BREAKING"),
        ("SLO_LOOSENED", "retention.period", "P1Y", "P6M", "WARNING"),
        ("FRESHNESS_TIGHTENED", "freshness.threshold", "25h", "1d", "BREAKING"),
        ("SLO_TIGHTENED", "frequency.interval", "daily", "hourly", "BREAKING"),
        ("SLO_LOOSENED", "support.responseTime", "1h", "4h", "WARNING"),
        ("SLO_TIGHTENED", "backup.cron", "0 0 * * 0", "0 3 * * 0", "BREAKING"),
    }
    code, rows = proposed(store, tmp_path, levels)
    assert (code, set(rows)) == (1, expected)
    base = tmp_path / "base.yaml"
    base.write_text(DATACONTRACT.read_text())
    code, rows = proposed(store, tmp_path, levels, "--contract-base", str(base))
    assert (code, set(rows)) == (1, expected)
    sl["retention"]["unlimited"] = True  # kept for ever: stronger than a year
    _, rows = proposed(store, tmp_path, levels)
    assert ("SLO_TIGHTENED", "retention.period", "P1Y", "unlimited", "BREAKING") in rows


def test_quality_rules_compared_bound_by_bound(store: Path, tmp_path: Path) -> None:
    doc = ingested(DATACONTRACT, store)
    new = copy.deepcopy(doc)
    orders = new["models"]["orders"]
    total = orders["fields"]["order_total"]["quality"][0]
    total["mustBeBetween"] = [1000, 40000]  # narrower: tightened
    rules = orders["quality"]
    rules[0]["mustBeLessThan"] = 7200  # wider: loosened
    rules[1]["mustBeGreaterThan"] = 1000  # row count up: tightened
    code, report, stderr = check(
        store, "--contract", str(_write(tmp_path, new)), "--format", "json"
    )
    assert isinstance(report, dict), stderr
    kinds = sorted({(c["kind"], c["column"], c["severity"]) for c in report["changes"]})
    assert kinds == [
        ("QUALITY_LOOSENED", "orders", "WARNING"),
        ("QUALITY_TIGHTENED", "orders", "BREAKING"),
        ("QUALITY_TIGHTENED", "orders.order_total", "BREAKING"),
    ]
    assert code == 1


def _write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "quality.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path
