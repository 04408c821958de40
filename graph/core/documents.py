"""Reading a configuration or schema document: JSON for a ``.json`` file, YAML otherwise.

Token files, domain rules and proposed schemas are all written by hand in either format; one
function decides which parser reads a file and which failures mean "cannot read it", so every
caller words the same failures the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.core.config_schema import KeyPath, Located
from graph.core.input_files import InputError, read_input


class UnreadableDocument(ValueError):
    """The file cannot be read or parsed; the message says why (without the path)."""


def read_document(path: Path) -> tuple[str, Any]:
    """The file's text and what it holds."""
    import yaml  # here: most commands read no document, and it is ~25 ms of a process's start

    try:
        text = read_input(path, "json" if path.suffix == ".json" else "yaml")
        return text, json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except InputError as e:
        raise UnreadableDocument(e.without_path()) from None
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise UnreadableDocument(str(e)) from None


def load_located(path: Path, error: Callable[[str], Exception], what: str) -> tuple[Any, Located]:
    """What the file holds, and where each of its keys and entries is, so that a refusal of a value
    names its line (``graph.core.config_schema``); ``error("{path}: cannot read {what}: {why}")``
    raised when it cannot be read (a configuration file's own exception, worded alike for every
    kind of file)."""
    try:
        text, document = read_document(path)
    except UnreadableDocument as e:
        raise error(f"{path}: cannot read {what}: {e}") from None
    return document, Located(str(path), error, key_lines(text))


def key_lines(text: str) -> dict[KeyPath, int]:
    """The line (from 1) of each key and list entry of a YAML or JSON text, by its path; empty for
    a text YAML cannot compose (JSON that PyYAML's YAML 1.1 does not read: no lines, same checks)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[KeyPath, int] = {}

    def walk(node: yaml.Node, path: KeyPath) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                # A bare ``on`` is YAML 1.1's true: its path keeps the word written.
                at = (*path, str(key.value))
                lines.setdefault(at, key.start_mark.line + 1)
                walk(value, at)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[(*path, i)] = item.start_mark.line + 1
                walk(item, (*path, i))

    if root is not None:
        lines[()] = root.start_mark.line + 1
        walk(root, ())
    return lines
