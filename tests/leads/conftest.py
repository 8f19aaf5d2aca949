import time
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from leads import throttling


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache; every test starts with none used."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def throttle_rate(settings, monkeypatch):
    """Set one scope's rate, e.g. ``throttle_rate("lead_contact", "2/min")``.

    The limit counts in fixed windows that turn at each minute (hour, day); a test whose
    requests straddled a turn would see a fresh window half-way. The throttle's clock stands
    still at the middle of the current minute while the test runs.
    """
    now = time.time()
    still = now - now % 60 + 30
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: still))

    def set_rate(scope: str, rate: str) -> None:
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], scope: rate}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return set_rate
