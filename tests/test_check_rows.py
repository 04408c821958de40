"""The check's rows of a single change, read from the impact answer as they are shown
(``graph.check.affected``), are the rows, order and counts the merge of several changes gives.

A real embedded store (the 1k-dataset bench mesh, ingested through the CLI), a real hub: the report
of one change is compared with the report of that change given twice, which takes the merge path
(one row per node, naming the change once).
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path

import pytest
from command_line import ingested_bench_mesh

from graph.check import ChangeSet, build_report
from graph.check.affected import RANK, OrderedRows
from graph.check.formats import render_json, render_markdown
from graph.check.node_input import node_change
from graph.check.store_reads import StoreExecute
from graph.cli.graphql import in_process_graphql
from graph.stores.embedded.store import EmbeddedStore


@pytest.fixture(scope="module")
def hub_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return ingested_bench_mesh(tmp_path_factory.mktemp("mesh"), 1_000)


@pytest.mark.parametrize("change", ["DROP", "SEMANTIC"])
def test_one_change_reads_the_rows_the_merge_makes(
    hub_store: tuple[Path, str], change: str
) -> None:
    data_dir, hub = hub_store
    with EmbeddedStore(data_dir, check_history=False) as store:
        execute = StoreExecute(store, in_process_graphql(store))
        one = node_change(execute, hub, change)
        single = build_report(execute, one, None)
        merged = build_report(execute, ChangeSet([*one.changes, *one.changes]), None)
        assert isinstance(single.rows, OrderedRows) and isinstance(merged.rows, list)

        rows = [row.as_json() for row in single.rows]
        assert rows == [row.as_json() for row in merged.rows]
        assert len(rows) == len(single.rows) > 100
        assert (
            single.counts()
            == merged.counts()
            == {
                name: sum(row["severity"] == name for row in rows)
                for name in ("BREAKING", "WARNING", "INFO")
            }
        )
        assert single.verdict == merged.verdict
        # worst first, then nearest, then by id; each node once
        keys = [(-RANK[row["severity"]], row["distance"], row["id"]) for row in rows]
        assert keys == sorted(keys) and len({row["id"] for row in rows}) == len(rows)
        if change == "DROP":  # the order is more than the answer's own: severities interleave
            assert single.counts()["BREAKING"] and single.counts()["WARNING"]
            assert len({row["distance"] for row in rows}) > 2
        else:  # a semantic change only warns: every row capped
            assert single.counts()["BREAKING"] == 0 and single.verdict == "WARNING"
        # a row read by index, by slice and from an iterator is the same row
        assert single.rows[7].as_json() == rows[7]
        assert [row.as_json() for row in single.rows[5:9]] == rows[5:9]
        assert [row.id for row in islice(single.rows, 50, 60)] == [r["id"] for r in rows[50:60]]

        # the formats read the same rows either way (the changes list differs: one vs two)
        assert json.loads(render_json(single))["affected"] == rows
        table = [line for line in render_markdown(single).splitlines() if line.startswith("| ")]
        assert table == [
            line for line in render_markdown(merged).splitlines() if line.startswith("| ")
        ]
