"""The explorer's served script is the minified esbuild bundle of its TypeScript sources with its
source map, both committed so that serving lineagemesh needs no Node: rebuilt from
``graph/serve/static/explorer/src`` with the pinned esbuild (package.json, package-lock.json), they
must come out byte for byte as committed, and
``tsc --noEmit`` must find no type error. npm installs the pinned tools into node_modules when
they are missing; without npm the test skips, saying so."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXPLORER = REPO / "graph" / "serve" / "static" / "explorer"
BUNDLE = EXPLORER / "explorer.js"
SOURCE_MAP = EXPLORER / "explorer.js.map"


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
    stale = "is stale: run `npm run build` and commit explorer.js and explorer.js.map"
    assert built.read_bytes() == BUNDLE.read_bytes(), (
        f"graph/serve/static/explorer/explorer.js {stale}"
    )
    # the map names its sources relative to itself: the same files, wherever it was built
    built_map, committed_map = _source_map(tmp_path / "explorer.js.map"), _source_map(SOURCE_MAP)
    assert built_map == committed_map, f"explorer.js.map {stale}"
    # minified, the bundle points browsers to its map, which names every committed source
    assert built.read_text().rstrip().endswith("//# sourceMappingURL=explorer.js.map")
    assert max(len(line) for line in built.read_text().splitlines()) > 2000  # minified, not pretty
    assert set(json.loads(SOURCE_MAP.read_text())["sources"]) == {
        f"src/{p.name}" for p in (EXPLORER / "src").glob("*.ts") if not p.name.endswith(".d.ts")
    }


def _source_map(path: Path) -> dict[str, object]:
    """A source map with its ``sources`` resolved against its own folder."""
    found = json.loads(path.read_text())
    found["sources"] = [str((path.parent / s).resolve()) for s in found["sources"]]
    return found


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
