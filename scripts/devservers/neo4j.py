"""Run a real Neo4j 5.26 Community server on 127.0.0.1, for tests and developers.

No Neo4j distribution, Docker or neo4j.conf is needed: Maven fetches the embedded engine
(``org.neo4j:neo4j``) and its runtime jars into ``~/.cache/lineagemesh/neo4j-<version>-<pom
hash>/lib`` and ``neo4j/Launcher.java`` (next to this file) runs it with only a Bolt connector,
auth off, HTTP off and usage reporting off.

    import sys; sys.path.insert(0, "<repo>/scripts")
    from devservers import neo4j as neo4j_server

    server = neo4j_server.start(data_dir=tmp_path / "neo4j")   # free port when none given
    ...  # neo4j.GraphDatabase.driver(server.uri, auth=None)
    neo4j_server.stop(server)

Everything a server writes lives in its data dir::

    <data_dir>/data/...          databases and transaction logs
    <data_dir>/logs/debug.log    Neo4j's own log
    <data_dir>/neo4j.log         the JVM's stdout/stderr (Neo4jServer.log_path)
    <data_dir>/devserver.json    state file: pid, port, uri

Standard library only; the ``neo4j`` Python driver is used for the readiness check when it is
installed (without it, the launcher's READY line plus an open Bolt port count as ready).
Command line: ``scripts/neo4j-server``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devservers import jar_folder
from devservers.processes import process_running

__all__ = [
    "DEFAULT_DATA_DIR",
    "LIB_DIR",
    "NEO4J_VERSION",
    "AlreadyRunningError",
    "Neo4jServer",
    "Neo4jServerError",
    "admin",
    "ensure_jars",
    "kill",
    "start",
    "status",
    "stop",
]

# Keep in sync with <neo4j.version> in neo4j/pom.xml (newest 5.26.x on Maven Central when chosen).
NEO4J_VERSION = "5.26.30"

HOST = "127.0.0.1"
DEFAULT_DATABASE = "neo4j"

_HERE = Path(__file__).resolve().parent
REPO_ROOT = _HERE.parents[1]
RESOURCE_DIR = _HERE / "neo4j"
POM = RESOURCE_DIR / "pom.xml"
LAUNCHER = RESOURCE_DIR / "Launcher.java"

CACHE_DIR = jar_folder(f"neo4j-{NEO4J_VERSION}", POM.read_bytes())
LIB_DIR = CACHE_DIR / "lib"
DEFAULT_DATA_DIR = REPO_ROOT / ".cache" / "neo4j-data"

_MARKER = ".complete"
STATE_FILE = "devserver.json"
LOG_FILE = "neo4j.log"

DEFAULT_HEAP = "1g"
DEFAULT_PAGE_CACHE = "128m"
DEFAULT_START_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 60.0

# JVM flags taken from the ones Neo4j's own neo4j.conf ships with (minus the ones that only
# matter for big production heaps), so the engine gets the reflective access it expects.
_JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
]


class Neo4jServerError(RuntimeError):
    """The dev server could not be set up, started or stopped."""


class AlreadyRunningError(Neo4jServerError):
    """start() found a live server on the same data dir (see ``.server``)."""

    def __init__(self, server: Neo4jServer):
        super().__init__(
            f"Neo4j is already running for {server.data_dir} at {server.uri} (pid {server.pid})"
        )
        self.server = server


@dataclasses.dataclass
class Neo4jServer:
    uri: str
    port: int
    pid: int
    data_dir: Path
    log_path: Path
    _proc: subprocess.Popen | None = dataclasses.field(default=None, repr=False, compare=False)

    def __enter__(self) -> Neo4jServer:
        return self

    def __exit__(self, *exc) -> None:
        stop(self)


# --------------------------------------------------------------------------- jars


def _pom_digest() -> str:
    h = hashlib.sha256()
    h.update(POM.read_bytes())
    return h.hexdigest()


def _marker_matches(lib_dir: Path, digest: str) -> bool:
    try:
        marker = json.loads((lib_dir / _MARKER).read_text())
    except (OSError, ValueError):
        return False
    return marker.get("version") == NEO4J_VERSION and marker.get("pom_sha256") == digest


@contextlib.contextmanager
def _file_lock(path: Path):
    """Exclusive lock so parallel test processes don't run Maven into the same folder."""
    import fcntl  # POSIX only; imported here so the module still imports elsewhere

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_jars(verbose: bool = False) -> Path:
    """Return the folder holding the Neo4j engine jars, fetching them with Maven if needed.

    The first call runs ``mvn dependency:copy-dependencies`` on ``neo4j/pom.xml`` (jars are also
    kept in ~/.m2, so later re-fetches download nothing). Once the folder is complete a marker
    file is written and later calls return at once without starting Maven. With ``verbose``,
    Maven's output goes to stderr; otherwise it is shown only if Maven fails.
    """
    digest = _pom_digest()
    if _marker_matches(LIB_DIR, digest):
        return LIB_DIR

    with _file_lock(CACHE_DIR / ".lock"):
        if _marker_matches(LIB_DIR, digest):  # another process finished meanwhile
            return LIB_DIR
        mvn = shutil.which("mvn")
        if mvn is None:
            raise Neo4jServerError(
                "Maven ('mvn') is not on PATH; it is needed once to fetch the Neo4j jars "
                f"into {LIB_DIR}"
            )
        partial = CACHE_DIR / "lib.partial"
        shutil.rmtree(partial, ignore_errors=True)
        cmd = [
            mvn,
            "-B",
            "-q" if not verbose else "-ntp",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={partial}",
        ]
        if verbose:
            try:  # keep stdout clean for callers that parse it (scripts/neo4j-server)
                out = sys.stderr.fileno()
            except (AttributeError, OSError, ValueError):
                out = None
            result: subprocess.CompletedProcess[Any] = subprocess.run(
                cmd, stdin=subprocess.DEVNULL, stdout=out
            )
            output = ""
        else:
            result = subprocess.run(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
            output = result.stdout
        engine_jar = partial / f"neo4j-{NEO4J_VERSION}.jar"
        if result.returncode != 0 or not engine_jar.is_file():
            tail = "\n".join(output.strip().splitlines()[-40:])
            raise Neo4jServerError(
                f"Maven failed to fetch Neo4j {NEO4J_VERSION} (exit {result.returncode}):\n"
                f"  {' '.join(cmd)}\n{tail}"
            )
        (partial / _MARKER).write_text(
            json.dumps(
                {
                    "version": NEO4J_VERSION,
                    "pom_sha256": digest,
                    "jars": len(list(partial.glob("*.jar"))),
                    "fetched_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                },
                indent=2,
            )
            + "\n"
        )
        shutil.rmtree(LIB_DIR, ignore_errors=True)
        os.replace(partial, LIB_DIR)
    return LIB_DIR


# --------------------------------------------------------------------------- helpers


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    java = shutil.which("java")
    if java is None:
        raise Neo4jServerError(
            "no 'java' found (JAVA_HOME or PATH); Neo4j 5.26 needs Java 17 or 21"
        )
    return java


def _size_to_bytes(size: str | int, what: str = "size") -> int:
    """'512m' / '1g' / '65536' (bytes) -> bytes, as the JVM's -Xmx understands them."""
    if isinstance(size, int) and size > 0:
        return size
    m = re.fullmatch(r"\s*(\d+)\s*([kmg]?)\s*", str(size), re.IGNORECASE)
    if not m or int(m.group(1)) <= 0:
        raise Neo4jServerError(f"invalid {what} {size!r}: use e.g. 512m or 1g")
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2).lower()]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _port_available(port: int) -> bool:
    # SO_REUSEADDR like the server's own socket: TIME_WAIT leftovers from a previous run on the
    # same port must not count as "in use", only a live listener does.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def _data_dir(data_dir: Path | str | None) -> Path:
    return Path(data_dir if data_dir is not None else DEFAULT_DATA_DIR).expanduser().resolve()


