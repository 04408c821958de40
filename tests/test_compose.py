"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code it wires:
the image, and that every variable and flag it passes is one lineagemesh really reads."""

from __future__ import annotations

from pathlib import Path

import yaml

from graph.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_compose_wires_lineagemesh_to_neo4j() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    neo4j, app = compose["services"]["neo4j"], compose["services"]["lineagemesh"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "healthcheck" in neo4j and "healthcheck" in app
    assert any(v.split(":")[0] in compose["volumes"] for v in neo4j["volumes"])
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["environment"]["LINEAGEMESH_STORE"] == "bolt://neo4j:7687"

    serve = main.commands["serve"]
    envvars = {p.envvar for p in serve.params if p.envvar}
    assert set(app["environment"]) <= envvars, set(app["environment"]) - envvars
    flags = {opt for p in serve.params for opt in p.opts}
    command = app["command"]
    assert command[:2] == ["lineagemesh", "serve"]
    assert {arg for arg in command[2:] if arg.startswith("--")} <= flags
    assert (REPO / app["build"] / "Dockerfile").exists()


def test_compose_feeds_lineagemesh_from_a_kraft_kafka() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    kafka, app = compose["services"]["kafka"], compose["services"]["lineagemesh"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft: no ZooKeeper
    internal = next(a for a in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",") if a.startswith("INTERNAL://"))
    assert app["environment"]["LINEAGEMESH_KAFKA_BOOTSTRAP_SERVERS"] == internal.removeprefix("INTERNAL://")
    assert app["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert any(v.split(":")[0] in compose["volumes"] for v in kafka["volumes"])
    log_volume = next(v for v in app["volumes"] if v.split(":")[0] in compose["volumes"])
    assert app["environment"]["LINEAGEMESH_EVENT_LOG"].startswith(log_volume.split(":")[1])
