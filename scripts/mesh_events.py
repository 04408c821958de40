"""The generated mesh's events, in eventTime order: the first round of runs (START with facets,
COMPLETE with statistics), then the steady state's re-runs and the schema and lineage changes
some of them deploy.
"""

from __future__ import annotations

import bisect
import heapq
import random
import uuid
from collections.abc import Iterator
from typing import Any

from mesh_openlineage import (
    _BASE_EPOCH,
    COLUMN_LINEAGE_FACET_URL,
    DATASET_EVENT_URL,
    DOCUMENTATION_FACET_URL,
    JOB_OWNERSHIP_FACET_URL,
    JOB_TYPE_FACET,
    OWNERSHIP_FACET_URL,
    PRODUCER,
    RUN_EVENT_URL,
    T_AGGREGATE,
    T_CONDITIONAL,
    T_FILTER,
    T_GROUP_BY,
    T_IDENTITY,
    T_JOIN,
    T_MASK,
    T_SORT,
    T_TRANSFORM,
    T_WINDOW,
    _complete,
    _iso,
    _written,
)
from mesh_plan import _Plan
from mesh_vocabulary import (
    _PAIR,
    _RETYPE,
    _SECOND,
    _SELF,
    _SOURCE,
    _SPINE,
    HUB_READ_PROBABILITY,
    RERUN_GAP_MS,
    _Template,
)


