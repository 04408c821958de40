"""The native core of lineagemesh's graph."""

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Literal, final

from graph.core.model import Edge, EdgeKind, Node, NodeKind
from graph.core.mutations import UpsertEdge, UpsertNode
from graph.stores import Store
from graph.stores.remote_reads import NeighbourhoodSource
from graph.stores.requests import WalkPlan

# The one statement of graph._native's signatures, types and docstrings, written here by hand: the
# nanobind declarations in native/bindings/ state only what binding needs (names, nb::arg where a
# keyword, a default or None is accepted). tests/test_native_stub.py fails when the two disagree.

_Direction = Literal["out", "in"]
_EdgeKey = tuple[str, EdgeKind, str]  # (source, kind, target)
_Mutation = UpsertNode | UpsertEdge
_Props = Mapping[str, Any]
# graph.serve.render's column specs: (key, field, how, names, nullable)
_RenderSpec = tuple[str, str, str, Any, bool]
# Why an event of a batch was left out: (its index, "invalid" | "overlong" | "limit", the detail, the invalid one's path)
_Refused = tuple[int, str, str, str]
# A domain rule as data: (domain, namespace glob, name glob, job-namespace glob), None for "any".
_DomainRule = tuple[str, str | None, str | None, str | None]

def node_id(prefix: str, first: str, /, *rest: str) -> str:
    """
    The id of a node: its kind's prefix and its parts, the later ones escaped (the one rule, native/core/ids.h).
    """

def id_part(part: str, /) -> str:
    """
    A later part of an id, escaped by the one rule, for ids built on other ids.
    """

@final
class HashFilter:
    """
    A Bloom filter of event hashes (graph.eventlog.event_hash_index): which of a block's events the raw log may keep already, asked of SQLite only for those.
    """

    def __init__(self, expected: int, /) -> None:
        """Sized for ``expected`` hashes at ~1 % false positives."""

    @property
    def capacity(self) -> int:
        """How many hashes it was sized for: beyond them false positives grow."""

    def add(self, packed: bytes, /) -> None:
        """Add the 16-byte hashes ``packed`` holds end to end."""

    def maybe(self, packed: bytes, /) -> list[int]:
        """
        The indexes of the hashes of ``packed`` (16 bytes each, end to end) that may have been added: never one that was not asked, always every one that was added.
        """

def newest_first(at: str, /) -> str:
    """
    A stamp whose string order is reversed (each digit d as 9 - d): ids built on it list the newest first.
    """

def version_uuid(canonical_json: bytes, /) -> str:
    """
    A schema version's uuid: the SHA-256 of the canonical JSON of what it states, as a version-5 uuid's text.
    """

def versions_prefix(dataset: str, /) -> str:
    """
    What every schema version id of a dataset starts with (and no other dataset's).
    """

def version_id(dataset: str, at: str, version: str, detected: str, /) -> str:
    """
    A schema version's id: newest first by the time its schema was observed, then by when that was detected.
    """

def direct_transformations(transformations: object, /) -> list[int] | None:
    """
    The impact walk's DIRECT-hop rule for graph.read.governance: None for a direct hop with no entries, else the indexes of the DIRECT entries.
    """

def encode(mutations: Sequence[_Mutation], /) -> bytes:
    """
    A batch of mutations in the wire form stores apply and the journal keeps.
    """

def decode(payload: bytes, /) -> list[_Mutation]:
    """
    The mutations of a batch in the wire form: the inverse of :func:`encode`.
    """

@final
class ObservedSchemas:
    """
    A batch's schema observations, read once from its wire form and held with it: their datasets and stamps, rows made only for those asked, and Graph.first_holding_observed compares their fields where they lie.
    """

    @property
    def size(self) -> int:
        """How many observations the batch states."""

    def index(self) -> bytes:
        """
        What was read, as offsets into the payload and indexes of its string tables: a process holding the same payload adopts it (:func:`observed_schemas`) without reading the batch again.
        """

    def keys(self) -> list[tuple[str, str]]:
        """(dataset id, at) of every observation, in the batch's order."""

    def rows(
        self, indices: Sequence[int] | None = None, /
    ) -> list[tuple[str, str, str, str, tuple[dict[str, Any], ...], str | None]]:
        """
        (dataset, namespace, name, at, fields, origin) of the observations at ``indices`` (all: None): graph.change.schema_observations.observations' rule, read from the wire form.
        """

    def first_versions(
        self, indices: Sequence[int], source: str, detected: str, /
    ) -> tuple[bytes, list[int]]:
        """
        The first versions of the datasets observed at ``indices`` (graph.change.schema_history's version of a dataset with none yet, from ``source``, detected at ``detected``) as a batch in the wire form (empty: none), and the indices it left to Python (a field holding a float).
        """

