"""The embedded store's ``first_of_kind`` (one native read for a batch's prefixes) answers what the
per-prefix rule of ``Store.first_of_kind`` answers: on generated ids, props and prefixes, whole
nodes and nodes read for some keys, values the caller holds answered as those objects where they
are the very same (``like``), and schema history's newest versions on a loaded history."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import _native
from graph.change.schema_history import NEWEST_KEYS, SchemaHistory, versions_prefix
from graph.core.model import NodeKind
from graph.core.mutations import UpsertNode, encode
from graph.stores import FirstsRequest, ObservedFields, Store
from graph.stores.embedded.store import EmbeddedStore

KIND = NodeKind.DATASET_VERSION
# Ids from few letters and the separators ids use, so prefixes often share beginnings.
TEXT = st.text(alphabet="ab:é\\", max_size=6)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.integers(2**63 - 2, 2**64 - 1),
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1e300]),
    st.text(alphabet="xyé", max_size=3),
    st.lists(st.dictionaries(st.sampled_from(["name", "type"]), st.text(max_size=2)), max_size=3),
)
PROPS = st.dictionaries(st.sampled_from(["version", "fields", "other", "createdAt"]), VALUES)


#: Generated nodes against a store made for each example, the same examples each run.
AGAINST_STORED = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
NODES = st.lists(st.tuples(TEXT, PROPS), max_size=8)
PREFIXES = st.lists(TEXT, max_size=6)


def per_prefix(store: Store, prefixes: list[str], keys: list[str] | None) -> dict[str, Any]:
    """The base class's rule: a ``nodes_of_kind`` per prefix."""
    return Store.first_of_kind(store, FirstsRequest(KIND, prefixes, keys))


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    nodes=st.lists(st.tuples(TEXT, PROPS, st.sampled_from(["1", "2"])), max_size=12),
    prefixes=st.lists(TEXT, max_size=8),
    keys=st.one_of(st.none(), st.lists(st.sampled_from(["version", "fields", "nowhere"]))),
)
def test_one_read_answers_as_a_read_per_prefix(
    tmp_path_factory: Any,
    nodes: list[tuple[str, dict[str, Any], str]],
    prefixes: list[str],
    keys: list[str] | None,
) -> None:
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        batch = [
            UpsertNode(f"v:{suffix}", KIND, f"2026-01-0{at}T00:00:00Z", props)
            for suffix, props, at in nodes
        ]
        for upsert in batch:  # one at a time: a later stamp's props replace, None removes
            store.apply([upsert])
        asked = [f"v:{p}" for p in prefixes] + ["", "v:"]
        found = store.first_of_kind(FirstsRequest(KIND, asked, keys))
        assert found == per_prefix(store, asked, keys)
        assert store.first_of_kind(FirstsRequest(NodeKind.DATASET, asked, keys)) == {}


