"""A ``lineagemesh serve`` process on a free 127.0.0.1 port: for the tests, the benchmark and the
load test, which all need a real server they start and stop themselves."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def ingest_events(events: Path, data_dir: Path, domain_rules: Path | None = None) -> None:
    """Loads an NDJSON file of OpenLineage events into an embedded data dir the way an operator
    does, by ``lineagemesh ingest openlineage`` (a benchmark's store made before it is timed),
    with ``domain_rules`` (``--domain-rules``) if given."""
    rules = ["--domain-rules", str(domain_rules)] if domain_rules is not None else []
    subprocess.run(
        [
            sys.executable,
            "-m",
            "graph",
            "ingest",
            "openlineage",
            str(events),
            "--data-dir",
            str(data_dir),
            *rules,
        ],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listens(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the socket listening on ``port`` (Linux's /proc; True where it
    cannot tell). A free port can be taken by another test's server before this one binds it;
    that server's /healthz must not pass for this one's."""
    try:
        held = {
            f"socket:[{fields[9]}]"
            for fields in (
                line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            )
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port
        }
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return True
    return any(_link(fd) in held for fd in fds)


def _link(fd: Path) -> str:
    """What an open file descriptor points at ("" once it is closed)."""
    try:
        return os.readlink(fd)
    except OSError:
        return ""


class LineagemeshServer:
    """``start`` waits until ``/healthz`` answers; ``stop`` is SIGTERM (then SIGKILL); ``kill`` is a crash;
    ``graphql`` asks it a query with the bearer ``token``, if any."""

    def __init__(
        self,
        store_args: list[str],
        log_path: Path,
        port: int | None = None,
        env: dict[str, str] | None = None,
        global_args: list[str] | None = None,
        token: str | None = None,
    ) -> None:
        self.store_args = store_args
        self.log_path = log_path
        self.port = port or free_port()
        self._port_chosen = port is None  # free_port's: another may be taken if it was lost
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}  # extra environment of the server process (LINEAGEMESH_TOKENS, ...)
        self.global_args = global_args or []  # options before `serve`, e.g. --log-level warning
        self.process: subprocess.Popen[bytes] | None = None
        self.token = token  # the bearer token ``graphql`` sends, if any

    def start(self, extra_args: list[str] | None = None, timeout: float = 60) -> LineagemeshServer:
        with open(self.log_path, "ab") as log:
            written = log.tell()  # this start's lines follow
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "graph",
                    *self.global_args,
                    "serve",
                    "--port",
                    str(self.port),
                    *self.store_args,
                    *(extra_args or []),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env={**os.environ, "PYTHONUNBUFFERED": "1", **self.env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                if self._port_chosen and b"address already in use" in self._log_since(written):
                    self.port = free_port()  # taken by another server before this one bound it
                    self.url = f"http://127.0.0.1:{self.port}"
                    return self.start(extra_args, max(deadline - time.monotonic(), 1.0))
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200 and _listens(
                    self.process.pid, self.port
                ):
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not answer within {timeout}s:\n{self.log_tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None, "not started"
        return self.process.pid

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def graphql(self, query: str, **variables: object) -> dict:
        """The answer's data; an AssertionError when it has errors."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=60,
        )
        response.raise_for_status()
        body = response.json()
        if body.get("errors"):
            raise AssertionError(f"GraphQL errors: {body['errors']}")
        return body["data"]

    def _log_since(self, offset: int) -> bytes:
        with contextlib.suppress(OSError), open(self.log_path, "rb") as log:
            log.seek(offset)
            return log.read()
        return b""

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> LineagemeshServer:
        return self.start() if self.process is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
