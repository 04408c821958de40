"""Invalid and damaged contracts: each refused with InvalidContract naming the file and the
failing field, or translated; never another exception."""

from __future__ import annotations

import copy
import json
import random

import pytest
import yaml
from data_contracts import _odcs, applied, contract_text
from document_paths import value_at, value_paths

from graph.core.mutations import encode
from ingest.contracts import InvalidContract, translate_contract
from ingest.contracts.shape import json_path


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("id: [unclosed\n", "orders.yaml: $: not valid YAML at line 2, column 1"),
        ("- just\n- a list", "orders.yaml: $: a contract must be a mapping, not list"),
        ("", "orders.yaml: $: a contract must be a mapping, not null"),
        ("name: something\nkind: Table", "orders.yaml: $: unknown contract standard"),
        (
            "apiVersion: v2.2.2\nkind: DataContract",
            "orders.yaml: $.apiVersion: ODCS v2.2.2 is not supported",
        ),
        ("a: &x [*x]", "orders.yaml: $.a[0]: recursive YAML alias"),
        ("1: one", "orders.yaml: $: key 1 is not a string"),
        (
            "apiVersion: v3.1.0\nkind: DataContract\nversion: 1.0.0\nstatus: active",
            "orders.yaml: $.id: required",
        ),
        (_odcs(id=None), "orders.yaml: $.id: expected string, got null"),
        (_odcs(version=2), "orders.yaml: $.version: expected string, got integer"),
        (
            _odcs(
                schema=[
                    {
                        "name": "t",
                        "properties": [{"name": "a"}, {"name": "b"}, {"physicalType": "int"}],
                    }
                ]
            ),
            "orders.yaml: $.schema[0].properties[2].name: required",
        ),
        (
            _odcs(schema=[{"name": "t", "properties": [{"name": "a", "required": "yes"}]}]),
            "orders.yaml: $.schema[0].properties[0].required: expected boolean, got string",
        ),
        (  # the type is the fault, not the fields beside it left unevaluated by its failure
            _odcs(
                schema=[
                    {
                        "name": "t",
                        "properties": [{"name": "a", "businessName": "A", "physicalType": 2}],
                    }
                ]
            ),
            "orders.yaml: $.schema[0].properties[0].physicalType: expected string, got integer",
        ),
        (
            _odcs(schema=[{"name": "t", "colour": "blue"}]),
            "orders.yaml: $.schema[0].colour: unknown field",
        ),
        (  # a field unknown beside a valid one is still named
            _odcs(schema=[{"name": "t", "properties": [{"name": "a", "colour": "blue"}]}]),
            "orders.yaml: $.schema[0].properties[0].colour: unknown field",
        ),
        (
            _odcs(schema=[{"name": "t", "properties": [{"name": "a"}, {"name": "a"}]}]),
            "orders.yaml: $.schema[0].properties[1]: duplicate column 'a'",
        ),
        (
            _odcs(schema=[{"name": "t"}, {"name": "u", "physicalName": "t"}]),
            "orders.yaml: $.schema[1]: duplicate table 't'",
        ),
        (
            _odcs(customProperties=[{"property": "big", "value": 2**70}]),
            "orders.yaml: $.customProperties[0].value: integer 1180591620717411303424 is out of the 64-bit range",
        ),
        (
            _odcs(
                servers=[
                    {"server": "s", "type": "postgres", "host": "h", "database": "d", "schema": "s"}
                ]
            ),
            "orders.yaml: $.servers[0].port: required",
        ),
        (
            _odcs(contractCreatedTs="yesterday"),
            "orders.yaml: $.contractCreatedTs: 'yesterday' is not an RFC 3339",
        ),
        (
            _odcs(customProperties=[{"property": "consumers", "value": [{"purpose": "x"}]}]),
            "orders.yaml: $.customProperties[0].value[0].name: required",
        ),
        (
            "dataContractSpecification: 1.1.0\ninfo: {title: t, version: 1.0.0}",
            "orders.yaml: $.id: required",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t}",
            "orders.yaml: $.info.version: required",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: 1.0}",
            "orders.yaml: $.info.version: expected string, got number",
        ),
        (
            "dataContractSpecification: 3.0.0\nid: x\ninfo: {title: t, version: '1'}",
            "orders.yaml: $.dataContractSpecification: version 3.0.0 is not supported",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\nmodels: {m: {fields: {f: {pii: maybe}}}}",
            "orders.yaml: $.models.m.fields.f.pii: expected boolean, got string",
        ),
        (
            (
                "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\n"
                "models: {m: {fields: {f: {$ref: '#/definitions/g'}}}}"
            ),
            "orders.yaml: $.models.m.fields.f['$ref']: unresolved reference #/definitions/g",
        ),
        (
            "dataContractSpecification: 1.1.0\nid: x\ninfo: {title: t, version: '1'}\nservers: {prod: {host: h}}",
            "orders.yaml: $.servers.prod.type: required",
        ),
    ],
)
def test_invalid_contracts_name_the_file_and_field(text: str, fragment: str) -> None:
    with pytest.raises(InvalidContract) as caught:
        translate_contract(text, "orders.yaml")
    assert str(caught.value).startswith(fragment), str(caught.value)


