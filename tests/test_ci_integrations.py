"""The GitHub Action (action.yml) and the GitLab CI template, run end to end as CI would run them.

GitHub and GitLab cannot be reached from here: their REST APIs are played by a local HTTP server
that records every call (the one stand-in allowed, and only for those remote APIs). Everything
else is real: the action's and the template's own shell steps, the lineagemesh CLI, an embedded
store. A second run must update the comment the first one created, never add another.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_pr_check import WAREHOUSES, field, ingest_events, job_event
from test_wheel_install import COMPILERS, wheel

__all__ = ["wheel"]  # the suite's wheel of this source state, a fixture shared with that module

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MIGRATION = (
    "-- 0042: orders lose the amount column (moved to payments), ids grow to 64 bits\n"
    "ALTER TABLE public.orders DROP COLUMN amount;\n"
    "ALTER TABLE public.orders ALTER COLUMN id TYPE bigint;\n"
)
CHECK_ARGS = (
    "--sql migrations/0042_orders.sql --sql-dialect postgres --namespace postgres://db:5432"
)


class Recorder(BaseHTTPRequestHandler):
    """GitHub's issue-comment and GitLab's merge-request-note endpoints, in memory, recorded."""

    calls: list[dict[str, Any]]
    comments: dict[int, dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.calls.append(
            {
                "method": self.command,
                "path": self.path.split("?")[0],
                "auth": self.headers.get("Authorization") or self.headers.get("PRIVATE-TOKEN"),
                "body": body,
            }
        )
        return body

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._record()
        if re.fullmatch(
            r"/repos/acme/shop/issues/7/comments|/api/v4/projects/42/merge_requests/7/notes",
            self.path.split("?")[0],
        ):
            others = [{"id": 1, "body": "LGTM"}]
            self._answer(200, others + list(self.comments.values()))
        else:
            self._answer(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        body = self._record()
        if re.fullmatch(
            r"/repos/acme/shop/issues/7/comments|/api/v4/projects/42/merge_requests/7/notes",
            self.path,
        ):
            new = {"id": 100 + len(self.comments), "body": body["body"]}
            self.comments[new["id"]] = new
            self._answer(201, new)
        else:
            self._answer(404, {"message": "Not Found"})

    def _update(self) -> None:
        body = self._record()
        match = re.fullmatch(
            r"/repos/acme/shop/issues/comments/(\d+)|/api/v4/projects/42/merge_requests/7/notes/(\d+)",
            self.path,
        )
        comment = int(next(g for g in match.groups() if g)) if match else None
        if comment not in self.comments:
            self._answer(404, {"message": "Not Found"})
            return
        self.comments[comment]["body"] = body["body"]
        self._answer(200, self.comments[comment])

    do_PATCH = _update
    do_PUT = _update


@pytest.fixture
def recorder() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"calls": [], "comments": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A checked-out repository with a migration, and the embedded store of the mesh it runs on."""
    ns, name = WAREHOUSES["postgres"]
    cols = [
        field("id", "INTEGER"),
        field("amount", "NUMERIC(10,2)"),
        field("status", "VARCHAR(20)"),
    ]
    events = [
        job_event(
            ("airflow://reports", "postgres_daily"),
            [(ns, name, cols)],
            (
                "s3://reports",
                "postgres/daily",
                [field("total", "DECIMAL(18,2)"), field("state", "STRING")],
            ),
            {"total": [(ns, name, "amount")], "state": [(ns, name, "status")]},
            owner="team-reports",
        )
    ]
    ingest_events(tmp_path / "store", events, tmp_path)
    repo = tmp_path / "repo"
    (repo / "migrations").mkdir(parents=True)
    (repo / "migrations" / "0042_orders.sql").write_text(MIGRATION)
    return repo


