"""Command-line options the bench and load-test scripts share.

A numeric option states its default once: its help ends "(default N)" made from it, so the two
cannot drift apart. The benches that time queries cell by cell (``scripts/bench.py``,
``scripts/bench_marquez_pg.py``) pick their start datasets and budget their cells with the same
options, declared here once.
"""

from __future__ import annotations

import argparse


def numbers(parser: argparse.ArgumentParser, *options: tuple[str, float, str]) -> None:
    """Numeric options, each ``(flag, default, help)``: of the default's type (int or float), the
    help ending with the default."""
    for flag, default, help in options:
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        parser.add_argument(
            flag, type=type(default), default=default, help=f"{help} (default {shown})"
        )


def cell_options(parser: argparse.ArgumentParser) -> None:
    """The mesh seed, how start datasets are picked per radius class, and each cell's budget of
    timed queries (``--reps`` at most; ``--cell-seconds`` for those beyond the fewest)."""
    numbers(
        parser,
        ("--seed", 7, "mesh seed"),
        ("--starts", 3, "start datasets per radius class"),
        ("--sample", 300, "random datasets sized to pick starts"),
        ("--reps", 50, "most timed queries per cell"),
        ("--cell-seconds", 3.0, "time budget per cell beyond the fewest timed queries"),
    )
