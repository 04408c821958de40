"""``lineagemesh export`` of names holding characters XML 1.0 cannot hold (control characters any
writer can put in a name): GraphML and GEXF files that parse, with each such character written
as ``\\uXXXX`` (``graph.export``)."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from test_http_api import post_with_client

from graph.export import xml_safe

LINEAGEMESH = [sys.executable, "-m", "graph"]
NS = "ctl"
HOSTILE = "orders\x01\x0b\x1f\x7f"  # \x7f is allowed in XML 1.0: kept
JOB = "load\x00\x0cjob\ufffe"
SAFE_HOSTILE = "orders\\u0001\\u000B\\u001F\x7f"
SAFE_JOB = "load\\u0000\\u000Cjob\\uFFFE"


def test_xml_safe_writes_each_forbidden_character_as_its_code_point() -> None:
    assert xml_safe("a\tb\nc\rd") == "a\tb\nc\rd"  # allowed: kept
    assert xml_safe(HOSTILE) == SAFE_HOSTILE
    assert xml_safe("\ud800x\udfff\uffff") == "\\uD800x\\uDFFF\\uFFFF"
    assert xml_safe("naïve ☃ 😀") == "naïve ☃ 😀"


def _event(run: str, job: str, inputs: list[str], outputs: list[str]) -> dict:
    producer = "https://example.com/tests"
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-01-05T07:00:00Z",
        "producer": producer,
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": run},
        "job": {"namespace": NS, "name": job},
        "inputs": [{"namespace": NS, "name": name} for name in inputs],
        "outputs": [
            {
                "namespace": NS,
                "name": name,
                "facets": {
                    "schema": {
                        "_producer": producer,
                        "_schemaURL": "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json",
                        "fields": [{"name": "id\x02", "type": "int", "description": "x\x1ey"}],
                    }
                },
            }
            for name in outputs
        ],
    }


@pytest.mark.parametrize("output_format", ["graphml", "gexf"])
def test_export_of_control_characters_parses_back(
    live_server, tmp_path: Path, output_format: str
) -> None:
    post_with_client(
        live_server.url,
        [_event("00000000-0000-4000-8000-000000000001", JOB, [HOSTILE], ["daily\x1bsummary"])],
    )
    out = tmp_path / f"lineage.{output_format}"
    subprocess.run(
        [
            *LINEAGEMESH,
            "export",
            "--server",
            live_server.url,
            "--format",
            output_format,
            f"dataset:{NS}:{HOSTILE}",
            "-o",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    ET.parse(out)  # well-formed XML 1.0
    got = nx.read_graphml(out) if output_format == "graphml" else nx.read_gexf(out)
    assert set(got.nodes) == {
        f"dataset:{NS}:{SAFE_HOSTILE}",
        f"job:{NS}:{SAFE_JOB}",
        f"dataset:{NS}:daily\\u001Bsummary",
    }
    names = {got.nodes[n]["name"] for n in got.nodes}
    assert names == {SAFE_HOSTILE, SAFE_JOB, "daily\\u001Bsummary"}
    assert got.has_edge(f"dataset:{NS}:{SAFE_HOSTILE}", f"job:{NS}:{SAFE_JOB}")
