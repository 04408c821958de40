"""The explorer's served script is the esbuild bundle of its TypeScript sources, committed so that
serving lineagemesh needs no Node: rebuilt from ``graph/api/static/explorer/src`` with the pinned
esbuild (package.json, package-lock.json), it must come out byte for byte as committed, and
``tsc --noEmit`` must find no type error. npm installs the pinned tools into node_modules when
they are missing; without npm the test skips, saying so."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXPLORER = REPO / "graph" / "api" / "static" / "explorer"
BUNDLE = EXPLORER / "explorer.js"


def _tools() -> Path:
    """node_modules/.bin with the pinned esbuild and tsc, installed by ``npm ci`` if missing."""
    bin_dir = REPO / "node_modules" / ".bin"
    if (bin_dir / "esbuild").exists() and (bin_dir / "tsc").exists():
        return bin_dir
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot rebuild the explorer bundle to check it is fresh")
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if installed.returncode != 0 or not (bin_dir / "esbuild").exists():
        pytest.skip(f"npm ci could not install esbuild and typescript: {installed.stderr[-400:]}")
    return bin_dir


def _build_command(outfile: Path) -> list[str]:
    """package.json's build script, writing to ``outfile``."""
    script = json.loads((REPO / "package.json").read_text())["scripts"]["build"]
    command = script.split()
    return [f"--outfile={outfile}" if part.startswith("--outfile=") else part for part in command]


def test_the_committed_bundle_is_built_from_the_sources(tmp_path: Path) -> None:
    bin_dir = _tools()
    built = tmp_path / "explorer.js"
    command = _build_command(built)
    assert command[0] == "esbuild"
    result = subprocess.run(
        [str(bin_dir / "esbuild"), *command[1:]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert built.read_bytes() == BUNDLE.read_bytes(), (
        "graph/api/static/explorer/explorer.js is stale: run `npm run build` and commit it"
    )
    # the bundle names where each part came from: the committed sources, nothing else
    sources = {line.removeprefix("// ").strip() for line in built.read_text().splitlines()}
    assert {
        f"graph/api/static/explorer/src/{p.name}"
        for p in (EXPLORER / "src").glob("*.ts")
        if not p.name.endswith(".d.ts")
    } <= sources


def test_the_sources_type_check() -> None:
    bin_dir = _tools()
    result = subprocess.run(
        [str(bin_dir / "tsc"), "--noEmit", "-p", str(EXPLORER)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