def observed_schemas(payload: bytes, index: bytes | None = None, /) -> ObservedSchemas | None:
    """
    graph.change.schema_observations' observations of a batch, read from the wire form and held; None for a batch only the Python reader reads. ``index``: what :meth:`ObservedSchemas.index` gave for this very payload (in the process that translated it), adopted instead of reading the batch.
    """

@final
class Plan:
    """What a batch changes in a Graph, planned and not yet committed."""

    @property
    def changed(self) -> int:
        """How many nodes and edges the batch changes (0: it changes nothing)."""

    def changes(self) -> tuple[dict[str, Node], dict[_EdgeKey, Edge]]:
        """The new state of every node and edge the batch changes."""

@final
class Capture:
    """
    A Graph's records at one moment, read out as snapshot chunks while the graph goes on.
    """

    @property
    def counts(self) -> tuple[int, int]:
        """The nodes and edges captured."""

    def next_chunk(self, records: int, repeats: bool = True, /) -> bytes:
        """
        The next chunk of at most ``records`` records (b"" when done); ``repeats`` False: every record whole, as snapshot formats 2 and 3 hold them.
        """

    def close(self) -> None:
        """Let go of the captured records."""

@final
class Graph:
    """A property graph in compact native memory: the embedded store's graph."""

    def __init__(self) -> None:
        """An empty graph."""

    def plan(self, payload: bytes, /) -> Plan:
        """What an encoded batch changes, the graph untouched."""

    def commit(self, plan: Plan, /) -> None:
        """Make a plan's changes."""

    def nodes(self, ids: Iterable[str], /) -> dict[str, Node]:
        """The nodes among ``ids`` that exist."""

    def edges(
        self, ids: Iterable[str], kinds: Collection[EdgeKind], direction: _Direction, /
    ) -> list[Edge]:
        """The ``kinds`` edges leaving (or entering) ``ids``."""

    def edge_keys(
        self, ids: Iterable[str], kinds: Collection[EdgeKind], direction: _Direction, /
    ) -> list[_EdgeKey]:
        """The keys of the ``kinds`` edges leaving (or entering) ``ids``."""

    def nodes_of_kind(self, kind: NodeKind, first: int, after: str | None = None, /) -> list[Node]:
        """The first nodes of a kind by id, after ``after``."""

    def first_of_kind(
        self,
        kind: NodeKind,
        prefixes: Sequence[str],
        keys: Sequence[str] | None = None,
        like: Sequence[Mapping[str, Any] | None] | None = None,
        /,
    ) -> dict[str, Node]:
        """
        Per prefix, the first node of a kind by id among those whose ids start with it (for the prefixes that have one); ``keys``: only those properties (and their stamps); ``like`` (with ``keys``): per prefix, values the caller holds (dicts); a property equal to one, of the same types, is answered as that object rather than a copy.
        """

    def first_holding_observed(
        self,
        kind: NodeKind,
        prefixes: Sequence[str],
        key: str,
        observed: ObservedSchemas,
        indices: Sequence[int],
        /,
    ) -> list[bool | None]:
        """
        first_holding with, for each prefix, the fields of the observation of ``observed`` at the index given for it as the value: compared where they lie in the batch, none made.
        """

    def first_holding(
        self, kind: NodeKind, prefixes: Sequence[str], key: str, values: Sequence[Any], /
    ) -> list[bool | None]:
        """
        Per prefix, whether the first node of a kind by id among those whose ids start with it holds the value given for it at ``key``: a twin of it (same_as_py: equal and of the same types; False when unsure); None where no node of the kind starts with the prefix.
        """

    def nodes_of_kind_at(self, kind: NodeKind, start: int, count: int, /) -> list[Node]:
        """``count`` nodes of a kind from ``start``, in the graph's order."""

    def unrestated(self, jobs: Iterable[str], /) -> dict[str, set[_EdgeKey]]:
        """
        The READS/WRITES edges of ``jobs`` their newest completed run did not restate.
        """

    def judge(self, jobs: Iterable[str], /) -> None:
        """Decide the currency of the READS/WRITES edges of ``jobs`` now."""

    def touch_all(self) -> None:
        """Judge every job's currency before the next read."""

    def search(self, lowered_text: str, kinds: Collection[NodeKind], first: int, /) -> list[Node]:
        """The nodes of ``kinds`` whose names contain the text, ranked."""

    def counts(self) -> dict[str, int]:
        """How many nodes and edges of each kind (by its value)."""

    def install(self, nodes: Sequence[Node], edges: Sequence[Edge], /) -> None:
        """
        Put these nodes and edges in as they are (a plan's current state; no merge): an edge's end not among ``nodes`` is held bare.
        """

    def capture(self) -> Capture:
        """The graph now, for a snapshot."""

    def load_chunk(self, chunk: bytes, /) -> None:
        """Add the records of a snapshot chunk."""

    def stats(self) -> dict[str, int]:
        """
        Sizes, the bytes of the native index, and ``string_references``: the references held to the pool's strings as one number (equal for graphs holding equal records).
        """

    def elements(self) -> int:
        """Nodes plus edges (what stats() counts, without walking the graph)."""

