"""The path parameters of the commands, spelled once: a file (read or written, never a
directory), a file that must exist, a directory. Light on imports: ``lineagemesh check`` starts
from it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

FILE = click.Path(dir_okay=False, path_type=Path)
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
DIRECTORY = click.Path(file_okay=False, path_type=Path)


def file_option(*decls: str, **settings: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option naming a file (``FILE``): an artifact to read or a report to write."""
    return click.option(*decls, type=FILE, **settings)


def existing_file_option(
    *decls: str, **settings: Any
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An option naming a file that must exist (``EXISTING_FILE``): a configuration to read."""
    return click.option(*decls, type=EXISTING_FILE, **settings)
