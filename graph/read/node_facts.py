"""What a frontend draws a lineage node with: how many direct neighbours it has each way, its
domain, its owners and the state of its latest run, for many nodes at once.

The native core reads each fact for the whole answer (``native/core/node_facts.h``): one
neighbour walk each way, one read of ownership, of domains, of the jobs' newest runs, and no
Python work per node but making the answer's values, so a 10k-node lineage answer with its facts
costs about as much again as without them, on every store. Each fact is read when first asked
for, so a query not selecting it reads nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from graph.core.model import Direction, NodeKind
from graph.read.lineage import DEFAULT_DEADLINE_SECONDS, DEFAULT_MAX_NODES
from graph.read.queries import Ownership
from graph.read.view import GraphView


def fact_budget(budgets: dict[str, Any]) -> tuple[int, float]:
    """The neighbour walks' bounds (``max_nodes``, ``deadline_seconds``) of a query's budgets."""
    return (
        budgets.get("max_nodes", DEFAULT_MAX_NODES),
        budgets.get("deadline_seconds", DEFAULT_DEADLINE_SECONDS),
    )


class NodeFacts:
    """The facts of ``ids`` (of ``kinds``, in the same order) in one view; ``budgets`` bound the
    neighbour walks as they bound a lineage walk (``max_nodes``, ``deadline_seconds``): past them
    a count is a lower bound. A node's kind is the graph's: ``kinds`` is kept for callers."""

    def __init__(
        self,
        view: GraphView,
        ids: Sequence[str],
        kinds: Sequence[NodeKind],
        budgets: dict[str, Any],
    ) -> None:
        self.view = view
        self.ids = list(ids)
        self.kinds = list(kinds)
        self.budgets = budgets
        self._expected: set[str] = set()
        self._read_facts: dict[str, list[Any]] = {}

    def expect(self, facts: Iterable[str]) -> None:
        """The facts (``upstream``, ``downstream``, ``domain``, ``owners``, ``run_state``) about
        to be asked for: read in one go (the walk upstream gives a dataset's writers too)."""
        self._expected.update(facts)

    def _read(self, fact: str) -> list[Any]:
        found = self._read_facts.get(fact)
        if found is None:
            asked = {fact} | (self._expected - self._read_facts.keys())
            self._read_facts.update(
                self.view.native.node_facts(self.ids, sorted(asked), *fact_budget(self.budgets))
            )
            found = self._read_facts[fact]
        return found

    def counts(self, direction: Direction) -> list[int]:
        """How many direct neighbours each node has one way, as ``graph.read.lineage.neighbours`` finds
        them (0 for nodes no lineage runs through)."""
        if direction is Direction.BOTH:
            raise ValueError("neighbours are counted one way: UPSTREAM or DOWNSTREAM")
        return self._read("downstream" if direction is Direction.DOWNSTREAM else "upstream")

    def domains(self) -> list[str | None]:
        """Each node's domain name: a dataset's own, a column's dataset's, a job's (the domain of
        what it writes; the first by id where several), a product's, a domain itself."""
        return self._read("domain")

    def owners(self) -> list[list[Ownership]]:
        """Each node's owners, by id: a column's are its dataset's."""
        found: list[list[tuple[str, str | None]]] = self._read("owners")
        # Nodes with the same owners share one list (native/bindings/views.cc): completed once.
        distinct = {id(listed): listed for listed in found}
        owner_nodes = self.view.nodes(
            {owner for listed in distinct.values() for owner, _ in listed}
        )
        made = {
            key: [
                Ownership(owner_nodes[owner], type_)
                for owner, type_ in listed
                if owner in owner_nodes
            ]
            for key, listed in distinct.items()
        }
        return [made[id(listed)] for listed in found]

    def latest_run_states(self) -> list[str | None]:
        """The state of each job's latest run (newest by first event, then id, as ``Job.latestRun``);
        for a dataset, of the latest run of the jobs writing it; none for other kinds."""
        return self._read("run_state")
