"""The native core holds no rules of its own between calls: the namespace and domain rules of an
OpenLineage translation travel with the ``Translator`` that applies them, and the classes the core
makes are found by name. So two services of one process with different rules give each its own
answer, and nothing has to be imported or called first (no ``configure``, no ``set_namespace_rule``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

from graph import _native
from graph.model import RULE_SOURCE, EdgeKind, NodeKind
from graph.mutations import UpsertEdge, UpsertNode, decode
from ingest.domain_rules import DomainRule, DomainRules
from ingest.openlineage import translate_encoded, translator

ROOT = Path(__file__).resolve().parent.parent


def run_event(namespace: str, name: str = "orders") -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00Z",
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow://etl", "name": "load"},
        "inputs": [],
        "outputs": [{"namespace": namespace, "name": name}],
    }


def datasets(wire: bytes) -> set[str]:
    return {m.id for m in decode(wire) if isinstance(m, UpsertNode) and m.kind == NodeKind.DATASET}


def domains(wire: bytes) -> set[str]:
    return {
        m.target
        for m in decode(wire)
        if isinstance(m, UpsertEdge) and m.kind == EdgeKind.BELONGS_TO
    }


def test_two_namespace_rules_in_one_process_give_each_its_own_answer():
    event = run_event("S3A://Bucket")
    lower = _native.Translator(str.lower, None, RULE_SOURCE)
    upper = _native.Translator(str.upper, None, RULE_SOURCE)
    as_sent = _native.Translator(None, None, RULE_SOURCE)
    at = "2024-01-01T00:00:00.000000Z"
    first, _, _ = lower.translate(event, "RunEvent", at)
    assert datasets(first) == {"dataset:s3a://bucket:orders"}
    assert datasets(upper.translate(event, "RunEvent", at)[0]) == {"dataset:S3A://BUCKET:orders"}
    assert datasets(as_sent.translate(event, "RunEvent", at)[0]) == {"dataset:S3A://Bucket:orders"}
    # each remembers its own spellings: using the others changed nothing of the first
    assert lower.translate(event, "RunEvent", at)[0] == first
    batch, refused = upper.translate_many([(event, "RunEvent", at)])
    assert not refused and datasets(batch) == {"dataset:S3A://BUCKET:orders"}


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
    for bad in (("not callable", None), (None, "no domain_for")):
        try:
            _native.Translator(bad[0], bad[1], RULE_SOURCE)  # type: ignore[arg-type]
        except TypeError as e:
            assert "rule" in str(e)
        else:
            raise AssertionError(f"{bad} was taken")


def test_a_namespace_rule_that_returns_no_str_refuses_the_event_it_spells():
    def no_spelling(namespace: str) -> Any:
        return 42

    wrong = _native.Translator(no_spelling, None, RULE_SOURCE)
    at = "2024-01-01T00:00:00.000000Z"
    _, refused = wrong.translate_many([(run_event("x"), "RunEvent", at)])
    assert refused == [(0, "type", "the namespace rule must return a str")]


def test_nothing_has_to_be_imported_or_called_first():
    """A fresh interpreter importing graph._native alone: the graph, the wire form and a translator
    work at once, making graph.model's and graph.mutations' classes."""
    program = textwrap.dedent(
        """
        import sys
        from graph import _native
        assert "graph.mutations" not in sys.modules and "ingest.openlineage" not in sys.modules
        assert not hasattr(_native, "configure") and not hasattr(_native, "set_namespace_rule")
        builder = _native.Builder("2024-01-01T00:00:00.000000Z")
        builder.node("dataset:ns:t", "Dataset", {"name": "t"})
        (node,) = _native.decode(builder.encoded())
        assert type(node).__module__ == "graph.mutations" and node.kind.value == "Dataset", node
        graph = _native.Graph()
        graph.commit(graph.plan(builder.encoded()))
        assert type(graph.nodes(["dataset:ns:t"])["dataset:ns:t"]).__name__ == "Node"
        event = {"eventType": "COMPLETE", "eventTime": "2024-01-01T00:00:00Z",
                 "run": {"runId": "r"}, "job": {"namespace": "j", "name": "j"},
                 "outputs": [{"namespace": "NS", "name": "t"}]}
        wire, _, _ = _native.Translator(str.lower, None, "rule").translate(
            event, "RunEvent", "2024-01-01T00:00:00.000000Z")
        assert "dataset:ns:t" in {m.id for m in _native.decode(wire) if hasattr(m, "id")}
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]