def _same_types(a: Any, b: Any) -> bool:
    """Whether two equal values are also of the very same types (1 is not 1.0 nor True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_types(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    return bool(a == b) and (not isinstance(a, float) or str(a) == str(b))


HELD = st.one_of(
    VALUES,
    st.just(True),
    st.just(1.0),
    st.just(-0.0),
    st.just(0.0),
    st.just(2**64),
    st.tuples(st.integers(-5, 5)),
    st.lists(st.dictionaries(st.sampled_from(["name", "type"]), st.integers(0, 1)), max_size=3),
)


@AGAINST_STORED
@given(
    nodes=NODES,
    prefixes=PREFIXES,
    held=st.lists(
        st.one_of(st.none(), st.dictionaries(st.sampled_from(["fields", "version"]), HELD))
    ),
    copies=st.booleans(),
)
def test_values_held_are_answered_as_themselves(
    tmp_path_factory: Any,
    nodes: list[tuple[str, dict[str, Any]]],
    prefixes: list[str],
    held: list[dict[str, Any] | None],
    copies: bool,
) -> None:
    """``like``: the answer is the same as without it; a value held that is the stored one's twin
    (equal, of the same types) is answered as that object, any other is made from the store."""
    keys = ["version", "fields"]
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        store.apply([UpsertNode(f"v:{s}", KIND, "2026-01-01T00:00:00Z", p) for s, p in nodes])
        asked = [f"v:{p}" for p in prefixes] + ["v:"]
        expected = per_prefix(store, asked, keys)
        like: list[dict[str, Any] | None] = [
            (held[i] if i < len(held) else None)
            if not copies or prefix not in expected
            else copy.deepcopy(expected[prefix].props)  # the stored values, as other objects
            for i, prefix in enumerate(asked)
        ]
        found = store.first_of_kind(FirstsRequest(KIND, asked, keys, like))
        assert found == expected
        for prefix, these in dict(zip(asked, like)).items():  # a prefix asked twice: the last
            if prefix not in found or these is None:
                continue
            for key, value in found[prefix].props.items():
                twin = key in these and _same_types(these[key], expected[prefix].props[key])
                assert (key in these and value is these[key]) == twin
                assert _same_types(value, expected[prefix].props[key])


def test_newest_versions_as_schema_history_reads_them(tmp_path: Path) -> None:
    """Versions made by schema history itself: the batch read for :data:`NEWEST_KEYS` holds those
    properties of each dataset's newest version, and nothing else of it."""
    clock = datetime(2026, 1, 1, tzinfo=UTC)
    with EmbeddedStore(tmp_path) as store:
        history = SchemaHistory(store, clock=lambda: clock)
        datasets = [f"dataset:ns:t{i}" for i in range(5)]
        for step in range(3):
            at = f"2026-01-0{step + 1}T00:00:00Z"
            batch = []
            for i, d in enumerate(datasets[: step + 3]):
                columns = [f"c{j}" for j in range(i + step)]
                batch.append(UpsertNode(d, NodeKind.DATASET, at, {"columns": columns, "name": d}))
                batch.extend(
                    UpsertNode(
                        f"{d}:{c}",
                        NodeKind.COLUMN,
                        at,
                        {"datasetId": d, "name": c, "type": "INT" if step else "BIGINT"},
                    )
                    for c in columns
                )
            history._newest.clear()
            history.apply(encode(batch), "openlineage")
        prefixes = [versions_prefix(d) for d in datasets] + [versions_prefix("dataset:ns:none")]
        found = store.first_of_kind(FirstsRequest(KIND, prefixes, NEWEST_KEYS))
        whole = per_prefix(store, prefixes, None)
        assert found.keys() == whole.keys() and len(found) == len(datasets)
        for prefix, node in found.items():
            assert node.id == whole[prefix].id
            assert node.props == {k: v for k, v in whole[prefix].props.items() if k in NEWEST_KEYS}
            assert set(node.stamps) <= set(NEWEST_KEYS)


@AGAINST_STORED
@given(
    nodes=NODES,
    prefixes=PREFIXES,
    held=st.lists(HELD),
    copies=st.booleans(),
)
def test_first_holding_promises_only_equal_values(
    tmp_path_factory: Any,
    nodes: list[tuple[str, dict[str, Any]]],
    prefixes: list[str],
    held: list[Any],
    copies: bool,
) -> None:
    """``first_holding``: the native answer is True exactly where the first node's value is the
    one given's twin (equal, of the same types), so True always means what the base class's
    ``==`` means; a copy of the stored value is always held; None where no node starts with the
    prefix."""
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        store.apply([UpsertNode(f"v:{s}", KIND, "2026-01-01T00:00:00Z", p) for s, p in nodes])
        asked = [f"v:{p}" for p in prefixes] + ["v:", "elsewhere"]
        expected = per_prefix(store, asked, None)
        values = [
            copy.deepcopy(expected[p].props["fields"])
            if copies and p in expected and "fields" in expected[p].props
            else (held[i] if i < len(held) else None)
            for i, p in enumerate(asked)
        ]
        found = store.first_holding(KIND, asked, "fields", values)
        by_rule = Store.first_holding(store, KIND, asked, "fields", values)
        for prefix, value, holds, equal in zip(asked, values, found, by_rule, strict=True):
            if prefix not in expected:
                assert holds is None and equal is None
                continue
            stored = expected[prefix].props
            twin = "fields" in stored and _same_types(value, stored["fields"])
            assert holds == twin
            assert equal or not holds
        nowhere = store.first_holding(KIND, asked, "nowhere", values)
        assert nowhere == [False if p in expected else None for p in asked]