def _uri(port: int) -> str:
    return f"bolt://{HOST}:{port}"


def _log_tail(log_path: Path, offset: int = 0, lines: int = 40) -> str:
    try:
        with open(log_path, "rb") as fh:
            fh.seek(offset)
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return "(no log)"
    tail = text.strip().splitlines()[-lines:]
    return "\n".join(tail) if tail else "(log is empty)"


# Children started by this process, so stop()/kill() can reap them (no zombies).
_CHILDREN: dict = {}


def _reap(pid: int) -> bool:
    """True if pid was a child of ours that has exited (and is now reaped)."""
    proc = _CHILDREN.get(pid)
    if proc is not None:
        if proc.poll() is not None:
            _CHILDREN.pop(pid, None)
            return True
        return False
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:
        return False


def _pid_alive(pid: int) -> bool:
    return pid > 0 and not _reap(pid) and process_running(pid)


def _is_our_launcher(pid: int, data_dir: Path) -> bool:
    """Guard against pid reuse: the process must be Launcher.java serving this data dir."""
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():  # no procfs (e.g. macOS): trust the pid
        return True
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    return any(a.endswith(b"Launcher.java") for a in args) and os.fsencode(str(data_dir)) in args


def _write_state(server: Neo4jServer, ready: bool) -> None:
    state = {
        "pid": server.pid,
        "port": server.port,
        "uri": server.uri,
        "ready": ready,
        "neo4j_version": NEO4J_VERSION,
        "log_path": str(server.log_path),
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = server.data_dir / STATE_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, path)


