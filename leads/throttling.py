"""Per-client rate limits shared by the HTML forms and the JSON endpoints."""

from types import SimpleNamespace

from django.conf import settings
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

CHOICES_SCOPE = "lead_choices"
EARLY_ACCESS_SCOPE = "lead_early_access"
CONTACT_SCOPE = "lead_contact"
PAGE_SESSIONS_SCOPE = "lead_page_sessions"


def client_address(request: HttpRequest) -> str:
    """Return the client's address, trusting X-Forwarded-For only behind known proxies.

    With TRUSTED_PROXY_COUNT = 0 the connecting address is the client; with N proxies the
    client is the Nth address from the right of X-Forwarded-For, which those proxies wrote.
    Anything further left came from the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return remote


class ClientScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, keyed on ``client_address`` instead of DRF's own guess."""

    @property
    def THROTTLE_RATES(self) -> dict:  # noqa: N802 - DRF's name
        # DRF binds the rates at import; read them live so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        return client_address(request)


def rate_limit_allows(request: HttpRequest, *, scope: str) -> bool:
    """Count one attempt against ``scope`` for this client; False once over the rate."""
    return ClientScopedRateThrottle().allow_request(request, SimpleNamespace(throttle_scope=scope))
