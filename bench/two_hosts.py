"""Two app hosts behind HAProxy, each with its Celery worker: load with faults while one host
(gunicorn and worker) stops and starts, then every email sent exactly once, and state that
must hold across hosts (a staff session, a rate limit, a sign-in lockout).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h6 \\
    CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672/<vhost> .venv/bin/python bench/two_hosts.py \\
        [--ports 18540,18541,18542] [--smtp-port 18543] [--redis-url redis://127.0.0.1:6379/10] \\
        [--duration 20]

The database in DATABASE_URL is migrated and used as it is (give it a scratch one); the
broker's queue is purged first (give it a vhost of its own). Two gunicorns
(config/gunicorn.py, production settings, 2 workers x 2 threads each) serve it on the second
and third port, sharing Redis as their cache; Debian's haproxy (``apt-get install haproxy``)
balances them on the first port, checking ``/healthz`` and sending a request whose host refused
it to the other host. Beside each gunicorn runs a Celery worker (``make worker``), and one
scheduler (``make scheduler``, the outbox swept every 5 s) runs for the whole deployment; the
emails go to a local SMTP server (aiosmtpd) on ``--smtp-port``. bench/load.py --faults runs
through HAProxy; 30 % into the run host 1 (its gunicorn and its worker) gets SIGTERM (each
finishes what it has in hand), and at 60 % it starts again. Then, one host each side: a staff
member signed in on host 1 is signed in on host 2; a client that used up its rate limit on host
1 is refused on host 2; a username locked out on host 1 is locked out on host 2. Last, every
email the run wrote (the visitors' confirmations) reaches the SMTP server exactly once (counted
by the ``X-Outbox-Id`` header), none is left pending or failed. Every process is this script's
own, stopped by pid; exit 1 on a failure.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

import psycopg
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HAPROXY = "/usr/sbin/haproxy"
APPLICATION_NAME = "leadcrm_two_hosts"


def haproxy_config(front: int, hosts: list[int]) -> str:
    servers = "\n".join(
        f"    server host{n} 127.0.0.1:{port} check inter 1s fall 2 rise 2"
        for n, port in enumerate(hosts, start=1)
    )
    return f"""global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout check 5s
    retries 3
    # A new server connection per request: a host stopping closes its idle keep-alive
    # connections, and a request sent on one just as it closed came back as a 502.
    option http-server-close
    option redispatch
    retry-on conn-failure empty-response response-timeout
frontend app
    bind 127.0.0.1:{front}
    # With no host up, HAProxy's own 503 says when to come back, as the app's do.
    http-after-response set-header Retry-After 5 if {{ status 503 }}
    default_backend hosts
backend hosts
    balance roundrobin
    option httpchk GET /healthz
    http-check send hdr Host 127.0.0.1
{servers}
"""


class Host:
    """One app host: a gunicorn of its own, in its own process group."""

    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log = port, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"host on {self.port} did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class Worker:
    """A Celery worker (or, with ``beat``, the one scheduler) in its own process group."""

    def __init__(self, name: str, env: dict[str, str], log: Path, *, beat: Path | None = None):
        self.name, self.env, self.log, self.beat = name, env, log, beat
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.beat is not None:
            command = ["beat", f"--schedule={self.beat}"]
        else:
            command = ["worker", "--pool=solo", "--without-gossip", "--without-mingle"]
            command.append(f"--hostname={self.name}@%h")
        self.process = subprocess.Popen(
            [str(PYTHON), "-m", "celery", "-A", "config", *command, "--loglevel=WARNING"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # warm shutdown: the task in hand ends
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


class SmtpSink:
    """Counts what reaches the SMTP server, per outbox row (the X-Outbox-Id header)."""

    def __init__(self):
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.received[headers.get("X-Outbox-Id", "")] += 1
        return "250 OK"


def emails_checks(
    database_url: str, first_id: int, sink: SmtpSink, wait: float
) -> list[tuple[str, bool]]:
    """Wait up to ``wait`` seconds for the run's emails to leave; then each left once."""
    query = "SELECT id, status FROM outbox_outboxemail WHERE id > %s"
    deadline = time.monotonic() + wait
    while True:
        with psycopg.connect(database_url, autocommit=True) as conn:
            rows = dict(conn.execute(query, [first_id]).fetchall())
        waiting = [pk for pk, status in rows.items() if status in ("PENDING", "SENDING")]
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(1)
    sent = {str(pk) for pk, status in rows.items() if status == "SENT"}
    received = {pk: n for pk, n in sink.received.items() if pk.isdigit() and int(pk) > first_id}
    twice = sorted(pk for pk, n in received.items() if n > 1)
    print(
        f"  emails written {len(rows)}, sent {len(sent)}, waiting {len(waiting)}, "
        f"received {sum(received.values())} ({len(received)} distinct), twice {len(twice)}"
    )
    return [
        ("the run wrote emails (visitors' confirmations)", bool(rows)),
        ("every email left the outbox (none pending or failed)", len(sent) == len(rows)),
        ("every email sent reached the SMTP server", set(received) == sent),
        ("no email reached it twice", not twice),
    ]