def _expand(text: str, inputs: dict[str, str], outputs: dict[str, str], action_path: Path) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1).strip()
        if expression.startswith("inputs."):
            return inputs[expression.removeprefix("inputs.")]
        step_output = re.fullmatch(r"steps\.[\w-]+\.outputs\.([\w-]+)", expression)
        if step_output:
            return outputs.get(step_output.group(1), "")
        if expression == "github.action_path":
            return str(action_path)
        if expression == "github.token":
            return "gh-token"
        raise AssertionError(f"unexpected expression {expression}")

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(
    workspace: Path,
    api: str,
    data_dir: Path,
    path: str = f"{BIN}{os.pathsep}{os.environ['PATH']}",
    transcript: list[str] | None = None,
    **given: str,
) -> tuple[int, dict[str, str]]:
    """Run action.yml's composite steps the way a GitHub runner does (bash -eo pipefail, the
    GITHUB_* environment, ${{ }} expressions, PATH as given); returns the failing step's exit code
    (0 for none) and the steps' outputs, each step's output appended to ``transcript``. Inputs
    are given as keywords, ``fail_on`` for ``fail-on``. A step
    that uses another action (actions/cache) is the runner's own: skipped, its restore played by
    the test where it matters."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    inputs = {
        name: _expand(str(spec.get("default", "")), {}, {}, REPO)  # ${{ github.token }}
        for name, spec in action["inputs"].items()
    }
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    event = workspace.parent / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    outputs: dict[str, str] = {}
    for step in action["runs"]["steps"]:
        condition = step.get("if")
        if condition:
            name, wanted = re.fullmatch(r"inputs\.([\w-]+) == '(\w+)'", condition).groups()  # type: ignore[union-attr]
            if inputs[name] != wanted:
                continue
        if "uses" in step:
            continue
        output_file = workspace.parent / "github-output"
        output_file.write_text("")
        env = {
            **os.environ,
            "PATH": path,
            "GITHUB_API_URL": api,
            "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_OUTPUT": str(output_file),
            "RUNNER_TEMP": str(workspace.parent),
            "LINEAGEMESH_DATA_DIR": str(data_dir),
            **{
                k: _expand(str(v), inputs, outputs, REPO)
                for k, v in (step.get("env") or {}).items()
            },
        }
        script = _expand(step["run"], inputs, outputs, REPO)
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if transcript is not None:
            transcript.append(done.stdout + done.stderr)
        for line in output_file.read_text().splitlines():
            key, _, value = line.partition("=")
            outputs[key] = value
        if done.returncode != 0:
            return done.returncode, outputs
    return 0, outputs


def test_github_action_creates_then_updates_one_sticky_comment(
    workspace: Path, recorder: tuple[str, type[Recorder]]
) -> None:
    api, handler = recorder
    data_dir = workspace.parent / "store"
    code, outputs = run_action(workspace, api, data_dir, args=CHECK_ARGS, install="false")
    assert code == 1 and outputs["verdict"] == "BREAKING"  # the Judge step fails the job
    assert [(c["method"], c["path"]) for c in handler.calls] == [
        ("GET", "/repos/acme/shop/issues/7/comments"),
        ("POST", "/repos/acme/shop/issues/7/comments"),
    ]
    assert all(c["auth"] == "Bearer gh-token" for c in handler.calls)
    [comment] = handler.comments.values()
    assert comment["body"].startswith(
        "<!-- lineagemesh-check -->\n### :x: lineagemesh blast radius"
    )
    assert "datasetField:s3://reports:postgres/daily:total" in comment["body"]
    # the pull request is pushed again: now only the widening is left, and nothing breaks
    (workspace / "migrations" / "0042_orders.sql").write_text(
        "ALTER TABLE public.orders ALTER COLUMN id TYPE bigint;\n"
    )
    handler.calls.clear()
    # ... with the arguments written one per line, as a YAML block scalar gives them
    code, outputs = run_action(
        workspace, api, data_dir, args=CHECK_ARGS.replace(" --", "\n--"), install="false"
    )
    assert code == 0 and outputs["verdict"] in ("WARNING", "NONE")
    assert [(c["method"], c["path"]) for c in handler.calls] == [
        ("GET", "/repos/acme/shop/issues/7/comments"),
        ("PATCH", f"/repos/acme/shop/issues/comments/{comment['id']}"),
    ]
    assert list(handler.comments) == [comment["id"]]
    assert "nothing breaks" in handler.comments[comment["id"]]["body"]


def test_github_action_fail_on_impact_passes_a_breaking_change_nothing_reads(
    workspace: Path, recorder: tuple[str, type[Recorder]]
) -> None:
    """``fail-on: impact`` is the check's own ``--fail-on impact``: a dropped column nothing
    reads is BREAKING by the contract rules but breaks nothing downstream today."""
    api, _ = recorder
    data_dir = workspace.parent / "store"
    (workspace / "migrations" / "0042_orders.sql").write_text(
        "ALTER TABLE public.orders DROP COLUMN id;\n"
    )
    code, outputs = run_action(
        workspace, api, data_dir, args=CHECK_ARGS, install="false", fail_on="impact"
    )
    assert (code, outputs["verdict"], outputs["failed"]) == (0, "BREAKING", "false")
    code, outputs = run_action(workspace, api, data_dir, args=CHECK_ARGS, install="false")
    assert (code, outputs["verdict"], outputs["failed"]) == (1, "BREAKING", "true")
    code, _ = run_action(
        workspace, api, data_dir, args=CHECK_ARGS, install="false", fail_on="sometimes"
    )
    assert code == 2  # an unknown level is an input error, not a pass


@pytest.mark.wheel
@pytest.mark.timeout(1800)
def test_github_action_installs_the_wheel_cached_for_its_version_without_compiling(
    workspace: Path,
    recorder: tuple[str, type[Recorder]],
    wheel: Path,
    tmp_path: Path,
) -> None:
    """A warm run: actions/cache has restored the wheel built for this version into the directory
    the action names (the runner's restore, played by copying the suite's wheel there). The action
    installs it into a fresh Python whose PATH reaches no compiler, and that install runs the check."""
    api, handler = recorder
    venv = tmp_path / "runner-python"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    tools = tmp_path / "runner-tools"  # what the steps run besides Python; no cc, c++, cmake, zig
    tools.mkdir()
    for tool in ("bash", "find", "sort", "xargs", "sha256sum", "cut", "uname", "cat", "rm"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    path = f"{venv / 'bin'}{os.pathsep}{tools}"
    assert not [c for c in COMPILERS if shutil.which(c, path=path)]
    restored = workspace.parent / "lineagemesh-wheel"  # RUNNER_TEMP/lineagemesh-wheel
    restored.mkdir()
    shutil.copy(wheel, restored)
    transcript: list[str] = []
    started = time.monotonic()
    store = workspace.parent / "store"
    code, outputs = run_action(
        workspace, api, store, path=path, transcript=transcript, args=CHECK_ARGS
    )
    print(f"the action's warm run took {time.monotonic() - started:.1f}s")
    assert (code, outputs.get("verdict")) == (1, "BREAKING"), transcript
    assert outputs["dir"] == str(restored)
    assert re.fullmatch(r"lineagemesh-wheel-\S+-\S+-cpython-3\d+-[0-9a-f]{16}", outputs["key"])
    assert not any("building it" in text for text in transcript), transcript
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import graph._native as n; print(n.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert installed.startswith(str(venv)), installed
    assert len(handler.comments) == 1


def run_gitlab_template(
    workspace: Path, api: str, data_dir: Path
) -> subprocess.CompletedProcess[str]:
    """Run the template job's script as a GitLab runner does: one shell, lines in order, stop at
    the first failing line; the job's variables and GitLab's predefined ones in the environment."""
    template = yaml.safe_load((REPO / "ci" / "lineagemesh-check.gitlab-ci.yml").read_text())
    job = template[".lineagemesh-check"]
    variables = {k: str(v) for k, v in job["variables"].items()}
    variables.update(LINEAGEMESH_CHECK_ARGS=CHECK_ARGS, LINEAGEMESH_PACKAGE="")
    env = {
        **os.environ,
        **variables,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "CI_API_V4_URL": f"{api}/api/v4",
        "CI_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_IID": "7",
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "LINEAGEMESH_GITLAB_TOKEN": "gl-token",
        "LINEAGEMESH_DATA_DIR": str(data_dir),
    }
    return subprocess.run(
        ["sh", "-e", "-c", "\n".join(job["script"])],
        cwd=workspace, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_gitlab_template_creates_then_updates_one_note(
    workspace: Path, recorder: tuple[str, type[Recorder]]
) -> None:
    api, handler = recorder
    data_dir = workspace.parent / "store"
    first = run_gitlab_template(workspace, api, data_dir)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "verdict BREAKING" in first.stdout
    assert [(c["method"], c["path"]) for c in handler.calls] == [
        ("GET", "/api/v4/projects/42/merge_requests/7/notes"),
        ("POST", "/api/v4/projects/42/merge_requests/7/notes"),
    ]
    assert all(c["auth"] == "gl-token" for c in handler.calls)
    junit = (workspace / "lineagemesh-check.xml").read_text()
    assert "<testsuites" in junit
    [note] = handler.comments.values()
    handler.calls.clear()
    second = run_gitlab_template(workspace, api, data_dir)
    assert second.returncode == 1
    assert [(c["method"], c["path"]) for c in handler.calls] == [
        ("GET", "/api/v4/projects/42/merge_requests/7/notes"),
        ("PUT", f"/api/v4/projects/42/merge_requests/7/notes/{note['id']}"),
    ]
    assert list(handler.comments) == [note["id"]]


def test_docs_show_the_comment_this_check_renders(workspace: Path) -> None:
    """docs/ci.md shows a real comment: the one this test's pull request gets, kept in sync."""
    done = subprocess.run(
        [sys.executable, "-m", "graph", "check", *CHECK_ARGS.split(), "--format", "markdown"],
        cwd=workspace, capture_output=True, text=True, timeout=300,
        env={**os.environ, "LINEAGEMESH_DATA_DIR": str(workspace.parent / "store")},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    docs = (REPO / "docs" / "ci.md").read_text()
    shown = docs.split("<!-- example comment: begin -->\n", 1)[1].split(
        "<!-- example comment: end -->", 1
    )[0]
    assert shown.strip() == done.stdout.strip(), (
        "regenerate the example in docs/ci.md:\n" + done.stdout
    )
