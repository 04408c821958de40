"""The manylinux wheel (scripts/build-wheel) installs where there is no compiler and serves the demo;
the base install, without extras, says which extra a Neo4j store, Kafka or Iceberg needs.

The wheel is built once per source state and kept in ~/.cache/lineagemesh/wheels/<hash of what
goes into it>, outside the checkout as ccache's cache is: a run of the suite builds it at most once,
and a fresh clone of the same sources not again. It goes into a clean venv with pip refusing every
sdist (``--only-binary :all:``: nothing can be compiled), with PATH holding no compiler and CC/CXX
unset.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import USER_CACHE
from live_server import free_port

pytestmark = [pytest.mark.wheel, pytest.mark.timeout(1800)]

REPO = Path(__file__).resolve().parents[1]
WHEEL_INPUTS = (
    "pyproject.toml",
    "README.md",
    "graph",
    "ingest",
    "native",
    "scripts/build-wheel",
    "scripts/install_build_requirements.py",
    "docs",  # the manual the wheel carries (graph/serve/manual_site)
    "mkdocs.yml",
    "schema.graphql",
    "scripts/mkdocs_hooks.py",
    "scripts/generate_rest_reference.py",
)
C_SOURCES = (".c", ".cc", ".cpp", ".h", ".hpp")
COMPILERS = ("gcc", "g++", "cc", "c++", "clang", "clang++", "zig")
BUILD_ENV = ("CC", "CXX", "CPP", "LDSHARED", "CFLAGS", "CXXFLAGS", "LDFLAGS")


def _source_hash() -> str:
    """What the wheel is built from (the tracked and new files under its inputs), hashed."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", *WHEEL_INPUTS],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    digest = hashlib.sha256()
    for name in sorted(n for n in listed if n):
        path = REPO / name.decode()
        if path.is_file():
            digest.update(name + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def wheel() -> Path:
    """The wheel of this source state: from the user's cache, or built there by scripts/build-wheel."""
    cache = USER_CACHE / "wheels"
    cache.mkdir(parents=True, exist_ok=True)
    built = cache / _source_hash()
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one build however many runs ask at once
        wheels = sorted(built.glob("lineagemesh-*.whl"))
        if not wheels:
            for stale in cache.iterdir():  # a day's source states are kept: the cache does not grow
                if stale.is_dir() and time.time() - stale.stat().st_mtime > 86_400:
                    shutil.rmtree(stale)
            subprocess.run(
                [str(REPO / "scripts" / "build-wheel"), str(built)],
                env={**os.environ, "PYTHON": sys.executable},
                check=True,
            )
            wheels = sorted(built.glob("lineagemesh-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def no_compiler_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """This environment with PATH a directory of nothing (the venv's bin goes before it) and no
    compiler variables: whatever would compile has nothing to run."""
    empty = tmp_path_factory.mktemp("bin-without-compilers")
    env = {k: v for k, v in os.environ.items() if k not in BUILD_ENV}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env["PATH"] = str(empty)
    return env


@pytest.fixture(scope="module")
def venv(
    wheel: Path, no_compiler_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A clean venv with the wheel (no extras) installed without a compiler to hand."""
    root = tmp_path_factory.mktemp("clean-venv")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    env = {**no_compiler_env, "PATH": f"{root / 'venv' / 'bin'}:{no_compiler_env['PATH']}"}
    assert not [c for c in COMPILERS if shutil.which(c, path=env["PATH"])]
    started = time.monotonic()
    installed = subprocess.run(
        [
            str(root / "venv" / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--only-binary",
            ":all:",  # an sdist anywhere in the tree fails the install instead of compiling it
            str(wheel),
        ],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    print(f"installed {wheel.name} in {time.monotonic() - started:.1f}s")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert "Building wheel" not in installed.stdout
    return root / "venv"


def _run(venv: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**env, "PATH": f"{venv / 'bin'}:{env['PATH']}"}
    return subprocess.run(
        [str(venv / "bin" / "lineagemesh"), *args],
        env=env,
        cwd=venv,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_wheel_is_manylinux_and_carries_the_compiled_core(wheel: Path) -> None:
    platforms = wheel.name.removesuffix(".whl").rsplit("-", 1)[-1].split(".")
    assert any(p.startswith("manylinux_") for p in platforms), wheel.name  # auditwheel's tag
    listing = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)], capture_output=True, text=True
    ).stdout
    assert "graph/_native.cpython-" in listing and "graph/serve/static/explorer.html" in listing
    assert "graph/serve/manual_site/index.html" in listing  # the manual (/docs)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    sources = [name for name in names if name.startswith("native/") or name.endswith(C_SOURCES)]
    assert not sources, sources  # the C++ sources stay behind (yyjson's licence goes with the core)
    assert any(name.endswith(".dist-info/licenses/native/vendor/yyjson/LICENSE") for name in names)


@contextlib.contextmanager
def _serving(venv: Path, env: dict[str, str], data_dir: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir.parent / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [
                str(venv / "bin" / "lineagemesh"),
                "serve",
                "--demo",
                "--port",
                str(port),
                "--data-dir",
                str(data_dir),
            ],
            env={**env, "PATH": f"{venv / 'bin'}:{env['PATH']}", "PYTHONUNBUFFERED": "1"},
            cwd=data_dir.parent,  # not the repository: its graph/ must not shadow the installed one
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, log.read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(30)


def test_the_installed_wheel_serves_the_demo_without_a_compiler(
    venv: Path, no_compiler_env: dict[str, str], tmp_path: Path
) -> None:
    located = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import graph._native; print(graph._native.__file__)"],
        env=no_compiler_env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert located.stdout.startswith(str(venv)), located.stdout + located.stderr
    with _serving(venv, no_compiler_env, tmp_path / "store") as url:
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and "lineagemesh explorer" in page.text
        assert httpx.get(f"{url}/static/explorer/explorer.js").status_code == 200
        answer = httpx.post(
            f"{url}/graphql",
            json={
                "query": '{ searchConnection(text: "etl_orders", first: 3) { nodes { id kind name } } }'
            },
            timeout=60,
        ).json()
        assert "errors" not in answer, answer
        assert "etl_orders" in [
            node["name"] for node in answer["data"]["searchConnection"]["nodes"]
        ]
        # the manual the wheel carries: the venv has no mkdocs and no docs/ to build it from
        manual = httpx.get(f"{url}/docs/", timeout=60)
        assert manual.status_code == 200 and "<title>lineagemesh</title>" in manual.text, (
            manual.text[:300]
        )
        cli = httpx.get(f"{url}/docs/reference/cli/", timeout=60)
        assert cli.status_code == 200 and "lineagemesh serve" in cli.text


def test_the_base_install_names_the_extra_a_command_needs(
    venv: Path, no_compiler_env: dict[str, str], tmp_path: Path
) -> None:
    for library in ("neo4j", "confluent_kafka", "pyiceberg", "pyarrow"):
        imported = subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"import {library}"], capture_output=True
        )
        assert imported.returncode != 0, f"{library} came with the base install"
    store = tmp_path / "store"
    cases = [
        (
            ["serve", "--store", "bolt://127.0.0.1:7687"],
            "--store bolt://127.0.0.1:7687 needs the Neo4j driver: pip install 'lineagemesh[neo4j]'",
        ),
        (
            [
                "ingest",
                "kafka",
                "--data-dir",
                str(store),
                "--bootstrap-servers",
                "127.0.0.1:9092",
                "--topic",
                "openlineage",
            ],
            (
                "consuming Kafka (--bootstrap-servers) needs the Kafka client (confluent-kafka): "
                "pip install 'lineagemesh[kafka]'"
            ),
        ),
        (
            ["ingest", "iceberg", "--data-dir", str(store), "--catalog", "lake"],
            "lineagemesh ingest iceberg needs pyiceberg: pip install 'lineagemesh[iceberg]'",
        ),
    ]
    for args, said in cases:
        ran = _run(venv, no_compiler_env, *args)
        said_last = ran.stderr.strip().splitlines()[-1]  # after serve's log lines, if any
        assert (ran.returncode, said_last) == (2, f"lineagemesh: {said}"), ran
        assert "Traceback" not in ran.stderr
