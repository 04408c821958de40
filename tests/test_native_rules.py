"""The native core holds no rules of its own between calls: the domain rules of an OpenLineage
translation travel with the ``Translator`` that applies them, the namespace rule is the core's own
(the one ``ingest.naming`` answers with), and the classes the core makes are found by name. So two
services of one process with different rules give each its own answer, and nothing has to be
imported or called first (no ``configure``, no ``set_namespace_rule``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import orjson
from openlineage_events import complete

from graph import _native
from graph.core.model import RULE_SOURCE, EdgeKind, NodeKind
from graph.core.mutations import UpsertEdge, UpsertNode, decode
from ingest.domain_rules import DomainRule, DomainRules
from ingest.naming import normal_namespace
from ingest.openlineage import translate_encoded, translator
from ingest.openlineage_schema import MAX_DEPTH, event_schemas

ROOT = Path(__file__).resolve().parent.parent


def run_event(namespace: str, name: str = "orders") -> dict[str, Any]:
    outputs = [{"namespace": namespace, "name": name}]
    return complete("load", [], outputs, at="2024-01-01T00:00:00Z", job_namespace="airflow://etl")


def datasets(wire: bytes) -> set[str]:
    return {m.id for m in decode(wire) if isinstance(m, UpsertNode) and m.kind == NodeKind.DATASET}


def domains(wire: bytes) -> set[str]:
    return {
        m.target
        for m in decode(wire)
        if isinstance(m, UpsertEdge) and m.kind == EdgeKind.BELONGS_TO
    }


def test_every_translator_spells_namespaces_by_the_cores_one_rule():
    """No rule to pass or to call back: the translator and ``ingest.naming`` answer alike."""
    event = run_event("S3A://Bucket/")
    at = "2024-01-01T00:00:00.000000Z"
    raw = orjson.dumps(event)
    first = _native.Translator(None, RULE_SOURCE, None, MAX_DEPTH)  # every event settled in Python
    second = _native.Translator(None, RULE_SOURCE, event_schemas(), MAX_DEPTH)
    wire, refused, _, _ = first.translate([raw], None, lambda _: (raw, "RunEvent", at))
    assert not refused and datasets(wire) == {f"dataset:{normal_namespace('S3A://Bucket/')}:orders"}
    assert datasets(wire) == {"dataset:s3://Bucket:orders"}
    batch, refused, _, _ = second.translate([raw], None, lambda _: None)  # the core reads it whole
    assert not refused and datasets(batch) == datasets(wire)


def test_two_domain_rules_in_one_process_give_each_its_own_answer():
    """As two ingest services of one process with different rules files translate."""
    sales = DomainRules((DomainRule("sales", namespace="postgres://*"),))
    finance = DomainRules((DomainRule("finance", namespace="postgres://*"),))
    event = run_event("postgres://db:5432")
    assert domains(translate_encoded(event, sales)) == {"domain:sales"}
    assert domains(translate_encoded(event, finance)) == {"domain:finance"}
    assert domains(translate_encoded(event)) == set()
    assert translator(sales) is translator(sales)  # one translator per rules, its spellings kept


def test_the_product_spells_namespaces_by_the_one_naming_rule():
    assert datasets(translate_encoded(run_event("s3a://bucket"))) == {"dataset:s3://bucket:orders"}


def test_a_translator_refuses_rules_it_cannot_apply():
    for bad in ("no domain_for", [("d", 1, None, None)]):
        try:
            _native.Translator(bad, RULE_SOURCE, None, MAX_DEPTH)  # type: ignore[arg-type]
        except TypeError as e:
            assert "rule" in str(e)
        else:
            raise AssertionError(f"{bad} was taken")
    try:
        _native.Translator(str.lower, None, RULE_SOURCE, None, MAX_DEPTH)  # type: ignore[call-arg, arg-type]
    except TypeError:
        pass
    else:
        raise AssertionError("a namespace rule was taken: the rule is the core's")


def test_nothing_has_to_be_imported_or_called_first():
    """A fresh interpreter importing graph._native alone: the graph, the wire form and a translator
    work at once, making graph.core.model's and graph.core.mutations' classes."""
    program = textwrap.dedent(
        """
        import sys
        from graph import _native
        assert "graph.core.mutations" not in sys.modules and "ingest.openlineage" not in sys.modules
        assert not hasattr(_native, "configure") and not hasattr(_native, "set_namespace_rule")
        builder = _native.Builder("2024-01-01T00:00:00.000000Z")
        builder.node("dataset:ns:t", "Dataset", {"name": "t"})
        (node,) = _native.decode(builder.encoded())
        assert type(node).__module__ == "graph.core.mutations" and node.kind.value == "Dataset", node
        graph = _native.Graph()
        graph.commit(graph.plan(builder.encoded()))
        assert type(graph.nodes(["dataset:ns:t"])["dataset:ns:t"]).__name__ == "Node"
        event = (b'{"eventType": "COMPLETE", "eventTime": "2024-01-01T00:00:00Z",'
                 b'"run": {"runId": "r"}, "job": {"namespace": "j", "name": "j"},'
                 b'"outputs": [{"namespace": "S3A://b", "name": "t"}]}')
        wire, _, _, _ = _native.Translator(None, "rule", None, 200).translate(
            [event], None, lambda _: (event, "RunEvent", "2024-01-01T00:00:00.000000Z"))
        assert "dataset:s3://b:t" in {m.id for m in _native.decode(wire) if hasattr(m, "id")}
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
