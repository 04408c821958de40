"""The one change classifier: schema evolution and contract rules, as data contracts define them."""

from __future__ import annotations

import pytest

from graph.change.classifier import ChangeType, FieldSpec, classify_schema, is_widening, worst
from graph.change.contract_rules import ContractTerms, classify_contract


def summary(changes) -> list[tuple[str, str | None, str]]:
    return [(c.kind.value, c.column, c.severity) for c in changes]


def test_removed_renamed_by_id_and_retyped_columns_break() -> None:
    old = [FieldSpec("id", "long", True, 1), FieldSpec("mail", "string", False, 2)]
    new = [
        FieldSpec("id", "int", True, 1),
        FieldSpec("email", "string", False, 2),
        FieldSpec("mail", "string", False, 3),
    ]
    assert summary(classify_schema("d", old, new)) == [
        ("COLUMN_RETYPED", "id", "BREAKING"),
        ("COLUMN_RENAMED", "mail", "BREAKING"),
        ("COLUMN_ADDED", "mail", "NONE"),
    ]


def test_a_same_name_with_another_field_id_is_a_drop_and_an_add() -> None:
    old = [FieldSpec("amount", "double", field_id=4)]
    new = [FieldSpec("amount", "double", field_id=9)]
    assert summary(classify_schema("d", old, new)) == [
        ("COLUMN_REMOVED", "amount", "BREAKING"),
        ("COLUMN_ADDED", "amount", "NONE"),
    ]


def test_without_ids_position_and_type_suggest_a_rename() -> None:
    old = [FieldSpec("a", "int", position=1), FieldSpec("b", "text", position=2)]
    new = [FieldSpec("a", "int", position=1), FieldSpec("c", "varchar", position=2)]
    changes = classify_schema("d", old, new)
    assert summary(changes) == [("COLUMN_RENAMED", "b", "BREAKING")]
    assert (changes[0].old, changes[0].new) == ("b", "c")


def test_widening_warns_and_narrowing_breaks() -> None:
    old = [FieldSpec("n", "INT"), FieldSpec("s", "varchar(20)"), FieldSpec("x", "decimal(10,2)")]
    new = [
        FieldSpec("n", "bigint"),
        FieldSpec("s", "VARCHAR(10)"),
        FieldSpec("x", "numeric(12, 2)"),
    ]
    assert summary(classify_schema("d", old, new)) == [
        ("COLUMN_RETYPED", "n", "WARNING"),
        ("COLUMN_RETYPED", "s", "BREAKING"),
        ("COLUMN_RETYPED", "x", "WARNING"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "widening"),
    [
        ("int", "long", True),
        ("integer", "int4", True),  # spelled differently: no change at all, and a widening
        ("bigint", "int", False),
        ("float", "double", True),
        ("double", "float", False),
        ("int", "double", True),
        ("bigint", "double", False),  # not every long fits a double exactly
        ("varchar(5)", "text", True),
        ("text", "varchar(5)", False),
        ("decimal(10,2)", "decimal(10,3)", False),
        ("int", "decimal(12,2)", True),
        ("int", "string", False),
        ("date", "timestamp", False),
    ],
)
def test_type_widening_rules(old: str, new: str, widening: bool) -> None:
    assert is_widening(old, new) is widening


def test_spelling_and_case_of_a_type_is_no_change() -> None:
    old = [FieldSpec("a", "INTEGER"), FieldSpec("b", "character varying"), FieldSpec("c", None)]
    new = [FieldSpec("a", "int"), FieldSpec("b", "VARCHAR"), FieldSpec("c", "date")]
    assert classify_schema("d", old, new) == []


def test_required_and_enum_rules() -> None:
    old = [
        FieldSpec("status", "string", enum=("placed", "shipped", "returned")),
        FieldSpec("note", "string", required=True),
        FieldSpec("kind", "string"),
        FieldSpec("email", "string"),
    ]
    new = [
        FieldSpec("status", "string", enum=("placed", "shipped", "lost")),
        FieldSpec("note", "string"),
        FieldSpec("kind", "string", enum=("a", "b")),
        FieldSpec("email", "string", required=True),
        FieldSpec("extra", "string"),
        FieldSpec("must", "string", required=True),
    ]
    changes = classify_schema("d", old, new)
    assert summary(changes) == [
        ("ENUM_VALUES_REMOVED", "status", "BREAKING"),
        ("ENUM_VALUES_ADDED", "status", "NONE"),
        ("COLUMN_MADE_OPTIONAL", "note", "WARNING"),
        ("ENUM_VALUES_REMOVED", "kind", "BREAKING"),
        ("COLUMN_MADE_REQUIRED", "email", "BREAKING"),
        ("COLUMN_ADDED", "extra", "NONE"),
        ("COLUMN_ADDED", "must", "WARNING"),
    ]
    assert changes[0].old == "returned" and changes[1].new == "lost"
    assert worst([c.severity for c in changes]) == "BREAKING"
    assert worst([]) == "NONE"


