"""Measure the submit path through gunicorn against a plain psycopg loop of the same SQL.

Usage (needs PostgreSQL, Redis and Debian's wrk; creates and drops its own database):

    .venv/bin/python bench/submit.py
    .venv/bin/python bench/submit.py --duration 20 --rounds 3 --connections 16 --database bench_i8a_submit

In one run it:
1. creates the database (``--database``, default ``bench_i8a_submit``), migrates it and
   collects static files;
2. starts gunicorn with production settings on loopback: ``-c config/gunicorn.py`` when that
   file exists, else the equivalent command-line options (``--workers``/``--threads``), with
   the rate limits set out of reach so that they never throttle the benchmark;
3. drives ``POST /api/contact`` (JSON) and the ``/contact/`` HTML form (CSRF cookie and token)
   with wrk, each request a new email or one of a few hundred returning ones in varied case;
4. drives three yardsticks on a second gunicorn (same config, production settings plus
   ``bench/reference_urls.py``): ``POST /bench/contact``, the five-statement transaction behind
   a bare Django view (no DRF, no serializer, no model instances), ``POST
   /bench/contact-one``, the same bare view sending the app's ONE-statement write (issue 21:
   upsert, message, event, staff alert, auto-reply claim and outbox row in one data-modifying
   CTE), and ``GET /bench/empty``, the least any request costs;
5. drives plain psycopg 3 loops, 8 connections: the minimal five-statement transaction
   (BEGIN; upsert RETURNING id; INSERT contact_messages; INSERT lead_events; COMMIT), also
   with 1 connection, and the one statement (autocommitted);
6. drives the JSON endpoint and the one-statement bare view again with ``--latency-clients``
   (default 50) wrk connections for their p99 latency (every wrk run reports its p99);
7. repeats 3-6 for ``--rounds`` rounds (default 3), prints req/s (tx/s) of each, p99, the CPU
   each request cost the server processes and the whole machine (PostgreSQL and the load
   generator included), and every ratio per round and their medians (targets: JSON at 0.30 or
   more of the five-statement loop, at 0.85 or more of the one-statement bare view), then stops
   gunicorn and drops the database.

``--check`` exits 1 when any answer was not 2xx/3xx, wrk saw socket errors, or fewer messages
were stored than submissions were accepted (CI runs a short round with it).

Everything it starts is bounded in time and stopped on the way out.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

import django
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RETURNING_PEOPLE = 500
# The same statement the app's lead_upsert sends (leads/services.py); importing it needs Django.
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()
from alerts.models import VisitorAutoReply  # noqa: E402
from alerts.rendering import email_render  # noqa: E402
from alerts.services import AUTO_REPLY_TEMPLATES  # noqa: E402
from bench.submit_sql import (  # noqa: E402
    CONTACT_SQL,
    EVENT_SQL,
    one_statement_params,
    one_statement_sql,
)
from leads.services import _LEAD_UPSERT_SQL  # noqa: E402

ONE_STATEMENT_SQL = one_statement_sql(_LEAD_UPSERT_SQL)

# wrk script: each request a new email or a returning one (about half), in varied case.
WRK_LUA = r"""
local counter = 0
local thread_id = 0
local people = %(people)d
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + thread_id * 7919)
end

local function email()
  counter = counter + 1
  if counter %% 2 == 0 then
    local n = math.random(1, people)
    local spellings = {"returning%%d@example.com", "Returning%%d@Example.com",
                       "RETURNING%%d@EXAMPLE.COM"}
    return string.format(spellings[(n %% 3) + 1], n)
  end
  return string.format("new-%%s-%%d-%%d@example.com", "%(run)s", thread_id, counter)
end

request = function()
  local address = email()
  %(request)s
end
"""
JSON_REQUEST = r"""
  local body = '{"name": "Bench", "email": "' .. address .. '", "message": "Please call me back about the project."}'
  return wrk.format("POST", "/api/contact", {["Content-Type"] = "application/json"}, body)
"""
BARE_REQUEST = r"""
  local body = '{"name": "Bench", "email": "' .. address .. '", "message": "Please call me back about the project."}'
  return wrk.format("POST", "/bench/contact", {["Content-Type"] = "application/json"}, body)
