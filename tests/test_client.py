"""The Python client against a live server on both stores, as a notebook would use it, and
``lineagemesh export`` writing graphs networkx reads back the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import food_delivery as fd
import networkx as nx
import pytest
from test_http_api import post_with_client

from graph.client import Client, ClientError

LINEAGEMESH = [sys.executable, "-m", "graph"]


@pytest.fixture
def seeded(live_server, food_delivery_events):
    post_with_client(live_server.url, food_delivery_events)
    return live_server


def test_notebook_upstream_graph_in_topological_order(seeded) -> None:
    client = Client(seeded.url)
    upstream = client.lineage(fd.ds("delivery_7_days"), "upstream").to_networkx()
    assert set(upstream.nodes) == fd.DELIVERY_7_DAYS_UPSTREAM_NODES
    assert {
        (s, t, a["kind"]) for s, t, a in upstream.edges(data=True)
    } == fd.DELIVERY_7_DAYS_UPSTREAM_EDGES
    assert upstream.nodes[fd.job("etl_delivery_7_days")]["kind"] == "JOB"
    assert (
        upstream.nodes[fd.ds("orders")]["namespace"] == fd.NS
        and upstream.graph["truncated"] is False
    )

    order = list(nx.topological_sort(upstream))
    assert order[-1] == fd.ds("delivery_7_days")
    position = {node: i for i, node in enumerate(order)}
    assert all(position[s] < position[t] for s, t in upstream.edges)
    assert set(nx.ancestors(upstream, fd.ds("orders_7_days"))) == {
        fd.job("etl_orders_7_days"),
        *(fd.ds(t) for t in ("menus", "menu_items", "orders", "categories")),
        *(fd.job(f"etl_{t}") for t in ("menus", "menu_items", "orders", "categories")),
    }

    columns = client.lineage(fd.col("customers", "email"), "downstream").to_networkx()
    assert set(columns.nodes) == fd.CUSTOMERS_EMAIL_DOWNSTREAM_NODES
    assert {
        (s, t, a["kind"]) for s, t, a in columns.edges(data=True)
    } == fd.CUSTOMERS_EMAIL_DOWNSTREAM_EDGES


def test_impact_dataset_and_search(seeded) -> None:
    client = Client(seeded.url)
    impact = client.impact(fd.ds("delivery_7_days"))
    tree = impact.to_networkx()
    assert {a["id"] for a in impact.affected if a["kind"] == "DATASET"} == {
        fd.ds("top_delivery_times"),
        fd.ds("discounts"),
        fd.ds("popular_orders_day_of_week"),
    }
    assert nx.is_arborescence(tree) and next(iter(nx.topological_sort(tree))) == fd.ds(
        "delivery_7_days"
    )
    assert all(tree.nodes[a["id"]]["distance"] == a["distance"] for a in impact.affected)

    dataset = client.dataset(fd.NS, "public.delivery_7_days")
    assert (
        dataset is not None
        and dataset["id"] == fd.ds("delivery_7_days")
        and dataset["columns"][0]["name"] == "order_id"
    )
    assert client.dataset(fd.NS, "public.nope") is None
    assert fd.ds("delivery_7_days") in {hit["id"] for hit in client.search("delivery_7")}
    with pytest.raises(ClientError, match="no node"):
        client.lineage("dataset:food_delivery:public.nope")


@pytest.mark.parametrize("output_format", ["graphml", "gexf", "json-graph"])
def test_export_reads_back_as_the_same_graph(seeded, tmp_path: Path, output_format: str) -> None:
    expected = Client(seeded.url).lineage(fd.ds("discounts"), "both", 2).to_networkx()
    out = tmp_path / f"discounts.{output_format}"
    subprocess.run(
        [
            *LINEAGEMESH,
            "export",
            "--server",
            seeded.url,
            "--format",
            output_format,
            "--depth",
            "2",
            fd.ds("discounts"),
            "-o",
            str(out),
        ],
        check=True,
        timeout=120,
    )
    if output_format == "graphml":
        got = nx.read_graphml(out)
    elif output_format == "gexf":
        got = nx.read_gexf(out)
    else:
        got = nx.node_link_graph(json.loads(out.read_text()), edges="edges")
    assert set(got.nodes) == set(expected.nodes) and set(got.edges) == set(expected.edges)
    assert all(got.nodes[n]["kind"] == expected.nodes[n]["kind"] for n in expected.nodes)
    assert all(got.edges[e]["kind"] == expected.edges[e]["kind"] for e in expected.edges)


def test_export_of_an_unknown_node_fails_with_a_reason(seeded) -> None:
    done = subprocess.run(
        [*LINEAGEMESH, "export", "--server", seeded.url, "dataset:food_delivery:public.nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "no node" in done.stderr and not done.stdout
