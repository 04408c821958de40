"""The domain rules' globs, matched by the native core (``native/core/domain_rules.h``), mean exactly
what ``fnmatch.fnmatchcase`` (the reference) makes of them, on generated patterns and names over an
alphabet of the glob's own syntax and non-ASCII letters; and ``DomainRules.domain_for``, which asks
that matcher, agrees with the first-matching-rule reference written over ``fnmatchcase``."""

from __future__ import annotations

import fnmatch
import pickle

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from graph import _native
from ingest.domain_rules import DomainRule, DomainRules

# The glob's syntax, a few letters (ASCII and not, a four-byte one), and a lone surrogate.
ALPHABET = "*?[]!-^\\ab zéß日\U0001f40d\ud800"
texts = st.text(alphabet=ALPHABET, max_size=10)
patterns = st.text(alphabet=ALPHABET, max_size=10)


@settings(max_examples=3000, deadline=None)
@given(text=texts, pattern=patterns)
@example(text="c", pattern="[z-a!b]")
@example(text="-", pattern="[a-c-e]")
@example(text="a", pattern="[a--]")
@example(text="é", pattern="[a-ß]")
@example(text="[", pattern="[!]")
@example(text="x", pattern="[!]x]")
def test_the_native_glob_is_fnmatchcase(text: str, pattern: str) -> None:
    assert _native.glob_matches(text, pattern) == fnmatch.fnmatchcase(text, pattern)


#: What a name made from a pattern puts for its wildcards; other characters stay, double or go.
FILLS = {"*": ["", "a", "é]b"], "?": ["a", "é", "-"]}


@settings(max_examples=3000, deadline=None)
@given(pattern=patterns, data=st.data())
def test_names_made_from_the_pattern_agree_too(pattern: str, data: st.DataObject) -> None:
    # Random text rarely matches a pattern with literals in it: build the text from the pattern.
    text = "".join(data.draw(st.sampled_from(FILLS.get(c, [c, c + c, "b", ""]))) for c in pattern)
    assert _native.glob_matches(text, pattern) == fnmatch.fnmatchcase(text, pattern)


def _reference(rules: DomainRules, namespace: str, name: str, job: str | None) -> str | None:
    """The rule as it was written in Python before it moved to the core."""
    for rule in rules.rules:
        if rule.namespace is not None and not fnmatch.fnmatchcase(namespace, rule.namespace):
            continue
        if rule.name is not None and not fnmatch.fnmatchcase(name, rule.name):
            continue
        if rule.job_namespace is not None and (
            job is None or not fnmatch.fnmatchcase(job, rule.job_namespace)
        ):
            continue
        return rule.domain
    return None


optional_patterns = st.none() | st.text(alphabet="ab*?[]!-é", max_size=4)
rules_strategy = st.lists(
    st.builds(
        DomainRule,
        domain=st.sampled_from(["sales", "marketing", "finance", "日本"]),
        namespace=optional_patterns,
        name=optional_patterns,
        job_namespace=optional_patterns,
    ),
    max_size=5,
).map(lambda rules: DomainRules(tuple(rules)))
short = st.text(alphabet="ab-é[", max_size=4)


@settings(max_examples=1000, deadline=None)
@given(rules=rules_strategy, namespace=short, name=short, job=st.none() | short)
def test_domain_for_is_the_first_matching_rule(
    rules: DomainRules, namespace: str, name: str, job: str | None
) -> None:
    assert rules.domain_for(namespace, name, job) == _reference(rules, namespace, name, job)


def test_rules_survive_pickling_for_process_pools() -> None:
    rules = DomainRules((DomainRule("sales", namespace="postgres://*"),))
    again = pickle.loads(pickle.dumps(rules))
    assert again == rules
    assert again.domain_for("postgres://db", "t") == "sales"
    assert again.domain_for("mysql://db", "t") is None


def test_the_matcher_refuses_what_is_not_rule_data() -> None:
    with pytest.raises(TypeError, match="tuple"):
        _native.DomainMatcher([("sales", "a*")])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="namespace must be a str or None"):
        _native.DomainMatcher([("sales", 3, None, None)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="not a string"):
        _native.DomainMatcher("")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="domain_for"):  # a job namespace is a str or None
        _native.DomainMatcher([]).domain_for("a", "b", 3)  # type: ignore[arg-type]
