"""Load and fault test: many visitors at once, then check in the database that nothing was lost.

    # Its own gunicorn (config/gunicorn.py, production settings) on its own database:
    .venv/bin/python bench/load.py --database-name leadcrm_load --port 18290 \\
        --redis-url redis://127.0.0.1:6379/0 [--duration 30] [--clients 50] [--faults]
    # Or a server that is already running (its database for the checks):
    .venv/bin/python bench/load.py --base-url http://127.0.0.1:8000 \\
        --database-url postgres://postgres@127.0.0.1:5432/leadcrm --duration 10

Each client is a visitor with its own keep-alive connection and cookies. It mixes the four JSON
endpoints (choices, early access, contact, page sessions) and the three HTML forms (GET the page,
then POST with its CSRF token). About 500 people (``--people``) share their emails, written in
varied case and with spaces around them. The JSON bodies are the live front-end's
(/work/shared/CLIENT-CONTRACT.md) on the paths without a trailing slash; when those paths do
not answer yet, the project's older slash endpoints and bodies are used instead.

A 503 that carries ``Retry-After`` is allowed: the client waits (at most --max-retry-wait
seconds) and sends the same submission again; so is a dropped connection. Both are counted.

``--faults`` (own server only for the cache part): the app's database connections are killed
three times (pg_terminate_backend on its application_name), and the cache goes away for 5 s
(the app reaches Redis through a small TCP proxy run by this script, which stops listening and
cuts its connections; the Redis server itself is never touched).

Afterwards, in the database, for this run's emails only (each run has its own email domain):
no 5xx other than a 503 with Retry-After and never Django's 500 page; every accepted submission
stored; exactly one lead per normalized email; no lead without an event, no submission event
without its row and no row without its event; one event per submission. Exit status 1 if any
check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import select
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
APPLICATION_NAME = "leadcrm_load"
DJANGO_500_PAGE = b"Server Error (500)"
HIGH_RATE = "1000000/min"

INTENTS = ["invest", "list-property"]
CONTRACT_INTENTS = ["JUST_EXPLORING", "INVEST_WITHIN_3_MONTHS", "READY_TO_INVEST"]
CONTRACT_RANGES = ["BELOW_10K", "TEN_TO_FIFTY_K", "FIFTY_K_TO_TWO_L", "ABOVE_TWO_L"]
PROPERTY_TYPES = ["RESIDENTIAL", "COMMERCIAL", "MIXED_USE"]
LEGACY_INTENTS = ["LOW", "MEDIUM", "HIGH"]

# How often each action is picked.
MIX = {
    "choices_json": 18,
    "early_access_json": 18,
    "contact_json": 14,
    "page_session_json": 15,
    "choices_html": 12,
    "early_access_html": 11,
    "contact_html": 12,
}


# --------------------------------------------------------------------------- the cache proxy


class TcpProxy:
    """Forward a local port to Redis; ``outage()`` stops listening and cuts every connection."""

    def __init__(self, listen_port: int, target: tuple[str, int]):
        self.listen_port = listen_port
        self.target = target
        self.listener: socket.socket | None = None
        self.pairs: set[tuple[socket.socket, socket.socket]] = set()
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.listen_port))
        listener.listen(128)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self.lock:
            pairs, self.pairs = self.pairs, set()
        for pair in pairs:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()

    def outage(self, seconds: float) -> None:
        self.stop()
        time.sleep(seconds)
        self.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            pair = (client, upstream)
            with self.lock:
                self.pairs.add(pair)
            threading.Thread(target=self._pump, args=(pair,), daemon=True).start()

    def _pump(self, pair: tuple[socket.socket, socket.socket]) -> None:
        client, upstream = pair
        peers = {client: upstream, upstream: client}
        try:
            while True:
                readable, _, _ = select.select(list(peers), [], [], 1.0)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except (OSError, ValueError):
            return
        finally:
            with self.lock:
                self.pairs.discard(pair)
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.close()


# --------------------------------------------------------------------------- the server


def admin_dsn(database_url: str, dbname: str | None = None) -> str:
    parts = urllib.parse.urlsplit(database_url)
    path = f"/{dbname}" if dbname else parts.path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class OwnServer:
    """A fresh database, migrated, and gunicorn on it with production settings."""

    def __init__(self, args, cache_url: str):
        self.args = args
        self.server_url = args.server_database_url.rstrip("/")
        self.database_url = f"{self.server_url}/{args.database_name}"
        self.cache_url = cache_url
        self.log_path = Path(args.log or f"/tmp/{args.database_name}-gunicorn.log")
        self.process: subprocess.Popen | None = None
        self.base_url = f"http://127.0.0.1:{args.port}"

    def env(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in ("DIRECT_URL", "DJANGO_SETTINGS_MODULE")
        }
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "config.settings.production",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
                "EMAIL_URL": os.environ.get("EMAIL_URL", "consolemail://"),
                "DJANGO_SECURE_SSL_REDIRECT": "false",
                "APP_ENVIRONMENT": "DEV",
                "DATABASE_URL": f"{self.database_url}?application_name={APPLICATION_NAME}",
                "CACHE_URL": self.cache_url,
                "GUNICORN_BIND": f"127.0.0.1:{self.args.port}",
                "THROTTLE_LEAD_CHOICES": HIGH_RATE,
                "THROTTLE_LEAD_EARLY_ACCESS": HIGH_RATE,
                "THROTTLE_LEAD_CONTACT": HIGH_RATE,
                "THROTTLE_LEAD_PAGE_SESSIONS": HIGH_RATE,
            }
        )
        if self.args.workers:
            env["WEB_CONCURRENCY"] = str(self.args.workers)
        if self.args.threads:
            env["GUNICORN_THREADS"] = str(self.args.threads)
        return env

    def prepare_database(self) -> None:
        with psycopg.connect(admin_dsn(self.server_url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.args.database_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.args.database_name}"')
        env = {**self.env(), "DJANGO_SETTINGS_MODULE": "config.settings.local"}
        env["DATABASE_URL"] = self.database_url
        subprocess.run(
            [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env(),
            check=True,
            timeout=300,
        )

    def start(self) -> None:
        gunicorn = Path(PYTHON).with_name("gunicorn")
        self.process = subprocess.Popen(
            [str(gunicorn), "-c", "config/gunicorn.py"],
            cwd=ROOT,
            env=self.env(),
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not become healthy; see {self.log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def drop_database(self) -> None:
        with psycopg.connect(admin_dsn(self.server_url, "postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.args.database_name}" WITH (FORCE)')

    def requests_per_worker(self) -> Counter:
        return Counter(re.findall(r" pid=<(\d+)>", self.log_path.read_text(errors="replace")))


# --------------------------------------------------------------------------- the visitors


@dataclass
class Submission:
    kind: str  # choices, early_access, contact, page_session
    email: str  # normalized; "" for a page session
    token: str


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: Counter = field(default_factory=Counter)  # (action, status)
    accepted: list[Submission] = field(default_factory=list)
    retried_503: Counter = field(default_factory=Counter)
    missing_retry_after: int = 0
    django_500_pages: int = 0
    server_errors: list[str] = field(default_factory=list)
    connection_errors: int = 0
    gave_up: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    requests: int = 0
    extra_rows: dict = field(default_factory=dict)
    unavailable_at: list[float] = field(default_factory=list)


class Retry(Exception):
    """The server asked the client to come back (503 + Retry-After) or dropped the connection."""


class Visitor(threading.Thread):
    def __init__(self, number: int, config: Config, results: Results, deadline: float):
        super().__init__(daemon=True, name=f"visitor-{number}")
        self.config = config
        self.results = results
        self.deadline = deadline
        self.random = random.Random(config.seed * 1000 + number)
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    # HTTP ------------------------------------------------------------------------------

    def http(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                self.config.host, self.config.port, timeout=60
            )
        started = time.perf_counter()
        try:
            self.connection.request(method, self.config.prefix + path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            self.connection.close()
            self.connection = None
            with self.results.lock:
                self.results.connection_errors += 1
            raise Retry(f"connection: {type(exc).__name__}") from exc
        elapsed = time.perf_counter() - started
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        with self.results.lock:
            self.results.requests += 1
            self.results.latencies.append(elapsed)
        return response.status, response, data

    def checked(self, action: str, method: str, path: str, body=None, headers=None):
        """Send once; raise Retry on a 503 with Retry-After; record anything else."""
        status, response, data = self.http(method, path, body, headers)
        with self.results.lock:
            self.results.statuses[(action, status)] += 1
            if DJANGO_500_PAGE in data:
                self.results.django_500_pages += 1
            if status == 503:
                self.results.unavailable_at.append(time.monotonic())
                if response.getheader("Retry-After"):
                    self.results.retried_503[action] += 1
                else:
                    self.results.missing_retry_after += 1
                    self.results.server_errors.append(f"{action} 503 without Retry-After")
            elif status >= 500:
                self.results.server_errors.append(f"{action} {status}: {data[:200]!r}")
        if status == 503 and response.getheader("Retry-After"):
            wait = min(float(response.getheader("Retry-After")), self.config.max_retry_wait)
            time.sleep(wait * (0.5 + self.random.random()))
            raise Retry("503")
        return status, response, data

    def with_retries(self, action: str, attempt) -> None:
        for _ in range(self.config.max_retries):
            try:
                attempt()
                return
            except Retry:
                time.sleep(0.05)
                continue
        with self.results.lock:
            self.results.gave_up.append(action)

    # The people ---------------------------------------------------------------------------

    def person(self) -> tuple[str, str, str]:
        """Return (name, email as typed, normalized email) of one of the shared people."""
        number = self.random.randrange(self.config.people)
        local, domain = f"person{number}", self.config.domain
        style = self.random.randrange(6)
        typed = {
            0: f"{local}@{domain}",
            1: f"{local}@{domain}".upper(),
            2: f"{local.capitalize()}@{domain.capitalize()}",
            3: "".join(c.upper() if self.random.random() < 0.5 else c for c in f"{local}@{domain}"),
            4: f"  {local}@{domain} ",
            5: f"\t{local.upper()}@{domain}  ",
        }[style]
        return f"Person {number}", typed, f"{local}@{domain}"

    def token(self) -> str:
        return secrets.token_hex(8)

    def accept(self, submission: Submission) -> None:
        with self.results.lock:
            self.results.accepted.append(submission)

    def refuse(self, action: str, status: int, data: bytes) -> None:
        with self.results.lock:
            self.results.refused.append(f"{action} {status}: {data[:200]!r}")

    # Actions ----------------------------------------------------------------------------------

    def post_json(self, action: str, path: str, payload: dict, submission: Submission) -> None:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}

        def attempt():
            status, _, data = self.checked(action, "POST", path, body, headers)
            ok = 200 <= status < 300
            if ok and action == "early_access_json" and self.config.contract:
                ok = status == 201 and json.loads(data or b"{}").get("success") is True
            if ok:
                self.accept(submission)
            else:
                self.refuse(action, status, data)

        self.with_retries(action, attempt)

    def choices_json(self) -> None:
        name, typed, email = self.person()
        payload = {"intent": self.random.choice(INTENTS), "nps": self.random.randint(0, 10)}
        payload.update({"name": name if self.random.random() < 0.7 else "", "email": typed})
        path = "/api/choices" if self.config.contract else "/api/choices/"
        self.post_json("choices_json", path, payload, Submission("choices", email, ""))

    def early_access_json(self) -> None:
        name, typed, email = self.person()
        if self.config.contract:
            payload = {
                "email": typed,
                "name": name,
                "investmentIntent": self.random.choice(CONTRACT_INTENTS),
                "expectedInvestmentRange": self.random.choice(CONTRACT_RANGES),
                "source": "website",
            }
            if self.random.random() < 0.5:
                payload["preferredPropertyType"] = self.random.choice(PROPERTY_TYPES)
            path = "/api/early-access"
        else:
            payload = {
                "email": typed,
                "name": name,
                "intent_level": self.random.choice(LEGACY_INTENTS),
                "investment_range": self.random.choice(CONTRACT_RANGES),
                "city": "Pune",
            }
            path = "/api/early-access/"
        self.post_json("early_access_json", path, payload, Submission("early_access", email, ""))

    def contact_json(self) -> None:
        name, typed, email = self.person()
        token = self.token()
        payload = {"name": name, "email": typed, "message": f"Load test message {token}."}
        if self.config.contract:
            path = "/api/contact"
        else:
            payload["subject"] = "Load test"
            path = "/api/contact/"
        self.post_json("contact_json", path, payload, Submission("contact", email, token))

    def page_session_json(self) -> None:
        token = self.token()
        payload = {
            "page": f"/load/{self.config.run}/{token}",
            "utm_source": "load",
            "utm_campaign": self.config.run,
        }
        self.post_json(
            "page_session_json",
            "/api/page-sessions/",
            payload,
            Submission("page_session", "", token),
        )

    def html_form(self, action: str, path: str, fields: dict, submission: Submission) -> None:
        def attempt():
            status, _, data = self.checked(action, "GET", path, None, {"Accept": "text/html"})
            if status != 200:
                self.refuse(action, status, data)
                return
            match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data)
            if not match:
                self.refuse(action, status, b"no CSRF token in the form")
                return
            form = {**fields, "csrfmiddlewaretoken": match.group(1).decode()}
            body = urllib.parse.urlencode(form).encode()
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
            status, response, data = self.checked(action, "POST", path, body, headers)
            if status == 302 and "thanks" in response.getheader("Location", ""):
                self.accept(submission)
            else:
                self.refuse(action, status, data)

        self.with_retries(action, attempt)

    def choices_html(self) -> None:
        name, typed, email = self.person()
        fields = {
            "intent": self.random.choice(INTENTS),
            "nps": str(self.random.randint(0, 10)),
            "name": name,
            "email": typed,
        }
        self.html_form("choices_html", "/choices/", fields, Submission("choices", email, ""))

    def early_access_html(self) -> None:
        name, typed, email = self.person()
        fields = {
            "email": typed,
            "name": name,
            "intent_level": self.random.choice(LEGACY_INTENTS),
            "investment_range": self.random.choice(CONTRACT_RANGES),
            "city": "Pune",
            "preferred_property_type": "",
        }
        self.html_form(
            "early_access_html", "/early-access/", fields, Submission("early_access", email, "")
        )

    def contact_html(self) -> None:
        name, typed, email = self.person()
        token = self.token()
        fields = {
            "name": name,
            "email": typed,
            "subject": "Load test",
            "message": f"Load test message {token}.",
        }
        self.html_form("contact_html", "/contact/", fields, Submission("contact", email, token))

    def run(self) -> None:
        actions = list(MIX)
        weights = [MIX[action] for action in actions]
        while time.monotonic() < self.deadline:
            action = self.random.choices(actions, weights)[0]
            getattr(self, action)()
        if self.connection is not None:
            self.connection.close()


@dataclass
class Config:
    host: str
    port: int
    prefix: str
    run: str
    domain: str
    people: int
    contract: bool
    max_retries: int
    max_retry_wait: float
    seed: int


def detect_contract(host: str, port: int, prefix: str) -> bool:
    """Whether /api/contact (no slash) answers: a 400 to an empty body means it exists."""
    connection = http.client.HTTPConnection(host, port, timeout=30)
    connection.request("POST", prefix + "/api/contact", b"{}", {"Content-Type": "application/json"})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status == 400


# --------------------------------------------------------------------------- faults


class Faults(threading.Thread):
    def __init__(self, args, started: float, proxy: TcpProxy | None, database_url: str):
        super().__init__(daemon=True, name="faults")
        self.args = args
        self.started = started
        self.proxy = proxy
        self.database_url = database_url
        self.log: list[str] = []
        self.kills: list[float] = []
        self.cache_outage: tuple[float, float] | None = None

    def at(self, fraction: float) -> None:
        delay = self.started + self.args.duration * fraction - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def kill_connections(self) -> None:
        with psycopg.connect(admin_dsn(self.database_url), autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND application_name = %s",
                [self.args.application_name],
            ).fetchone()[0]
        self.kills.append(time.monotonic())
        self.note(f"killed {killed} database connections")

    def note(self, text: str) -> None:
        self.log.append(f"t={time.monotonic() - self.started:5.1f}s {text}")

    def run(self) -> None:
        # Kills before and after the cache outage, never during it, so that each 503 can be
        # put down to one fault.
        self.at(0.15)
        self.kill_connections()
        if self.proxy is not None:
            self.at(0.3)
            self.note(f"cache down for {self.args.cache_outage:g}s")
            down = time.monotonic()
            self.proxy.outage(self.args.cache_outage)
            self.cache_outage = (down, time.monotonic())
            self.note("cache back")
            time.sleep(1.0)
        else:
            self.at(0.55)
        self.kill_connections()
        self.at(0.85)
        self.kill_connections()


# --------------------------------------------------------------------------- the checks


def database_checks(database_url: str, results: Results, config: Config) -> list[tuple[str, bool]]:
    accepted = defaultdict(Counter)  # kind -> Counter(email or token)
    for submission in results.accepted:
        by_token = submission.kind in ("contact", "page_session")
        accepted[submission.kind][submission.token if by_token else submission.email] += 1
    contact_tokens = Counter(s.token for s in results.accepted if s.kind == "contact")
    emails = {s.email for s in results.accepted if s.email}
    pattern = f"%@{config.domain}"
    checks: list[tuple[str, bool]] = []

    def check(name: str, ok: bool) -> None:
        checks.append((name, ok))

    with psycopg.connect(admin_dsn(database_url)) as db:

        def rows(sql: str, *params) -> list[tuple]:
            return db.execute(sql, params).fetchall()

        leads = rows(
            "SELECT lower(trim(email)), count(*) FROM users_leads WHERE email ILIKE %s GROUP BY 1",
            pattern,
        )
        lead_count = Counter(dict(leads))
        check(
            f"one lead per normalized email ({len(lead_count)} leads, "
            f"{len(emails)} emails accepted)",
            all(n == 1 for n in lead_count.values()) and set(lead_count) == emails,
        )
        stored = Counter(
            dict(
                rows(
                    "SELECT l.email, count(*) FROM choices_responses c "
                    "JOIN users_leads l ON l.id = c.lead_id "
                    "WHERE l.email LIKE %s AND c.choice_key = 'intent' GROUP BY 1",
                    pattern,
                )
            )
        )
        nps = rows(
            "SELECT count(*) FILTER (WHERE c.choice_key = 'nps'), "
            "count(*) FILTER (WHERE c.choice_key = 'intent') FROM choices_responses c "
            "JOIN users_leads l ON l.id = c.lead_id WHERE l.email LIKE %s",
            pattern,
        )[0]
        check(
            f"choices: every accepted questionnaire stored ({sum(accepted['choices'].values())}"
            f" accepted, {sum(stored.values())} stored), each with its score ({nps[0]})",
            all(stored[e] >= n for e, n in accepted["choices"].items()) and nps[0] == nps[1],
        )
        extra = {"choices": sum(stored.values()) - sum(accepted["choices"].values())}
        stored = Counter(
            dict(
                rows(
                    "SELECT l.email, count(*) FROM early_access_requests r "
                    "JOIN users_leads l ON l.id = r.lead_id WHERE l.email LIKE %s GROUP BY 1",
                    pattern,
                )
            )
        )
        check(
            f"early access: every accepted request stored "
            f"({sum(accepted['early_access'].values())} accepted, {sum(stored.values())} stored)",
            all(stored[e] >= n for e, n in accepted["early_access"].items()),
        )
        extra["early_access"] = sum(stored.values()) - sum(accepted["early_access"].values())
        messages = rows(
            "SELECT substring(m.message from 'Load test message ([0-9a-f]+)'), l.email "
            "FROM contact_messages m JOIN users_leads l ON l.id = m.lead_id "
            "WHERE l.email LIKE %s",
            pattern,
        )
        stored_tokens = Counter(token for token, _ in messages)
        owner = {s.token: s.email for s in results.accepted if s.kind == "contact"}
        check(
            f"contact: every accepted message stored, on its sender's lead "
            f"({len(contact_tokens)} accepted, {len(messages)} stored)",
            all(stored_tokens[t] >= 1 for t in contact_tokens)
            and all(owner.get(token, email) == email for token, email in messages),
        )
        extra["contact"] = len(messages) - len(contact_tokens)
        sessions = rows(
            "SELECT split_part(page, '/', 4) FROM page_sessions WHERE page LIKE %s",
            f"/load/{config.run}/%",
        )
        session_tokens = Counter(token for (token,) in sessions)
        accepted_sessions = accepted["page_session"]
        check(
            f"page sessions: every accepted visit stored ({len(accepted_sessions)} accepted, "
            f"{len(sessions)} stored)",
            all(session_tokens[t] >= 1 for t in accepted_sessions),
        )
        extra["page_session"] = len(sessions) - len(accepted_sessions)

        # One event per submission, none without its row and no row without its event.
        per_lead = rows(
            """
            SELECT l.id,
              (SELECT count(*) FROM choices_responses c
                 WHERE c.lead_id = l.id AND c.choice_key = 'intent'),
              (SELECT count(*) FROM lead_events e
                 WHERE e.lead_id = l.id AND e.event_type = 'CHOICES_SUBMITTED'),
              (SELECT count(*) FROM early_access_requests r WHERE r.lead_id = l.id),
              (SELECT count(*) FROM lead_events e
                 WHERE e.lead_id = l.id AND e.event_type = 'EARLY_ACCESS_REQUESTED'),
              (SELECT count(*) FROM contact_messages m WHERE m.lead_id = l.id),
              (SELECT count(*) FROM lead_events e
                 WHERE e.lead_id = l.id AND e.event_type = 'CONTACT_MESSAGE_SENT'),
              (SELECT count(*) FROM lead_events e WHERE e.lead_id = l.id)
            FROM users_leads l WHERE l.email LIKE %s
            """,
            pattern,
        )
        mismatched = [
            row for row in per_lead if row[1] != row[2] or row[3] != row[4] or row[5] != row[6]
        ]
        silent = [row for row in per_lead if row[7] == 0]
        check(
            f"one event per submission on every lead ({len(mismatched)} leads off)",
            not mismatched,
        )
        check(f"no lead without an event ({len(silent)} found)", not silent)
        session_events = rows(
            "SELECT count(*) FILTER (WHERE e.id IS NULL) FROM page_sessions s "
            "LEFT JOIN lead_events e ON e.id = s.id AND e.event_type = 'PAGE_SESSION_RECORDED' "
            "WHERE s.page LIKE %s",
            f"/load/{config.run}/%",
        )[0][0]
        check(f"one event per page session ({session_events} without)", session_events == 0)
        # Events that name a row which is not there (a half-written submission).
        dangling = rows(
            """
            SELECT count(*) FROM lead_events e JOIN users_leads l ON l.id = e.lead_id
            WHERE l.email LIKE %s AND (
              (e.metadata ? 'contact_message_id' AND NOT EXISTS (SELECT 1 FROM contact_messages m
                 WHERE m.id::text = e.metadata->>'contact_message_id'))
              OR (e.metadata ? 'early_access_request_id' AND NOT EXISTS (
                 SELECT 1 FROM early_access_requests r
                 WHERE r.id::text = e.metadata->>'early_access_request_id')))
            """,
            pattern,
        )[0][0]
        check(f"no event pointing at a missing row ({dangling} found)", dangling == 0)
        orphans = rows(
            "SELECT count(*) FROM lead_events WHERE lead_id IS NULL AND event_type IN "
            "('CHOICES_SUBMITTED', 'EARLY_ACCESS_REQUESTED', 'CONTACT_MESSAGE_SENT')"
        )[0][0]
        check(f"no submission event without a lead ({orphans} found)", orphans == 0)
    results.extra_rows = extra
    return checks


# --------------------------------------------------------------------------- main


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def connections_per_worker(port: int) -> Counter:
    if not shutil.which("ss"):
        return Counter()
    output = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout
    return Counter(re.findall(r"pid=(\d+)", output))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", help="a running server; default: start our own gunicorn")
    parser.add_argument("--database-url", help="the running server's database, for the checks")
    parser.add_argument(
        "--server-database-url",
        default="postgres://postgres@127.0.0.1:5432",
        help="the PostgreSQL server for our own database (no database name)",
    )
    parser.add_argument("--database-name", default="leadcrm_load", help="our own database")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--port", type=int, default=18290, help="our own gunicorn's port")
    parser.add_argument("--proxy-port", type=int, help="the cache proxy's port (default port+1)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="the cache")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY for our own gunicorn")
    parser.add_argument("--threads", type=int, help="GUNICORN_THREADS for our own gunicorn")
    parser.add_argument("--log", help="our own gunicorn's log file")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent visitors")
    parser.add_argument("--people", type=int, default=500, help="distinct people (emails)")
    parser.add_argument("--faults", action="store_true", help="kill DB connections, drop cache")
    parser.add_argument("--cache-outage", type=float, default=5.0, help="seconds without cache")
    parser.add_argument(
        "--application-name",
        default=APPLICATION_NAME,
        help="the app's PostgreSQL application_name, whose connections --faults kills",
    )
    parser.add_argument(
        "--require-cache-fail-open",
        action="store_true",
        help="fail the run if any request got a 503 while the cache was down (the rate limit "
        "must fail open and accept submissions without the cache)",
    )
    parser.add_argument("--max-retries", type=int, default=30)
    parser.add_argument("--max-retry-wait", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if args.base_url and not args.database_url:
        parser.error("--base-url needs --database-url (the checks read the server's database)")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    run = secrets.token_hex(4)
    server = proxy = None
    if args.base_url:
        base_url, database_url = args.base_url.rstrip("/"), args.database_url
    else:
        redis = urllib.parse.urlsplit(args.redis_url)
        proxy_port = args.proxy_port or args.port + 1
        proxy = TcpProxy(proxy_port, (redis.hostname or "127.0.0.1", redis.port or 6379))
        proxy.start()
        cache_url = f"redis://127.0.0.1:{proxy_port}{redis.path or '/0'}"
        server = OwnServer(args, cache_url)
        print(f"Preparing {args.database_name} (migrate, collectstatic) ...", flush=True)
        server.prepare_database()
        server.start()
        base_url, database_url = server.base_url, server.database_url
    parts = urllib.parse.urlsplit(base_url)
    host, port = parts.hostname, parts.port or 80
    contract = detect_contract(host, port, parts.path.rstrip("/"))
    config = Config(
        host=host,
        port=port,
        prefix=parts.path.rstrip("/"),
        run=run,
        domain=f"load-{run}.example",
        people=args.people,
        contract=contract,
        max_retries=args.max_retries,
        max_retry_wait=args.max_retry_wait,
        seed=args.seed,
    )
    print(
        f"Run {run}: {args.clients} visitors for {args.duration:g}s against {base_url}, "
        f"{args.people} people, JSON bodies: "
        f"{'the front-end contract (no slash)' if contract else 'the older slash endpoints'}"
        f"{', with faults' if args.faults else ''}",
        flush=True,
    )
    results = Results()
    try:
        started = time.monotonic()
        deadline = started + args.duration
        visitors = [Visitor(n, config, results, deadline) for n in range(args.clients)]
        for visitor in visitors:
            visitor.start()
        faults = None
        if args.faults:
            faults = Faults(args, started, proxy, database_url)
            faults.start()
        time.sleep(min(args.duration / 2, max(args.duration - 1, 0)))
        held = connections_per_worker(port)
        for visitor in visitors:
            visitor.join(timeout=args.duration + 300)
        elapsed = time.monotonic() - started
        if faults is not None:
            faults.join(timeout=30)
        per_worker = server.requests_per_worker() if server else Counter()
        checks = database_checks(database_url, results, config)
    finally:
        if server is not None:
            server.stop()
        if proxy is not None:
            proxy.stop()

    by_action = defaultdict(Counter)
    for (action, status), count in results.statuses.items():
        by_action[action][status] += count
    print(
        f"\n{results.requests} requests in {elapsed:.1f}s: {results.requests / elapsed:.0f} req/s"
    )
    print(
        f"latency p50 {percentile(results.latencies, 0.5) * 1000:.0f} ms, "
        f"p95 {percentile(results.latencies, 0.95) * 1000:.0f} ms, "
        f"p99 {percentile(results.latencies, 0.99) * 1000:.0f} ms, "
        f"mean {statistics.fmean(results.latencies or [0]) * 1000:.0f} ms"
    )
    for action in MIX:
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(by_action[action].items()))
        print(f"  {action:18} {statuses}")
    kinds = Counter(s.kind for s in results.accepted)
    print(f"accepted submissions: {sum(kinds.values())} ({dict(sorted(kinds.items()))})")
    print(
        f"503 with Retry-After, retried: {sum(results.retried_503.values())} "
        f"{dict(results.retried_503)}; dropped connections retried: {results.connection_errors}"
    )
    if held:
        print(f"keep-alive connections per worker (mid-run): {dict(held)}")
    if per_worker:
        print(f"requests per worker: {dict(per_worker)}")
    if args.faults and faults is not None:
        for line in faults.log:
            print(f"  fault {line}")
        down, back = faults.cache_outage or (0.0, 0.0)
        after_kill = [
            t for t in results.unavailable_at if any(0 <= t - k <= 2 for k in faults.kills)
        ]
        during_cache = [
            t for t in results.unavailable_at if t not in after_kill and down <= t <= back + 1
        ]
        other = len(results.unavailable_at) - len(during_cache) - len(after_kill)
        print(
            f"503s while the cache was down: {len(during_cache)}; within 2 s of a connection "
            f"kill: {len(after_kill)}; other: {other}"
        )
        if faults.cache_outage:
            fail_open = (
                f"cache outage answered without a 503 (rate limit fails open; "
                f"{len(during_cache)} 503s)",
                not during_cache,
            )
            if args.require_cache_fail_open:
                checks.append(fail_open)
            else:
                print(f"  [{'ok' if fail_open[1] else 'not yet'}] {fail_open[0]}")
    extra = results.extra_rows
    if any(extra.values()):
        # A retried submission whose first try was committed after all (the connection died
        # between COMMIT and its answer) is stored twice: nothing is lost, one is extra.
        print(f"rows beyond the accepted submissions (ambiguous commits retried): {extra}")
    for line in results.refused[:10]:
        print(f"  refused: {line}")

    checks = [
        (
            f"no 5xx except 503 with Retry-After ({len(results.server_errors)} found)",
            not results.server_errors,
        ),
        (f"no Django 500 page ({results.django_500_pages} found)", not results.django_500_pages),
        (f"no submission given up ({len(results.gave_up)})", not results.gave_up),
        (f"no submission refused ({len(results.refused)})", not results.refused),
        *checks,
    ]
    for line in results.server_errors[:10]:
        print(f"  5xx: {line}")
    print("\nChecks:")
    for name, ok in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    failed = [name for name, ok in checks if not ok]
    if server is not None and not args.keep_database and not failed:
        server.drop_database()
    elif server is not None:
        print(f"database kept: {server.database_url}; gunicorn log: {server.log_path}")
    print("\nnothing lost" if not failed else f"\n{len(failed)} check(s) FAILED")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