def _remove_state(data_dir: Path, pid: int | None = None) -> None:
    path = data_dir / STATE_FILE
    if pid is not None:  # only remove the state that belongs to this pid
        try:
            if json.loads(path.read_text()).get("pid") != pid:
                return
        except (OSError, ValueError):
            pass
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        try:
            if os.getpgid(pid) == pid:  # started in its own process group
                os.killpg(pid, sig)
                return
        except (ProcessLookupError, PermissionError):
            pass
        os.kill(pid, sig)


def _wait_exit(pid: int, timeout: float) -> bool:
    proc = _CHILDREN.get(pid)
    if proc is not None:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        _CHILDREN.pop(pid, None)
        return True
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def _driver_module():
    """The neo4j Python driver, or None when it is not installed."""
    try:
        mod = importlib.import_module("neo4j")
    except ImportError:
        return None
    return mod if hasattr(mod, "GraphDatabase") else None


def _driver_ready(driver_mod, uri: str) -> bool:
    try:
        with (
            driver_mod.GraphDatabase.driver(uri, auth=None, connection_timeout=5.0) as driver,
            driver.session(database=DEFAULT_DATABASE) as session,
        ):
            return session.run("RETURN 1 AS ok").single()["ok"] == 1
    except Exception:  # noqa: BLE001 - not up yet: ServiceUnavailable, DatabaseUnavailable, ...
        return False


def _wait_ready(server: Neo4jServer, proc: subprocess.Popen, offset: int, timeout: float) -> None:
    driver_mod = _driver_module()
    ready_line = f"READY {server.uri}".encode()
    deadline = time.monotonic() + timeout
    seen_ready = False
    while True:
        rc = proc.poll()
        if rc is not None:
            raise Neo4jServerError(
                f"Neo4j exited with code {rc} while starting; last lines of {server.log_path}:\n"
                + _log_tail(server.log_path, offset)
            )
        if not seen_ready:
            try:
                with open(server.log_path, "rb") as fh:
                    fh.seek(offset)
                    seen_ready = ready_line in fh.read()
            except OSError:
                pass
        if (
            seen_ready
            and _port_open(server.port)
            and (driver_mod is None or _driver_ready(driver_mod, server.uri))
        ):
            return
        if time.monotonic() >= deadline:
            raise Neo4jServerError(
                f"Neo4j did not become ready on {server.uri} within {timeout:.0f} s; "
                f"last lines of {server.log_path}:\n" + _log_tail(server.log_path, offset)
            )
        time.sleep(0.2)