@final
class Lineage:
    """A lineage walk's answer, read by column or rendered to JSON."""

    @property
    def truncated(self) -> bool:
        """A budget cut the walk short."""

    @property
    def sizes(self) -> tuple[int, int]:
        """The nodes and edges of the answer."""

    def nodes(self) -> list[Node]:
        """The answer's nodes, by id."""

    def edges(self) -> list[tuple[str, str, EdgeKind, dict[str, Any] | None]]:
        """The answer's edges as (source, target, kind, props or None), sorted."""

    def node_column(self, field: str, /) -> list[Any]:
        """One field (graph.serve.schema's) of every node."""

    def edge_column(self, field: Literal["source", "target", "kind", "props"], /) -> list[Any]:
        """One field of every edge."""

    def render_nodes(
        self, specs: Sequence[_RenderSpec], max_nodes: int = -1, seconds: float = 0.0, /
    ) -> bytes | None:
        """
        The nodes as JSON (graph.serve.render's specs; a node's facts asked without their column read within ``max_nodes`` and ``seconds``), or None when the specs need Python.
        """

    def render_edges(self, specs: Sequence[_RenderSpec], /) -> bytes | None:
        """
        The edges as JSON (graph.serve.render's specs), or None when the specs need Python.
        """

    def marquez_runs(self) -> list[str]:
        """
        The ids of the runs render_marquez shows: each job's latest run (its newest by createdAt, then id).
        """

    def render_marquez(self, run_versions: dict[str, str] | None = None, /) -> bytes:
        """
        The answer as Marquez's lineage graph, JSON; a run in ``run_versions`` (by its id) is written with that JSON text of its ``"inputDatasetVersions":[...],"outputDatasetVersions":[...]``, the others with both empty.
        """

@final
class Impact:
    """
    An impact walk's answer: the affected nodes, their severities and who is concerned.
    """

    @property
    def truncated(self) -> bool:
        """A budget cut the walk short."""

    @property
    def changed(self) -> str:
        """The changed node's id (canonical)."""

    @property
    def size(self) -> int:
        """How many nodes are affected."""

    def affected_nodes(self) -> list[Node]:
        """The affected nodes, in order."""

    def affected_column(self, field: str, rows: Sequence[int] | None = None, /) -> list[Any]:
        """
        One field of every affected node, or of those ``rows`` (indexes, in their order).
        """

    def concerned(
        self, what: Literal["products", "domains", "owners", "contracts"], /
    ) -> list[str]:
        """
        The ids of the products, domains, owners or contracts the change concerns.
        """

    def render_affected(self, specs: Sequence[_RenderSpec], /) -> bytes | None:
        """
        The affected nodes as JSON (graph.serve.render's specs), or None when they need Python.
        """

