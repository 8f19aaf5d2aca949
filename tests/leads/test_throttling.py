import json

import pytest
from django.test import RequestFactory

from leads.throttling import client_address
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
