"""``lineagemesh export``: a lineage as GraphML or GEXF (yEd, Gephi) or networkx's node-link JSON.

Names are whatever the events said, and any writer can put a control character in one. XML 1.0
cannot hold most of them, not even as a character reference (``&#1;`` is as ill-formed as the raw
byte), so a file holding one does not parse. Every text written to GraphML or GEXF (node ids,
attribute names and values, the graph's own attributes) is therefore made XML-safe by one rule:
each character XML 1.0 forbids (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F, a lone surrogate
U+D800-U+DFFF, U+FFFE, U+FFFF) is written as the six characters ``\\uXXXX`` (its code point, four
upper-case hex digits). Tab, line feed and carriage return are allowed and kept. A backslash
already in a name is kept as it is, so the rule is for reading, not for reversing. JSON holds any
character escaped, so ``json-graph`` is written unchanged.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any, BinaryIO

import networkx as nx

from graph.client import FORMATS, Client, Execute, Lineage

#: The characters XML 1.0 does not allow in a document (its ``Char`` production's complement,
#: below U+10000).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class NoSuchNode(Exception):
    """The node to export does not exist."""


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 forbids written as ``\\uXXXX``."""
    return XML_FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04X}", text)


def _safe_value(value: Any) -> Any:
    """An attribute value as GraphML and GEXF hold it: lists and mappings as JSON text (its
    control characters then escaped by JSON already), strings XML-safe, other scalars as they are."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, str):
        return xml_safe(value)
    return value


def _xml_ready(graph: nx.DiGraph) -> nx.DiGraph:
    """A copy of ``graph`` that GraphML and GEXF can hold: no None values, lists and mappings as
    JSON text, every id, attribute name and text value XML-safe."""

    def flat(attributes: dict[str, Any]) -> dict[str, Any]:
        return {
            xml_safe(str(key)): _safe_value(value)
            for key, value in attributes.items()
            if value is not None
        }

    def node(name: Any) -> Any:
        return xml_safe(name) if isinstance(name, str) else name

    copy: nx.DiGraph[Any] = nx.DiGraph(**flat(dict(graph.graph)))
    copy.add_nodes_from((node(n), flat(attributes)) for n, attributes in graph.nodes(data=True))
    copy.add_edges_from(
        (node(source), node(target), flat(attributes))
        for source, target, attributes in graph.edges(data=True)
    )
    return copy


def write_graph(graph: nx.DiGraph, output_format: str, out: BinaryIO) -> None:
    """Write ``graph`` as ``graphml``, ``gexf`` (XML-safe, see the module) or ``json-graph``."""
    if output_format == "graphml":
        nx.write_graphml(_xml_ready(graph), out)
    elif output_format == "gexf":
        nx.write_gexf(_xml_ready(graph), out)
    elif output_format == "json-graph":
        out.write(
            json.dumps(nx.node_link_data(graph, edges="edges"), sort_keys=True, indent=1).encode()
            + b"\n"
        )
    else:
        raise ValueError(f"unknown format {output_format!r}: one of {', '.join(FORMATS)}")


def lineage_answer(execute: Execute, node_id: str, direction: str, depth: int) -> Lineage:
    """The lineage of a dataset, job or column (``graph.client.Client.lineage``); raises
    NoSuchNode, ``graph.client.ClientError`` or ``graph.stores.StoreUnavailable``."""
    client = Client(execute=execute)
    if client.kind(node_id) is None:
        raise NoSuchNode(f"no node with id {node_id!r}")
    return client.lineage(node_id, direction, depth)


def write_file(graph: nx.DiGraph, output_format: str, output: Path | None) -> None:
    """:func:`write_graph` to ``output``, or to stdout for None."""
    if output is None:
        write_graph(graph, output_format, sys.stdout.buffer)
        return
    with output.open("wb") as out:
        write_graph(graph, output_format, out)
