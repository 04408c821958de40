"""A throwaway PostgreSQL from Debian's ``postgresql`` package, on a free loopback port.

The bench and its test start one the way they start Neo4j: ``initdb`` into a fresh temp dir (removed
at stop), the
``postgres`` server as a child process on 127.0.0.1 (trust authentication, no Unix socket), and a
fast shutdown at the end. PostgreSQL refuses to run as root, so under root the programs run as the
``postgres`` account the Debian package creates, owning the data dir. ::

    with PostgresServer.start() as pg:
        psycopg.connect(pg.dsn)
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

USER = "marquez"  # the superuser initdb creates; Marquez's own default role name
DATABASE = "marquez"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries here (``apt-get install postgresql`` as root)."""


def postgres_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/<major>/bin`` holding ``initdb`` (``$PG_BIN`` overrides)."""
    if os.environ.get("PG_BIN"):
        chosen = Path(os.environ["PG_BIN"])
        if not (chosen / "initdb").is_file():
            raise PostgresUnavailable(f"PG_BIN={chosen}: no initdb there")
        return chosen
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not found:
        raise PostgresUnavailable(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin "
            "(apt-get install postgresql, as root)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The prefix, uid and gid to run PostgreSQL's programs with: as ourselves, or under root as
    the ``postgres`` account (PostgreSQL will not run as root)."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        account = pwd.getpwnam("postgres")
    except KeyError as e:
        raise PostgresUnavailable("running as root and there is no 'postgres' account") from e
    runuser = shutil.which("runuser")
    if runuser is None:
        raise PostgresUnavailable("running as root and there is no runuser to drop to 'postgres'")
    return [runuser, "-u", "postgres", "--"], account.pw_uid, account.pw_gid


@dataclass
class PostgresServer:
    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user={USER} dbname={DATABASE}"

    @classmethod
    def start(cls, timeout: float = 60.0) -> PostgresServer:
        """``initdb`` into a new temp dir and start the server; returns once it accepts
        connections and the ``marquez`` database exists."""
        bin_dir = postgres_bin_dir()
        prefix, uid, gid = _run_as()
        # in the system temp dir, which the ``postgres`` account can reach (a caller's may not be)
        work_dir = Path(tempfile.mkdtemp(prefix="lineagemesh-postgres-"))
        if uid is not None and gid is not None:
            os.chown(work_dir, uid, gid)
        data_dir, log_path = work_dir / "data", work_dir / "postgres.log"
        subprocess.run(
            [
                *prefix,
                str(bin_dir / "initdb"),
                "--pgdata",
                str(data_dir),
                "--username",
                USER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for attempt in range(5):
            port = _free_port()
            log = open(log_path, "ab")  # noqa: SIM115 - the server's stderr for its lifetime
            process = subprocess.Popen(
                [
                    *prefix,
                    str(bin_dir / "postgres"),
                    "-D",
                    str(data_dir),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    "",  # no Unix socket: loopback TCP only
                    "-c",
                    "fsync=off",  # a bench database, rebuilt every run
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            server = cls(process, port, data_dir, log_path)
            if server._wait_ready(timeout):
                server._create_database(bin_dir, prefix)
                return server
            server.stop(remove=False)
            if attempt == 4 or "could not bind" not in log_path.read_text(errors="replace"):
                break  # not a lost race for the port
        text = log_path.read_text(errors="replace")[-2000:]
        shutil.rmtree(work_dir, ignore_errors=True)
        raise RuntimeError(f"PostgreSQL did not start:\n{text}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            probe = subprocess.run(
                [str(postgres_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if probe.returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def _create_database(self, bin_dir: Path, prefix: list[str]) -> None:
        subprocess.run(
            [
                str(bin_dir / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                USER,
                DATABASE,
            ],
            check=True,
            capture_output=True,
        )

    def stop(self, remove: bool = True) -> None:
        """Fast shutdown (SIGINT: abort sessions, checkpoint, exit), SIGKILL if it hangs; the
        data dir removed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if remove:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
