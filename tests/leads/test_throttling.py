import json
import logging
import os
import threading
import time
import uuid

import pytest
import redis
from django.core.cache import caches
from django.db import connections
from django.test import Client, RequestFactory
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.http import client_address
from leads.models import ContactMessage, PageSession, UsersLead
from leads.throttling import rate_limit_check
from tests.config.test_settings import run_python


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "192.0.2.1"),
        (0, "203.0.113.7", "192.0.2.1"),  # no trusted proxy: the header is the client's word
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # the forged left part is ignored
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),
        (1, " , ", "192.0.2.1"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_cache_url_selects_redis_and_defaults_to_local_memory():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.CACHES['default']['BACKEND'], settings.TRUSTED_PROXY_COUNT]))"
    )
    default = run_python(code, "config.settings.local")
    redis = run_python(
        code, "config.settings.local", CACHE_URL="redis://127.0.0.1:6379/0", TRUSTED_PROXY_COUNT="1"
    )

    assert json.loads(default.stdout.splitlines()[-1]) == [
        "django.core.cache.backends.locmem.LocMemCache",
        0,
    ]
    assert json.loads(redis.stdout.splitlines()[-1]) == [
        "django.core.cache.backends.redis.RedisCache",
        1,
    ]


# --- The rate limit: one atomic cache round trip, counted after parsing, failing open ---------

CONTACT = {"name": "Asha", "email": "asha@example.com", "message": "Please call me back soon."}
# A port of ours that nothing listens on: the cache is "down".
CLOSED_PORT_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:18199/0",
        "OPTIONS": {
            "socket_connect_timeout": 0.2,
            "socket_timeout": 0.2,
            "retry": Retry(NoBackoff(), 0),
        },
    }
}
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/1")
THREADS = 20


def post_contact(client: Client, body: dict = CONTACT, **extra):
    return client.post("/api/contact", json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def cache_down(settings):
    settings.CACHES = CLOSED_PORT_CACHE
    yield


@pytest.fixture
def redis_cache(settings):
    """The shared cache of a real deployment: Redis (this project's test DB number)."""
    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        pytest.skip(f"needs Redis at {REDIS_TEST_URL}: {exc}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_TEST_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    yield caches["default"]
    caches["default"].clear()


@pytest.mark.django_db
def test_cache_down_fails_open_with_a_warning_and_keeps_submissions(
    cache_down, throttle_rate, caplog
):
    throttle_rate("lead_contact", "1/min")

    with caplog.at_level(logging.WARNING, logger="leads.throttling"):
        answers = [post_contact(Client()).status_code for _ in range(3)]
        form = Client().post(
            "/contact/", {**CONTACT, "subject": "Hello", "phone": ""}, REMOTE_ADDR="10.9.9.9"
        )
        landing = Client().get("/contact/?utm_source=mail")

    assert answers == [201, 201, 201]
    assert form.status_code == 302
    assert landing.status_code == 200
    assert ContactMessage.objects.count() == 4
    assert PageSession.objects.count() == 1
    assert any("cache is unavailable" in record.getMessage() for record in caplog.records)


def test_a_closed_cache_port_fails_fast(cache_down, rf):
    started = time.monotonic()
    for _ in range(5):
        assert rate_limit_check(rf.post("/"), scope="lead_contact").allowed
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_one_cache_round_trip_per_check_on_redis(redis_cache, rf, monkeypatch):
    rate_limit_check(rf.post("/"), scope="lead_contact")  # connects (and says hello) once
    sends = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sends.append(command)
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)

    rate_limit_check(rf.post("/"), scope="lead_contact")
    assert len(sends) == 1
    sends.clear()
    assert post_contact(Client()).status_code == 201
    assert len(sends) == 1


@pytest.mark.django_db
def test_the_redis_counter_expires_with_its_window(redis_cache, throttle_rate, rf):
    throttle_rate("lead_contact", "2/min")
    request = rf.post("/", REMOTE_ADDR="10.0.0.7")

    assert [rate_limit_check(request, scope="lead_contact").allowed for _ in range(3)] == [
        True,
        True,
        False,
    ]
    client = redis_cache._cache.get_client(write=True)
    (key,) = client.keys(f"*{client_address(request)}*")
    assert 0 < client.ttl(key) <= 60


@pytest.mark.django_db
def test_only_posts_that_reach_validation_count(throttle_rate):
    throttle_rate("lead_contact", "1/min")
    client = Client()

    assert client.get("/api/contact").status_code == 405
    assert client.post("/api/contact", {"name": "form encoded"}).status_code == 415
    assert (
        client.post("/api/contact", "{not json", content_type="application/json").status_code == 400
    )
    assert client.options("/api/contact").status_code == 200

    assert post_contact(client).status_code == 201
    assert post_contact(client).status_code == 429
    assert ContactMessage.objects.count() == 1


def race(requests: int, send) -> list[int]:
    """Send ``requests`` at once from as many threads; return the status codes."""
    barrier = threading.Barrier(requests, timeout=30)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def one(n: int) -> None:
        try:
            client = Client()
            barrier.wait()
            statuses.append(send(client, n).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return statuses


@pytest.mark.parametrize("shared", [False, True], ids=["locmem", "redis"])
@pytest.mark.django_db
def test_twenty_concurrent_requests_from_one_address_do_not_overshoot(
    shared, throttle_rate, request
):
    if shared:
        request.getfixturevalue("redis_cache")
    throttle_rate("lead_contact", "5/min")

    # The honeypot stops each accepted request after the rate limit, so no thread writes.
    statuses = race(THREADS, lambda client, n: post_contact(client, {**CONTACT, "website": "x"}))

    assert sorted(statuses) == [201] * 5 + [429] * (THREADS - 5)


def test_concurrent_real_submissions_stop_at_the_rate_on_postgres(
    pool_for_all_threads, redis_cache, throttle_rate
):
    throttle_rate("lead_contact", "5/min")

    statuses = race(
        THREADS, lambda client, n: post_contact(client, {**CONTACT, "email": f"p{n}@example.com"})
    )

    assert sorted(statuses) == [201] * 5 + [429] * (THREADS - 5)
    assert ContactMessage.objects.count() == UsersLead.objects.count() == 5