@final
class View:
    """
    One query's view of a store: the graph in place (``graph``) or, for a store this process does not hold, a mirror filled as the query reads ``store`` (a :class:`NeighbourhoodSource`: the core calls its reads, each always, by name); ``as_of``: the graph at that stamp.
    """

    def __init__(
        self,
        graph: Graph | None,
        store: NeighbourhoodSource | Store,
        as_of: str | None,
        summary: Any,
        names: Sequence[str] | None = None,
        /,
    ) -> None:
        """
        ``summary``: the properties read of the nodes walks reach (None: whole nodes); ``names``: those a caller reading only names needs.
        """

    def nodes(self, ids: Iterable[str], /) -> dict[str, Node]:
        """The nodes among ``ids`` the view shows, whole."""

    def holds(self, id: str, /) -> bool:
        """
        Whether reading the node ``id`` whole asks the store nothing: the view holds it (or knows there is none).
        """

    def summaries(self, ids: Iterable[str], /) -> dict[str, Node]:
        """
        The nodes among ``ids``, with at least graph.read.view.SUMMARY of their properties.
        """

    def edges(
        self, ids: Iterable[str], kinds: Collection[EdgeKind], direction: _Direction, /
    ) -> list[Edge]:
        """
        The ``kinds`` edges leaving (or entering) ``ids`` current at the view's moment.
        """

    def edge_keys(
        self, ids: Iterable[str], kinds: Collection[EdgeKind], direction: _Direction, /
    ) -> list[_EdgeKey]:
        """The keys of the ``kinds`` edges leaving (or entering) ``ids``."""

    def canonical(self, ids: Iterable[str], /) -> dict[str, str]:
        """Each id's canonical id (aliases followed)."""

    def keys_into(
        self, ids: Iterable[str], kinds: Collection[EdgeKind], /
    ) -> tuple[dict[str, str], list[_EdgeKey]]:
        """
        For canonical ``ids``: each member's canonical id, and the keys of the ``kinds`` edges entering the members.
        """

    def dataset_lineage(
        self, start: str, plan: WalkPlan, max_nodes: int, seconds: float, /
    ) -> Lineage:
        """
        The datasets and jobs around ``start`` by the walk's ``plan`` (its hops, upstream and/or downstream), within ``max_nodes`` and ``seconds``; a remote store is handed the plan with each level read (its read ahead).
        """

    def column_lineage(
        self, start: str, plan: WalkPlan, max_nodes: int, seconds: float, /
    ) -> Lineage:
        """
        The columns around ``start`` by the walk's ``plan`` (its hops, upstream and/or downstream), within ``max_nodes`` and ``seconds``.
        """

    def neighbours(
        self, ids: Iterable[str], downstream: bool, max_nodes: int, seconds: float, /
    ) -> Lineage:
        """Each node's direct neighbours, one way."""

    def impact_report(
        self, start: str, plan: WalkPlan, semantic: bool, max_nodes: int, seconds: float, /
    ) -> Impact:
        """
        What a change of ``start`` affects downstream, within the ``plan``'s hops less one (None: unbounded; the plan reads a level more); ``plan``: the walk's, handed to a remote store with each level read.
        """

    def read_impacts_ahead(
        self, starts: Iterable[str], max_nodes: int, seconds: float, plan: WalkPlan | None = None, /
    ) -> None:
        """
        What the impact reports of changes to each of ``starts`` will read, read at once (a remote store's view; nothing from the embedded graph), within ``max_nodes`` and ``seconds``; ``plan``: their walk's.
        """

    def dataset_domains(self, ids: Iterable[str], /) -> dict[str, str]:
        """Each dataset's domain id."""

    def deleted(self, ids: Sequence[str], /) -> list[bool]:
        """
        Whether each node was dropped, as the view judges it (its table's newest lifecycle statement; False for no node).
        """

    def lifecycle_of(self, ids: Sequence[str], /) -> list[str | None]:
        """
        The name of each dataset's table whose lifecycle (deleted, lifecycleState) stands for it: the newest statement under any of its names (the id itself for a dataset no other name outdated, and any other node); None for no node.
        """

    def node_facts(
        self, ids: Sequence[str], facts: Sequence[str], max_nodes: int, seconds: float, /
    ) -> dict[str, list[Any]]:
        """
        Facts of each node (upstream, downstream, domain, owners, run_state), by fact (native/core/node_facts.h).
        """

    def marquez(self, ids: Iterable[str], full: bool, /) -> bytes:
        """
        A JSON list of each node's Marquez data (null for none; native/marquez/marquez.h).
        """

    def marquez_column_lineage(
        self, ids: Iterable[str], downstream: bool, depth: int, max_nodes: int, seconds: float, /
    ) -> tuple[bytes, bool]:
        """
        Marquez's column lineage of column ids, as JSON, and whether it was cut short.
        """

