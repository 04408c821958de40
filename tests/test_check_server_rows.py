"""With ``--server``, the check of one change asks for the rows its formats show
(GraphQL ``severityCounts`` and ``affectedWorst``), and its reports are the bytes the whole answer
gives (``graph.check.remote_rows``).

A real server (``lineagemesh serve``) on a real data dir (the 1k-dataset bench mesh, ingested
through the CLI), asked over HTTP; the reference is the same check on the data dir in-process.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from command_line import ingested_bench_mesh

from graph.check import build_report
from graph.check.formats import render_json
from graph.check.node_input import node_change
from graph.check.remote_rows import RemoteRows, RowsRead
from graph.client import ClientError, http_executor

SEVERITY_RANK = {"BREAKING": 2, "WARNING": 1, "INFO": 0}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return ingested_bench_mesh(tmp_path_factory.mktemp("mesh"), 1_000)


@pytest.fixture(scope="module")
def reference(mesh: tuple[Path, str]) -> dict[tuple[str, str], str]:
    """Each format's report of the hub's check, in-process on the data dir (before the server
    holds it): (format, change) -> stdout."""
    data_dir, hub = mesh
    found = {}
    for change in ("drop", "semantic"):
        for fmt in ("markdown", "junit", "json", "text"):
            done = cli(
                "check", hub, "--change", change, "--format", fmt, "--data-dir", str(data_dir)
            )
            assert done.returncode in (0, 1), done.stderr
            found[fmt, change] = done.stdout
    return found


@pytest.fixture(scope="module")
def server(
    mesh: tuple[Path, str], reference: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    from live_server import LiveServer

    data_dir, _ = mesh
    log = tmp_path_factory.mktemp("server") / "server.log"
    running = LiveServer(["--data-dir", str(data_dir)], log).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.parametrize("change", ["drop", "semantic"])
@pytest.mark.parametrize("fmt", ["markdown", "junit", "json", "text"])
def test_server_reports_are_the_in_process_bytes(
    mesh: tuple[Path, str],
    reference: dict[tuple[str, str], str],
    server: Any,
    fmt: str,
    change: str,
) -> None:
    """Markdown and JUnit of a drop are built from the summary (the semantic change is capped,
    json and text read every row: the whole answer); all are the in-process report's bytes."""
    _, hub = mesh
    done = cli("check", hub, "--change", change, "--format", fmt, "--server", server.url)
    assert done.returncode in (0, 1) and done.stderr == "", done.stderr
    assert done.stdout == reference[fmt, change]


def test_rows_past_the_first_page_and_paths_past_the_window(
    mesh: tuple[Path, str], server: Any
) -> None:
    """A report read further than it asked for (3 rows, 2 with paths) fetches pages and the via
    tree as read, and every row equals the whole answer's."""
    _, hub = mesh
    execute = http_executor(server.url)
    change_set = node_change(execute, hub, "DROP")
    whole = build_report(execute, change_set, None)
    summary = build_report(execute, change_set, None, RowsRead(3, 2))
    assert isinstance(summary.rows, RemoteRows) and not isinstance(whole.rows, RemoteRows)
    assert summary.counts() == whole.counts() and summary.verdict == whole.verdict
    assert len(summary.rows) == len(whole.rows) > 100
    assert summary.rows[-1].as_json() == whole.rows[-1].as_json()  # a page from the far end
    assert [r.as_json() for r in summary.rows[5:9]] == [r.as_json() for r in whole.rows[5:9]]
    assert [r.as_json() for r in summary.rows] == [r.as_json() for r in whole.rows]
    assert render_json(summary) == render_json(whole)


