"""Turn the DATABASE_URL setting into Django's DATABASES entry."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

POSTGRES_ENGINE = "django.db.backends.postgresql"
SQLITE_ENGINE = "django.db.backends.sqlite3"


# Seconds a request waits for a pooled connection before its 503. The pool holds more
# connections than a gunicorn worker has threads, so a request only waits when the database
# cannot be reached: better a prompt "try again" than a visitor (and a worker thread) held 10 s.
POOL_TIMEOUT_SECONDS = 3.0

# Behind a transaction-mode pooler: seconds a worker keeps its connection to the pooler.
TRANSACTION_POOLER_CONN_MAX_AGE = 60


def database_from_url(
    url: str | None,
    *,
    sqlite_path: Path,
    pool: bool = True,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    transaction_pooler: bool = False,
    setting: str = "DATABASE_URL",
) -> dict:
    """Return the DATABASES["default"] dict for ``url``; no URL means the SQLite file.

    ``transaction_pooler`` says that ``url`` is a transaction-mode pooler (PgBouncer with
    ``pool_mode = transaction``, Supabase's pooled URL): each transaction may run on another
    server connection, so nothing may outlive one (see ``TRANSACTION_POOLER`` below).
    ``setting`` names the environment variable in error messages.
    """
    if not url:
        config = {"ENGINE": SQLITE_ENGINE, "NAME": str(sqlite_path)}
    else:
        try:
            config = environ.Env.db_url_config(url)
        except Exception as exc:  # django-environ raises several types for bad URLs
            raise ImproperlyConfigured(f"{setting} is not a valid database URL: {exc}") from exc
        if config.get("ENGINE") not in (POSTGRES_ENGINE, SQLITE_ENGINE):
            raise ImproperlyConfigured(
                f"{setting} must be a postgres:// or sqlite:// URL, "
                f"got engine {config.get('ENGINE')!r}"
            )
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"] == POSTGRES_ENGINE:
        # Django's own psycopg 3 pool; it requires persistent connections to be off.
        config["CONN_MAX_AGE"] = 0
        # With the pool this makes it check each connection (an empty query) as it hands it
        # out, so one the server dropped is replaced instead of failing the request. The round
        # trip also catches a connection whose backend is being terminated at that moment,
        # which reading the socket alone cannot (docs/performance.md, "Production server").
        config["CONN_HEALTH_CHECKS"] = True
        if transaction_pooler:
            # The pooler pools: no second pool in front of it. A connection to it is kept for
            # a minute (checked before each request's first query) instead of one per request.
            config["CONN_MAX_AGE"] = TRANSACTION_POOLER_CONN_MAX_AGE
            # A server-side cursor outside a transaction (WITH HOLD) lives on a server
            # connection the next transaction may not get: .iterator() reads client-side.
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
            # A prepared statement lives on one server connection too: never prepare.
            options["prepare_threshold"] = None
        elif pool:
            options.setdefault("pool", {"min_size": 1, "max_size": 8, "timeout": pool_timeout})
    else:
        # Writers queue instead of failing with "database is locked" under concurrent forms.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    return config


# A replica that is down must fail fast: its reads then go to the primary.
REPLICA_CONNECT_TIMEOUT_SECONDS = 2


def replica_databases(urls: list[str], *, sqlite_path: Path) -> dict[str, dict]:
    """Return DATABASES entries ``replica_0``, ``replica_1`` ... for DATABASE_REPLICA_URLS.

    No pool (a pool would wait its timeout for a replica that is down; a refused connection
    answers at once), a connection kept for a minute and checked before use, and in tests the
    primary's connection (``MIRROR``), since a test database has no replica of its own.
    """
    replicas = {}
    for number, url in enumerate(url for url in urls if url.strip()):
        config = database_from_url(
            url.strip(), sqlite_path=sqlite_path, pool=False, setting="DATABASE_REPLICA_URLS"
        )
        if config["ENGINE"] == POSTGRES_ENGINE:
            config["CONN_MAX_AGE"] = TRANSACTION_POOLER_CONN_MAX_AGE
            config["OPTIONS"].setdefault("connect_timeout", REPLICA_CONNECT_TIMEOUT_SECONDS)
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica_{number}"] = config
    return replicas
