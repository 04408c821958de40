"""The manual as a site: mkdocs-material builds ``docs/`` with ``--strict`` (``mkdocs.yml``), so a
broken link or anchor fails the suite; and the reference pages generated from the code are what
the code says today (the GraphQL one is made as the site builds, by ``scripts/mkdocs_hooks.py``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import generate_cli_reference
import generate_config_reference
import generate_rest_reference

from graph.serve.app import create_app
from graph.stores.embedded.store import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]


def _build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the project at ``project`` into ``site``."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )


def test_the_docs_site_builds_with_every_link_and_anchor_resolved(tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = _build(ROOT, site)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    cli = (site / "reference" / "cli" / "index.html").read_text()
    assert "lineagemesh serve" in cli and "--bootstrap-servers" in cli
    graphql = (site / "reference" / "graphql" / "index.html").read_text()
    assert graphql.index('id="query"') < graphql.index('id="assertion"')  # the roots first
    assert "lineageDiff" in graphql and "breakingChange" in graphql
    assert "/api/v1/lineage/batch" in (site / "reference" / "rest" / "index.html").read_text()
    assert "token_sha256" in (site / "reference" / "configuration" / "index.html").read_text()
    assert "Against Marquez itself" in (site / "benchmarks" / "index.html").read_text()
    assert (site / "images" / "explorer.png").is_file()
    assert (site / "search" / "search_index.json").is_file()


def test_a_broken_anchor_fails_the_build(tmp_path: Path) -> None:
    """The check can fail: the same docs with one link to a heading that does not exist."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs")
    for made_from in (
        "mkdocs.yml",
        "schema.graphql",
        "scripts/mkdocs_hooks.py",
        "scripts/generate_rest_reference.py",
    ):
        (project / made_from).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / made_from, project / made_from)
    page = project / "docs" / "kafka.md"
    page.write_text(page.read_text() + "\nSee [the rights](authentication.md#no-such-heading).\n")
    done = _build(project, tmp_path / "site")
    assert done.returncode != 0
    assert "does not contain an anchor '#no-such-heading'" in done.stdout + done.stderr


def test_the_cli_reference_is_what_the_commands_say() -> None:
    assert generate_cli_reference.PAGE.read_text() == generate_cli_reference.cli_reference(), (
        "docs/reference/cli.md is stale: run python scripts/generate_cli_reference.py"
    )


def test_the_configuration_reference_is_what_the_loaders_check() -> None:
    page = generate_config_reference.config_reference()
    assert generate_config_reference.PAGE.read_text() == page, (
        "docs/reference/configuration.md is stale: run python scripts/generate_config_reference.py"
    )
    for config in generate_config_reference.FILES:
        for name, _ in config.rows():
            assert f"| `{name}` |" in page, name


def test_the_rest_reference_lists_every_route_of_the_server() -> None:
    page = generate_rest_reference.rest_reference()
    app = create_app(EmbeddedStore(Path(tempfile.mkdtemp())))
    for route in app.routes:
        path = getattr(route, "path", None)  # every route of this app has one
        assert path and f"| `{path}" in page, route
    assert "`/api/v1/lineage/batch` | POST |" in page


def test_the_readme_fits_a_screen_with_its_two_commands_first() -> None:
    """The README is the first page a newcomer reads: at most 250 lines, and its first code block
    is exactly the two quick-start commands (``.ci/run`` runs the second); the benchmarks page holds
    today's figures only (history is in git), at most 300 lines."""
    readme = (ROOT / "README.md").read_text().splitlines()
    assert len(readme) <= 250, f"README.md has {len(readme)} lines; move detail into docs/"
    first_block = readme.index("```sh")
    commands = [line.split("#")[0].strip() for line in readme[first_block + 1 : first_block + 3]]
    assert commands == ["scripts/serve", "scripts/test"]
    assert readme[first_block + 3] == "```"
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text()
    benchmarks = (ROOT / "docs" / "benchmarks.md").read_text().splitlines()
    assert len(benchmarks) <= 300, f"docs/benchmarks.md has {len(benchmarks)} lines"
