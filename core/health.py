"""``/healthz``: can this process reach its database and its cache right now?

It also reports the Celery broker and the age of the oldest unsent email (not in "status").
"""

import logging
import os
import threading
import time
from collections.abc import Callable

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.errors import RETRY_AFTER_SECONDS

logger = logging.getLogger("core.health")


def check_database() -> None:
    """Run one query on the default database; raise if it cannot."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache() -> None:
    """Write and read back one short-lived key; raise if the cache does not answer."""
    # A key per process and thread: concurrent checks (two load balancers) must not read each
    # other's value.
    key = f"healthz:{os.getpid()}:{threading.get_ident()}"
    token = str(time.monotonic_ns())
    cache.set(key, token, timeout=10)
    if cache.get(key) != token:
        raise RuntimeError("the cache did not return the value just written")


CHECKS = {"database": check_database, "cache": check_cache}


def broker_status() -> str:
    """ "ok" when the Celery broker accepts a connection now, else "unavailable"."""
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:
        logger.warning("healthz: broker is down: %s: %s", type(exc).__name__, exc)
        return "unavailable"
    return "ok"


# What other apps add to the answer, by name (the outbox's backlog): registered from their
# AppConfig.ready(), so the base knows none of them. Reported, never part of "status".
REPORTS: dict[str, Callable[[], dict]] = {}


def register_report(name: str, report: Callable[[], dict]) -> None:
    """Add ``report()``'s answer under ``name`` to every /healthz answer."""
    REPORTS[name] = report


@csrf_exempt
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer 200 when the database and the cache both work, else 503; JSON either way.

    It touches neither the session nor CSRF and is not rate limited, so a load balancer may
    poll it as often as it likes.
    """
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure of a dependency is "down", never a 500
            logger.warning("healthz: %s is down: %s: %s", name, type(exc).__name__, exc)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    healthy = all(result == "ok" for result in results.values())
    # Reported, not part of "status": the site serves (and the outbox keeps every email) while
    # the broker is down; a monitor alerts on them.
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": results,
            "broker": broker_status(),
            **{name: report() for name, report in REPORTS.items()},
        },
        status=200 if healthy else 503,
        headers=None if healthy else {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