#: The properties besides graph.read.view.SUMMARY a Marquez answer reads (native/marquez/marquez.h).
MARQUEZ_SHOWN: tuple[str, ...]

#: The properties of a column a Marquez dataset's ``fields`` show, in their order.
MARQUEZ_FIELD_KEYS: tuple[str, ...]

#: The property a remote store may keep a dataset's fields in (their JSON text, as
#: :func:`marquez_fields` writes it) so Marquez answers read no column node and copy the fields
#: as they are (native/marquez/marquez.h).
KEPT_FIELDS_KEY: str

def marquez_fields(entries: Sequence[Sequence[Any]], /) -> str:
    """
    The JSON text of a dataset's Marquez ``fields`` (what KEPT_FIELDS_KEY holds), from one list of MARQUEZ_FIELD_KEYS values per column of its ``columns``, in order.
    """

@final
class DomainMatcher:
    """
    Domain rules compiled by the core (``native/core/domain_rules.h``): the one matcher behind ``ingest.domain_rules.DomainRules.domain_for`` and the OpenLineage translation.
    """

    def __init__(self, rules: Sequence[_DomainRule], /) -> None:
        """``rules`` in order; the first that matches assigns its domain."""

    def domain_for(
        self, namespace: str, name: str, job_namespace: str | None = None, /
    ) -> str | None:
        """
        The domain of the first rule whose globs match the dataset's namespace and name and the writing job's namespace (a rule with a job-namespace glob needs one), or None.
        """

def glob_matches(text: str, pattern: str, /) -> bool:
    """
    ``fnmatch.fnmatchcase(text, pattern)``, matched by the core on code points (the domain rules' globs: ``*``, ``?``, ``[seq]``, ``[!seq]``, no escapes).
    """

class Builder:
    """
    The mutations of one source document, in the vocabulary every ingester writes in (``ingest.builder.GraphBuilder`` is this; the Iceberg, contract and dbt translations subclass it).
    """

    def __init__(self, at: str) -> None:
        """``at``: the stamp every mutation carries."""

    @property
    def at(self) -> str:
        """The stamp every mutation carries."""

    @property
    def mutations(self) -> list[_Mutation]:
        """The mutations so far."""

    def node(
        self,
        node_id: str,
        kind: NodeKind,
        props: _Props,
        first: _Props | None = None,
        at: str | None = None,
    ) -> str:
        """An UpsertNode remembering when the node was first and last seen."""

    def edge(self, source: str, kind: EdgeKind, target: str, props: _Props | None = None) -> None:
        """An UpsertEdge remembering when the edge was first and last seen."""

    def dataset_ref(self, namespace: str, name: str, /) -> str:
        """A dataset that exists, not described here."""

    def will_describe(self, namespace: str, name: str, /) -> None:
        """Say a dataset() of this one follows."""

    def dataset(self, namespace: str, name: str, props: _Props, /) -> str:
        """A declared dataset."""

    def job(self, namespace: str, name: str, props: _Props, /) -> str:
        """A job."""

    def column(
        self, namespace: str, dataset: str, field: str, props: _Props | None = None, /
    ) -> str:
        """A column of a dataset (without props: a mere reference)."""

    def alias(self, namespace: str, name: str, canonical: str, reason: str, /) -> None:
        """Another name for a dataset."""

    def owner(self, subject: str, name: str, owner_type: str | None, /) -> str:
        """An owner of ``subject``."""

    def domain(self, name: str, props: _Props | None = None, /) -> str:
        """A domain."""

    def product(self, domain: str, name: str, props: _Props, /) -> str:
        """A data product of its domain."""

    def consumer(self, name: str, props: _Props | None = None, /) -> str:
        """A consumer."""

    def encoded(self) -> bytes:
        """The mutations so far, in the wire form."""

