"""A real PgBouncer in transaction mode in front of the suite's PostgreSQL, for tests.

Debian's ``pgbouncer`` (``apt-get install pgbouncer``; .ci/run installs it) runs as a process of
the test's own, with its configuration in a temporary directory, on ``PGBOUNCER_PORT`` (default
18532), and is stopped by its pid. It refuses to run as root, so as root it drops to the
``postgres`` user (``-u``).
"""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import environ

# Whether the suite itself runs through a transaction-mode pooler (.ci/run's PgBouncer step).
BEHIND_TRANSACTION_POOLER = environ.Env().bool("DATABASE_TRANSACTION_POOLER", default=False)

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
PORT = int(os.environ.get("PGBOUNCER_PORT", "18532"))


@dataclass
class PgBouncer:
    host: str
    port: int
    user: str
    log: Path

    def url(self, database: str, **query: str) -> str:
        params = "&".join(f"{key}={value}" for key, value in query.items())
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}" + (
            f"?{params}" if params else ""
        )


def available() -> bool:
    return Path(PGBOUNCER).exists()


def _wait_for_port(host: str, port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = [
                path.read_text() for path in (log, log.with_name("stderr.log")) if path.exists()
            ]
            raise RuntimeError("pgbouncer exited:\n" + "\n".join(logs))
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on {host}:{port}")


@contextmanager
def pgbouncer(
    *,
    server_host: str = "127.0.0.1",
    server_port: int = 5432,
    user: str = "postgres",
    port: int = PORT,
    pool_size: int = 10,
) -> Iterator[PgBouncer]:
    """Run PgBouncer (transaction mode, trust auth) forwarding every database to the server.

    Its files live in a directory of its own under /tmp (the postgres user must reach them
    when it runs as root; pytest's tmp_path is private to root), removed afterwards.
    """
    directory = Path(tempfile.mkdtemp(prefix="leadcrm-pgbouncer-"))
    log = directory / "pgbouncer.log"
    (directory / "users.txt").write_text(f'"{user}" ""\n')
    (directory / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={server_host} port={server_port}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {directory / 'users.txt'}\n"
        "pool_mode = transaction\n"
        "max_client_conn = 200\n"
        f"default_pool_size = {pool_size}\n"
        f"admin_users = {user}\n"
        # psycopg sends neither; listed so that other clients' startup packets pass.
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {log}\n"
    )
    command = [PGBOUNCER]
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(directory, account.pw_uid, account.pw_gid)
        for name in ("users.txt", "pgbouncer.ini"):
            os.chown(directory / name, account.pw_uid, account.pw_gid)
        command += ["-u", "postgres"]
    command.append(str(directory / "pgbouncer.ini"))
    output = (directory / "stderr.log").open("w")
    process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        _wait_for_port("127.0.0.1", port, process, log)
        yield PgBouncer(host="127.0.0.1", port=port, user=user, log=log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()
        shutil.rmtree(directory, ignore_errors=True)
