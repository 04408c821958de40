"""Run a real Apache Iceberg REST catalog server locally (test / dev fixture).

The server is the REST catalog fixture that Apache Iceberg publishes as
``org.apache.iceberg:iceberg-open-api:1.10.1`` (the plain jar is a ~200 MB
shaded jar: Main-Class ``org.apache.iceberg.rest.RESTCatalogServer``, with
Jetty 11, Hadoop and ``org.xerial:sqlite-jdbc`` 3.50.3.0 bundled).  Its backend
is an Iceberg ``JdbcCatalog``; here it keeps its metadata in a SQLite file
inside the warehouse directory, and data/metadata files live under the
warehouse as ``file://`` paths, so pyiceberg can read and write them locally.

Bind host: the stock ``RESTCatalogServer.start()`` does
``new org.eclipse.jetty.server.Server(port)``, whose connector has no host,
so it listens on all interfaces (``0.0.0.0`` / ``[::]``), and neither
Iceberg's ``CATALOG_*`` settings nor Jetty 11 offer a property to change that.
So this module compiles (with ``javac``, once, into the cache folder) a
20-line launcher, ``lineagemesh.devservers.LocalRestCatalogServer``, that
builds the same backend catalog, adapter and servlet as the stock server (by
calling the stock code via reflection) but puts them on a Jetty
``ServerConnector`` bound to ``127.0.0.1``.  It also leaves out the stock
server's ``SO_REUSEPORT``, so a port clash fails loudly instead of two servers
sharing a port.

Stdlib only.  Public API: :func:`ensure_jars`, :func:`start`, :func:`stop`,
:func:`status` and the :class:`IcebergRestServer` dataclass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

from devservers import jar_folder
from devservers.processes import process_running

ICEBERG_VERSION = "1.10.1"
ARTIFACT = f"org.apache.iceberg:iceberg-open-api:{ICEBERG_VERSION}:jar"
JAR_NAME = f"iceberg-open-api-{ICEBERG_VERSION}.jar"
STOCK_MAIN_CLASS = "org.apache.iceberg.rest.RESTCatalogServer"
DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"

BIND_HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_WAREHOUSE = REPO_ROOT / ".cache" / "iceberg-warehouse"

MARKER_NAME = ".complete"
CLASSES_DIRNAME = "classes"
STATE_FILE_NAME = "iceberg-rest-server.json"
LOG_FILE_NAME = "iceberg-rest-server.log"
CATALOG_DB_NAME = "iceberg-rest-catalog.sqlite"

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 15.0
JAVA_OPTS = ("-Xmx512m", "-XX:+UseSerialGC")

LAUNCHER_CLASS = "lineagemesh.devservers.LocalRestCatalogServer"
LAUNCHER_SOURCE = r"""
package lineagemesh.devservers;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.util.Map;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.apache.iceberg.util.PropertyUtil;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

/**
 * Same as org.apache.iceberg.rest.RESTCatalogServer#start(true), except that the
 * Jetty connector binds to one host (system property lineagemesh.rest.host,
 * default 127.0.0.1) instead of all interfaces, and without SO_REUSEPORT.
 * Configuration is the stock CATALOG_* environment variables.
 */
public final class LocalRestCatalogServer {
  private LocalRestCatalogServer() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    String host = System.getProperty("lineagemesh.rest.host", "127.0.0.1");
    Class<?> serverClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServer");
    Class<?> contextClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServer$CatalogContext");
    Class<?> adapterClass = Class.forName("org.apache.iceberg.rest.RESTServerCatalogAdapter");

    Constructor<?> serverCtor = serverClass.getDeclaredConstructor();
    serverCtor.setAccessible(true);
    Object stock = serverCtor.newInstance();
    Method init = serverClass.getDeclaredMethod("initializeBackendCatalog");
    init.setAccessible(true);
    Object context = init.invoke(stock);
    Method configuration = contextClass.getDeclaredMethod("configuration");
    configuration.setAccessible(true);
    Map<String, String> conf = (Map<String, String>) configuration.invoke(context);
    Constructor<?> adapterCtor = adapterClass.getDeclaredConstructor(contextClass);
    adapterCtor.setAccessible(true);
    RESTCatalogAdapter adapter = (RESTCatalogAdapter) adapterCtor.newInstance(context);

