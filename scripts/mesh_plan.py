"""The generated mesh's structure, decided up front without events: domains, products, layers, jobs,
hubs and the guaranteed spine, diamonds and loops (``_Plan``), and what it is meant to look like
(``MeshShape``).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from array import array
from dataclasses import asdict, dataclass, field

from mesh_vocabulary import (
    _FORCED,
    _HUB,
    _PAIR,
    _SECOND,
    _SELF,
    _SOURCE,
    _SPINE,
    HUB_ZIPF_EXPONENT,
    N_FAMILIES,
    N_LAYERS,
    N_VARIANTS,
    PAIR_PROBABILITY,
    PRODUCT_NOUNS,
    SELF_LOOP_PROBABILITY,
    SOURCE_LAYER_SHARE,
    _make_templates,
    chain_depth_target,
    default_domains,
    domain_name,
    domain_namespace,
)


# --------------------------------------------------------------------------- shape / plan
@dataclass
class MeshShape:
    """The intended shape of a generated mesh (computed without generating events)."""

    datasets: int
    seed: int
    columns: int
    domains: list[str]
    products: int
    layers: int
    sources: int
    jobs: int
    dataset_events: int
    run_events: int
    events: int
    total_columns: int
    pair_jobs: int
    hubs: list[str]
    hub_namespaces: list[str]
    chain_depth: int
    spine: list[str]
    diamonds: list[tuple[str, ...]] = field(default_factory=list)
    loops: list[list[str]] = field(default_factory=list)
    self_loops: list[str] = field(default_factory=list)

    def to_dict(self, max_items: int | None = None) -> dict:
        d = asdict(self)
        if max_items is not None:
            for k, v in d.items():
                if isinstance(v, list) and len(v) > max_items:
                    d[k] = [*v[:max_items], f"... {len(v) - max_items} more"]
        return d


class _Plan:
    """Structural decisions made up front in O(N) compact memory (no events)."""

    def __init__(self, datasets: int, seed: int, columns: int = 10, domains: int | None = None):
        if datasets < 50:
            raise ValueError("datasets must be >= 50")
        if columns < 1:
            raise ValueError("columns must be >= 1")
        n = self.n = int(datasets)
        self.seed = seed
        self.columns = columns
        n_domains = self.n_domains = int(domains) if domains else default_domains(n)
        if n_domains < 1:
            raise ValueError("domains must be >= 1")
        rng = random.Random(f"lineagemesh/generate_mesh/plan/{seed}/{n}/{columns}/{n_domains}")
        r = rng.random
        self.domain_names = [domain_name(i) for i in range(n_domains)]
        self.domain_ns = [domain_namespace(d) for d in self.domain_names]
        self.job_ns = [f"airflow://{d}" for d in self.domain_names]
        self.templates = _make_templates(rng, columns)

        # ---- products (contiguous index ranges) and their domains
        dom_cum = list(_cumulative([1.0 / math.sqrt(i + 1) for i in range(n_domains)]))
        first_domains = list(range(n_domains))
        rng.shuffle(first_domains)
        prod_start = array("I")
        prod_size = array("H")
        prod_domain = array("I")
        prod_name: list[str] = []
        noun_count: dict[tuple[int, str], int] = {}
        i = 0
        while i < n:
            size = min(rng.randint(5, 20), n - i)
            p = len(prod_start)
            d = (
                first_domains[p]
                if p < n_domains
                else bisect.bisect_left(dom_cum, r() * dom_cum[-1])
            )
            noun = PRODUCT_NOUNS[int(r() * len(PRODUCT_NOUNS))]
            c = noun_count.get((d, noun), 0) + 1
            noun_count[(d, noun)] = c
            prod_name.append(noun if c == 1 else f"{noun}_{c}")
            prod_start.append(i)
            prod_size.append(size)
            prod_domain.append(d)
            i += size
        n_prod = self.n_products = len(prod_start)
        self.prod_start, self.prod_size, self.prod_domain, self.prod_name = (
            prod_start,
            prod_size,
            prod_domain,
            prod_name,
        )
        self.prod_qual = [
            f"{self.domain_names[prod_domain[p]]}.{prod_name[p]}" for p in range(n_prod)
        ]
        prod_of = array("I", bytes(4 * n))
        for p in range(n_prod):
            s = prod_start[p]
            for k in range(s, s + prod_size[p]):
                prod_of[k] = p
        self.prod_of = prod_of
        self.domain_products = [array("I") for _ in range(n_domains)]
        for p in range(n_prod):
            self.domain_products[prod_domain[p]].append(p)

        # ---- layers: layer 0 = source-aligned products, then N_LAYERS-1 equal slices
        p0 = min(n_prod - 1, max(1, round(n_prod * SOURCE_LAYER_SHARE))) if n_prod > 1 else 1
        rest = n_prod - p0
        self.layer_first_prod = [0] + [
            p0 + (layer - 1) * rest // (N_LAYERS - 1) for layer in range(1, N_LAYERS)
        ]
        self.layer_first_prod.append(n_prod)
        prod_layer = array("B", bytes(n_prod))
        for layer in range(N_LAYERS):
            for p in range(self.layer_first_prod[layer], self.layer_first_prod[layer + 1]):
                prod_layer[p] = layer
        self.prod_layer = prod_layer
        layer1_start = prod_start[p0] if p0 < n_prod else n

        # ---- templates per dataset, sources
        prod_family = [int(r() * N_FAMILIES) for _ in range(n_prod)]
        tmpl = array("H", bytes(2 * n))
        for k in range(n):
            tmpl[k] = prod_family[prod_of[k]] * N_VARIANTS + int(r() * N_VARIANTS)
        self.tmpl = tmpl
        flags = bytearray(n)
        for k in range(layer1_start):
            flags[k] = _SOURCE
        for k in range(layer1_start, n):
            local = k - prod_start[prod_of[k]]
            if r() < (0.2 if local == 0 else 0.01):
                flags[k] = _SOURCE

        # ---- hubs (layer 0), Zipf weights by rank
        n_hubs = min(layer1_start, max(3, round(n / 1000)))
        self.hubs = rng.sample(range(layer1_start), n_hubs)
        for h in self.hubs:
            flags[h] |= _HUB
        self.hub_cum = list(
            _cumulative([1.0 / (rank + 1) ** HUB_ZIPF_EXPONENT for rank in range(n_hubs)])
        )

        # ---- spine: a guaranteed long chain spread over the whole index range
        depth = min(chain_depth_target(n), n - layer1_start)
        hub_set = set(self.hubs)
        spine0 = next(k for k in range(layer1_start - 1, -1, -1) if k not in hub_set)
        span = n - 1 - layer1_start
        spine = [spine0] + [layer1_start + j * span // max(1, depth - 1) for j in range(depth)]
        self.spine = spine
        self.spine_prev: dict[int, int] = {}
        for a, b in itertools.pairwise(spine):
            self.spine_prev[b] = a
            flags[b] = _SPINE  # written, not a source
        self.chain_depth = len(spine) - 1

        # ---- special products: diamonds and loops (their first 4 tables are off the spine)
        spine_set = set(spine)
        candidates = [
            p
            for p in range(p0, n_prod)
            if prod_size[p] >= 4
            and not any(k in spine_set for k in range(prod_start[p], prod_start[p] + 4))
        ]
        n_diamonds = max(2, n // 1000)
        n_loops = max(2, n // 2000)
        chosen = sorted(rng.sample(candidates, min(len(candidates), n_diamonds + n_loops)))
        rng.shuffle(chosen)
        diamond_prods = sorted(chosen[:n_diamonds])
        loop_prods = sorted(chosen[n_diamonds:])
        self.forced: dict[int, tuple[int, ...]] = {}
        self.back: dict[int, int] = {}
        self.diamonds: list[tuple[int, int, int, int]] = []
        self.loops: list[list[int]] = []
        for p in diamond_prods:
            a = prod_start[p]
            self.forced[a + 1] = (a,)
            self.forced[a + 2] = (a,)
            self.forced[a + 3] = (a + 1, a + 2)
            for k in range(a, a + 4):
                flags[k] = (flags[k] & _SOURCE if k == a else 0) | _FORCED
            self.diamonds.append((a, a + 1, a + 2, a + 3))
        for j, p in enumerate(loop_prods):
            a = prod_start[p]
            length = 2 if j % 2 == 0 else 3
            for k in range(a + 1, a + length):
                self.forced[k] = (k - 1,)
            self.back[a] = a + length - 1
            for k in range(a, a + 4):
                flags[k] = _FORCED
            self.loops.append(list(range(a, a + length)))

        # ---- two-output jobs and self-loop jobs
        free = _SOURCE | _SPINE | _FORCED | _SECOND
        for k in range(layer1_start, n - 1):
            if flags[k] & free or flags[k + 1] & free or prod_of[k + 1] != prod_of[k]:
                continue
            if r() < PAIR_PROBABILITY:
                flags[k] |= _PAIR
                flags[k + 1] |= _SECOND
        self_loops = []
        for k in range(layer1_start, n):
            if (
                not flags[k] & (_SOURCE | _SPINE | _FORCED | _SECOND)
                and r() < SELF_LOOP_PROBABILITY
            ):
                flags[k] |= _SELF
                self_loops.append(k)
        if not self_loops:
            k = next(
                k
                for k in range(n - 1, layer1_start - 1, -1)
                if not flags[k] & (_SOURCE | _SPINE | _FORCED | _SECOND)
            )
            flags[k] |= _SELF
            self_loops.append(k)
        self.self_loops = self_loops
        self.flags = flags
        self.layer1_start = layer1_start

    # ---- naming helpers
    def name(self, k: int) -> str:
        p = self.prod_of[k]
        return f"{self.prod_qual[p]}.table_{k - self.prod_start[p]}"

    def namespace(self, k: int) -> str:
        return self.domain_ns[self.prod_domain[self.prod_of[k]]]

    def shape(self, reruns: int = 1) -> MeshShape:
        flags = self.flags
        sources = sum(1 for f in flags if f & _SOURCE)
        seconds = sum(1 for f in flags if f & _SECOND)
        jobs = self.n - sources - seconds
        nm = self.name
        total_columns = sum(len(self.templates[t].names) for t in self.tmpl)
        return MeshShape(
            datasets=self.n,
            seed=self.seed,
            columns=self.columns,
            domains=list(self.domain_names),
            products=self.n_products,
            layers=N_LAYERS,
            sources=sources,
            jobs=jobs,
            dataset_events=sources,
            run_events=2 * jobs * reruns,
            events=sources + 2 * jobs * reruns,
            total_columns=total_columns,
            pair_jobs=seconds,
            hubs=[nm(h) for h in self.hubs],
            hub_namespaces=[self.namespace(h) for h in self.hubs],
            chain_depth=self.chain_depth,
            spine=[nm(k) for k in self.spine],
            diamonds=[tuple(nm(k) for k in d) for d in self.diamonds],
            loops=[[nm(k) for k in lp] for lp in self.loops],
            self_loops=[nm(k) for k in self.self_loops],
        )


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def mesh_shape(
    datasets: int, seed: int, columns: int = 10, domains: int | None = None, reruns: int = 1
) -> MeshShape:
    """Summary of the mesh ``generate`` would produce for the same arguments."""
    return _Plan(datasets, seed, columns, domains).shape(reruns)