# --------------------------------------------------------------------------- API


def status(data_dir: Path | str | None = None) -> Neo4jServer | None:
    """The server running for ``data_dir`` (default ``<repo>/.cache/neo4j-data``), or None."""
    data_dir = _data_dir(data_dir)
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
        pid, port = int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (_pid_alive(pid) and _is_our_launcher(pid, data_dir)):
        return None
    return Neo4jServer(
        uri=state.get("uri") or _uri(port),
        port=port,
        pid=pid,
        data_dir=data_dir,
        log_path=data_dir / LOG_FILE,
        _proc=_CHILDREN.get(pid),
    )


def start(
    port: int | None = None,
    data_dir: Path | str | None = None,
    *,
    timeout: float = DEFAULT_START_TIMEOUT,
    heap: str = DEFAULT_HEAP,
    page_cache: str | int = DEFAULT_PAGE_CACHE,
    verbose: bool = False,
) -> Neo4jServer:
    """Start Neo4j in the background, bound to 127.0.0.1, and wait until it answers ``RETURN 1``.

    ``port``: Bolt port (a free one when None). ``data_dir``: the server's home (created if
    missing; an existing one is reused, so data survives stop/start and kill/start). The JVM
    runs in its own process group with stdout/stderr going to ``<data_dir>/neo4j.log``; it
    keeps running after this Python process exits until stop() or kill().
    Raises AlreadyRunningError if a server is already running on ``data_dir``, and
    Neo4jServerError (with the log tail) if it fails to start within ``timeout`` seconds.
    """
    data_dir = _data_dir(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    running = status(data_dir)
    if running is not None:
        raise AlreadyRunningError(running)

    heap_bytes = _size_to_bytes(heap, "heap size")
    page_cache_bytes = _size_to_bytes(page_cache, "page cache size")
    lib = ensure_jars(verbose=verbose)
    java = _java()
    if port is None:
        port = _free_port()
    elif not _port_available(port):
        raise Neo4jServerError(f"port {port} on {HOST} is already in use")

    log_path = data_dir / LOG_FILE
    offset = log_path.stat().st_size if log_path.exists() else 0
    cmd = [
        java,
        f"-Xmx{heap_bytes}",
        f"-Xms{min(heap_bytes, 256 << 20)}",  # set, so Neo4j doesn't warn; small, to stay lean
        *_JVM_FLAGS,
        "-cp",
        f"{lib}{os.sep}*",
        str(LAUNCHER),
        str(data_dir),
        str(port),
        str(page_cache_bytes),
    ]
    with open(log_path, "ab") as log:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        log.write(f"\n===== {stamp} starting: {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=str(data_dir),
            start_new_session=True,  # own process group: Ctrl+C in a terminal doesn't hit it
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    server = Neo4jServer(
        uri=_uri(port), port=port, pid=proc.pid, data_dir=data_dir, log_path=log_path, _proc=proc
    )
    _write_state(server, ready=False)
    try:
        _wait_ready(server, proc, offset, timeout)
    except BaseException:
        _signal(proc.pid, signal.SIGKILL)
        _wait_exit(proc.pid, 30)
        _remove_state(data_dir, proc.pid)
        raise
    _write_state(server, ready=True)
    return server


def stop(
    server_or_data_dir: Neo4jServer | Path | str | None = None,
    timeout: float = DEFAULT_STOP_TIMEOUT,
) -> bool:
    """Stop a server cleanly: SIGTERM (Neo4j checkpoints and closes its stores), then SIGKILL
    if it has not exited after ``timeout`` seconds. Accepts a Neo4jServer or a data dir
    (default ``<repo>/.cache/neo4j-data``). Returns False if nothing was running.
    """
    server: Neo4jServer | None
    if isinstance(server_or_data_dir, Neo4jServer):
        server = server_or_data_dir
        data_dir = server.data_dir
        if not (_pid_alive(server.pid) and _is_our_launcher(server.pid, data_dir)):
            _reap(server.pid)
            _remove_state(data_dir, server.pid)
            return False
    else:
        data_dir = _data_dir(server_or_data_dir)
        server = status(data_dir)
        if server is None:
            _remove_state(data_dir)  # stale state from a crash, if any
            return False

    _signal(server.pid, signal.SIGTERM)
    if not _wait_exit(server.pid, timeout):
        _signal(server.pid, signal.SIGKILL)
        if not _wait_exit(server.pid, 30):
            raise Neo4jServerError(f"Neo4j (pid {server.pid}) did not exit even after SIGKILL")
    _remove_state(data_dir, server.pid)
    return True


def kill(server_or_data_dir: Neo4jServer | Path | str | None = None) -> bool:
    """SIGKILL the server (a crash, for recovery tests); the state file is left behind like
    after a real crash. Starting again on the same data dir recovers the store.
    Returns False if nothing was running.
    """
    server: Neo4jServer | None
    if isinstance(server_or_data_dir, Neo4jServer):
        server = server_or_data_dir
        if not (_pid_alive(server.pid) and _is_our_launcher(server.pid, server.data_dir)):
            return False
    else:
        server = status(server_or_data_dir)
        if server is None:
            return False
    _signal(server.pid, signal.SIGKILL)
    if not _wait_exit(server.pid, 30):
        raise Neo4jServerError(f"Neo4j (pid {server.pid}) did not exit after SIGKILL")
    return True


def wipe(uri: str) -> None:
    """Delete every node and relationship of the server at ``uri``: a clean database between
    tests or benchmark rounds without the cost of a restart. Needs the ``neo4j`` driver."""
    import neo4j

    with (
        neo4j.GraphDatabase.driver(uri, auth=None) as driver,
        driver.session(database="neo4j") as session,
    ):
        # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


def admin(
    arguments: list[str],
    data_dir: Path | str | None = None,
    *,
    heap: str = DEFAULT_HEAP,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run ``neo4j-admin`` with ``arguments`` (e.g. ``["database", "import", "full", ...]``) on
    the home a server started with ``data_dir`` uses (its databases under ``data/``), from the
    same jars: what a Neo4j distribution's ``bin/neo4j-admin`` runs. The server must be stopped
    for offline commands such as an import. Output goes to this process's stdout/stderr;
    raises Neo4jServerError when it fails."""
    data_dir = _data_dir(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    running = status(data_dir)
    if running is not None:
        raise AlreadyRunningError(running)
    lib = ensure_jars()
    heap_bytes = _size_to_bytes(heap, "heap size")
    cmd = [
        _java(),
        f"-Xmx{heap_bytes}",
        *_JVM_FLAGS,
        "-cp",
        f"{lib}{os.sep}*",
        "org.neo4j.cli.AdminTool",
        *arguments,
    ]
    env = {**os.environ, "NEO4J_HOME": str(data_dir), "NEO4J_CONF": str(data_dir / "conf")}
    (data_dir / "conf").mkdir(exist_ok=True)
    done = subprocess.run(
        cmd, cwd=str(data_dir), env=env, stdin=subprocess.DEVNULL, timeout=timeout
    )
    if done.returncode != 0:
        raise Neo4jServerError(
            f"neo4j-admin {' '.join(arguments[:3])} failed (exit {done.returncode})"
        )
    return done
