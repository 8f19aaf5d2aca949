"""Staff sign-in protection: django-axes' lockout, wired for this project.

Settings (config/settings/base.py): AXES_FAILURE_LIMIT failures for one username from one
client address within AXES_COOLOFF_MINUTES lock that pair out for AXES_COOLOFF_MINUTES. The
client address is core.http.client_address (TRUSTED_PROXY_COUNT). `manage.py
unlock_login <username>` lifts a lockout early.
"""

import logging
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.http import client_address

logger = logging.getLogger("accounts.login")


class AxesLoginBackend(AxesStandaloneBackend):
    """Refuse a locked-out username and address before any password is checked.

    Every sign-in over HTTP passes the request (the admin's and Django's login forms do), and
    is checked. ``authenticate()`` without a request (``Client.login()`` in tests, shell
    scripts) has no client address to lock, so this check steps aside instead of raising
    as axes' own backend does; the password is still checked by ModelBackend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _minutes(delta: timedelta | None) -> int:
    return round(delta.total_seconds() / 60) if delta else 0


def lockout_response(
    request: HttpRequest, original_response=None, credentials: dict | None = None
) -> HttpResponse:
    """Render the lockout page (HTTP 429) and log who was refused, and how to unlock."""
    username = get_client_username(request, credentials) or ""
    minutes = _minutes(get_cool_off(request))
    address = client_address(request)
    logger.warning(
        "sign-in locked out: username=%r address=%s after %s failures; locked for %s minutes "
        "(unlock: manage.py unlock_login %s)",
        username,
        address,
        get_failure_limit(request, credentials),
        minutes,
        username or "<username>",
    )
    context = {
        **admin.site.each_context(request),
        "title": "Sign-in locked",
        "username": username,
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": minutes,
    }
    # Rendered here: axes returns it from a middleware, where nothing renders it later.
    return render(request, "axes/lockout.html", context, status=429)
