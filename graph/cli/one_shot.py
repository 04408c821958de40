"""How a one-shot command ends its process: without freeing the graph it loaded.

Freeing the 100k-dataset mesh's graph (~1 GB of native records) takes ~0.45 s of a ``check``
that answers in ~4, and ~1.3 s after a 100k ingest of ~22 s; the operating system takes the whole
address space back at once anyway. So a command holds its store until the end
(``hold_until_exit``) and ends with ``exit``: output and logs flushed, then ``os._exit``. The
read commands (``check``, ``diff``, ``export``) do, and so do those that write through
``graph.cli.options.opened_service`` (``ingest``, ``reindex``), once their store is closed: its
journal synced and its snapshot written, with nothing of theirs left running. Only when this
process is the ``lineagemesh`` command itself: a caller running the command inside its own
process (a test's ``CliRunner``) gets a plain ``sys.exit`` and frees the graph as before. An
error leaving a command by an exception ends it as before too. Never for ``serve``, which frees
nothing at exit that matters and must run its shutdown.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import NoReturn

_held: list[object] = []


def owns_process() -> bool:
    """Whether this process is the ``lineagemesh`` command (the console script or ``python -m
    graph``), so that ending it ends nobody else's work."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name == "graph.__main__":
        return True
    return Path(getattr(main, "__file__", None) or "").name == "lineagemesh"


def hold_until_exit(thing: object) -> None:
    """Keep ``thing`` (a store and its graph) alive until ``exit`` ends the process, when it owns
    the process; otherwise do nothing (it is freed as usual)."""
    if owns_process():
        _held.append(thing)


def exit(code: int) -> NoReturn:
    """End the command with ``code``: at once, without freeing what is held, when something is;
    else ``sys.exit``."""
    if not _held:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the exit code still says what happened
            code = code or 1
    logging.shutdown()
    os._exit(code)