@final
class Translator:
    """
    OpenLineage events' JSON to graph mutations in the wire form, under the rules this object holds (never module state: two services of one process with different rules cannot meet).
    """

    def __init__(
        self,
        domain_rules: Sequence[_DomainRule] | None,
        rule_source: str,
        schema: tuple[Sequence[str], Sequence[tuple[str, str]]] | None,
        max_depth: int,
        /,
    ) -> None:
        """
        Dataset namespaces are spelled by the core's one rule (:func:`normal_namespace`, no call back into Python); ``domain_rules``: the rules that assign datasets domains, as data the core matches (``DomainRules.as_data``, no call back into Python); ``rule_source``: the source a rule-made BELONGS_TO carries; ``schema``: the event schemas the core checks events against (``ingest.openlineage_schema.event_schemas``; None: it vouches for none); ``max_depth``: the deepest an event may nest.
        """

    def translate(
        self,
        raws: list[bytes],
        not_after: int | None,
        settle: Callable[[int], tuple[bytes, str, str] | None],
        /,
    ) -> tuple[bytes, list[_Refused], list[float], list[str]]:
        """
        Events' JSON into one batch, in order: each read, checked and translated whole in the core where it can vouch for it, any other ``settle(index)``'s (the Python path: None when refused, else the JSON, kind and stamp of the event it settled on, translated then in its place). ``not_after``: the latest eventTime accepted, Unix microseconds. Returns the batch, the events refused ((index, "invalid", "overlong" or "limit", detail, path: the invalid one's JSON path)), each event's eventTime in Unix seconds (NaN where the core did not read it), and the ids the events it read name, each once.
        """

@final
class EventSchema:
    """
    The one OpenLineage event validator (native/core/json_schema.h): Python jsonschema's verdict and wording, decided in the core.
    """

    def __init__(self, schema: tuple[Sequence[str], Sequence[tuple[str, str]]], /) -> None:
        """
        ``schema``: the documents and roots ``ingest.openlineage_schema.event_schemas`` gives.
        """

    def refusal(self, json: bytes, kind: str, /) -> tuple[str, str] | None:
        """
        Why the event (its JSON; ``kind`` RunEvent, DatasetEvent or JobEvent) is not valid: the JSON path and message Python jsonschema's ``best_match`` gave, of the first facet that fails, else of the event; None when valid.
        """

#: The longest node id (UTF-8 bytes) the builder makes: ids are keys on every store.
LONGEST_ID: int

def utc_stamp(moment: datetime.datetime, /) -> str:
    """The stamp every mutation carries, of a datetime already in UTC."""

def normal_namespace(namespace: str, /) -> str:
    """
    The one spelling of a dataset namespace (``ingest.naming``; ``native/core/namespaces.h``): object-store, database and SQLite schemes as the naming spec writes them, host lower-cased, default port and trailing slash dropped; authorities read as Python 3.11's ``urlsplit`` reads them, one it refuses left as sent. The OpenLineage translation applies the same rule.
    """

def object_store(scheme: str, /) -> str | None:
    """
    The scheme the naming spec names an object store by, for the lower-case ``scheme`` that reaches it (``s3a`` -> ``s3``, ``abfs`` -> ``abfss``), else None: the core's one table, which ``ingest.naming`` names storage locations by too.
    """

def storage_namespace(namespace: str, /) -> bool:
    """
    Whether a normal dataset namespace names a storage location (``file``, ``hdfs``, ``dbfs``, an object store) rather than a catalog, metastore or database: a name alias resolution shows last (``graph.read.aliases``).
    """

def database_scheme(scheme: str, /) -> str | None:
    """
    The spec's scheme of a database as producers spell its lower-case ``scheme`` (``postgresql`` -> ``postgres``, ``mariadb`` -> ``mysql``), else None.
    """

def nests_deeper(value: object, limit: int, /) -> bool:
    """
    Whether a dict or list in a decoded JSON document sits deeper than ``limit`` levels.
    """
