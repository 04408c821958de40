"""Domain mapping for datasets that arrive only through OpenLineage.

A catalog or a contract says which domain a table belongs to; a pipeline event does not. Rules
fill that gap: the first rule that matches a dataset's namespace and name (glob patterns), or the
namespace of the job that writes it, assigns its domain. Rule-made assignments carry
``source: "rule"`` so a declared domain (catalog, contract, dbt) always takes precedence.

Rules file (YAML or JSON)::

    rules:
      - domain: sales
        namespace: "postgres://sales-db:*"
        name: "public.*"
      - domain: marketing
        job_namespace: "airflow://marketing*"
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.documents import load_document


class InvalidRules(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True, slots=True)
class DomainRule:
    domain: str
    namespace: str | None = None
    name: str | None = None
    job_namespace: str | None = None

    def matches(self, namespace: str, name: str, job_namespace: str | None) -> bool:
        if self.namespace is not None and not fnmatch.fnmatchcase(namespace, self.namespace):
            return False
        if self.name is not None and not fnmatch.fnmatchcase(name, self.name):
            return False
        return self.job_namespace is None or (
            job_namespace is not None and fnmatch.fnmatchcase(job_namespace, self.job_namespace)
        )


@dataclass(frozen=True, slots=True)
class DomainRules:
    rules: tuple[DomainRule, ...] = ()

    @classmethod
    def parse(cls, document: Any, source: str = "<rules>") -> DomainRules:
        if not isinstance(document, dict) or not isinstance(document.get("rules"), list):
            raise InvalidRules(f"{source}: expected a mapping with a 'rules' list")
        rules = []
        for i, raw in enumerate(document["rules"]):
            where = f"{source}: rules[{i}]"
            if not isinstance(raw, dict):
                raise InvalidRules(f"{where}: expected a mapping")
            unknown = set(raw) - {"domain", "namespace", "name", "job_namespace"}
            if unknown:
                raise InvalidRules(f"{where}: unknown keys {sorted(unknown)}")
            if not isinstance(raw.get("domain"), str) or not raw["domain"]:
                raise InvalidRules(f"{where}.domain: a non-empty string is required")
            patterns = {k: raw.get(k) for k in ("namespace", "name", "job_namespace")}
            if all(v is None for v in patterns.values()):
                raise InvalidRules(f"{where}: give at least one of namespace, name, job_namespace")
            for key, value in patterns.items():
                if value is not None and not isinstance(value, str):
                    raise InvalidRules(f"{where}.{key}: expected a glob pattern string")
            rules.append(DomainRule(raw["domain"], **patterns))
        return cls(tuple(rules))

    @classmethod
    def load(cls, path: Path) -> DomainRules:
        return cls.parse(load_document(path, InvalidRules, "rules"), str(path))

    def domain_for(self, namespace: str, name: str, job_namespace: str | None = None) -> str | None:
        for rule in self.rules:
            if rule.matches(namespace, name, job_namespace):
                return rule.domain
        return None


NO_RULES = DomainRules()
