"""docker-compose.yml cannot run here (no Docker engine), so it is checked against the code it wires:
the image, and that every variable and flag it passes is one lineagemesh really reads."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from graph.cli.serve import serve

REPO = Path(__file__).resolve().parents[1]


def test_compose_wires_lineagemesh_to_neo4j() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    neo4j, app = compose["services"]["neo4j"], compose["services"]["lineagemesh"]
    assert neo4j["image"] == "neo4j:5.26-community"
    assert "healthcheck" in neo4j and "healthcheck" in app
    assert any(v.split(":")[0] in compose["volumes"] for v in neo4j["volumes"])
    assert app["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert app["environment"]["LINEAGEMESH_STORE"] == "bolt://neo4j:7687"

    envvars = {p.envvar for p in serve.params if p.envvar} | {
        "FORWARDED_ALLOW_IPS"
    }  # uvicorn's, for the proxy
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
    internal = next(
        a
        for a in kafka["environment"]["KAFKA_ADVERTISED_LISTENERS"].split(",")
        if a.startswith("INTERNAL://")
    )
    assert app["environment"]["LINEAGEMESH_KAFKA_BOOTSTRAP_SERVERS"] == internal.removeprefix(
        "INTERNAL://"
    )
    assert app["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert any(v.split(":")[0] in compose["volumes"] for v in kafka["volumes"])
    # The raw event log lives in the Neo4j database: no replica keeps one on a disk of its own.
    assert "LINEAGEMESH_EVENT_LOG" not in app["environment"] and "volumes" not in app


def test_compose_runs_two_replicas_on_one_database_behind_one_port() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    first, second, proxy = services["lineagemesh"], services["lineagemesh-2"], services["proxy"]
    assert second["environment"] == first["environment"] and second["command"] == first["command"]
    assert "volumes" not in first and "volumes" not in second, "one raw event log, in Neo4j"
    assert "ports" not in second and proxy["ports"] == ["127.0.0.1:5000:5000"]
    assert {
        name for name, dep in proxy["depends_on"].items() if dep["condition"] == "service_healthy"
    } == {"lineagemesh", "lineagemesh-2"}
    config = compose["configs"][proxy["configs"][0]["source"]]["content"]
    assert proxy["configs"][0]["target"].startswith("/etc/nginx/conf.d/")
    assert re.findall(r"server (\S+) ", config) == ["lineagemesh:5000", "lineagemesh-2:5000"]
    assert (
        "listen 5000;" in config and "$$http_upgrade" in config
    )  # websockets (subscriptions) pass through


def test_the_image_carries_the_neo4j_extra_compose_uses() -> None:
    """Neo4j's driver is an extra (graph.core.extras): the image compose points at bolt:// must have it."""
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"pip wheel [^\n]*\"\.\[[^\]]*\bneo4j\b[^\]]*\]\"", dockerfile), dockerfile
