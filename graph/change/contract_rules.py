"""What a new version of a data contract changes: its schemas, every SLO property, every quality rule.

The rules of ``graph.change.classifier`` for schemas; for the rest a stronger promise is
BREAKING (the producer must now meet something it did not promise: a latency of 1 day where it
was 4, 99.9 % availability where it was 99 %, a new quality rule or a narrower bound), and a
weaker or dropped one is WARNING (consumers lose a guarantee they may rely on). A term whose two
values have no order (a changed cron schedule, SQL query or timestamp field) cannot be told
tighter or looser: it is BREAKING too, its reason saying so, so that a check never passes what
it could not judge.

Example::

    >>> old = ContractTerms(slos=slo_terms("odcs", {"latency": {"value": 4, "unit": "d"}}))
    >>> new = ContractTerms(slos=slo_terms("odcs", {"latency": {"value": 1, "unit": "d"}}))
    >>> [(c.kind.value, c.severity) for c in classify_contract("c", old, new)]
    [('FRESHNESS_TIGHTENED', 'BREAKING')]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.change import classifier
from graph.change.classifier import Change, ChangeType, FieldSpec
from graph.core.enums import rule_enum
from ingest.contracts.slo import SloTerm, slo_terms

__all__ = ["ContractTerms", "classify_contract", "rule_key", "slo_terms"]


@dataclass(frozen=True)
class ContractTerms:
    """What a contract version promises beyond its schema.

    ``slos`` holds every SLO property (``ingest.contracts.slo.slo_terms`` of the contract's
    ``sla``); ``freshness_hours`` is a freshness SLO known only as a number (schema history's
    observations), compared as the ``freshness`` term. ``quality`` holds the rules as contracts
    write them (ODCS ``quality`` entries or datacontract.com checks), each a mapping with any of
    ``element``, ``name``, ``rule``/``metric``, ``type``, ``query``, the ``mustBe…`` bounds and
    ``validValues``; ``fields`` maps dataset id → its columns.
    """

    freshness_hours: float | None = None
    quality: Sequence[Mapping[str, Any]] = ()
    fields: Mapping[str, Sequence[FieldSpec]] = field(default_factory=dict)
    slos: Mapping[str, SloTerm] = field(default_factory=dict)

    def terms(self) -> Mapping[str, SloTerm]:
        """Every SLO term, ``freshness_hours`` among them."""
        if self.freshness_hours is None:
            return self.slos
        hours = self.freshness_hours
        return {**self.slos, "freshness": SloTerm("freshness", hours, f"{hours:g}h", -1)}


def classify_contract(contract_id: str, old: ContractTerms, new: ContractTerms) -> list[Change]:
    """The changes between two versions of one contract: schemas of its datasets, SLOs, quality.

    Schema changes carry the dataset id; SLO and quality changes carry ``contract_id`` (with the
    rule's element as the column, where it names one, and the SLO property as the ``term``).
    """
    changes: list[Change] = []
    for dataset_id, columns in old.fields.items():
        if dataset_id in new.fields:
            changes.extend(classifier.classify_schema(dataset_id, columns, new.fields[dataset_id]))
        else:
            reason = "the contract no longer describes it"
            changes.append(classifier.dataset_removed(dataset_id, reason))
    changes.extend(classifier.dataset_added(d) for d in new.fields if d not in old.fields)
    changes.extend(_slos(contract_id, old.terms(), new.terms()))
    changes.extend(_quality(contract_id, old.quality, new.quality))
    return changes


# -- service levels ----------------------------------------------------------------------------


def _slos(contract_id: str, old: Mapping[str, SloTerm], new: Mapping[str, SloTerm]) -> list[Change]:
    changes: list[Change] = []
    for key in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(key), new.get(key)
        if before is not None and after is not None and before.shown == after.shown:
            continue
        if after is None:
            verdict = (False, "the SLO is dropped: consumers lose that guarantee")
        elif before is None:
            verdict = (True, "a new SLO: the producer must now meet it")
        elif before.value == after.value and before.stronger == after.stronger != 0:
            continue  # the same promise written differently (1d and 24h)
        else:
            verdict = _compare(before, after)
        tightened, reason = verdict
        term = after or before
        assert term is not None
        timely = term.timeliness
        kind = {
            (True, True): ChangeType.FRESHNESS_TIGHTENED,
            (True, False): ChangeType.FRESHNESS_LOOSENED,
            (False, True): ChangeType.SLO_TIGHTENED,
            (False, False): ChangeType.SLO_LOOSENED,
        }[(timely, tightened)]
        changes.append(
            Change(
                kind,
                contract_id,
                None,
                before.shown if before else None,
                after.shown if after else None,
                "BREAKING" if tightened else "WARNING",
                f"{key}: {reason}",
                None if timely and key == "freshness" else key,
            )
        )
    return changes


def _compare(before: SloTerm, after: SloTerm) -> tuple[bool, str]:
    """(tightened, why) for two values of one SLO property."""
    ordered = before.value is not None and after.value is not None
    if not ordered or before.stronger != after.stronger or before.stronger == 0:
        return True, "changed in a way that has no order: treated as a stronger promise"
    assert before.value is not None and after.value is not None
    if (after.value - before.value) * before.stronger > 0:
        return True, "a stronger promise: the producer must now meet it"
    return False, "a weaker promise: consumers relying on the old one get less"


# -- quality rules -----------------------------------------------------------------------------

_LOWER = ("mustBeGreaterThan", "mustBeGreaterOrEqualTo", "mustBeGreaterThanOrEqualTo")
_UPPER = ("mustBeLessThan", "mustBeLessOrEqualTo", "mustBeLessThanOrEqualTo")
#: What describes a rule without changing what data passes it.
_DESCRIPTIVE = frozenset(
    {
        "name",
        "description",
        "dimension",
        "businessImpact",
        "tags",
        "authoritativeDefinitions",
        "customProperties",
        "id",
        "element",
        "method",
        "scheduler",
        "schedule",
    }
)
#: Read by the bounds and value sets below; every other key is compared as it is written.
_READ = frozenset({*_LOWER, *_UPPER, "mustBeBetween", "mustNotBeBetween", "mustBe", "mustNotBe"})


def rule_key(rule: Mapping[str, Any]) -> str:
    """What identifies a quality rule across versions: its element and its name or what it measures."""
    what = next(
        (
            str(rule[k])
            for k in ("name", "rule", "metric", "query", "description", "type")
            if rule.get(k)
        ),
        "rule",
    )
    element = rule.get("element") or rule.get("field") or rule.get("column")
    return f"{element}: {what}" if element else str(what)


def _keyed(rules: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """Rules by key; a second rule with the same key is told apart by its place (``#2``)."""
    out: dict[str, Mapping[str, Any]] = {}
    for rule in rules:
        key = base = rule_key(rule)
        n = 1
        while key in out:
            n += 1
            key = f"{base} #{n}"
        out[key] = rule
    return out


def _bounds(rule: Mapping[str, Any]) -> tuple[float, float]:
    """Lower and upper bound (open or closed alike) a rule's measure must keep within."""
    low, high = -math.inf, math.inf
    for key in _LOWER:
        if isinstance(rule.get(key), int | float):
            low = max(low, float(rule[key]))
    for key in _UPPER:
        if isinstance(rule.get(key), int | float):
            high = min(high, float(rule[key]))
    between = _pair(rule.get("mustBeBetween"))
    if between:
        low, high = max(low, between[0]), min(high, between[1])
    return low, high


def _pair(value: Any) -> tuple[float, float] | None:
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return float(value[0]), float(value[1])
    return None


def _valid_values(rule: Mapping[str, Any]) -> frozenset[str] | None:
    """The values a ``validValues`` rule allows (ODCS at the top, datacontract.com in arguments)."""
    arguments = rule.get("arguments")
    values = rule.get("validValues")
    if values is None and isinstance(arguments, Mapping):
        values = arguments.get("validValues")
    return frozenset(map(str, values)) if isinstance(values, list) else None


def _rule_change(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[bool, str] | None:
    """(tightened, why) between two versions of one rule; None when data passes both alike."""
    tighter: list[str] = []
    looser: list[str] = []
    (lo, hi), (nlo, nhi) = _bounds(old), _bounds(new)
    if nlo > lo or nhi < hi:
        tighter.append("a narrower bound")
    if nlo < lo or nhi > hi:
        looser.append("a wider bound")
    gap, ngap = _pair(old.get("mustNotBeBetween")), _pair(new.get("mustNotBeBetween"))
    if gap != ngap:
        if ngap and (not gap or (ngap[0] <= gap[0] and ngap[1] >= gap[1])):
            tighter.append("a wider forbidden range")
        elif gap and (not ngap or (gap[0] <= ngap[0] and gap[1] >= ngap[1])):
            looser.append("a narrower forbidden range")
        else:
            tighter.append("a forbidden range moved")
    for key in ("mustBe", "mustNotBe"):
        if old.get(key) != new.get(key):
            (tighter if new.get(key) is not None else looser).append(f"{key} changed")
    valid, nvalid = _valid_values(old), _valid_values(new)
    if valid != nvalid:
        if nvalid is not None and (valid is None or not nvalid >= valid):
            tighter.append(
                "values no longer valid: " + ", ".join(sorted((valid or set()) - nvalid))
            )
        elif rule_enum(old) is None or rule_enum(new) is None:
            looser.append("more valid values")
        # else: the column's enum grew (graph.core.enums reads this rule as the enum), which
        # ENUM_VALUES_ADDED tells with the enum rule's severity: not a weaker guarantee
    for key in sorted({*old, *new} - _DESCRIPTIVE - _READ - {"validValues"}):
        a, b = old.get(key), new.get(key)
        if key == "arguments" and isinstance(a, Mapping) and isinstance(b, Mapping):
            a = {k: v for k, v in a.items() if k != "validValues"}
            b = {k: v for k, v in b.items() if k != "validValues"}
        if a != b:
            tighter.append(f"{key} changed, which has no order: treated as stricter")
    if tighter:
        return True, "data that passed before may now fail (" + "; ".join(tighter) + ")"
    if looser:
        return False, "consumers get a weaker guarantee (" + "; ".join(looser) + ")"
    return None


def _quality(
    contract_id: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]
) -> list[Change]:
    old_rules, new_rules = _keyed(old), _keyed(new)
    changes: list[Change] = []

    def change(key: str, tightened: bool, reason: str) -> None:
        rule = new_rules.get(key) or old_rules[key]
        element = rule.get("element")
        changes.append(
            Change(
                ChangeType.QUALITY_TIGHTENED if tightened else ChangeType.QUALITY_LOOSENED,
                contract_id,
                str(element) if element else None,
                _show(old_rules.get(key)),
                _show(new_rules.get(key)),
                "BREAKING" if tightened else "WARNING",
                f"{key}: {reason}",
            )
        )

    for key, rule in old_rules.items():
        if key not in new_rules:
            change(key, False, "the rule is dropped: consumers lose that guarantee")
        elif (verdict := _rule_change(rule, new_rules[key])) is not None:
            change(key, *verdict)
    for key in new_rules:
        if key not in old_rules:
            change(key, True, "a new rule: data that passed before may now fail")
    return changes


def _show(rule: Mapping[str, Any] | None) -> str | None:
    if rule is None:
        return None
    shown = {k: v for k, v in rule.items() if k.startswith("must")}
    values = _valid_values(rule)
    if values is not None:
        shown["validValues"] = sorted(values)
    return ", ".join(f"{k}={v}" for k, v in shown.items()) or "present"
