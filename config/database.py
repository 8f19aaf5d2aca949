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


def database_from_url(
    url: str | None,
    *,
    sqlite_path: Path,
    pool: bool = True,
    pool_timeout: float = POOL_TIMEOUT_SECONDS,
    setting: str = "DATABASE_URL",
) -> dict:
    """Return the DATABASES["default"] dict for ``url``; no URL means the SQLite file.

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
        if pool:
            options.setdefault("pool", {"min_size": 1, "max_size": 8, "timeout": pool_timeout})
    else:
        # Writers queue instead of failing with "database is locked" under concurrent forms.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", 20)
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
    return config
