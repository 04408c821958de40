"""lineagemesh validated the way OpenLineage's compatibility suite validates a consumer.

The suite (vendored: ``tests/corpora/openlineage-compatibility``) gives each consumer a directory:
a ``mapping.json`` of OpenLineage fields and facets to the consumer's entities (with the facets
knowingly not mapped), and per scenario a ``config.json`` naming validation files, each the state
the consumer's API must show after the scenario's events. Ours is ``tests/compatibility/lineagemesh``;
its scenarios are the suite's public ones and ours (``tests/compatibility/scenarios``: a table
dropped under its storage path after the metastore created it, in either arrival order; a catalog
facet beside column lineage). Each runs on a fresh server of each store, events sent in the suite's
order (file names sorted), and the state is compared with the suite's own comparer
(``compare_events.diff``: keys absent from the expectation are not judged).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from compatibility_state import api_state, scenario_events

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "tests" / "corpora" / "openlineage-compatibility"
CONSUMER = REPO / "tests" / "compatibility" / "lineagemesh"
OWN_SCENARIOS = REPO / "tests" / "compatibility" / "scenarios"
FACET_SCHEMAS = REPO / "ingest" / "schemas" / "facets"

sys.path.insert(0, str(SUITE))
from compare_events import diff  # type: ignore[import-not-found]  # noqa: E402  (the suite's, vendored)

SCENARIOS = sorted(path.name for path in (CONSUMER / "scenarios").iterdir())


def _events_dir(scenario: str) -> Path:
    config = json.loads((CONSUMER / "scenarios" / scenario / "config.json").read_text())
    return (SUITE / "scenarios" if config["events"] == "openlineage" else OWN_SCENARIOS) / scenario


def validate(scenario: str, state: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every difference between the scenario's validation files and ``state``, as the suite
    words them, each prefixed with its test and entity; [] when the scenario passes."""
    config = json.loads((CONSUMER / "scenarios" / scenario / "config.json").read_text())
    problems = []
    for test in config["tests"]:
        expected = json.loads((CONSUMER / "scenarios" / scenario / test["path"]).read_text())
        actual = {entry["requested"]: entry for entry in state[test["entity"]]}
        for entry in expected:
            found = actual.get(entry["requested"])
            if found is None or ("id" not in found and "name" not in found):
                problems.append(f"{test['name']}: {entry['requested']}: no matching entity")
                continue
            problems += [f"{test['name']}: {entry['requested']}{d}" for d in diff(entry, found, "")]
    return problems


def test_every_scenario_of_the_suite_has_our_validation() -> None:
    public = {path.name for path in (SUITE / "scenarios").iterdir() if path.is_dir()}
    ours = {path.name for path in OWN_SCENARIOS.iterdir() if path.is_dir()}
    assert public <= set(SCENARIOS) and ours <= set(SCENARIOS)
    assert set(SCENARIOS) == public | ours


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_state(live_server: Any, scenario: str) -> None:
    events = scenario_events(_events_dir(scenario))
    for event in events:
        response = httpx.post(f"{live_server.url}/api/v1/lineage", json=event, timeout=60)
        assert response.status_code == 201, response.text
    assert validate(scenario, api_state(live_server.graphql, events)) == []


def test_the_validator_reports_a_difference(live_server: Any) -> None:
    """A state that differs from the expectation is named, in the suite's words."""
    scenario = "drop_under_storage_name_after_create"
    events = scenario_events(_events_dir(scenario))
    for event in events[:1]:  # the CREATE only: the DROP never arrives
        assert httpx.post(f"{live_server.url}/api/v1/lineage", json=event, timeout=60).is_success
    problems = validate(scenario, api_state(live_server.graphql, events))
    assert any("lifecycleState" in p and "DROP" in p for p in problems), problems
    assert any(".deleted" in p for p in problems), problems


def test_the_mapping_names_every_standard_facet() -> None:
    """``mapping.json`` says of each facet schema the spec defines where it lands, or that it is
    knowingly not mapped; it names no facet the spec lacks."""
    mapping = json.loads((CONSUMER / "mapping.json").read_text())
    named = set(mapping["mapped"]) - {"core"} | set(mapping["knownUnmapped"])
    standard = {path.stem for path in FACET_SCHEMAS.glob("*.json")}
    assert named == standard
