"""A real streaming replica of the suite's PostgreSQL, for tests.

``pg_basebackup -R`` copies the running cluster into a temporary directory (with the standby
settings), and ``pg_ctl`` starts it as a hot standby on ``REPLICA_PORT`` (default 18533). The
primary must allow replication connections from 127.0.0.1 (``host replication all
127.0.0.1/32 trust`` in pg_hba.conf; .ci/run adds it) and run with ``wal_level=replica``
(PostgreSQL's default). PostgreSQL refuses to run as root, so as root both run as ``postgres``.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = int(os.environ.get("REPLICA_PORT", "18533"))


class ReplicaUnavailable(Exception):
    """The replica could not be built here (no replication access, no binaries)."""


@dataclass
class Replica:
    directory: Path
    port: int
    user: str

    def dsn(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def url(self, database: str) -> str:
        return f"postgres://{self.user}@127.0.0.1:{self.port}/{database}"

    def execute(self, database: str, sql: str, params=None):
        with psycopg.connect(self.dsn(database), autocommit=True, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def stop(self) -> None:
        _pg_ctl(self.directory, "stop", "-m", "fast", "-w", "-t", "30")

    def start(self) -> None:
        _pg_ctl(self.directory, "start", "-w", "-t", "60", "-l", str(self.directory / "log"))


# Settings a hot standby must have at least as high as its primary.
STANDBY_LIMITS = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def available() -> bool:
    return (BIN / "pg_ctl").exists() and (BIN / "pg_basebackup").exists()


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(command: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        _as_postgres() + command, capture_output=True, text=True, timeout=timeout, check=False
    )


def _pg_ctl(directory: Path, *args: str) -> None:
    result = _run([str(BIN / "pg_ctl"), "-D", str(directory), *args], timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"pg_ctl {args[0]} failed: {result.stderr or result.stdout}")


@contextmanager
def streaming_replica(
    *, primary_host: str = "127.0.0.1", primary_port: int = 5432, user: str = "postgres"
) -> Iterator[Replica]:
    """Build and start a hot standby of the primary; stop it and remove it afterwards."""
    if not available():
        raise ReplicaUnavailable(f"needs PostgreSQL's server binaries in {BIN}")
    parent = Path(tempfile.mkdtemp(prefix="leadcrm-replica-"))
    directory = parent / "data"
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(parent, account.pw_uid, account.pw_gid)
    backup = _run(
        [str(BIN / "pg_basebackup"), "-h", primary_host, "-p", str(primary_port), "-U", user]
        + ["-D", str(directory), "-R", "-X", "stream", "-c", "fast"]
    )
    if backup.returncode != 0:
        shutil.rmtree(parent, ignore_errors=True)
        raise ReplicaUnavailable(f"pg_basebackup failed: {backup.stderr.strip()}")
    # Debian keeps the configuration outside the data directory: the standby gets its own. A
    # hot standby refuses to start with a lower max_connections (and the like) than its
    # primary's: it takes the primary's values.
    with psycopg.connect(
        f"host={primary_host} port={primary_port} user={user} dbname=postgres", connect_timeout=5
    ) as conn:
        limits = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in STANDBY_LIMITS}
    (directory / "postgresql.conf").write_text(
        f"port = {PORT}\n"
        "listen_addresses = '127.0.0.1'\n"
        f"unix_socket_directories = '{parent}'\n"
        "hot_standby = on\n"
        + "".join(f"{name} = {value}\n" for name, value in limits.items())
        + "shared_buffers = 32MB\n"
        "fsync = off\n"
    )
    (directory / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    if os.geteuid() == 0:
        for name in ("postgresql.conf", "pg_hba.conf"):
            os.chown(directory / name, account.pw_uid, account.pw_gid)
    replica = Replica(directory=directory, port=PORT, user=user)
    try:
        replica.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                if replica.execute("postgres", "SELECT pg_is_in_recovery()")[0][0]:
                    break
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the replica did not start:\n{(directory / 'log').read_text()}")
            time.sleep(0.2)
        yield replica
    finally:
        with contextlib.suppress(RuntimeError):  # stopped already
            _pg_ctl(directory, "stop", "-m", "immediate", "-w", "-t", "30")
        shutil.rmtree(parent, ignore_errors=True)
