"""JSON answers as every read endpoint writes them (GraphQL in ``graph.serve.app``, the Marquez API
in ``graph.serve.marquez``): by orjson, integers past 64 bits written exactly."""

from __future__ import annotations

import orjson

_INT64 = range(-(2**63), 2**64)  # what orjson writes as a number


def _exact_ints(value: object) -> object:
    """``value`` with every integer orjson refuses (beyond 64 bits: a JSON facet may hold one) as a
    Fragment of its digits, so orjson writes it exactly, beside the answer lists already rendered."""
    if type(value) is dict:
        return {key: _exact_ints(item) for key, item in value.items()}
    if type(value) is list:
        return [_exact_ints(item) for item in value]
    if type(value) is int and value not in _INT64:
        return orjson.Fragment(str(value).encode())
    return value


def encode_answer(data: object) -> bytes:
    """A GraphQL response by orjson, integers past 64 bits (in a JSON facet) written exactly."""
    try:
        return orjson.dumps(data)
    except TypeError:
        return orjson.dumps(_exact_ints(data))
