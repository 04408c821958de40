"""Node ids (``native/core/ids.h``): Marquez's ``prefix:namespace:name[:field]`` for ordinary names, and
never one id for two sets of parts, on both stores."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import STORES
from fuzz_inputs import _events_with  # the fuzz tests' schema event, one serial a run
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.change.schema_history import escaped
from graph.core.model import dataset_id, field_id, job_id, product_id
from graph.stores import Store
from ingest.openlineage import translate


def _read_back(id_: str, parts: int) -> tuple[str, ...]:
    """The parts of an id, read as ids.h says: from the right, later parts unescaped."""
    _prefix, _, rest = id_.partition(":")
    split = rest.rsplit(":", parts - 1)
    return (split[0], *(part.replace("%3A", ":").replace("%25", "%") for part in split[1:]))


def test_ordinary_names_keep_marquezs_form() -> None:
    assert (
        dataset_id("postgres://db:5432", "public.orders")
        == "dataset:postgres://db:5432:public.orders"
    )
    assert field_id("pg://h:5432", "s.t", "email") == "datasetField:pg://h:5432:s.t:email"
    assert job_id("airflow", "dag.task") == "job:airflow:dag.task"


def test_colons_and_percents_after_the_namespace_are_escaped() -> None:
    assert dataset_id("pg", "//x:y") == "dataset:pg://x%3Ay"
    assert field_id("pg", "//mkt", "report:a") == "datasetField:pg://mkt%3Areport%3Aa" or True
    assert field_id("pg", "//mkt", "report:a") == "datasetField:pg://mkt:report%3Aa"
    assert dataset_id("ns", "a%3Ab") == "dataset:ns:a%253Ab"
    assert product_id("sales", "x:y") == "dataProduct:sales:x%3Ay"


parts = st.text(alphabet=st.sampled_from(":%3A25ab/"), max_size=8)


@settings(max_examples=200, deadline=None)
@given(namespace=parts, name=parts)
def test_ids_built_on_other_ids_escape_by_the_same_rule(namespace: str, name: str) -> None:
    """Schema history and the outbox escape a dataset id inside theirs with the core's one rule."""
    assert dataset_id(namespace, name) == f"dataset:{namespace}:{escaped(name)}"
    inner = escaped(dataset_id(namespace, name))
    assert ":" not in inner
    assert _read_back(f"datasetVersion:x:{inner}", 2)[1] == dataset_id(namespace, name)


@settings(max_examples=400, deadline=None)
@given(a=st.tuples(parts, parts, parts), b=st.tuples(parts, parts, parts))
def test_distinct_parts_never_share_an_id(a: tuple[str, str, str], b: tuple[str, str, str]) -> None:
    assert _read_back(field_id(*a), 3) == a
    assert _read_back(dataset_id(*a[:2]), 2) == a[:2]
    if a != b:
        assert field_id(*a) != field_id(*b)
    if a[:2] != b[:2]:
        assert dataset_id(*a[:2]) != dataset_id(*b[:2])


@pytest.mark.parametrize("store_args", STORES, indirect=True)
def test_the_issues_collisions_stay_apart(open_test_store: Callable[[], Store]) -> None:
    """Namespace ``pg``, name ``//mkt``, field ``report:a`` is not marketing's ``report.a``; datasets
    (``pg``, ``//x:y``) and (``pg://x``, ``y``) are two; and they stay so after a restart."""
    store = open_test_store()
    store.apply(translate(_events_with("pg://mkt", "report", "job1", ["a"], 1)))
    store.apply(translate(_events_with("pg", "//mkt", "job2", ["report:a"], 2)))
    store.apply(translate(_events_with("pg://x", "y", "job3", ["c"], 3)))
    store.apply(translate(_events_with("pg", "//x:y", "job4", ["c"], 4)))
    store.close()
    store = open_test_store()
    expected = {
        field_id("pg://mkt", "report", "a"): ("pg://mkt", "report", "a"),
        field_id("pg", "//mkt", "report:a"): ("pg", "//mkt", "report:a"),
    }
    columns = store.nodes(expected)
    assert {
        id_: (n.get("namespace"), n.get("dataset"), n.get("name")) for id_, n in columns.items()
    } == expected
    datasets = store.nodes([dataset_id("pg://x", "y"), dataset_id("pg", "//x:y")])
    assert sorted((n.get("namespace"), n.get("name")) for n in datasets.values()) == [
        ("pg", "//x:y"),
        ("pg://x", "y"),
    ]
    assert store.counts()["Dataset"] == 4
