"""The lineagemesh command line, run as a user runs it: a subprocess with real files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from command_line import TEARDOWN, as_the_command, ingest_openlineage, lineagemesh

REPO = Path(__file__).resolve().parents[1]


def stats(data_dir: Path) -> dict:
    from graph.stores import open_store

    with open_store(data_dir=str(data_dir)) as store:
        return store.counts()


def test_ingest_openlineage_json_array_ndjson_gzip_and_directories(
    tmp_path: Path, food_delivery_events
) -> None:
    source = tmp_path / "events"
    (source / "nested").mkdir(parents=True)
    (source / "array.json").write_text(json.dumps(food_delivery_events[:10], indent=2))
    (source / "nested" / "lines.ndjson").write_text(
        "\n".join(json.dumps(e) for e in food_delivery_events[10:20]) + "\n"
    )
    with gzip.open(source / "nested" / "more.ndjson.gz", "wt") as handle:
        handle.write("\n".join(json.dumps(e) for e in food_delivery_events[20:]))
    single = tmp_path / "one.json"
    single.write_text(json.dumps(food_delivery_events[0]))
    result = lineagemesh(
        "ingest", "openlineage", "--data-dir", str(tmp_path / "store"), str(source), str(single)
    )
    assert result.returncode == 0, result.stderr
    assert "27 events ingested" in result.stderr and "0 rejected" in result.stderr
    counts = stats(tmp_path / "store")
    assert counts["Job"] == 13 and counts["Run"] == 13


@pytest.mark.parametrize("workers", ["0", "1"])
def test_bad_events_are_reported_as_file_line_and_nothing_is_applied_unless_skipped(
    tmp_path: Path, food_delivery_events, workers: str
) -> None:
    """Every line is checked before any is applied: a bad one, and every bad one is reported,
    exit 2, the graph as it was. --skip-invalid applies the rest (exit 1)."""
    from graph_invariants import dump

    from graph.stores import open_store

    bad = dict(food_delivery_events[2])
    bad["eventTime"] = "not a time"
    lines = [
        json.dumps(food_delivery_events[0]),
        "{broken json",
        json.dumps(bad),
        json.dumps(food_delivery_events[1]),
    ]
    path = tmp_path / "events.ndjson"
    path.write_text("\n".join(lines) + "\n")
    array = tmp_path / "array.json"
    array.write_text(
        '[\n  {"eventTime": "2026-01-05T06:00:00Z"},\n  '
        + json.dumps(food_delivery_events[3])
        + "\n]"
    )
    latin = tmp_path / "latin1.ndjson"
    latin.write_bytes(json.dumps(food_delivery_events[4]).encode() + b'\n{"a": "caf\xe9"}\n')
    deep = tmp_path / "deep.ndjson"
    deep.write_text('{"a":' * 100_000 + "1" + "}" * 100_000 + "\n")
    held = tmp_path / "held"
    assert ingest_openlineage(held, single_event(tmp_path, food_delivery_events[5])).returncode == 0
    with open_store(data_dir=str(held)) as store:
        before = dump(store)
    refused = ingest_openlineage(held, path, array, latin, deep, workers=workers)
    assert refused.returncode == 2, refused.stderr
    for says in (
        f"{path}:2: not valid JSON",
        f"{path}:3: $.eventTime",
        f"{array}:2: ",
        f"{latin}:2: not UTF-8: byte 0xe9 at column 11",
        f"{deep}:1: nested deeper than 200 levels",
        "5 bad events in 4 files",
        "nothing applied",
    ):
        assert says in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    with open_store(data_dir=str(held)) as store:
        assert dump(store) == before

    result = ingest_openlineage(
        tmp_path / "store", path, array, workers=workers, flags=("--skip-invalid",)
    )
    assert result.returncode == 1
    assert f"{path}:2: not valid JSON" in result.stderr
    assert f"{path}:3: $.eventTime" in result.stderr
    assert f"{array}:2: " in result.stderr
    assert "3 events ingested" in result.stderr and "3 rejected" in result.stderr
    counts = stats(tmp_path / "store")
    assert (
        counts["Run"] == 2
    )  # etl_menus (START + COMPLETE) and etl_orders' COMPLETE; never the bad one
    assert counts["Dataset"] == 1  # public.menus: the bad event (etl_categories START) left nothing


def single_event(tmp_path: Path, event: dict) -> Path:
    path = tmp_path / "single.json"
    path.write_text(json.dumps(event))
    return path


def test_standard_input_is_refused_as_it_cannot_be_checked_then_applied(tmp_path: Path) -> None:
    done = lineagemesh("ingest", "openlineage", "-", "--data-dir", str(tmp_path / "store"))
    assert done.returncode == 2 and "-: standard input is not read" in done.stderr, done.stderr


def test_store_options_are_validated(tmp_path: Path) -> None:
    result = lineagemesh(
        "ingest",
        "openlineage",
        "--data-dir",
        str(tmp_path),
        "--store",
        "bolt://127.0.0.1:1",
        str(tmp_path),
    )
    assert result.returncode == 2 and "either --data-dir or --store" in result.stderr
    missing = lineagemesh(
        "ingest", "openlineage", "--data-dir", str(tmp_path), str(tmp_path / "nope.json")
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_checked_in_schema_matches_the_code() -> None:
    result = lineagemesh("schema")
    assert result.returncode == 0
    checked_in = (REPO / "schema.graphql").read_text()
    assert result.stdout == checked_in, (
        "schema.graphql is stale: run `lineagemesh schema > schema.graphql`"
    )


@pytest.mark.parametrize("flag", ["--help"])
def test_every_command_has_help(flag: str) -> None:
    for command in (["serve"], ["ingest", "openlineage"], ["schema"]):
        assert lineagemesh(*command, flag).returncode == 0


def test_domain_rules_option(tmp_path: Path, food_delivery_events) -> None:
    events = tmp_path / "events.json"
    events.write_text(json.dumps(food_delivery_events))
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - namespace: food_delivery\n")
    rejected = lineagemesh(
        "ingest",
        "openlineage",
        "--data-dir",
        str(tmp_path / "s1"),
        "--domain-rules",
        str(bad),
        str(events),
    )
    assert rejected.returncode == 2 and "rules[0].domain" in rejected.stderr
    good = tmp_path / "rules.yaml"
    good.write_text("rules:\n  - domain: food\n    namespace: food_delivery\n")
    result = lineagemesh(
        "ingest",
        "openlineage",
        "--data-dir",
        str(tmp_path / "s2"),
        "--domain-rules",
        str(good),
        str(events),
    )
    assert result.returncode == 0, result.stderr
    counts = stats(tmp_path / "s2")
    assert counts["Domain"] == 1 and counts["BELONGS_TO"] == 13


def test_the_gc_policy_follows_where_the_graph_lives(
    store_args: list[str], tmp_path: Path, food_delivery_events
) -> None:
    """Holding the graph, young collections are rare (graph.core.heap.HOLDING); over Neo4j, whose
    driver leaves cyclic garbage per request, they stay small (REMOTE)."""
    import gc

    from click.testing import CliRunner

    from graph.cli import main
    from graph.core.heap import HOLDING, REMOTE

    events = tmp_path / "events.json"
    events.write_text(json.dumps(food_delivery_events[:3]))
    before = gc.get_threshold()
    try:
        result = CliRunner().invoke(
            main, ["ingest", "openlineage", *store_args, str(events)], catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        assert gc.get_threshold()[0] == (REMOTE if store_args[0] == "--store" else HOLDING)
    finally:
        gc.set_threshold(*before)


def test_an_ingest_and_a_reindex_end_without_freeing_their_graph_and_keep_what_they_wrote(
    tmp_path: Path, food_delivery_events
) -> None:
    """``graph.cli.one_shot`` for the commands that write: the process ends by ``os._exit`` once
    its store is closed, so the interpreter's teardown (which would free the graph) never runs,
    and what the command reported is all there when the data dir opens again: the same graph as
    the same command leaves when run inside this process, which frees it as before."""
    import gc

    from click.testing import CliRunner
    from graph_invariants import dump

    from graph.cli import main
    from graph.stores import open_store

    events = tmp_path / "events.ndjson"
    lines = [json.dumps(event) for event in food_delivery_events]
    events.write_text("\n".join([*lines, "{broken json"]) + "\n")
    ingest = [
        "ingest",
        "openlineage",
        "--workers",
        "0",
        "--skip-invalid",
        str(events),
        "--data-dir",
    ]

    ended = as_the_command(*ingest, str(tmp_path / "store"))
    assert ended.returncode == 1, ended.stderr  # the broken line, reported and skipped
    assert TEARDOWN not in ended.stderr
    assert f"{events}:{len(lines) + 1}: " in ended.stderr
    assert f"{len(lines)} events ingested" in ended.stderr

    before = gc.get_threshold()
    try:
        inside = CliRunner().invoke(main, [*ingest, str(tmp_path / "inside")])
    finally:
        gc.set_threshold(*before)
    assert inside.exit_code == 1, inside.output
    with open_store(data_dir=str(tmp_path / "inside")) as store:
        expected = dump(store)
    assert expected[0] and expected[1]
    with open_store(data_dir=str(tmp_path / "store")) as store:
        assert dump(store) == expected

    reindexed = as_the_command("reindex", "--data-dir", str(tmp_path / "store"))
    assert reindexed.returncode == 0 and TEARDOWN not in reindexed.stderr, reindexed.stderr
    with open_store(data_dir=str(tmp_path / "store")) as store:
        assert dump(store) == expected