# --------------------------------------------------------------------------- events
class _Emitter:
    def __init__(self, plan: _Plan, reruns: int = 1, change_rate: float = 0.0):
        if reruns < 1:
            raise ValueError("reruns must be >= 1")
        if not 0.0 <= change_rate <= 1.0:
            raise ValueError("change rate must be between 0 and 1")
        self.plan = plan
        self.rng = random.Random(
            f"lineagemesh/generate_mesh/events/{plan.seed}/{plan.n}/{plan.columns}/{plan.n_domains}"
        )
        self._own_cache: dict[int, tuple[dict, dict]] = {}
        self.reruns = reruns
        self.change_rate = change_rate
        # per job, for its re-runs: [latest START, its start ms, run duration ms, its inputs' (ns, name, template)]
        self._jobs: list[list] = []

    # -- helpers
    def _ownership(self, p: int) -> tuple[dict, dict]:
        hit = self._own_cache.get(p)
        if hit is None:
            if len(self._own_cache) > 64:
                self._own_cache.clear()
            plan = self.plan
            owner = [
                {
                    "name": f"team:{plan.domain_names[plan.prod_domain[p]]}-{plan.prod_name[p]}",
                    "type": "team",
                }
            ]
            hit = (
                {"_producer": PRODUCER, "_schemaURL": OWNERSHIP_FACET_URL, "owners": owner},
                {"_producer": PRODUCER, "_schemaURL": JOB_OWNERSHIP_FACET_URL, "owners": owner},
            )
            self._own_cache[p] = hit
        return hit

    def _documentation(self, k: int, p: int) -> dict:
        plan = self.plan
        local = k - plan.prod_start[p]
        dom = plan.domain_names[plan.prod_domain[p]]
        if plan.flags[k] & _SOURCE:
            text = (
                f"Source-aligned table {local} of data product '{plan.prod_name[p]}', "
                f"ingested from the {dom} operational systems."
            )
        else:
            text = (
                f"Table {local} of data product '{plan.prod_name[p]}' (layer {plan.prod_layer[p]}) "
                f"owned by the {dom} domain."
            )
        return {"_producer": PRODUCER, "_schemaURL": DOCUMENTATION_FACET_URL, "description": text}

    def _dataset_facets(self, k: int) -> dict:
        plan = self.plan
        p = plan.prod_of[k]
        tpl = plan.templates[plan.tmpl[k]]
        facets = {
            "schema": tpl.schema_facet,
            "ownership": self._ownership(p)[0],
            "documentation": self._documentation(k, p),
        }
        if tpl.tags_facet is not None:
            facets["tags"] = tpl.tags_facet
        return facets

    def _cross(self, p: int) -> int:
        """A dataset of a product in a lower layer than product ``p``."""
        plan = self.plan
        r = self.rng.random
        layer = plan.prod_layer[p]
        hi = plan.layer_first_prod[layer]
        lo = plan.layer_first_prod[layer - 1] if r() < 0.5 else 0
        if lo >= hi:  # empty previous layer (tiny meshes)
            lo = 0
        q = -1
        if r() < 0.5:
            dl = plan.domain_products[plan.prod_domain[p]]
            a = bisect.bisect_left(dl, lo)
            b = bisect.bisect_left(dl, hi)
            if b > a:
                q = dl[a + int(r() * (b - a))]
        if q < 0:
            q = lo + int(r() * (hi - lo))
        size = plan.prod_size[q]
        if r() < 0.5:
            return plan.prod_start[q] + size - 1  # the product's "output port"
        return plan.prod_start[q] + int(r() * size)

    def _inputs(self, k: int, f: int) -> list[int]:
        plan = self.plan
        r = self.rng.random
        forced = plan.forced.get(k)
        if forced is not None:
            ins = list(forced)
        else:
            p = plan.prod_of[k]
            start = plan.prod_start[p]
            local = k - start
            if f & _SPINE:
                primary = plan.spine_prev[k]
            elif local > 0 and r() < 0.85:
                primary = k - 1 if r() < 0.75 else start + int(r() * local)
            else:
                primary = self._cross(p)
            ins = [primary]
            x = r()
            n_extra = 0 if x < 0.45 else 1 if x < 0.78 else 2 if x < 0.93 else 3
            if r() < HUB_READ_PROBABILITY:
                cum = plan.hub_cum
                h = plan.hubs[bisect.bisect_left(cum, r() * cum[-1])]
                if h not in ins:
                    ins.append(h)
                if n_extra:
                    n_extra -= 1
            for _ in range(n_extra):
                c = start + int(r() * local) if local > 0 and r() < 0.3 else self._cross(p)
                if c not in ins:
                    ins.append(c)
        back = plan.back.get(k)
        if back is not None:
            ins.append(back)
        if f & _SELF:
            ins.append(k)
        return ins

    def _column_lineage(self, out_tpl: _Template, ins: list[tuple[str, str, _Template]]) -> dict:
        r = self.rng.random
        n_in = len(ins)
        fields = {}
        aggregated = False
        pns, pname, ptpl = ins[0]
        pii_sources = None
        for j, cname in enumerate(out_tpl.names):
            hit = None
            for src in ins:
                if cname in src[2].index:
                    hit = src
                    break
            is_pii = out_tpl.pii[j]
            if hit is not None and r() > 0.08:
                tr = (
                    (T_MASK[0] if r() < 0.7 else T_MASK[1]) if is_pii and r() < 0.35 else T_IDENTITY
                )
                lst = [
                    {"namespace": hit[0], "name": hit[1], "field": cname, "transformations": [tr]}
                ]
            elif is_pii:
                if pii_sources is None:
                    pii_sources = [(s, s[2].names[i]) for s in ins for i in s[2].pii_pos]
                if pii_sources:
                    s, fname = pii_sources[int(r() * len(pii_sources))]
                    tr = (
                        T_MASK[int(r() * 2)]
                        if r() < 0.5
                        else T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                    )
                else:
                    s = ins[int(r() * n_in)]
                    fname = s[2].names[int(r() * len(s[2].names))]
                    tr = T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                lst = [{"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}]
            elif out_tpl.numeric[j] and r() < 0.5:
                s = ins[int(r() * n_in)]
                npos = s[2].numeric_pos
                fname = s[2].names[npos[int(r() * len(npos))]] if npos else s[2].names[0]
                tr = T_AGGREGATE[int(r() * len(T_AGGREGATE))]
                aggregated = True
                lst = [{"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}]
            else:
                tr = T_TRANSFORM[int(r() * len(T_TRANSFORM))]
                lst = []
                for _ in range(2 if r() < 0.3 else 1):
                    s = ins[int(r() * n_in)]
                    fname = s[2].names[int(r() * len(s[2].names))]
                    lst.append(
                        {"namespace": s[0], "name": s[1], "field": fname, "transformations": [tr]}
                    )
            if r() < 0.03:
                fname = ptpl.names[ptpl.filter_pos[int(r() * len(ptpl.filter_pos))]]
                lst.append(
                    {
                        "namespace": pns,
                        "name": pname,
                        "field": fname,
                        "transformations": [T_CONDITIONAL],
                    }
                )
            fields[cname] = {"inputFields": lst}

        dataset = []
        if n_in >= 2:
            pkeys = ptpl.key_pos
            for s in ins[1:3]:
                common = [i for i in pkeys if ptpl.names[i] in s[2].index]
                key = ptpl.names[common[int(r() * len(common))]] if common else ptpl.names[pkeys[0]]
                other = key if key in s[2].index else s[2].names[s[2].key_pos[0]]
                dataset.append(
                    {"namespace": pns, "name": pname, "field": key, "transformations": [T_JOIN]}
                )
                dataset.append(
                    {"namespace": s[0], "name": s[1], "field": other, "transformations": [T_JOIN]}
                )
        if r() < 0.5:
            fname = ptpl.names[ptpl.filter_pos[int(r() * len(ptpl.filter_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_FILTER]}
            )
        if aggregated:
            fname = ptpl.names[ptpl.key_pos[int(r() * len(ptpl.key_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_GROUP_BY]}
            )
        if r() < 0.08:
            fname = ptpl.names[ptpl.time_pos[int(r() * len(ptpl.time_pos))]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_SORT]}
            )
        if r() < 0.04:
            fname = ptpl.names[ptpl.key_pos[0]]
            dataset.append(
                {"namespace": pns, "name": pname, "field": fname, "transformations": [T_WINDOW]}
            )
        facet: dict[str, Any] = {
            "_producer": PRODUCER,
            "_schemaURL": COLUMN_LINEAGE_FACET_URL,
            "fields": fields,
        }
        if dataset:
            facet["dataset"] = dataset
        return facet

    def _run_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def events(self) -> Iterator[dict]:
        plan = self.plan
        rng = self.rng
        r = rng.random
        flags = plan.flags
        prod_of, prod_start, prod_domain = plan.prod_of, plan.prod_start, plan.prod_domain
        templates, tmpl = plan.templates, plan.tmpl
        name = plan.name
        domain_ns = plan.domain_ns
        pending: list[tuple[int, int, dict]] = []
        seq = 0
        now = _BASE_EPOCH * 1000
        heappush, heappop = heapq.heappush, heapq.heappop
        for k in range(plan.n):
            f = flags[k]
            if f & _SECOND:
                continue
            now += 500 + int(r() * 3000)
            while pending and pending[0][0] <= now:
                yield heappop(pending)[2]
            if f & _SOURCE:
                yield {
                    "eventTime": _iso(now),
                    "producer": PRODUCER,
                    "schemaURL": DATASET_EVENT_URL,
                    "dataset": {
                        "namespace": plan.namespace(k),
                        "name": name(k),
                        "facets": self._dataset_facets(k),
                    },
                }
                continue

            p = prod_of[k]
            dom = prod_domain[p]
            outs = (k, k + 1) if f & _PAIR else (k,)
            in_idx = self._inputs(k, f)
            in_info = []
            inputs = []
            for i in in_idx:
                ns = domain_ns[prod_domain[prod_of[i]]]
                nm = name(i)
                in_info.append((ns, nm, templates[tmpl[i]]))
                inputs.append({"namespace": ns, "name": nm})
            outputs = []
            done_outputs = []
            for o in outs:
                ons = domain_ns[prod_domain[prod_of[o]]]
                onm = name(o)
                facets = self._dataset_facets(o)
                otpl = templates[tmpl[o]]
                facets["columnLineage"] = self._column_lineage(otpl, in_info)
                outputs.append({"namespace": ons, "name": onm, "facets": facets})
                rows = int(1000 * (1 + 999 * r() * r()))
                done_outputs.append(_written(ons, onm, rows, len(otpl.names)))
            local = k - prod_start[p]
            job_name = (
                f"{plan.prod_name[p]}.build_tables_{local}_{local + 1}"
                if f & _PAIR
                else f"{plan.prod_name[p]}.build_table_{local}"
            )
            job_ns = plan.job_ns[dom]
            run_id = self._run_id()
            start = {
                "eventTime": _iso(now),
                "producer": PRODUCER,
                "schemaURL": RUN_EVENT_URL,
                "eventType": "START",
                "run": {"runId": run_id},
                "job": {
                    "namespace": job_ns,
                    "name": job_name,
                    "facets": {"jobType": JOB_TYPE_FACET, "ownership": self._ownership(p)[1]},
                },
                "inputs": inputs,
                "outputs": outputs,
            }
            yield start
            end = now + 20_000 + int(1_780_000 * r() * r())
            if self.reruns > 1:
                self._jobs.append([start, now, end - now, in_info])
            seq += 1
            heappush(pending, (end, seq, _complete(end, run_id, start, done_outputs)))
        last = now
        while pending:
            last = pending[0][0]
            yield heappop(pending)[2]
        if self._jobs:
            yield from self._rerun_rounds(_BASE_EPOCH * 1000, last)

    # -- steady state
    def _rerun_rounds(self, first: int, last: int) -> Iterator[dict]:
        """Rounds 2..K: every job again, a round one mesh span plus RERUN_GAP_MS after the last."""
        plan = self.plan
        rng = random.Random(
            f"lineagemesh/generate_mesh/reruns/{plan.seed}/{plan.n}/{plan.columns}/{plan.n_domains}"
        )
        r = rng.random
        span = last - first + RERUN_GAP_MS
        pending: list[tuple[int, int, dict]] = []
        seq = 0
        heappush, heappop = heapq.heappush, heapq.heappop
        for round_ in range(1, self.reruns):
            for job in self._jobs:
                now = job[1] + round_ * span
                while pending and pending[0][0] <= now:
                    yield heappop(pending)[2]
                if r() < self.change_rate:
                    job[0] = self._changed(job[0], job[3], rng, round_)
                start = dict(job[0])
                run_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
                start["eventTime"] = _iso(now)
                start["run"] = {"runId": run_id}
                yield start
                end = now + job[2]
                done_outputs = []
                for out in start["outputs"]:
                    rows = int(1000 * (1 + 999 * r() * r()))
                    columns = len(out["facets"]["schema"]["fields"])
                    done_outputs.append(_written(out["namespace"], out["name"], rows, columns))
                seq += 1
                heappush(pending, (end, seq, _complete(end, run_id, start, done_outputs)))
        while pending:
            yield heappop(pending)[2]

    @staticmethod
    def _changed(
        start: dict, in_info: list[tuple[str, str, _Template]], rng: random.Random, round_: int
    ) -> dict:
        """``start`` with one output changed as a deployment changes it: a column added, a column
        retyped, or a column's lineage input moved. Copies what it changes (facets are shared)."""
        r = rng.random
        outputs = list(start["outputs"])
        o = int(r() * len(outputs))
        facets = dict(outputs[o]["facets"])
        schema = dict(facets["schema"])
        fields = list(schema["fields"])
        lineage = dict(facets["columnLineage"])
        by_column = dict(lineage["fields"])
        how = r()
        src_ns, src_name, src_tpl = in_info[int(r() * len(in_info))]
        src_field = src_tpl.names[int(r() * len(src_tpl.names))]
        moved = {
            "namespace": src_ns,
            "name": src_name,
            "field": src_field,
            "transformations": [T_IDENTITY],
        }
        column = fields[int(r() * len(fields))]
        held = by_column.get(column["name"], {}).get("inputFields", [])
        if how < 1 / 3 and held[:1] != [moved]:  # a column's lineage input moved
            by_column[column["name"]] = {"inputFields": [moved]}
        elif how < 2 / 3:  # a column retyped
            j = fields.index(column)
            fields[j] = {**column, "type": _RETYPE.get(column["type"], "STRING")}
        else:  # a column added, fed by an input column
            name = f"added_r{round_}_{len(fields)}"
            fields.append(
                {
                    "name": name,
                    "type": "STRING",
                    "description": "Added by a deployment",
                    "ordinal_position": len(fields) + 1,
                }
            )
            by_column[name] = {"inputFields": [moved]}
        schema["fields"] = fields
        lineage["fields"] = by_column
        facets["schema"] = schema
        facets["columnLineage"] = lineage
        outputs[o] = {**outputs[o], "facets": facets}
        return {**start, "outputs": outputs}
