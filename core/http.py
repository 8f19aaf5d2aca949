"""HTTP helpers every app shares."""

from django.conf import settings
from django.http import HttpRequest


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
