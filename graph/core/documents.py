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


def load_document(path: Path, error: Callable[[str], Exception], what: str) -> Any:
    """What the file holds; ``error("{path}: cannot read {what}: {why}")`` raised when it cannot
    be read (a configuration file's own exception, worded alike for every kind of file)."""
    try:
        return read_document(path)[1]
    except UnreadableDocument as e:
        raise error(f"{path}: cannot read {what}: {e}") from None
