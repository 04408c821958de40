#!/usr/bin/env python3
"""``lineagemesh ingest openlineage`` of a generated mesh, this checkout against another tree, in
alternating pairs on one host.

Usage::

    python scripts/bench_ingest_pairs.py --against ae34f6e --datasets 20000 --pairs 5 --work /tmp/pairs
    python scripts/bench_ingest_pairs.py --against /path/to/a/checkout --pairs 7 --json pairs.json

A rate measured on one host says little on another (the same code ran ~1.7x slower on a host with
the same count of cores), so ingest speed is judged beside older code run on the same host, in
turn with it: a pair's two runs see the same host, and the median of the pairs' ratios is the
figure. ``--against`` names a commit (checked out as a git worktree under ``--work`` and
installed there with its own ``scripts/bootstrap``, once) or a checkout that has its own
``.venv``.

Two cells, each as a user runs it, one process each: the *first load* of the mesh
(``scripts/generate_mesh.py --datasets N --seed 7``) into a new data dir, and the *re-runs*: the
mesh's second round (``--reruns 2 --change-rate 0.05``: every job again, 5 % of them changing a
schema) into a copy of a dir that tree loaded itself (the copy is made before the clock starts).
For each run: the command's own line (``in S s (R events/s)``: the load, without start-up and the
closing snapshot), and the whole process's wall clock and CPU (user + system, the worker
processes included).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import generate_mesh  # noqa: E402 - a sibling script, importable once scripts/ is on the path

SEED = 7
CHANGE_RATE = 0.05
#: The issue's floors for the command's line (events/s): a first load, and re-runs.
TARGETS = {"first_load": 15_000, "reruns": 20_000}
#: The command's closing line, with or without the time its check pass took (older checkouts').
_LINE = re.compile(
    r"([0-9]+) events ingested .* in ([0-9.]+)s(?:, [0-9.]+s of it checking)? \(([0-9,]+) events/s\)"
)


class UsageError(Exception):
    """A bad argument: printed as ``bench_ingest_pairs: reason``, exit 2."""


@dataclass
class Tree:
    """A checkout whose ``.venv`` runs the command."""

    name: str
    path: Path

    @property
    def command(self) -> Path:
        return self.path / ".venv" / "bin" / "lineagemesh"


@dataclass
class Run:
    events: int
    line_seconds: float
    events_per_s: float
    wall: float
    cpu: float


@dataclass
class Cell:
    runs: dict[str, list[Run]] = field(default_factory=dict)


def _git(*args: str, cwd: Path = ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout.strip()


def resolve_tree(against: str, work: Path) -> Tree:
    """A checkout with its own .venv as it is, or a commit checked out and installed under ``work``."""
    given = Path(against)
    if given.is_dir():
        if not (given / ".venv" / "bin" / "lineagemesh").exists():
            raise UsageError(f"{given}: no .venv/bin/lineagemesh (run its scripts/bootstrap first)")
        try:  # named by its commit where it is a git checkout
            name = _git("rev-parse", "--short=9", "HEAD", cwd=given)
        except UsageError:
            name = given.resolve().name
        return Tree(name, given.resolve())
    try:
        commit = _git("rev-parse", "--verify", "--quiet", f"{against}^{{commit}}")
    except UsageError:
        raise UsageError(
            f"{against}: neither a directory nor a commit of this repository"
        ) from None
    short = commit[:9]
    path = work / f"tree-{short}"
    if not path.exists():
        log(f"checking out {short} into {path}")
        _git("worktree", "add", "--detach", str(path), commit)
    if not (path / ".venv" / "bin" / "lineagemesh").exists():
        log(f"installing {short} there (scripts/bootstrap: compiles its native core)")
        subprocess.run([str(path / "scripts" / "bootstrap")], cwd=path, check=True)
    return Tree(short, path)


def meshes(work: Path, datasets: int) -> tuple[Path, Path]:
    """The mesh's first round and its second (re-run) round as NDJSON files, made once."""
    first = work / f"mesh{datasets}.ndjson"
    rerun = work / f"rerun{datasets}.ndjson"
    if first.exists() and rerun.exists():
        return first, rerun
    log(f"generating the {datasets}-dataset mesh and its re-runs under {work}")
    generate_mesh.write_mesh(str(first), datasets, SEED)
    steady = work / f"steady{datasets}.ndjson"
    generate_mesh.write_mesh(str(steady), datasets, SEED, reruns=2, change_rate=CHANGE_RATE)
    with first.open("rb") as f:
        first_events = sum(1 for _ in f)
    with steady.open("rb") as src, rerun.open("wb") as out:
        for number, line in enumerate(src):
            if number >= first_events:
                out.write(line)
    steady.unlink()
    return first, rerun


