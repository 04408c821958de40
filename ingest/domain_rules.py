"""Domain mapping for datasets that arrive only through OpenLineage.

A catalog or a contract says which domain a table belongs to; a pipeline event does not. Rules
fill that gap: the first rule that matches a dataset's namespace and name (glob patterns), or the
namespace of the job that writes it, assigns its domain. Rule-made assignments carry
``source: "rule"`` so a declared domain (catalog, contract, dbt) always takes precedence.

The rule is matched once, in the native core (``native/core/domain_rules.h``, exactly
``fnmatch.fnmatchcase``'s globs): ``DomainRules.domain_for`` asks it, and the OpenLineage
translation is handed the same rules as data (``DomainRules.as_data``), so every ingester assigns
domains by one implementation and the translation never calls back into Python per dataset.

Rules file (YAML or JSON)::

    rules:
      - domain: sales
        namespace: "postgres://sales-db:*"
        name: "public.*"
      - domain: marketing
        job_namespace: "airflow://marketing*"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph import _native
from graph.core.documents import load_document

#: One rule as the native core takes it: (domain, namespace, name, job_namespace), None for "any".
RuleData = tuple[str, str | None, str | None, str | None]


class InvalidRules(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


@dataclass(frozen=True, slots=True)
class DomainRule:
    domain: str
    namespace: str | None = None
    name: str | None = None
    job_namespace: str | None = None

    def as_data(self) -> RuleData:
        return (self.domain, self.namespace, self.name, self.job_namespace)


@dataclass(frozen=True, slots=True)
class DomainRules:
    rules: tuple[DomainRule, ...] = ()
    _matcher: _native.DomainMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _native.DomainMatcher(self.as_data()))

    def __reduce__(self) -> tuple[type[DomainRules], tuple[tuple[DomainRule, ...]]]:
        # The native matcher does not pickle: rebuild it from the rules (process pools).
        return (DomainRules, (self.rules,))

    def as_data(self) -> list[RuleData]:
        """The rules as the native core takes them, in order."""
        return [rule.as_data() for rule in self.rules]

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
        """The domain of the first rule matching the dataset (or the job writing it), or None."""
        return self._matcher.domain_for(namespace, name, job_namespace)


NO_RULES = DomainRules()
