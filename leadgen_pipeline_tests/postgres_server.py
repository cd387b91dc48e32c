"""A real, throwaway PostgreSQL server for tests: initdb into a temporary folder, started on a
free 127.0.0.1 port, stopped and removed afterwards.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) the server runs
as Debian's unprivileged `postgres` account, through `runuser`; otherwise as the current user.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

BIN_ENV = "LEADGEN_PG_BIN"  # a folder holding initdb and pg_ctl, when not in the usual places
SERVICE_USER = "postgres"  # what Debian's postgresql package creates


def postgres_bin() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: `$LEADGEN_PG_BIN`, the PATH, the newest
    Debian/Ubuntu install under /usr/lib/postgresql, else the build the `pgserver` wheel of
    the test extra bundles; None when there is none."""
    candidates = [os.environ.get(BIN_ENV), shutil.which("pg_ctl")]
    installed = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parts[-2]) if Path(p).parts[-2].isdigit() else 0,
        reverse=True,
    )
    for candidate in [*candidates, *installed, _bundled_bin()]:
        if not candidate:
            continue
        folder = Path(candidate) if Path(candidate).is_dir() else Path(candidate).parent
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _bundled_bin() -> str | None:
    spec = importlib.util.find_spec("pgserver")
    if spec is None or spec.origin is None:
        return None
    return str(Path(spec.origin).parent / "pginstall" / "bin")


@dataclass(frozen=True)
class PostgresServer:
    """Where a running test server listens, and the role that owns it."""

    host: str
    port: int
    user: str
    password: str

    def dsn(self, db_name: str = "postgres") -> str:
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"password={self.password} dbname={db_name}"
        )

    def new_database(self, prefix: str) -> str:
        """A database of its own, named `prefix` and a token (a module fixture built again on
        the same test process, or a test retried, never meets an earlier one); its name."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        self.create_database(name)
        return name

    def create_database(self, name: str) -> None:
        import psycopg2

        connection = psycopg2.connect(self.dsn())
        connection.autocommit = True  # CREATE DATABASE cannot run inside a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'create database "{name}"')
        finally:
            connection.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user() -> list[str]:
    """The command prefix that runs the server unprivileged."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise RuntimeError(
            f"running as root, PostgreSQL needs an unprivileged account: no user "
            f"{SERVICE_USER!r} (install Debian's postgresql package, which creates it)"
        ) from None
    return ["runuser", "-u", SERVICE_USER, "--"]


@contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    """A fresh cluster in a temporary folder, started and waited for; stopped on exit."""
    prefix = _as_server_user()
    # not under pytest's tmp folder: that one is private to the current (root) user
    folder = Path(tempfile.mkdtemp(prefix="leadgen-pg-"))
    data, log = folder / "data", folder / "server.log"
    if prefix:
        shutil.chown(folder, user=SERVICE_USER)
    password = secrets.token_hex(12)
    (folder / "pwfile").write_text(password + "\n")
    if prefix:
        shutil.chown(folder / "pwfile", user=SERVICE_USER)
    server = None
    try:
        subprocess.run(
            [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "leadgen",
             f"--pwfile={folder / 'pwfile'}", "--auth=scram-sha-256", "-E", "UTF8",
             "--no-sync"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        for _attempt in range(5):  # another process may take the probed port first
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} "
                "-c fsync=off -c full_page_writes=off"  # a throwaway server: no durability
            )
            started = subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log),
                 "-o", options, "-w", "-t", "60", "start"],
                capture_output=True, text=True,
            )  # fmt: skip
            if started.returncode == 0:
                server = PostgresServer("127.0.0.1", port, "leadgen", password)
                break
        if server is None:
            raise RuntimeError(f"PostgreSQL did not start:\n{log.read_text()[-3000:]}")
        yield server
    finally:
        if server is not None:
            subprocess.run(
                [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def dagster_yaml(server: PostgresServer, db_name: str) -> str:
    """An instance whose run, event-log and schedule storage all live in `db_name`.

    The scheme names the driver: SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3,
    while dagster-postgres installs psycopg2."""
    return (
        "telemetry:\n  enabled: false\n"
        "storage:\n  postgres:\n    postgres_db:\n"
        f"      username: {server.user}\n      password: {server.password}\n"
        f"      hostname: {server.host}\n      port: {server.port}\n"
        f"      db_name: {db_name}\n      scheme: postgresql+psycopg2\n"
    )
