"""Per-client rate limits shared by the HTML forms and the JSON endpoints.

A fixed window per (scope, client, window number): one counter in the cache, bumped with one
atomic increment, so concurrent requests from one address can never overshoot the rate and a
check costs one cache round trip. When the cache is down the limit fails open with a logged
warning: a visitor's submission matters more than a bot's extra attempt.
"""

import logging
import time
from dataclasses import dataclass

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from core.http import client_address

logger = logging.getLogger(__name__)

CHOICES_SCOPE = "lead_choices"
EARLY_ACCESS_SCOPE = "lead_early_access"
CONTACT_SCOPE = "lead_contact"
PAGE_SESSIONS_SCOPE = "lead_page_sessions"

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

# INCR and, on a window's first hit, EXPIRE: one command, so one round trip and atomic.
_INCREMENT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    # Seconds until the client's window ends (0 when allowed).
    wait: float = 0


def parse_rate(rate: str) -> tuple[int, int]:
    """Return (requests, seconds) for a DRF-style rate such as ``"10/min"`` or ``"5/s"``."""
    count, period = rate.split("/")
    return int(count), _PERIODS[period[0]]


def cache_hit(key: str, *, timeout: int) -> int:
    """Count one hit on ``key`` in one cache round trip and return the count so far.

    On Redis: one EVAL of INCR-then-EXPIRE (atomic, one round trip). Other backends:
    add-then-incr, which the local-memory cache does under its lock, in process.
    """
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        return int(_redis_client(cache).eval(_INCREMENT_SCRIPT, 1, full_key, timeout))
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this hit starts a new window
        cache.add(key, 1, timeout=timeout)
        return 1


def _redis_client(cache: RedisCache):
    """Return a Redis client on ``cache``'s connection pool, made once per cache instance.

    Django's Redis cache has no atomic increment-with-expiry, so the script goes through the
    client directly. Django builds a new client object on every call, which costs more CPU
    than the round trip itself; keep one.
    """
    client = getattr(cache, "_leads_throttle_client", None)
    if client is None:
        client = cache._cache.get_client(write=True)
        cache._leads_throttle_client = client
    return client


def rate_limit_check(request: HttpRequest, *, scope: str) -> RateLimit:
    """Count one attempt against ``scope`` for this client and say whether it is allowed."""
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
    if not rate:
        return RateLimit(allowed=True)
    limit, seconds = parse_rate(rate)
    now = time.time()
    window = int(now // seconds)
    key = f"throttle:{scope}:{client_address(request)}:{window}"
    try:
        count = cache_hit(key, timeout=seconds)
    except Exception as exc:  # noqa: BLE001 - any cache failure must not cost a submission
        logger.warning("Rate limit %s not applied, the cache is unavailable: %r", scope, exc)
        return RateLimit(allowed=True)
    if count <= limit:
        return RateLimit(allowed=True)
    return RateLimit(allowed=False, wait=(window + 1) * seconds - now)


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle keyed on ``client_address``, for DRF views outside the lead forms.

    The public lead endpoints use ``rate_limit_check`` instead: one atomic increment per
    parsed POST, where DRF's throttle reads and writes a history list on every request.
    """

    @property
    def THROTTLE_RATES(self) -> dict:  # noqa: N802 - DRF's name
        # DRF binds the rates at import; read them live so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        return client_address(request)


def rate_limit_allows(request: HttpRequest, *, scope: str) -> bool:
    """Count one attempt against ``scope`` for this client; False once over the rate."""
    return rate_limit_check(request, scope=scope).allowed
