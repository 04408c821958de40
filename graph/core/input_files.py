"""Reading a file a command line names, so that no file can hang, exhaust or crash the command.

In CI a pull request controls the paths ``lineagemesh check`` reads: ``--sql /dev/zero`` grew to
7.5 GB, a FIFO hung the job, a non-UTF-8 file or 100k nested brackets ended in a traceback
(issue 74). Every file argument is read through :func:`read_input`:

* it must be a regular file: a device, a FIFO, a socket or a directory is refused, and so is a
  symlink to one (the check is made on the opened file, opened without blocking: a FIFO with no
  writer cannot hang the open);
* a path through a symlink must stay in the working tree (the current directory): a pull
  request's ``contracts/x.yaml -> ~/.ssh/id_rsa`` is refused unless the operator asks for it
  (``LINEAGEMESH_INPUT_SYMLINKS=follow``);
* at most ``LINEAGEMESH_MAX_INPUT_BYTES`` bytes (default 1 GiB) are read; a larger file is refused
  before it is read;
* the text must be UTF-8: ``file:line: not UTF-8 ...`` names the first bad byte;
* brackets nested deeper than ``MAX_NESTING`` (``[``/``{`` in JSON and YAML, ``(`` in SQL, outside
  strings) are refused before a parser could exhaust its recursion, with the line where the
  limit was passed.

:class:`InputError` says ``file[:line]: reason``; the commands exit 2 with it.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

DEFAULT_MAX_BYTES = 2**30
#: How deep brackets may nest, by syntax: deeper than any manifest, metadata, contract or
#: migration we have seen, and within what the parsers' recursion takes (sqlglot's default
#: recursion ends near 55 nested parentheses).
MAX_NESTING = {"json": 200, "yaml": 200, "sql": 32}
_READ = 1 << 20

_OPENERS = {"json": "[{", "yaml": "[{", "sql": "("}
_QUOTED = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # a double-quoted string on one line, escapes in it
#: By syntax, what the nesting check skips (strings, comments) or else a bracket (group 1).
_TOKENS = {
    "json": re.compile(_QUOTED + r"|([\[\]{}])"),
    "yaml": re.compile(_QUOTED + r"|'[^'\n]*'|#[^\n]*|([\[\]{}])"),
    "sql": re.compile(r"'[^']*'|\"[^\"]*\"|--[^\n]*|/\*.*?\*/|([()])", re.S),
}


class InputError(ValueError):
    """A file argument that cannot be read as the command needs: ``file[:line]: reason``."""

    def __init__(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = path, reason, line
        super().__init__(f"{path}{'' if line is None else f':{line}'}: {reason}")

    def without_path(self) -> str:
        """The reason, with the line when there is one (for messages that name the file)."""
        return self.reason if self.line is None else f"line {self.line}: {self.reason}"


def max_input_bytes() -> int:
    """The size cap of one input file (``LINEAGEMESH_MAX_INPUT_BYTES``, bytes)."""
    value = os.environ.get("LINEAGEMESH_MAX_INPUT_BYTES")
    if not value:
        return DEFAULT_MAX_BYTES
    try:
        return int(value)
    except ValueError:
        raise InputError(
            "LINEAGEMESH_MAX_INPUT_BYTES", f"not a number of bytes: {value!r}"
        ) from None


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


FOLLOW_SYMLINKS = "LINEAGEMESH_INPUT_SYMLINKS"  # ``follow``: symlinks out of the tree too


def within_tree(path: Path | str) -> None:
    """InputError when ``path`` goes through a symlink to somewhere outside the current directory
    (unless ``LINEAGEMESH_INPUT_SYMLINKS=follow``)."""
    if os.environ.get(FOLLOW_SYMLINKS) == "follow":
        return
    real = os.path.realpath(path)
    if real == os.path.abspath(path):
        return  # no symlink on the way
    root = os.path.realpath(os.getcwd())
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise InputError(
            path,
            f"a symlink out of the working tree (to {real}); {FOLLOW_SYMLINKS}=follow allows it",
        )


def regular_file(path: Path) -> Path:
    """``path`` when it is a regular file (through symlinks within the working tree);
    InputError otherwise. For the inputs read as streams (event files), which take no size cap."""
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    if not stat.S_ISREG(mode):
        via = " (through a symlink)" if os.path.islink(path) else ""
        raise InputError(path, f"not a regular file: {_kind(mode)}{via}")
    within_tree(path)
    return path


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit``, default :func:`max_input_bytes`)."""
    limit = max_input_bytes() if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            via = " (through a symlink)" if os.path.islink(path) else ""
            raise InputError(path, f"not a regular file: {_kind(st.st_mode)}{via}")
        within_tree(path)
        if st.st_size > limit:
            raise InputError(
                path,
                f"{st.st_size} bytes, over the {limit}-byte input limit "
                "(LINEAGEMESH_MAX_INPUT_BYTES)",
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, _READ):
            size += len(chunk)
            if size > limit:  # grew while read
                raise InputError(path, f"over the {limit}-byte input limit")
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as e:
        raise InputError(path, f"cannot read: {e.strerror or e}") from None
    finally:
        os.close(fd)


def decode(path: Path | str, data: bytes) -> str:
    """``data`` as strict UTF-8 text; InputError naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(
            path, f"not UTF-8: byte 0x{data[e.start]:02x} at column {column}", line
        ) from None


def check_nesting(path: Path | str, text: str, syntax: str, limit: int | None = None) -> None:
    """InputError when ``text``'s brackets (``syntax``: json, yaml or sql) nest deeper than
    ``limit`` outside strings and comments: before a recursive parser meets them. One pass of
    one pattern (a string or comment, else a bracket): a 200 MB manifest's check took ~20 s as
    slices between strings, each scanned again."""
    limit = MAX_NESTING[syntax] if limit is None else limit
    openers = _OPENERS[syntax]
    if not any(c in text for c in openers):
        return
    depth = 0
    for match in _TOKENS[syntax].finditer(text):
        bracket = match.group(1)
        if bracket is None:
            continue  # a string or a comment
        if bracket in openers:
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, match.start()) + 1
                raise InputError(path, f"nested deeper than {limit} levels", line)
        elif depth:
            depth -= 1


def read_input(path: Path, syntax: str | None = None) -> str:
    """The text of the file argument ``path``, checked as this module says (nesting too when
    ``syntax`` is json, yaml or sql)."""
    text = decode(path, read_bytes(path))
    if syntax is not None:
        check_nesting(path, text, syntax)
    return text