FIELD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(2**63 - 1, 2**64 - 1),
    st.sampled_from([0.0, -0.0, 1.0, 0.5]),
    st.sampled_from(["INT", "é", "", "2026-01-05T00:00:01.894000Z"]),
    st.lists(st.sampled_from(["a", "b", 1]), max_size=2),
    st.dictionaries(st.sampled_from(["k", "l"]), st.sampled_from([1, 1.0, "k", None]), max_size=2),
)
COLUMN_PROPS = st.dictionaries(
    st.sampled_from(["type", "description", "required", "fieldId", "ordinal", "enum", "other"]),
    FIELD_VALUES,
    max_size=4,
)


@AGAINST_STORED
@given(
    datasets=st.lists(
        st.tuples(
            st.lists(st.tuples(st.sampled_from(["a", "b", "c:d"]), COLUMN_PROPS), max_size=4),
            st.sampled_from(["twin", "near", "other", "none"]),
            FIELD_VALUES,
        ),
        max_size=4,
    ),
    names=st.lists(st.sampled_from(["a", "b", "c:d", "e"]), max_size=3),
)
def test_first_holding_observed_answers_as_first_holding_of_the_rows(
    tmp_path_factory: Any,
    datasets: list[tuple[list[tuple[str, dict[str, Any]]], str, Any]],
    names: list[str],
) -> None:
    """``first_holding_observed`` compares a stored value with an observation's fields where they
    lie in the batch: it answers exactly what ``first_holding`` answers given the rows the
    observations make (twins only), on columns stated more than once (merged), listed but never
    stated, and values of every kind, stamp-shaped strings and numbers of other types included."""
    at = "2026-01-02T00:00:00Z"
    batch: list[UpsertNode] = []
    for i, (columns, _, _) in enumerate(datasets):
        d = f"dataset:ns:t{i}"
        listed = list(dict.fromkeys([n for n, _ in columns] + names[: i % 3]))
        batch.append(UpsertNode(d, NodeKind.DATASET, at, {"columns": listed, "name": d}))
        batch.extend(
            UpsertNode(f"{d}:{n}", NodeKind.COLUMN, at, {**props, "datasetId": d, "name": n})
            for n, props in columns
        )
    observed = _native.observed_schemas(encode(batch))
    assert observed is not None and observed.size == len(datasets)
    rows = observed.rows()
    with EmbeddedStore(tmp_path_factory.mktemp("store")) as store:
        for (_, stored, held), row in zip(datasets, rows, strict=True):
            if stored != "none":
                value: Any = held
                if stored in ("twin", "near"):
                    value = copy.deepcopy(list(row[4]))
                    stated = [f for f in value if len(f) > 1]
                    if stored == "near" and stated:  # one field's value another (or the same)
                        field = stated[-1]
                        field[next(k for k in field if k != "name")] = held
                version = UpsertNode(f"{versions_prefix(row[0])}1", KIND, at, {"fields": value})
                store.apply([version])
        prefixes = [versions_prefix(row[0]) for row in rows]
        fields = ObservedFields(observed, list(range(len(rows))))
        found = store.first_holding_observed(KIND, prefixes, "fields", fields)
        by_rows = store.first_holding(KIND, prefixes, "fields", [list(r[4]) for r in rows])
        assert found == by_rows
        by_rule = Store.first_holding_observed(store, KIND, prefixes, "fields", fields)
        for (_, stored, _), row, holds, equal in zip(datasets, rows, found, by_rule, strict=True):
            assert (holds is None) == (equal is None) == (stored == "none")
            assert equal or not holds  # (the base class's == may hold where a twin does not)
            stamp_shaped = "2026-01-05T00:00:01.894000Z" in orjson.dumps(row[4]).decode()
            if stored == "twin" and not stamp_shaped:  # (such a text is held packed: unsure)
                assert holds