def timed(tree: Tree, data_dir: Path, events: Path) -> Run:
    """One ``ingest openlineage`` process: its line, and its whole wall clock and CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # reaped children: it, its workers
    started = time.monotonic()
    done = subprocess.run(
        [str(tree.command), "ingest", "openlineage", "--data-dir", str(data_dir), str(events)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = done.stdout.decode(errors="replace")
    if done.returncode != 0:
        raise RuntimeError(f"{tree.name}: ingest exited {done.returncode}:\n{output[-2000:]}")
    found = _LINE.search(output)
    if found is None:
        raise RuntimeError(
            f"{tree.name}: no 'N events ingested ... in S s (R events/s)' line in:\n{output[-2000:]}"
        )
    return Run(
        int(found.group(1)),
        float(found.group(2)),
        float(found.group(3).replace(",", "")),
        wall,
        (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
    )


def first_load(tree: Tree, work: Path, mesh: Path) -> Run:
    target = work / f"run-{tree.name}"
    shutil.rmtree(target, ignore_errors=True)
    try:
        return timed(tree, target, mesh)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def reruns(tree: Tree, work: Path, loaded: Path, rerun: Path) -> Run:
    target = work / f"run-{tree.name}"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(loaded, target)
    try:
        return timed(tree, target, rerun)
    finally:
        shutil.rmtree(target, ignore_errors=True)


def measure(trees: list[Tree], work: Path, mesh: Path, rerun: Path, pairs: int) -> dict[str, Cell]:
    loaded: dict[str, Path] = {}
    for tree in trees:  # each tree's own loaded dir; also each one's warm-up
        loaded[tree.name] = work / f"loaded-{tree.name}"
        shutil.rmtree(loaded[tree.name], ignore_errors=True)
        timed(tree, loaded[tree.name], mesh)
    cells = {"first_load": Cell(), "reruns": Cell()}
    for pair in range(pairs):
        order = trees if pair % 2 == 0 else trees[::-1]
        for tree in order:
            cells["first_load"].runs.setdefault(tree.name, []).append(first_load(tree, work, mesh))
        for tree in order:
            run = reruns(tree, work, loaded[tree.name], rerun)
            cells["reruns"].runs.setdefault(tree.name, []).append(run)
        log(f"pair {pair + 1}/{pairs} done")
    return cells


def _median_ratio(mine: list[Run], theirs: list[Run], attr: str) -> float:
    """The median of the pairs' ratios of ``attr`` (this tree's run over the other's)."""
    return round(
        statistics.median(getattr(a, attr) / getattr(b, attr) for a, b in zip(mine, theirs)), 3
    )


def summary(cells: dict[str, Cell], this: Tree, other: Tree) -> dict:
    out: dict = {"this": this.name, "against": other.name, "cells": {}}
    for name, cell in cells.items():
        mine, theirs = cell.runs[this.name], cell.runs[other.name]
        out["cells"][name] = {
            "pairs": len(mine),
            "events": {this.name: mine[0].events, other.name: theirs[0].events},
            "events_per_s": {
                this.name: round(statistics.median(r.events_per_s for r in mine)),
                other.name: round(statistics.median(r.events_per_s for r in theirs)),
            },
            "target_events_per_s": TARGETS[name],
            "speed_ratio": _median_ratio(mine, theirs, "events_per_s"),
            "wall_ratio": _median_ratio(mine, theirs, "wall"),
            "cpu_ratio": _median_ratio(mine, theirs, "cpu"),
            "wall_s": {
                this.name: round(statistics.median(r.wall for r in mine), 3),
                other.name: round(statistics.median(r.wall for r in theirs), 3),
            },
            "cpu_s": {
                this.name: round(statistics.median(r.cpu for r in mine), 3),
                other.name: round(statistics.median(r.cpu for r in theirs), 3),
            },
        }
    return out


def report(result: dict) -> str:
    this, other = result["this"], result["against"]
    header = f"| cell | {this} events/s | {other} events/s | speed ({this} / {other}) | wall | CPU "
    lines = [
        header + "| target | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, cell in result["cells"].items():
        rate, target = cell["events_per_s"][this], cell["target_events_per_s"]
        lines.append(
            f"| {name.replace('_', ' ')} | {rate:,} | {cell['events_per_s'][other]:,} "
            f"| {cell['speed_ratio']:.2f}x | {cell['wall_ratio']:.3f}x | {cell['cpu_ratio']:.3f}x "
            f"| >= {target:,} | {'yes' if rate >= target else 'no'} |"
        )
    pairs = next(iter(result["cells"].values()))["pairs"]
    lines.append(
        f"(events/s: the command's line, median of {pairs} runs; speed, wall and CPU: "
        "median of the pairs' ratios, wall and CPU of the whole process)"
    )
    return "\n".join(lines)


def log(message: str) -> None:
    print(f"bench_ingest_pairs: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", required=True, help="a commit, or a checkout with a .venv")
    parser.add_argument("--datasets", type=int, default=20_000, help="the mesh's datasets (>= 50)")
    parser.add_argument("--pairs", type=int, default=5, help="alternating pairs a cell (>= 1)")
    parser.add_argument("--work", type=Path, default=None, help="where meshes, trees and dirs go")
    parser.add_argument("--json", type=Path, default=None, help="write the result here too")
    args = parser.parse_args(argv)
    try:
        if args.pairs < 1:
            raise UsageError("--pairs must be at least 1")
        if args.datasets < 50:
            raise UsageError("--datasets must be at least 50")
        work = (args.work or Path.home() / ".cache" / "lineagemesh-bench-pairs").resolve()
        work.mkdir(parents=True, exist_ok=True)
        this = Tree("this", ROOT)
        if not this.command.exists():
            raise UsageError(f"{this.command}: missing (run scripts/bootstrap here first)")
        other = resolve_tree(args.against, work)
        if other.path == ROOT:
            other = Tree("same", ROOT)
    except UsageError as e:
        print(f"bench_ingest_pairs: {e}", file=sys.stderr)
        return 2
    mesh, rerun = meshes(work, args.datasets)
    cells = measure([this, other], work, mesh, rerun, args.pairs)
    result = summary(cells, this, other)
    result.update(datasets=args.datasets, cpus=os.cpu_count(), load=os.getloadavg())
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