    ServletContextHandler handler = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    handler.addServlet(new ServletHolder(new RESTCatalogServlet(adapter)), "/*");
    handler.insertHandler(new GzipHandler());

    int port = PropertyUtil.propertyAsInt(conf, "rest.port", 8181);
    Server http = new Server();
    ServerConnector connector = new ServerConnector(http);
    connector.setHost(host);
    connector.setPort(port);
    http.addConnector(connector);
    http.setHandler(handler);
    http.setStopAtShutdown(true);
    http.start();
    System.out.println("lineagemesh: Iceberg REST catalog listening on http://" + host + ":" + port);
    System.out.flush();
    http.join();
  }
}
""".lstrip()
#: The server jar and the launcher compiled against it, kept for every clone (devservers.USER_CACHE).
CACHE_DIR = jar_folder(
    f"iceberg-rest-{ICEBERG_VERSION}", ARTIFACT.encode(), LAUNCHER_SOURCE.encode()
)

# Popen handles of servers started by this process, so stop() can reap them.
_CHILDREN: dict[int, subprocess.Popen] = {}


@dataclasses.dataclass(frozen=True)
class IcebergRestServer:
    """A running (or recorded) local Iceberg REST catalog server."""

    uri: str
    port: int
    pid: int
    warehouse: Path
    log_path: Path
    catalog_db: Path | None = None

    @property
    def warehouse_uri(self) -> str:
        """The catalog's warehouse location (``file:///...``)."""
        return self.warehouse.as_uri()

    def is_alive(self) -> bool:
        return _pid_alive(self.pid)

    def is_healthy(self, timeout: float = 2.0) -> bool:
        return _config_ok(self.uri, timeout=timeout)

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        return stop(self, timeout=timeout)

    def __enter__(self) -> IcebergRestServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        stop(self)

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        for key in ("warehouse", "log_path", "catalog_db"):
            if data[key] is not None:
                data[key] = str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict) -> IcebergRestServer:
        return cls(
            uri=data["uri"],
            port=int(data["port"]),
            pid=int(data["pid"]),
            warehouse=Path(data["warehouse"]),
            log_path=Path(data["log_path"]),
            catalog_db=Path(data["catalog_db"]) if data.get("catalog_db") else None,
        )


# ---------------------------------------------------------------- jars


def _launcher_digest() -> str:
    return hashlib.sha256(LAUNCHER_SOURCE.encode()).hexdigest()


def _launcher_class_file(cache_dir: Path) -> Path:
    return cache_dir / CLASSES_DIRNAME / (LAUNCHER_CLASS.replace(".", "/") + ".class")


def _jar_ok(jar: Path) -> bool:
    """Cheap integrity check: the zip central directory (at the end) reads and has the server."""
    if not jar.is_file():
        return False
    try:
        with zipfile.ZipFile(jar) as zf:
            zf.getinfo(STOCK_MAIN_CLASS.replace(".", "/") + ".class")
    except (zipfile.BadZipFile, KeyError, OSError):
        return False
    return True


def _read_marker(cache_dir: Path) -> dict | None:
    try:
        return json.loads((cache_dir / MARKER_NAME).read_text())
    except (OSError, ValueError):
        return None