class Browser:
    """Cookies kept by hand: production marks them Secure, and these hosts speak plain HTTP."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def fetch(self, url: str, data: dict | None = None, headers: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(url, data=body, headers=headers)
        opener = urllib.request.build_opener(NoRedirect())
        try:
            response = opener.open(request, timeout=20)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.read().decode(errors="replace")

    def sign_in(self, base: str, username: str, password: str) -> int:
        page = self.fetch(f"{base}/admin/login/")[1]
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        status, _ = self.fetch(
            f"{base}/admin/login/?next=/admin/",
            {
                "username": username,
                "password": password,
                "csrfmiddlewaretoken": match.group(1) if match else "",
            },
            {"Referer": f"{base}/admin/login/"},
        )
        return status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def cross_host_checks(host1: str, host2: str, env: dict[str, str]) -> list[tuple[str, bool]]:
    username, password = f"twohosts-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    subprocess.run(
        [
            str(PYTHON),
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser({username!r}, None, {password!r})",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    results = []
    # A staff session started on host 1 holds on host 2 (sessions live in the database).
    staff = Browser()
    signed_in = staff.sign_in(host1, username, password) == 302
    same_session = staff.fetch(f"{host2}/admin/")[0] == 200
    results.append(("staff session started on host 1 holds on host 2", signed_in and same_session))
    # A rate limit used up on host 1 holds on host 2 (counters live in Redis): the staff
    # API's, per staff member, set to 3/min for this run.
    statuses = [staff.fetch(f"{host1}/api/leads/")[0] for _ in range(4)]
    refused_on_2 = staff.fetch(f"{host2}/api/leads/")[0] == 429
    results.append(
        ("rate limit used up on host 1 holds on host 2", statuses[-1] == 429 and refused_on_2)
    )
    # A sign-in lockout on host 1 holds on host 2 (django-axes keeps attempts in the database).
    victim = f"locked-{secrets.token_hex(4)}"
    subprocess.run(
        [
            str(PYTHON),
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser({victim!r}, None, {password!r})",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    for _ in range(5):
        Browser().sign_in(host1, victim, "wrong password")
    locked_on_2 = Browser().sign_in(host2, victim, password) != 302
    results.append(("sign-in lockout on host 1 holds on host 2", locked_on_2))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ports", default="18540,18541,18542", help="haproxy,host1,host2")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--smtp-port", type=int, default=18543)
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://... (a scratch database; it is migrated)")
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("amqp"):
        sys.exit("Set CELERY_BROKER_URL=amqp://... (a RabbitMQ vhost; its queue is purged)")
    if not Path(HAPROXY).exists():
        sys.exit(f"needs Debian's haproxy at {HAPROXY} (apt-get install haproxy)")
    front, *ports = (int(port) for port in args.ports.split(","))
    workdir = Path(tempfile.mkdtemp(prefix="leadcrm-two-hosts-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "EMAIL_URL": f"smtp://127.0.0.1:{args.smtp_port}",
        "OUTBOX_SWEEP_SECONDS": "5",
        # A worker whose database connection a fault killed between its claim and its send
        # leaves the row SENDING; the sweep hands it out again after this (default 5 minutes).
        "OUTBOX_STUCK_MINUTES": "0.25",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"{database_url}?application_name={APPLICATION_NAME}",
        "DIRECT_URL": database_url,
        "CACHE_URL": args.redis_url,
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "THROTTLE_LEAD_CHOICES": "100000/min",
        "THROTTLE_LEAD_EARLY_ACCESS": "100000/min",
        "THROTTLE_LEAD_PAGE_SESSIONS": "100000/min",
        "THROTTLE_LEAD_CONTACT": "100000/min",
        # The cross-host rate-limit check uses it up in four requests.
        "THROTTLE_STAFF_API": "3/min",
    }
    for command in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        subprocess.run(
            [str(PYTHON), "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=600
        )
    subprocess.run(
        [str(PYTHON), "-m", "celery", "-A", "config", "purge", "-f"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        (first_id,) = conn.execute("SELECT coalesce(max(id), 0) FROM outbox_outboxemail").fetchone()
    hosts = [Host(port, env, workdir / f"host{n}.log") for n, port in enumerate(ports, 1)]
    workers = [Worker(f"host{n}", env, workdir / f"worker{n}.log") for n in (1, 2)]
    scheduler = Worker("beat", env, workdir / "beat.log", beat=workdir / "beat-schedule")
    (workdir / "haproxy.cfg").write_text(haproxy_config(front, ports))
    sink = SmtpSink()
    smtp = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    haproxy = None
    failed = False
    try:
        for process in (*hosts, *workers, scheduler):
            process.start()
        haproxy = subprocess.Popen(
            [HAPROXY, "-f", str(workdir / "haproxy.cfg"), "-db"],
            stdout=(workdir / "haproxy.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        time.sleep(1.5)
        base = f"http://127.0.0.1:{front}"

        def bounce() -> None:
            time.sleep(args.duration * 0.3)
            print(f"  t={args.duration * 0.3:.0f}s: stopping host 1 and its worker", flush=True)
            stopping = threading.Thread(target=workers[0].stop)
            stopping.start()
            hosts[0].stop()
            stopping.join()
            time.sleep(args.duration * 0.3)
            print(f"  t={args.duration * 0.6:.0f}s: starting host 1 and its worker", flush=True)
            workers[0].start()
            hosts[0].start()

        bouncer = threading.Thread(target=bounce)
        bouncer.start()
        load = subprocess.run(
            [
                str(PYTHON),
                "bench/load.py",
                "--base-url",
                base,
                "--database-url",
                database_url,
                "--application-name",
                APPLICATION_NAME,
                "--duration",
                str(args.duration),
                "--clients",
                str(args.clients),
                "--faults",
            ],
            cwd=ROOT,
            timeout=args.duration + 300,
            check=False,
        )
        bouncer.join()
        print(f"load through haproxy: exit {load.returncode}")
        failed = load.returncode != 0
        for name, ok in cross_host_checks(
            f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}", env
        ):
            print(f"  [{'ok' if ok else 'FAIL'}] {name}")
            failed = failed or not ok
        for name, ok in emails_checks(database_url, first_id, sink, wait=120):
            print(f"  [{'ok' if ok else 'FAIL'}] {name}")
            failed = failed or not ok
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        for process in (*hosts, *workers, scheduler):
            process.stop()
        smtp.stop()
    if failed:
        for log in sorted(workdir.glob("*.log")):
            print(f"--- {log.name} (last lines)\n{log.read_text(errors='replace')[-1500:]}")
    print("two hosts: " + ("FAILED" if failed else "nothing lost, no email twice, state shared"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