def _mutants(document, rng: random.Random, count: int):
    """Copies of ``document`` with one value replaced by junk or one key removed, at random places."""
    paths = value_paths(document)
    junk = [None, 7, -1.5, True, "", "x", [], {}, ["a", 1], {"k": None}]
    for _ in range(count):
        *parents, key = rng.choice(paths)
        clone = copy.deepcopy(document)
        target = value_at(clone, tuple(parents))
        if isinstance(target, dict) and rng.random() < 0.3:
            del target[key]
        else:
            target[key] = rng.choice(junk)
        yield clone


@pytest.mark.parametrize(
    "relative", ["odcs/full-example.odcs.yaml", "datacontract-spec/orders-latest.datacontract.yaml"]
)
def test_damaged_contracts_raise_invalid_contract_or_translate_never_crash(relative: str) -> None:
    document = yaml.safe_load(contract_text(relative))
    rng = random.Random(f"contracts/{relative}")
    for mutant in _mutants(document, rng, 250):
        try:
            mutations = translate_contract(json.dumps(mutant), "mutant.yaml")  # JSON is YAML
        except InvalidContract as error:
            assert str(error).startswith("mutant.yaml: $")
        else:
            encode(mutations)
            applied(mutations)


@pytest.mark.parametrize(
    "relative", ["odcs/full-example.odcs.yaml", "datacontract-spec/orders-latest.datacontract.yaml"]
)
def test_a_wrong_type_is_reported_where_it_is_not_beside_it(relative: str) -> None:
    """Each text of a full example made a number in turn: a refusal names that field or one
    holding it, never another field (in ODCS a failing value leaves its siblings unevaluated,
    which once made a valid sibling the one reported; in datacontract.com a field's definition,
    merged into it, was named where the field uses it)."""
    document = yaml.safe_load(contract_text(relative))
    texts = [p for p in value_paths(document) if isinstance(value_at(document, p), str)]
    assert len(texts) > 50
    refused = 0
    for path in texts:
        mutant = copy.deepcopy(document)
        *parent, key = path
        value_at(mutant, tuple(parent))[key] = 12345
        try:
            translate_contract(json.dumps(mutant), "mutant.yaml")
        except InvalidContract as error:
            refused += 1
            named = str(error).removeprefix("mutant.yaml: ").split(": ", 1)[0]
            wrong = json_path(path)
            assert wrong == named or wrong.startswith((named + ".", named + "[")), (wrong, named)
    assert refused > len(texts) // 4  # the rest are free text (descriptions, examples)