def _complete(cache_dir: Path) -> bool:
    marker = _read_marker(cache_dir)
    if (
        not marker
        or marker.get("artifact") != ARTIFACT
        or marker.get("launcher_sha256") != _launcher_digest()
    ):
        return False
    jar = cache_dir / JAR_NAME
    try:
        return (
            jar.stat().st_size == marker.get("jar_size")
            and _launcher_class_file(cache_dir).is_file()
        )
    except OSError:
        return False


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tool(name: str, env_home: str = "JAVA_HOME") -> str:
    home = os.environ.get(env_home)
    if home and (Path(home) / "bin" / name).is_file():
        return str(Path(home) / "bin" / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(
            f"`{name}` not found on PATH (needed for the Iceberg REST server; install a JDK 11+ / Maven)"
        )
    return found


def _run(cmd: list[str], cwd: Path, what: str) -> None:
    proc = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip().splitlines()
        tail = "\n".join(out[-40:])
        raise RuntimeError(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")


def ensure_jars(cache_dir: Path | None = None) -> Path:
    """Make sure the server jar and the launcher are in the cache folder; return that folder.

    The folder (default ``CACHE_DIR``, under ``~/.cache/lineagemesh/``) then holds
    ``iceberg-open-api-1.10.1.jar`` (copied by Maven's dependency plugin, so it
    is in ``~/.m2`` too) and ``classes/`` with the compiled launcher.  When the
    marker file says all is there, returns at once without running Maven.
    """
    cache_dir = Path(cache_dir) if cache_dir is not None else CACHE_DIR
    if _complete(cache_dir):
        return cache_dir
    with _file_lock(cache_dir / ".lock"):
        if _complete(cache_dir):
            return cache_dir
        (cache_dir / MARKER_NAME).unlink(missing_ok=True)
        jar = cache_dir / JAR_NAME
        if not _jar_ok(jar):
            jar.unlink(missing_ok=True)
            _run(
                [
                    _tool("mvn", "MAVEN_HOME"),
                    "-B",
                    "-q",
                    f"{DEPENDENCY_PLUGIN}:copy",
                    f"-Dartifact={ARTIFACT}",
                    f"-DoutputDirectory={cache_dir}",
                ],
                cwd=cache_dir,  # no pom.xml here: Maven runs as a stand-alone project
                what="Maven download of the Iceberg REST server",
            )
            if not _jar_ok(jar):
                raise RuntimeError(f"Maven finished but {jar} is missing or not a valid server jar")

        src = cache_dir / "src" / (LAUNCHER_CLASS.replace(".", "/") + ".java")
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(LAUNCHER_SOURCE)
        classes = cache_dir / CLASSES_DIRNAME
        shutil.rmtree(classes, ignore_errors=True)
        classes.mkdir()
        _run(
            [
                _tool("javac"),
                "--release",
                "11",
                "-nowarn",
                "-cp",
                str(jar),
                "-d",
                str(classes),
                str(src),
            ],
            cwd=cache_dir,
            what="Compiling the REST server launcher",
        )
        marker = {
            "artifact": ARTIFACT,
            "jar": JAR_NAME,
            "jar_size": jar.stat().st_size,
            "launcher": LAUNCHER_CLASS,
            "launcher_sha256": _launcher_digest(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        tmp = cache_dir / (MARKER_NAME + ".tmp")
        tmp.write_text(json.dumps(marker, indent=2) + "\n")
        tmp.replace(cache_dir / MARKER_NAME)
    return cache_dir


# ---------------------------------------------------------------- processes


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((BIND_HOST, 0))
        return sock.getsockname()[1]


def _config_ok(uri: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{uri}/v1/config", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    return process_running(pid)


def _is_our_server(pid: int) -> bool:
    """Guard against pid reuse: the pid must still run our launcher (checked where /proc exists)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return not Path("/proc/self").exists() and _pid_alive(pid)
    except OSError:
        return False
    return LAUNCHER_CLASS.encode() in cmdline


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _state_path(warehouse: Path) -> Path:
    return Path(warehouse) / STATE_FILE_NAME


def _read_state(warehouse: Path) -> IcebergRestServer | None:
    try:
        return IcebergRestServer.from_json(json.loads(_state_path(warehouse).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _signal_group(pid: int, sig: int) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return True
        time.sleep(0.1)
    return not _pid_alive(pid)


def _kill(pid: int, timeout: float) -> None:
    _signal_group(pid, signal.SIGTERM)
    if not _wait_dead(pid, timeout):
        _signal_group(pid, signal.SIGKILL)
        _wait_dead(pid, 5.0)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5.0)


def start(
    port: int | None = None,
    warehouse: Path | None = None,
    *,
    timeout: float = START_TIMEOUT_S,
) -> IcebergRestServer:
    """Start the REST catalog on ``127.0.0.1`` and wait until ``GET /v1/config`` answers 200.

    ``port``: None picks a free one.  ``warehouse``: a local directory (created
    if needed; default ``<repo>/.cache/iceberg-warehouse``) that holds the table
    files, the catalog's SQLite file, the server log and a state file.  If a
    server recorded for this warehouse is already up (and on ``port``, if
    given), it is returned instead of starting another one.
    """
    warehouse = (
        Path(warehouse if warehouse is not None else DEFAULT_WAREHOUSE).expanduser().resolve()
    )
    warehouse.mkdir(parents=True, exist_ok=True)

    existing = status(warehouse)
    if existing is not None:
        if port is None or port == existing.port:
            return existing
        raise RuntimeError(
            f"an Iceberg REST server for {warehouse} already runs on port {existing.port} "
            f"(pid {existing.pid}); stop it first"
        )

    cache_dir = ensure_jars()
    classpath = os.pathsep.join([str(cache_dir / CLASSES_DIRNAME), str(cache_dir / JAR_NAME)])
    log_path = warehouse / LOG_FILE_NAME
    catalog_db = warehouse / CATALOG_DB_NAME
    java = _tool("java")

    attempts = 1 if port is not None else 3
    last_error = ""
    for _ in range(attempts):
        chosen = port if port is not None else _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
        env.update(
            CATALOG_WAREHOUSE=warehouse.as_uri(),
            CATALOG_URI=f"jdbc:sqlite:{catalog_db}",
            CATALOG_REST_PORT=str(chosen),
        )
        with open(log_path, "ab") as log:
            log.write(
                f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting on {BIND_HOST}:{chosen}\n".encode()
            )
            log.flush()
            proc = subprocess.Popen(
                [
                    java,
                    *JAVA_OPTS,
                    f"-Dlineagemesh.rest.host={BIND_HOST}",
                    "-cp",
                    classpath,
                    LAUNCHER_CLASS,
                ],
                cwd=warehouse,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _CHILDREN[proc.pid] = proc
        server = IcebergRestServer(
            uri=f"http://{BIND_HOST}:{chosen}",
            port=chosen,
            pid=proc.pid,
            warehouse=warehouse,
            log_path=log_path,
            catalog_db=catalog_db,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _config_ok(server.uri, timeout=2.0):
                state = _state_path(warehouse)
                tmp = state.with_suffix(".tmp")
                tmp.write_text(
                    json.dumps({**server.to_json(), "started": time.time()}, indent=2) + "\n"
                )
                tmp.replace(state)
                return server
            time.sleep(0.2)

        if proc.poll() is None:
            _kill(proc.pid, 5.0)
            reason = f"did not answer GET {server.uri}/v1/config with 200 within {timeout:.0f} s"
        else:
            _CHILDREN.pop(proc.pid, None)
            reason = f"exited with code {proc.returncode}"
        tail = _log_tail(log_path)
        last_error = f"Iceberg REST server {reason}; log {log_path}:\n{tail}"
        if port is None and "Address already in use" in tail and proc.returncode is not None:
            continue  # lost a race for the free port: pick another
        break
    raise RuntimeError(last_error)


def stop(
    server_or_warehouse: IcebergRestServer | Path | str | None = None,
    timeout: float = STOP_TIMEOUT_S,
) -> bool:
    """Stop a server (SIGTERM to its process group, SIGKILL after ``timeout``).

    Accepts the :class:`IcebergRestServer` from :func:`start` or a warehouse
    directory (default ``<repo>/.cache/iceberg-warehouse``).  Returns True if a
    running server was stopped.  Removes the state file.
    """
    if isinstance(server_or_warehouse, IcebergRestServer):
        server: IcebergRestServer | None = server_or_warehouse
        warehouse = server_or_warehouse.warehouse
    else:
        warehouse = Path(
            server_or_warehouse if server_or_warehouse is not None else DEFAULT_WAREHOUSE
        )
        warehouse = warehouse.expanduser().resolve()
        server = _read_state(warehouse)

    stopped = False
    if server is not None and _pid_alive(server.pid) and _is_our_server(server.pid):
        _kill(server.pid, timeout)
        stopped = True
    elif server is not None:
        _CHILDREN.pop(server.pid, None)

    recorded = _read_state(warehouse)
    if recorded is None or server is None or recorded.pid == server.pid:
        _state_path(warehouse).unlink(missing_ok=True)
    return stopped


def status(warehouse: Path | str | None = None) -> IcebergRestServer | None:
    """The server recorded for ``warehouse`` if its process still runs, else None."""
    warehouse = (
        Path(warehouse if warehouse is not None else DEFAULT_WAREHOUSE).expanduser().resolve()
    )
    server = _read_state(warehouse)
    if server is None or not _pid_alive(server.pid) or not _is_our_server(server.pid):
        return None
    return server