def test_a_server_before_the_summary_fields_gets_asked_for_every_row(
    mesh: tuple[Path, str], server: Any
) -> None:
    """A server whose schema lacks ``severityCounts`` and ``affectedWorst`` (validated as GraphQL
    validates it, against this schema without those two fields) refuses the summary; the check
    then asks it for the whole answer and gives the same report, where other errors still fail."""
    from graphql import (
        DocumentNode,
        GraphQLObjectType,
        ObjectTypeDefinitionNode,
        build_ast_schema,
        parse,
        validate,
    )

    from graph.check.changeset import CheckError

    _, hub = mesh
    document = parse((Path(__file__).resolve().parent.parent / "schema.graphql").read_text())
    summary_fields = ("severityCounts", "affectedWorst")
    document = DocumentNode(
        definitions=tuple(
            d.__class__(
                **{
                    **{key: getattr(d, key) for key in d.keys},
                    "fields": tuple(
                        f for f in d.fields or () if f.name.value not in summary_fields
                    ),
                }
            )
            if isinstance(d, ObjectTypeDefinitionNode)
            else d
            for d in document.definitions
        )
    )
    older = build_ast_schema(document)
    impact_report = older.get_type("ImpactReport")
    assert isinstance(impact_report, GraphQLObjectType)
    assert "severityCounts" not in impact_report.fields
    remote = http_executor(server.url)
    refused: list[str] = []

    def older_server(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        errors = validate(older, parse(query))
        if errors:  # as the CLI's executor reports a server's GraphQL errors
            refused.append(query)
            raise CheckError("; ".join(error.message for error in errors))
        return remote(query, variables)

    change_set = node_change(remote, hub, "DROP")
    whole = build_report(remote, change_set, None)
    fallen_back = build_report(older_server, change_set, None, RowsRead(3, 2))
    assert refused and "severityCounts" in refused[0]
    assert not isinstance(fallen_back.rows, RemoteRows)
    assert render_json(fallen_back) == render_json(whole)

    def failing(query: str, variables: dict[str, Any]) -> dict[str, Any]:
        raise CheckError("the server is down")

    with pytest.raises(CheckError, match="down"):
        build_report(failing, change_set, None, RowsRead(3, 2))


def test_affected_worst_pages_the_answer_worst_first(mesh: tuple[Path, str], server: Any) -> None:
    _, hub = mesh
    execute = http_executor(server.url)
    fields = "id distance severity path via"
    answer = execute(
        """query($id: String!) { impact(nodeId: $id) {
          affected { %s }
          severityCounts { severity count }
          first: affectedWorst(first: 40) { %s }
          second: affectedWorst(first: 40, offset: 40) { %s }
          beyond: affectedWorst(first: 10, offset: 1000000) { id }
        } }"""
        % (fields, fields, fields),
        {"id": hub},
    )["impact"]
    affected = answer["affected"]
    order = sorted(
        range(len(affected)),
        key=lambda i: (
            -SEVERITY_RANK[affected[i]["severity"]],
            affected[i]["distance"],
            affected[i]["id"],
        ),
    )
    assert answer["first"] + answer["second"] == [affected[i] for i in order[:80]]
    assert answer["beyond"] == []
    counts = {c["severity"]: c["count"] for c in answer["severityCounts"]}
    assert list(counts) == ["BREAKING", "WARNING", "INFO"]
    assert counts == {s: sum(a["severity"] == s for a in affected) for s in SEVERITY_RANK}
    assert counts["BREAKING"] and counts["WARNING"]  # the order interleaves the answer's
    with pytest.raises(ClientError, match="must not be negative"):
        execute(
            "query($id: String!) { impact(nodeId: $id) { affectedWorst(first: -1) { id } } }",
            {"id": hub},
        )
    capped = execute(
        "query($id: String!) { impact(nodeId: $id) { affectedWorst(first: 100000) { id } } }",
        {"id": hub},
    )["impact"]["affectedWorst"]
    assert len(capped) == min(1000, len(affected))  # the server's page size (max_page)


def test_native_affected_column_of_some_rows(mesh: tuple[Path, str], tmp_path: Path) -> None:
    """``Impact.affected_column(field, rows)``: those rows' values, in the order given; an index
    out of range or not an integer is refused."""
    import shutil

    from graph.read import impact as impact_queries
    from graph.read.view import GraphView
    from graph.stores.embedded.store import EmbeddedStore

    data_dir, hub = mesh
    copy = tmp_path / "store"  # the module's server may hold the data dir
    shutil.copytree(data_dir, copy, ignore=shutil.ignore_patterns("*.lock"))
    with EmbeddedStore(copy, check_history=False) as store:
        answer = impact_queries.impact(GraphView(store, summaries=True), hub).answer
        rows = [answer.size - 1, 0, 3, 3]
        # Each path ends at the node it reached: notifications.reached_datasets reads ids alone.
        assert [p[-1] for p in answer.affected_column("path")] == answer.affected_column("id")
        for field in ("id", "kind", "namespace", "distance", "path", "via", "severity", "certain"):
            whole = answer.affected_column(field)
            assert answer.affected_column(field, rows) == [whole[i] for i in rows], field
            assert answer.affected_column(field, []) == []
        with pytest.raises(IndexError):
            answer.affected_column("id", [answer.size])
        with pytest.raises(IndexError):
            answer.affected_column("via", [-1])
        with pytest.raises(TypeError):
            answer.affected_column("id", ["0"])  # type: ignore[list-item]