"""
BARE_ONE_REQUEST = r"""
  local body = '{"name": "Bench", "email": "' .. address .. '", "message": "Please call me back about the project."}'
  return wrk.format("POST", "/bench/contact-one", {["Content-Type"] = "application/json"}, body)
"""
EMPTY_REQUEST = r"""
  return wrk.format("GET", "/bench/empty")
"""
FORM_REQUEST = r"""
  local body = "csrfmiddlewaretoken=%(token)s&name=Bench&subject=Hello&phone=&website="
    .. "&message=Please+call+me+back+about+the+project.&email=" .. address
  return wrk.format("POST", "/contact/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "csrftoken=%(cookie)s",
  }, body)
"""


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


def admin_url(server: str, database: str) -> str:
    return f"{server.rstrip('/')}/{database}"


def recreate_database(server: str, name: str) -> None:
    if not re.fullmatch(r"bench_[a-z0-9_]+", name):
        raise SystemExit(f"refusing to (re)create {name!r}: bench databases are named bench_*")
    with psycopg.connect(admin_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(admin_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port} within {timeout}s")


def gunicorn_command(args: argparse.Namespace, port: int) -> list[str]:
    command = [str(Path(PYTHON).with_name("gunicorn"))]
    config = ROOT / "config" / "gunicorn.py"
    if config.exists() and not args.no_config:
        command += ["-c", str(config)]
        for option, value in (("--workers", args.workers), ("--threads", args.threads)):
            if value:
                command += [option, str(value)]
    else:
        command += [
            "--workers",
            str(args.workers or 2),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads or 4),
            "--timeout",
            "30",
            "--keep-alive",
            "5",
        ]
    # No control socket: its default path is shared by every gunicorn of this user.
    return [
        *command,
        "--no-control-socket",
        "--bind",
        f"127.0.0.1:{port}",
        "config.wsgi:application",
    ]


def csrf_pair(base_url: str) -> tuple[str, str]:
    """Return (cookie, form token) from a GET of the contact page, as a browser would."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    deadline = time.monotonic() + 90
    while True:  # the workers may still be booting on a busy machine
        try:
            html = opener.open(f"{base_url}/contact/", timeout=30).read().decode()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    cookie = next(c.value for c in jar if c.name == "csrftoken")
    return cookie, token