def _schema_batch(at: str, schemas: dict[str, list[tuple[str, Any]]]) -> bytes:
    """A batch observing each dataset's columns (name, type, or name and its ordinal as a
    number) at ``at``."""
    batch: list[UpsertNode] = []
    for d, columns in schemas.items():
        names = [name for name, _ in columns]
        batch.append(UpsertNode(d, NodeKind.DATASET, at, {"columns": names, "name": d}))
        for n, t in columns:
            stated = {"type": t} if isinstance(t, str) else {"type": "INT", "ordinal": t}
            props = {"datasetId": d, "name": n, **stated}
            batch.append(UpsertNode(f"{d}:{n}", NodeKind.COLUMN, at, props))
    return encode(batch)


def test_a_history_new_to_a_store_makes_what_one_reading_every_version_makes(
    tmp_path: Path,
) -> None:
    """Schema history asks the store which observed schemas restate their newest version
    (``first_holding_observed``, their fields compared where they lie in the batch) before it
    reads any: a history new to a loaded store (a new process)
    then makes the versions and changes one comparing every schema with its version makes, for
    schemas restated, changed (a type), reverted, and observed twice in one batch, and one whose
    ordinal was 1 observed as 1.0 (equal, not the same types: the store, unsure, leaves it to the
    history's own comparison)."""
    clock = datetime(2026, 1, 1, tzinfo=UTC)
    a = [("id", "BIGINT"), ("name", "STRING")]
    b = [("id", "INT"), ("name", "STRING")]
    rounds: list[list[tuple[str, dict[str, list[tuple[str, Any]]]]]] = [
        [("2026-01-01T00:00:00Z", {"dataset:ns:x": a, "dataset:ns:y": a, "dataset:ns:z": a})],
        [("2026-01-02T00:00:00Z", {"dataset:ns:x": a, "dataset:ns:y": b, "dataset:ns:z": a})],
        [
            ("2026-01-03T00:00:00Z", {"dataset:ns:x": b, "dataset:ns:y": b, "dataset:ns:w": a}),
            ("2026-01-04T00:00:00Z", {"dataset:ns:x": a, "dataset:ns:y": a}),
        ],
        [("2026-01-05T00:00:00Z", {"dataset:ns:x": [("id", 1)], "dataset:ns:y": a})],
        [("2026-01-06T00:00:00Z", {"dataset:ns:x": [("id", 1.0)], "dataset:ns:z": b})],
    ]
    made: list[dict[str, Any]] = []
    for asking in (True, False):
        with EmbeddedStore(tmp_path / str(asking)) as store:
            for batches in rounds:
                history = SchemaHistory(store, clock=lambda: clock)  # each round a new process
                if not asking:
                    history._restating = lambda *asked: set()  # type: ignore[method-assign]
                payload = b"".join(_schema_batch(at, schemas) for at, schemas in batches)
                history.apply(payload, "openlineage")
            made.append(
                {
                    n.id: n.props
                    for kind in (KIND, NodeKind.SCHEMA_CHANGE)
                    for n in store.nodes_of_kind(kind, 1000)
                }
            )
    assert made[0] == made[1]
    versions = [i for i in made[0] if i.startswith("datasetVersion")]
    assert len(versions) == 10, sorted(versions)
