"""A configuration file's keys, declared once: what each key holds, its default and what it means.

Every configuration file (the tokens file, the webhooks file, the domain rules) declares its keys
as a :class:`ConfigFile`, a table of :class:`Key`. The file's loader checks a document against it
before reading any value (:meth:`ConfigFile.check`): a key the table does not name, a required key
missing, a value of the wrong kind is refused as ``FILE:LINE: WHERE: REASON``, where ``WHERE`` is the
key's path (``webhooks[0].url``); the loader then reads the values it knows to be of their kind,
and refuses what no kind can say (a token too short, a URL it may not post to) in the same words
(:meth:`Located.error`). ``docs/reference/configuration.md`` is written from the same tables
(``scripts/generate_config_reference.py``), so the reference is what the loaders accept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Where a value is in a document: the keys and list indexes from its root.
KeyPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Kind:
    """What a value may be: its name in messages and in the reference, and the test of it."""

    name: str
    accepts: Callable[[Any], bool]


def _is_string(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _is_strings(value: Any) -> bool:
    return isinstance(value, list) and all(_is_string(v) for v in value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


STRING = Kind("a non-empty string", _is_string)
STRINGS = Kind("a list of strings", _is_strings)
STRING_OR_STRINGS = Kind("a string or a list of strings", lambda v: _is_string(v) or _is_strings(v))
NUMBER = Kind("a positive number", _is_number)
COUNT = Kind("a positive whole number", _is_count)
MAPPING = Kind("a mapping", lambda v: isinstance(v, dict))
MAPPINGS = Kind("a list of mappings", lambda v: isinstance(v, list))


def choice(*values: str) -> Kind:
    """One of ``values``."""
    return Kind(f"one of {', '.join(values)}", lambda v: v in values)


def choices(*values: str) -> Kind:
    """A non-empty list of ``values``."""
    return Kind(
        f"a list of {', '.join(values)}",
        lambda v: isinstance(v, list) and bool(v) and all(x in values for x in v),
    )


#: The default of a key that has none: the file must give it.
REQUIRED = "(required)"


@dataclass(frozen=True)
class Key:
    """One key of a mapping: its name, kind, default (as the reference shows it, or
    :data:`REQUIRED`) and meaning; ``keys``: the keys of the mapping it holds (:data:`MAPPING`) or
    of each entry of its list (:data:`MAPPINGS`)."""

    name: str
    kind: Kind
    default: str
    meaning: str
    keys: tuple[Key, ...] = ()

    @property
    def required(self) -> bool:
        return self.default == REQUIRED


class Located:
    """A document's lines (its keys' and entries', by path) and the error its loader raises:
    every refusal of a file is worded ``SOURCE:LINE: WHERE: REASON`` (``SOURCE: WHERE: REASON`` for
    a document with no lines, as an environment variable's)."""

    def __init__(
        self,
        source: str,
        error: Callable[[str], Exception],
        lines: Mapping[KeyPath, int] | None = None,
    ) -> None:
        self.source = source
        self._error = error
        self._lines = lines or {}

    def under(self, key: str) -> Located:
        """The same document read as the value of ``key`` (a bare list taken as a file's list)."""
        lines = {(key, *path): line for path, line in self._lines.items()}
        return Located(self.source, self._error, lines)

    def line(self, path: KeyPath) -> int | None:
        """The line of the key or entry at ``path``, or of the nearest one holding it."""
        while path not in self._lines and path:
            path = path[:-1]
        return self._lines.get(path)

    def error(self, path: KeyPath, reason: str) -> Exception:
        line = self.line(path)
        source = self.source if line is None else f"{self.source}:{line}"
        where = describe(path)
        return self._error(f"{source}: {where}: {reason}" if where else f"{source}: {reason}")


def describe(path: KeyPath) -> str:
    """A path as a reader writes it: ``webhooks[0].url``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file: its title, how a command is told of it, an example, and its keys."""

    title: str
    read_by: str
    about: str
    example: str
    keys: tuple[Key, ...]

    def check(self, document: Any, located: Located) -> dict[str, Any]:
        """``document`` once its keys and their kinds are as declared (else ``located.error``),
        without the keys given no value."""
        return _check_mapping(document, self.keys, located, ())

    def rows(self) -> list[tuple[str, Key]]:
        """Every key with its path as the reference shows it (``webhooks[].url``), in order."""
        return list(_rows(self.keys, ""))


def _check_mapping(
    value: Any, keys: tuple[Key, ...], located: Located, path: KeyPath
) -> dict[str, Any]:
    """The mapping ``value`` checked against ``keys``, without the keys given no value (YAML's
    ``key:`` alone), which read as not given."""
    if not isinstance(value, dict):
        raise located.error(path, "expected a mapping")
    known = {key.name: key for key in keys}
    for name in value:
        if name not in known:
            raise located.error(
                (*path, str(name)),
                f"unknown key {name!r} (known here: {', '.join(known)})",
            )
    checked: dict[str, Any] = {}
    for key in keys:
        item = value.get(key.name)
        at = (*path, key.name)
        if item is None:
            if key.required:
                raise located.error(at, f"required, {key.kind.name}")
            continue
        if not key.kind.accepts(item):
            # the value is not repeated: it may be a secret given the wrong kind
            raise located.error(at, f"expected {key.kind.name} (got {type(item).__name__})")
        if key.keys and key.kind is MAPPING:
            item = _check_mapping(item, key.keys, located, at)
        elif key.keys:
            item = [
                _check_mapping(entry, key.keys, located, (*at, i)) for i, entry in enumerate(item)
            ]
        checked[key.name] = item
    return checked


def _rows(keys: tuple[Key, ...], prefix: str) -> Iterator[tuple[str, Key]]:
    for key in keys:
        name = f"{prefix}{key.name}"
        yield name, key
        if key.keys:
            yield from _rows(key.keys, f"{name}{'[]' if key.kind is MAPPINGS else ''}.")
