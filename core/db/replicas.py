"""Reads from streaming replicas (DATABASE_REPLICA_URLS), writes and fresh reads from the primary.

Only staff reads that can stand a moment of lag go to a replica: the admin index (dashboard),
admin changelists, exports and the staff API's GETs (``replica_reads_allowed``). Everything
else reads the primary: public pages, every write, anything inside a transaction, and every
read of a client (its session cookie or API token) during DATABASE_REPLICA_PIN_SECONDS after
one of its own requests wrote (read-your-writes; the pin lives in the cache, so with Redis it
holds across processes and hosts).

A replica is checked at most every DATABASE_REPLICA_CHECK_SECONDS per process: one that is
down, not reachable within its connect timeout, or lagging more than
DATABASE_REPLICA_MAX_LAG_SECONDS is skipped. A replica that goes away under a request costs
that request nothing: a GET (or an export) whose replica failed is run again on the primary.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import logging
import re
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("core.db.replicas")

PIN_KEY_PREFIX = "db-pin:"
BOOKKEEPING_APPS = frozenset({"sessions", "axes"})
# Who is signed in and what they may do is always read on the primary: a session or a user
# made a moment ago must not look missing.
PRIMARY_READ_APPS = BOOKKEEPING_APPS | {"auth"}
# Staff reads that may come from a replica.
READ_PATH = re.compile(
    r"^/admin/(?:[a-z_]+/[a-z_]+/)?$"  # the admin index (dashboard), a changelist
    r"|^/api/(?:crm|leads|lms)/"  # the staff API
)
EXPORT_PATH = re.compile(r"^/admin/[a-z_]+/[a-z_]+/export/$")

# The checked lag: none while the replica has replayed all it received, else the age of the
# last transaction it replayed. NULL (not a standby) counts as no lag.
LAG_SQL = (
    "SELECT CASE WHEN NOT pg_is_in_recovery() "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END"
)


@dataclass
class RequestState:
    allowed: bool
    used: set[str] = field(default_factory=set)
    wrote: bool = False


_state: contextvars.ContextVar[RequestState | None] = contextvars.ContextVar(
    "replica_request_state", default=None
)
# alias -> (monotonic time of the check, usable)
_health: dict[str, tuple[float, bool]] = {}
_turn = itertools.count()


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def replica_is_usable(alias: str) -> bool:
    """Return whether ``alias`` answers and lags no more than the limit; checked now."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = cursor.fetchone()[0]
    except DatabaseError as error:
        logger.warning("replica %s skipped: %s", alias, error)
        connection.close()
        return False
    if lag is not None and float(lag) > settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
        logger.warning("replica %s skipped: %.1f s behind", alias, float(lag))
        return False
    return True


def mark_unusable(alias: str) -> None:
    _health[alias] = (time.monotonic(), False)
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


def usable_replica() -> str | None:
    """Return a replica alias to read from, or None for the primary (checks are cached)."""
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_turn) % len(aliases)
    now = time.monotonic()
    for alias in aliases[start:] + aliases[:start]:
        checked, usable = _health.get(alias, (float("-inf"), False))
        if now - checked >= settings.DATABASE_REPLICA_CHECK_SECONDS:
            usable = replica_is_usable(alias)
            _health[alias] = (time.monotonic(), usable)
        if usable:
            return alias
    return None


def reset_health() -> None:
    """Forget every replica's last check (tests; a deploy that changed the replicas)."""
    _health.clear()


class PrimaryReplicaRouter:
    """DATABASE_ROUTERS entry: writes to the primary, allowed reads to a usable replica."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.allowed or model._meta.app_label in PRIMARY_READ_APPS:
            return None
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # a read inside a transaction belongs to that transaction
        alias = usable_replica()
        if alias is not None:
            state.used.add(alias)
        return alias

    def db_for_write(self, model, **hints):
        state = _state.get()
        # Bookkeeping of every request (the session's activity stamp, sign-in attempts) does
        # not pin: only the client's own changes to data do.
        if state is not None and model._meta.app_label not in BOOKKEEPING_APPS:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same rows

    def allow_migrate(self, db, app_label, **hints):
        return False if db in replica_aliases() else None


def replica_reads_allowed(request: HttpRequest) -> bool:
    if request.method in ("GET", "HEAD"):
        return bool(READ_PATH.match(request.path))
    return request.method == "POST" and bool(EXPORT_PATH.match(request.path))


def client_key(request: HttpRequest) -> str | None:
    """The client's identity for read-your-writes: its API token, else its session cookie."""
    credential = request.META.get("HTTP_AUTHORIZATION") or request.COOKIES.get(
        settings.SESSION_COOKIE_NAME
    )
    if not credential:
        return None
    return PIN_KEY_PREFIX + hashlib.sha256(credential.encode()).hexdigest()


def _is_pinned(key: str | None) -> bool:
    if key is None:
        return False
    try:
        return bool(cache.get(key))
    except Exception:  # the cache is down: the primary is always right
        return True


def _pin(key: str | None) -> None:
    if key is None:
        return
    try:
        cache.set(key, 1, timeout=settings.DATABASE_REPLICA_PIN_SECONDS)
    except Exception:
        logger.warning("could not pin a client to the primary: the cache is down")


class ReplicaReadsMiddleware:
    """Decide per request whether its reads may come from a replica; pin writers to the primary.

    Goes first in MIDDLEWARE, so that it sees the 503 of a replica that failed under the
    request and can run the request again on the primary.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        key = client_key(request)
        state = RequestState(allowed=replica_reads_allowed(request) and not _is_pinned(key))
        token = _state.set(state)
        try:
            response = self.get_response(request)
            if state.used and response.status_code == 503 and not state.wrote:
                # A replica failed under this read: skip it and read the primary instead.
                for alias in state.used:
                    mark_unusable(alias)
                state.allowed = False
                response = self.get_response(request)
        finally:
            _state.reset(token)
        if state.wrote:
            _pin(key)
        if response.streaming and state.allowed:
            # An export reads while it streams, after this method returned.
            response.streaming_content = _streamed_with(state, response.streaming_content)
        return response


def _streamed_with(state: RequestState, content):
    _state.set(state)
    try:
        yield from content
    finally:
        _state.set(None)
