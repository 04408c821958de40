"""Domain mapping for datasets that arrive only through OpenLineage.

A catalog or a contract says which domain a table belongs to; a pipeline event does not. Rules
fill that gap: the first rule that matches a dataset's namespace and name (glob patterns), or the
namespace of the job that writes it, assigns its domain. Rule-made assignments carry
``source: "rule"`` so a declared domain (catalog, contract, dbt) always takes precedence.

The rule is matched once, in the native core (``native/core/domain_rules.h``, exactly
``fnmatch.fnmatchcase``'s globs): ``DomainRules.domain_for`` asks it, and the OpenLineage
translation is handed the same rules as data (``DomainRules.as_data``), so every ingester assigns
domains by one implementation and the translation never calls back into Python per dataset.

The same file declares the catalogs of query engines (``catalogs``: Trino's catalog over an
Iceberg or Hive source, ``ingest.naming.CatalogSource``): an event (or a descriptor's port, a
contract) naming a table by the engine's catalog gets, with its mutations, the engine's name as an
alias of the source's (:meth:`DomainRules.catalog_aliases`), so the two are one table.

The rules file (YAML or JSON) is declared once, below (``DOMAIN_RULES_FILE``: its keys, kinds and an
example), and docs/reference/configuration.md is written from that declaration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph import _native
from graph.core.config_schema import MAPPINGS, REQUIRED, STRING, ConfigFile, Key, Located
from graph.core.documents import load_located
from graph.core.model import NodeKind, PropertyKey
from graph.core.mutations import Mutation, UpsertNode
from ingest.builder import GraphBuilder
from ingest.naming import CatalogSource, normal_namespace

#: One rule as the native core takes it: (domain, namespace, name, job_namespace), None for "any".
RuleData = tuple[str, str | None, str | None, str | None]


class InvalidRules(ValueError):
    """A rules file that cannot be used; the message names the file and the rule."""


_PATTERNS = ("namespace", "name", "job_namespace")

#: The domain rules file's keys (``docs/reference/configuration.md`` is written from them).
DOMAIN_RULES_FILE = ConfigFile(
    title="Domain rules",
    read_by="`--domain-rules FILE` (env `LINEAGEMESH_DOMAIN_RULES`) of `lineagemesh serve` and "
    "`lineagemesh ingest`",
    about="The domain of datasets that arrive only through OpenLineage: the first rule whose "
    "globs (`*`, `?`, `[...]`, as `fnmatch`) all match a dataset assigns its domain, below any "
    "domain a catalog, contract or dbt declares. [Catalogs, contracts and dbt](../data-mesh.md) "
    "tells where domains come from. `catalogs` declares what a query engine's catalog reads, so "
    "a table the engine's OpenLineage events (or a port, a contract) name (`catalog.schema.table` under "
    "`trino://host:port`) is the source's table (`schema.table` under the source's namespace).",
    example="""\
rules:
  - domain: sales
    namespace: "postgres://sales-db:*"
    name: "public.*"
  - domain: marketing
    job_namespace: "airflow://marketing*"
catalogs:
  - engine: "trino://trino.internal:8080"
    catalog: lakehouse
    namespace: "http://iceberg-rest:8181"
""",
    keys=(
        Key(
            "rules",
            MAPPINGS,
            "none",
            "the rules, the first that matches deciding",
            keys=(
                Key("domain", STRING, REQUIRED, "the domain a matching dataset belongs to"),
                Key("namespace", STRING, "any", "a glob of the dataset's namespace"),
                Key("name", STRING, "any", "a glob of the dataset's name"),
                Key(
                    "job_namespace",
                    STRING,
                    "any",
                    "a glob of the namespace of the job writing the dataset; a rule gives at "
                    "least one of `namespace`, `name`, `job_namespace`",
                ),
            ),
        ),
        Key(
            "catalogs",
            MAPPINGS,
            "none",
            "a query engine's catalogs and the sources they read",
            keys=(
                Key("engine", STRING, REQUIRED, "the engine's namespace (`trino://host:port`)"),
                Key("catalog", STRING, REQUIRED, "the catalog's name in the engine"),
                Key(
                    "namespace",
                    STRING,
                    REQUIRED,
                    "the namespace the source names its tables in (an Iceberg REST catalog's "
                    "URI, `hive://metastore:9083`, a database's `postgres://host:5432`...)",
                ),
                Key(
                    "prefix",
                    STRING,
                    "none",
                    "what the source names before `schema.table` (a database's name: "
                    "`orders` for `orders.public.customer_orders`)",
                ),
            ),
        ),
    ),
)


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
    catalogs: tuple[CatalogSource, ...] = ()
    _matcher: _native.DomainMatcher = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matcher", _native.DomainMatcher(self.as_data()))

    def __reduce__(
        self,
    ) -> tuple[type[DomainRules], tuple[tuple[DomainRule, ...], tuple[CatalogSource, ...]]]:
        # The native matcher does not pickle: rebuild it from the rules (process pools).
        return (DomainRules, (self.rules, self.catalogs))

    def as_data(self) -> list[RuleData]:
        """The rules as the native core takes them, in order."""
        return [rule.as_data() for rule in self.rules]

    @classmethod
    def parse(
        cls, document: Any, source: str = "<rules>", located: Located | None = None
    ) -> DomainRules:
        """The rules of a document (``DOMAIN_RULES_FILE``); refusals name ``source`` (and the
        line, given the document's ``located``)."""
        located = located or Located(source, InvalidRules)
        document = DOMAIN_RULES_FILE.check(document, located)
        rules = []
        for i, raw in enumerate(document.get("rules") or []):
            patterns = {key: raw.get(key) for key in _PATTERNS}
            if all(v is None for v in patterns.values()):
                raise located.error(
                    ("rules", i), "give at least one of namespace, name, job_namespace"
                )
            rules.append(DomainRule(raw["domain"], **patterns))
        catalogs = tuple(
            CatalogSource(
                normal_namespace(c["engine"]),
                c["catalog"],
                normal_namespace(c["namespace"]),
                c.get("prefix") or "",
            )
            for c in document.get("catalogs") or []
        )
        return cls(tuple(rules), catalogs)

    @classmethod
    def load(cls, path: Path) -> DomainRules:
        document, located = load_located(path, InvalidRules, "rules")
        return cls.parse(document, str(path), located)

    def domain_for(self, namespace: str, name: str, job_namespace: str | None = None) -> str | None:
        """The domain of the first rule matching the dataset (or the job writing it), or None."""
        return self._matcher.domain_for(namespace, name, job_namespace)

    def catalog_aliases(self, mutations: Iterable[Mutation]) -> list[Mutation]:
        """For each dataset the mutations name by a declared engine catalog, its ``ALIAS_OF``
        edge to the source's name, stamped as the dataset was seen."""
        if not self.catalogs:
            return []
        found: list[Mutation] = []
        seen: set[str] = set()
        for m in mutations:
            if not isinstance(m, UpsertNode) or m.kind != NodeKind.DATASET or m.id in seen:
                continue
            seen.add(m.id)
            namespace, name = m.props.get(PropertyKey.NAMESPACE), m.props.get(PropertyKey.NAME)
            if not isinstance(namespace, str) or not isinstance(name, str):
                continue
            for catalog in self.catalogs:
                source = catalog.source_of(namespace, name)
                if source is not None:
                    builder = GraphBuilder(m.at)
                    builder.alias(namespace, name, builder.dataset_ref(*source), "CATALOG")
                    found.extend(builder.mutations)
                    break
        return found


NO_RULES = DomainRules()