def latency_ms(text: str) -> float:
    """wrk's "12.34ms" / "567.00us" / "1.20s" in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(
    args: argparse.Namespace,
    base_url: str,
    request_lua: str,
    name: str,
    connections: int | None = None,
) -> dict:
    script = WRK_LUA % {"people": RETURNING_PEOPLE, "run": name, "request": request_lua}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        result = subprocess.run(
            [
                "wrk",
                f"-t{args.wrk_threads}",
                f"-c{connections or args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "10s",
                "--latency",
                "-s",
                handle.name,
                base_url,
            ],
            capture_output=True,
            text=True,
            timeout=args.duration + 60,
        )
    finally:
        os.unlink(handle.name)
    if result.returncode:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stdout} {result.stderr}")
    output = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    failed = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    return {
        "p99_ms": latency_ms(p99.group(1)) if p99 else float("nan"),
        "rate": rate,
        "requests": total,
        "non_2xx_3xx": int(failed.group(1)) if failed else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def psycopg_loop(url: str, connections: int, duration: float, *, one: bool = False) -> dict:
    """Run the minimal five-statement transaction (``one``: the one statement) on
    ``connections`` threads for ``duration`` seconds."""
    reply = email_render(AUTO_REPLY_TEMPLATES[VisitorAutoReply.Kind.CONTACT_MESSAGE], {})
    counts = [0] * connections
    errors: list[BaseException] = []
    start = threading.Barrier(connections + 1, timeout=60)
    stop_at = [float("inf")]

    def worker(n: int) -> None:
        import random

        rng = random.Random(n)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                start.wait()
                i = 0
                while time.monotonic() < stop_at[0]:
                    i += 1
                    if i % 2 == 0:
                        email = f"returning{rng.randint(1, RETURNING_PEOPLE)}@example.com"
                    else:
                        email = f"loop-{'one' if one else 'five'}-{connections}-{n}-{i}@example.com"
                    now = datetime.now(UTC)
                    if one:
                        conn.execute(
                            ONE_STATEMENT_SQL,
                            one_statement_params(
                                lead_id=uuid.uuid4(),
                                email=email,
                                name="Bench",
                                message="Please call me back about the project.",
                                message_id=uuid.uuid4(),
                                event_id=uuid.uuid4(),
                                now=now,
                                day=now.date(),
                                reply=reply,
                            ),
                        ).fetchone()
                        counts[n] += 1
                        continue
                    with conn.transaction():
                        lead_id = conn.execute(
                            _LEAD_UPSERT_SQL,
                            (uuid.uuid4(), email, "", "Bench", "CONTACT", now, now, "DEV"),
                        ).fetchone()[0]
                        message_id = uuid.uuid4()
                        conn.execute(
                            CONTACT_SQL,
                            (message_id, lead_id, "Please call me back about the project.", now),
                        )
                        conn.execute(
                            EVENT_SQL,
                            (
                                uuid.uuid4(),
                                lead_id,
                                json.dumps({"contact_message_id": str(message_id)}),
                                now,
                            ),
                        )
                    counts[n] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    stop_at[0] = began + duration
    for thread in threads:
        thread.join(duration + 60)
    elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(f"psycopg loop failed: {errors[0]!r}")
    return {"rate": sum(counts) / elapsed, "requests": sum(counts)}


def process_tree_cpu(root: int) -> float:
    """Return the CPU seconds (user + system) used so far by ``root`` and its children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # Fields after the command name (which may hold spaces): state, ppid, ...
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def machine_cpu() -> float:
    """Return the CPU seconds the whole machine has spent busy (all cores, every process)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def with_cpu(measure, cpu) -> dict:
    """Run ``measure()``; add the CPU ms per request that ``cpu()`` and the machine counted."""
    before, machine_before = cpu(), machine_cpu()
    result = measure()
    spent, machine_spent = cpu() - before, machine_cpu() - machine_before
    requests = result["requests"] or 1
    result["cpu_ms"] = spent * 1000 / requests
    result["machine_ms"] = machine_spent * 1000 / requests
    return result


def stored_counts(url: str) -> dict:
    with psycopg.connect(url) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("users_leads", "contact_messages", "lead_events")
        }


LABELS = {
    "json": "JSON POST /api/contact",
    "form": "HTML form POST /contact/",
    "bare": "bare view, 5 statements",
    "bare1": "bare view, 1 statement",
    "empty": "empty request (GET)",
    "loop8": "loop-8, 5 statements",
    "loop1": "loop-1, 5 statements",
    "one8": "loop-8, 1 statement",
    "json_many": "JSON, latency clients",
    "bare1_many": "bare 1-stmt, latency clients",
}
# The wrk runs (they have a p99) and the measurements that submit a contact message.
SERVED = ("json", "form", "bare", "bare1", "empty", "json_many", "bare1_many")
SUBMITTING = ("json", "form", "bare", "bare1", "loop8", "loop1", "one8", "json_many", "bare1_many")
# label: (top, bottom, target)
RATIOS = {
    "JSON / loop-8 (5 stmts)": ("json", "loop8", 0.30),
    "JSON / bare view (1 stmt)": ("json", "bare1", 0.85),
    "JSON / loop-8 (1 stmt)": ("json", "one8", None),
    "form / loop-8 (5 stmts)": ("form", "loop8", None),
    "form / bare view (1 stmt)": ("form", "bare1", None),
    "bare 1 stmt / loop-8 (5)": ("bare1", "loop8", None),
    "bare 1 stmt / loop-8 (1)": ("bare1", "one8", None),
    "bare 5 stmts / loop-8 (5)": ("bare", "loop8", None),
    "bare 1 / bare 5 stmts": ("bare1", "bare", None),
    "JSON / bare view (5 stmts)": ("json", "bare", None),
    "empty / loop-8 (5 stmts)": ("empty", "loop8", None),
    "JSON / loop-1 (5 stmts)": ("json", "loop1", None),
    "form / JSON": ("form", "json", None),
    "loop-8 1 stmt / 5 stmts": ("one8", "loop8", None),
    "loop-8 / loop-1 (5 stmts)": ("loop8", "loop1", None),
}


def report(rounds: list[dict], warmups: list[dict], stored: dict, args: argparse.Namespace) -> bool:
    """Print the figures; return whether every answer was right and every submission stored."""
    print()
    print(
        f"{'req/s (tx/s)':<28}"
        + "".join(f"{f'round {n}':>10}" for n in range(1, len(rounds) + 1))
        + f"{'median':>10}"
    )
    for key, label in LABELS.items():
        rates = [r[key]["rate"] for r in rounds]
        print(
            f"{label:<28}"
            + "".join(f"{rate:>10.0f}" for rate in rates)
            + f"{statistics.median(rates):>10.0f}"
        )
    print()
    print(
        f"p99 latency ms (wrk --latency; {args.connections} connections, "
        f"{args.latency_clients} for the 'latency clients' rows):"
    )
    for key in SERVED:
        latencies = [r[key]["p99_ms"] for r in rounds]
        print(
            f"{LABELS[key]:<28}"
            + "".join(f"{ms:>10.1f}" for ms in latencies)
            + f"{statistics.median(latencies):>10.1f}"
        )
    for title, field in (
        ("client-side CPU ms per request (gunicorn processes; the loop's own process):", "cpu_ms"),
        (
            "machine CPU ms per request (every process: PostgreSQL, Redis, wrk included):",
            "machine_ms",
        ),
    ):
        print()
        print(title)
        for key, label in LABELS.items():
            costs = [r[key][field] for r in rounds]
            print(
                f"{label:<28}"
                + "".join(f"{cost:>10.2f}" for cost in costs)
                + f"{statistics.median(costs):>10.2f}"
            )
    print()
    print(f"{'ratio':<28}" + " " * 10 * len(rounds) + f"{'median':>10}")
    for label, (top, bottom, goal) in RATIOS.items():
        ratios = [r[top]["rate"] / r[bottom]["rate"] for r in rounds if r[bottom]["rate"]]
        target = ""
        if goal is not None:
            met = "met" if statistics.median(ratios) >= goal else "NOT met"
            target = f"  (target >= {goal:.2f}: {met})"
        print(
            f"{label:<28}"
            + "".join(f"{ratio:>10.2f}" for ratio in ratios)
            + f"{statistics.median(ratios):>10.2f}{target}"
        )
    served = SERVED
    failed = sum(r[k]["non_2xx_3xx"] for r in rounds for k in served)
    socket_errors = [r[k]["socket_errors"] for r in rounds for k in served if r[k]["socket_errors"]]
    accepted = sum(w["requests"] - w["non_2xx_3xx"] for w in warmups) + sum(
        r[k]["requests"] - r[k].get("non_2xx_3xx", 0) for r in rounds for k in SUBMITTING
    )
    print()
    print(f"non-2xx/3xx answers: {failed}; socket errors: {socket_errors or 'none'}")
    # wrk counts completed requests only; one cut off at the end of a run may be stored too.
    print(f"accepted submissions: {accepted}; stored: {stored}")
    all_stored = min(stored["contact_messages"], stored["lead_events"]) >= accepted
    if not all_stored:
        print("FAILED: fewer rows stored than submissions accepted")
    return failed == 0 and not socket_errors and all_stored


def stop(process: subprocess.Popen | None) -> None:
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_i8a_submit")
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--port", type=int, default=18110)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the four measurements")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--latency-clients", type=int, default=50, help="wrk connections of the p99 runs"
    )
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (0: config)")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads (0: config)")
    parser.add_argument("--no-config", action="store_true", help="ignore config/gunicorn.py")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 on any non-2xx/3xx answer, socket error or submission not stored",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")

    url = admin_url(args.server, args.database)
    base_url = f"http://127.0.0.1:{args.port}"
    reference_url = f"http://127.0.0.1:{args.port + 1}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DATABASE_URL": url,
        "CACHE_URL": args.cache_url,
        "APP_ENVIRONMENT": "DEV",
        "LOG_LEVEL": "WARNING",
        # The rate limits must not throttle the benchmark.
        "THROTTLE_LEAD_CONTACT": "100000000/s",
        "THROTTLE_LEAD_CHOICES": "100000000/s",
        "THROTTLE_LEAD_EARLY_ACCESS": "100000000/s",
        "THROTTLE_LEAD_PAGE_SESSIONS": "100000000/s",
    }
    env.pop("DIRECT_URL", None)
    production = {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "memory://"),
        "EMAIL_URL": os.environ.get("EMAIL_URL", "consolemail://"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
    }
    reference = {**production, "DJANGO_SETTINGS_MODULE": "bench.reference_settings"}
    servers: list[subprocess.Popen] = []
    passed = False
    try:
        log(f"creating {args.database}, migrating, collecting static files")
        recreate_database(args.server, args.database)
        manage({**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"}, "migrate", "--noinput")
        manage(production, "collectstatic", "--noinput")

        # The app on production settings; the yardsticks on a second server next to it.
        for port, settings in ((args.port, production), (args.port + 1, reference)):
            command = gunicorn_command(args, port)
            log(f"starting {settings['DJANGO_SETTINGS_MODULE']}: " + " ".join(command[1:]))
            server_log = open(Path(tempfile.gettempdir()) / f"bench-submit-{port}.log", "w")  # noqa: SIM115
            servers.append(
                subprocess.Popen(
                    command, cwd=ROOT, env=settings, stdout=server_log, stderr=subprocess.STDOUT
                )
            )
        app, yardsticks = servers
        wait_for_port(args.port, app)
        wait_for_port(args.port + 1, yardsticks)
        cookie, token = csrf_pair(base_url)

        log("warming up (not measured): every endpoint, 2s each")
        warm = argparse.Namespace(**{**vars(args), "duration": 2})
        form_request = FORM_REQUEST % {"token": token, "cookie": cookie}
        warmups = [
            run_wrk(warm, base_url, JSON_REQUEST, "warm-json"),
            run_wrk(warm, base_url, form_request, "warm-form"),
            run_wrk(warm, reference_url, BARE_REQUEST, "warm-bare"),
            run_wrk(warm, reference_url, BARE_ONE_REQUEST, "warm-bare1"),
        ]
        run_wrk(warm, reference_url, EMPTY_REQUEST, "warm-empty")

        # Rounds of the measurements back to back, so that each ratio compares figures taken
        # within a minute or two of each other on a machine whose load may drift.
        rounds = []
        for number in range(1, args.rounds + 1):
            log(f"round {number}/{args.rounds}: {args.duration}s each")
            app_cpu = lambda: process_tree_cpu(app.pid)  # noqa: E731
            yardstick_cpu = lambda: process_tree_cpu(yardsticks.pid)  # noqa: E731
            many = args.latency_clients
            wrk_runs = {
                "json": (base_url, JSON_REQUEST, app_cpu, None),
                "form": (base_url, form_request, app_cpu, None),
                "bare": (reference_url, BARE_REQUEST, yardstick_cpu, None),
                "bare1": (reference_url, BARE_ONE_REQUEST, yardstick_cpu, None),
                "empty": (reference_url, EMPTY_REQUEST, yardstick_cpu, None),
                "json_many": (base_url, JSON_REQUEST, app_cpu, many),
                "bare1_many": (reference_url, BARE_ONE_REQUEST, yardstick_cpu, many),
            }
            measured = {
                key: with_cpu(
                    lambda key=key, target=target, lua=lua, number=number, conns=conns: run_wrk(
                        args, target, lua, f"{key}{number}", conns
                    ),
                    cpu,
                )
                for key, (target, lua, cpu, conns) in wrk_runs.items()
            }
            for key, connections, one in (
                ("loop8", 8, False),
                ("loop1", 1, False),
                ("one8", 8, True),
            ):
                measured[key] = with_cpu(
                    lambda connections=connections, one=one: psycopg_loop(
                        url, connections, args.duration, one=one
                    ),
                    time.process_time,
                )
            rounds.append(measured)
        for server in servers:
            stop(server)
        stored = stored_counts(url)
        passed = report(rounds, warmups, stored, args)
    finally:
        for server in servers:
            stop(server)
        if not args.keep:
            drop_database(args.server, args.database)
            log(f"dropped {args.database}")
    if args.check and not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