def test_every_change_names_its_impact_walk() -> None:
    assert ChangeType.COLUMN_REMOVED.impact_kind == "DROP"
    assert ChangeType.COLUMN_RENAMED.impact_kind == "RENAME"
    assert ChangeType.COLUMN_RETYPED.impact_kind == "TYPE_CHANGE"
    assert ChangeType.COLUMN_ADDED.impact_kind is None


def test_contract_slo_and_quality_tightening_breaks_loosening_warns() -> None:
    old = ContractTerms(
        freshness_hours=24,
        quality=[
            {"element": "orders", "rule": "rowCount", "mustBeGreaterThan": 100},
            {"element": "orders.amount", "rule": "nullValues", "mustBeLessThan": 10},
            {"element": "orders.id", "rule": "duplicateValues", "mustBe": 0},
        ],
        fields={"ds:orders": [FieldSpec("id", "int"), FieldSpec("amount", "double")]},
    )
    new = ContractTerms(
        freshness_hours=1,
        quality=[
            {"element": "orders", "rule": "rowCount", "mustBeGreaterThan": 1000},
            {"element": "orders.amount", "rule": "nullValues", "mustBeLessThan": 50},
            {"element": "orders.status", "rule": "invalidValues", "mustBe": 0},
        ],
        fields={"ds:orders": [FieldSpec("id", "int")]},
    )
    assert summary(classify_contract("c1", old, new)) == [
        ("COLUMN_REMOVED", "amount", "BREAKING"),
        ("FRESHNESS_TIGHTENED", None, "BREAKING"),
        ("QUALITY_TIGHTENED", "orders", "BREAKING"),
        ("QUALITY_LOOSENED", "orders.amount", "WARNING"),
        ("QUALITY_LOOSENED", "orders.id", "WARNING"),
        ("QUALITY_TIGHTENED", "orders.status", "BREAKING"),
    ]
    loosened = classify_contract("c1", new, ContractTerms(freshness_hours=48, quality=new.quality))
    assert [(c.kind.value, c.old, c.new) for c in loosened if c.column is None] == [
        ("DATASET_REMOVED", None, None),
        ("FRESHNESS_LOOSENED", "1h", "48h"),
    ]


def test_quality_value_sets_forbidden_ranges_and_unordered_changes() -> None:
    """Each key of a rule is compared: fewer valid values or a wider forbidden range tighten it;
    a changed query (no order) is BREAKING, its reason saying why; a description is not a change."""
    old = ContractTerms(
        quality=[
            {"name": "status", "rule": "validValues", "validValues": ["a", "b", "c"]},
            {"name": "gap", "mustNotBeBetween": [10, 20]},
            {"name": "q", "type": "sql", "query": "select 1", "mustBe": 0},
            {"name": "d", "rule": "nullCheck", "description": "old words"},
        ]
    )
    new = ContractTerms(
        quality=[
            {"name": "status", "rule": "validValues", "validValues": ["a", "b"]},
            {"name": "gap", "mustNotBeBetween": [12, 18]},
            {"name": "q", "type": "sql", "query": "select 2", "mustBe": 0},
            {"name": "d", "rule": "nullCheck", "description": "new words"},
        ]
    )
    changes = classify_contract("c1", old, new)
    assert [(c.kind.value, c.severity) for c in changes] == [
        ("QUALITY_TIGHTENED", "BREAKING"),
        ("QUALITY_LOOSENED", "WARNING"),
        ("QUALITY_TIGHTENED", "BREAKING"),
    ]
    assert "no longer valid: c" in changes[0].reason
    assert "query changed, which has no order" in changes[2].reason
    back = classify_contract("c1", new, old)
    assert [c.kind.value for c in back] == [
        "QUALITY_LOOSENED",
        "QUALITY_TIGHTENED",
        "QUALITY_TIGHTENED",
    ]
