"""What each dbt test checks: the table (and column) a generic test names, every table a
singular test reads; ``ingest.dbt_results`` meets run results with these subjects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.dbt.manifest import (
    _REF,
    _SOURCE,
    _Manifest,
    _obj,
    _str,
    _strs,
    _text,
)


class _TestTargets:
    """What a test checks, in a parsed manifest: the table (and column) a generic test names."""

    m: _Manifest

    def _test_target(
        self, node: dict[str, Any], path: str, kwargs: dict[str, Any], parents: list[str]
    ) -> str | None:
        """The table a generic test checks: ``attached_node`` (dbt 1.5+), else its ``model`` argument."""
        attached = _str(node, path, "attached_node")
        if attached in self.m.relations:
            return attached
        model = kwargs.get("model")
        resolved = self._resolve(model, parents) if isinstance(model, str) else None
        if resolved is not None:
            return resolved
        return parents[0] if len(parents) == 1 else None

    def _relationship_target(self, to: Any, candidates: list[str]) -> str | None:
        resolved = self._resolve(to, candidates) if isinstance(to, str) else None
        if resolved is not None:
            return resolved
        return candidates[0] if len(candidates) == 1 else None

    def _resolve(self, text: str, candidates: list[str]) -> str | None:
        """The node a ``ref('x')`` / ``source('s', 't')`` expression names, among ``candidates``."""
        relations = [self.m.relations[c] for c in candidates]
        source = _SOURCE.search(text)
        if source:
            for r in relations:
                if (
                    r.resource_type == "source"
                    and (r.node.get("source_name"), r.node.get("name")) == source.groups()
                ):
                    return r.uid
            return None
        ref = _REF.search(text)
        if ref:
            # ref('model') or ref('package', 'model'): the model name is the last one given.
            name = ref.group(2) or ref.group(1)
            for r in relations:
                if r.resource_type != "source" and r.node.get("name") == name:
                    return r.uid
        return None

    def _declared_column(self, uid: str, name: str | None) -> str | None:
        if not name:
            return None
        r = self.m.relations[uid]
        columns = [
            _text(c.get("name")) or k
            for k, c in _obj(r.node, r.path, "columns").items()
            if isinstance(c, dict)
        ]
        if name in columns:
            return name
        folded = [c for c in columns if c.lower() == name.strip('"`[]').lower()]
        return folded[0] if len(folded) == 1 else None


class _Targets(_TestTargets):
    def __init__(self, manifest: _Manifest) -> None:
        self.m = manifest


@dataclass(frozen=True, slots=True)
class TestedSubject:
    """A dbt test and the dataset (and column) it checks, as the manifest states them."""

    test_id: str
    name: str
    test_type: str  # not_null, unique, dbt_utils.expression_is_true, singular, ...
    namespace: str
    dataset: str  # the dataset name, as translate_manifest records it
    column: str | None
    severity: str | None


def tested_subjects(
    manifest: dict[str, Any], namespace: str | None = None
) -> dict[str, list[TestedSubject]]:
    """Each test of the manifest (by unique_id) and what it checks: a generic test its table (and
    column, as declared when the model declares it), a singular test every table it reads."""
    parsed = _Manifest.parse(manifest, namespace)
    targets = _Targets(parsed)
    found: dict[str, list[TestedSubject]] = {}
    for uid, node, path in parsed.tests:
        name = _str(node, path, "name") or uid
        severity = _str(_obj(node, path, "config"), f"{path}.config", "severity")
        parents = [
            p
            for p in _strs(_obj(node, path, "depends_on"), f"{path}.depends_on", "nodes")
            if p in parsed.relations
        ]
        test_meta = _obj(node, path, "test_metadata")
        checked: list[tuple[str, str | None, str]]
        if not test_meta:
            checked = [(p, None, "singular") for p in parents]
        else:
            where = f"{path}.test_metadata"
            test_name = _str(test_meta, where, "name", required=True)
            package = _str(test_meta, where, "namespace")
            kwargs = _obj(test_meta, where, "kwargs")
            target = targets._test_target(node, path, kwargs, parents)
            col = _str(node, path, "column_name") or _text(kwargs.get("column_name"))
            declared = targets._declared_column(target, col) if target else None
            kind = f"{package}.{test_name}" if package else test_name
            checked = [] if target is None else [(target, declared or col, kind)]
        found[uid] = [
            TestedSubject(
                uid,
                name,
                kind,
                parsed.relations[rel].namespace,
                parsed.relations[rel].name,
                column,
                severity,
            )
            for rel, column, kind in checked
            if not parsed.relations[rel].ephemeral
        ]
    return found
