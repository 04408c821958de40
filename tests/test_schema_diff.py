"""Proposed-schema diffing (pure) and reading the accepted proposed-schema formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graph.change.schema_diff import ColumnSpec, diff_schema
from graph.check.proposed_schema import InvalidProposedSchema, read_proposed_schema


def kinds(changes) -> list[tuple[str | None, str, str | None]]:
    return [
        (c.kind.value if c.kind else None, c.column.name, c.proposed.name if c.proposed else None)
        for c in changes
    ]


def test_field_ids_tell_renames_from_drops() -> None:
    current = [
        ColumnSpec("id", "long", 1, 1),
        ColumnSpec("mail", "string", 2, 2),
        ColumnSpec("age", "int", 3, 3),
    ]
    proposed = [
        ColumnSpec("id", "long", 1, 1),
        ColumnSpec("email", "string", 2, 2),
        ColumnSpec("age", "long", 3, 3),
        ColumnSpec("mail", "string", 4, 4),
    ]
    assert kinds(diff_schema(current, proposed)) == [
        ("RENAME", "mail", "email"),
        ("TYPE_CHANGE", "age", "age"),
        (None, "mail", None),
    ]


def test_without_ids_position_and_type_suggest_a_rename() -> None:
    current = [
        ColumnSpec("id", "INTEGER", None, 1),
        ColumnSpec("mail", "VARCHAR", None, 2),
        ColumnSpec("x", "TEXT", None, 3),
    ]
    proposed = [ColumnSpec("id", "integer", None, 1), ColumnSpec("email", "VARCHAR", None, 2)]
    assert kinds(diff_schema(current, proposed)) == [
        ("RENAME", "mail", "email"),
        ("DROP", "x", None),
    ]
    assert diff_schema(current, current) == []


def test_reads_openlineage_iceberg_and_rejects_the_rest(tmp_path: Path) -> None:
    facet = tmp_path / "facet.json"
    facet.write_text(
        json.dumps(
            {
                "schema": {
                    "fields": [
                        {"name": "a", "type": "int", "fields": [{"name": "b", "type": "int"}]}
                    ]
                }
            }
        )
    )
    assert [(c.name, c.type) for c in read_proposed_schema(facet, "t")] == [
        ("a", "int"),
        ("a.b", "int"),
    ]
    iceberg = tmp_path / "iceberg.json"
    iceberg.write_text(
        json.dumps(
            {
                "type": "struct",
                "schema-id": 0,
                "fields": [
                    {"id": 1, "name": "id", "required": True, "type": "long"},
                    {
                        "id": 2,
                        "name": "loc",
                        "required": False,
                        "type": {
                            "type": "struct",
                            "fields": [
                                {"id": 3, "name": "city", "required": False, "type": "string"}
                            ],
                        },
                    },
                ],
            }
        )
    )
    assert [(c.name, c.type, c.field_id) for c in read_proposed_schema(iceberg, "t")] == [
        ("id", "long", 1),
        ("loc", "struct", 2),
        ("loc.city", "string", 3),
    ]
    for text in ("[1, 2]", '{"fields": [{"type": "int"}]}', "not json"):
        bad = tmp_path / "bad.json"
        bad.write_text(text)
        with pytest.raises(InvalidProposedSchema):
            read_proposed_schema(bad, "t")


def test_reads_the_matching_table_of_a_contract(tmp_path: Path) -> None:
    contract = tmp_path / "c.yaml"
    contract.write_text("""
dataContractSpecification: 1.1.0
id: crm
info: {title: crm, version: 1.0.0}
models:
  customers:
    fields: {id: {type: integer}, email: {type: string}}
  orders:
    fields: {id: {type: integer}}
""")
    assert [c.name for c in read_proposed_schema(contract, "crm.public.customers")] == [
        "id",
        "email",
    ]
    with pytest.raises(InvalidProposedSchema, match="no single table"):
        read_proposed_schema(contract, "crm.public.invoices")
