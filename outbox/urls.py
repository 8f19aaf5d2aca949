"""/anymail/: django-anymail's delivery (tracking) webhooks, refused until a secret is set.

The receiver is outbox.webhooks.record_tracking_event (connected in OutboxConfig.ready).
"""

from functools import wraps

from anymail.urls import urlpatterns as anymail_urlpatterns
from django.conf import settings
from django.http import Http404
from django.urls import path


def webhook_secret_required(view):
    """Answer 404 while ANYMAIL_WEBHOOK_SECRET is unset (anymail would take unsigned posts)."""

    @wraps(view)  # keeps anymail's csrf_exempt and login_not_required marks
    def guarded(request, *args, **kwargs):
        if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
            raise Http404("Delivery webhooks are not configured.")
        return view(request, *args, **kwargs)

    return guarded


# Anymail's tracking webhooks only (no inbound mail), behind the secret check.
app_name = "anymail"
urlpatterns = [
    path(str(pattern.pattern), webhook_secret_required(pattern.callback), name=pattern.name)
    for pattern in anymail_urlpatterns
    if pattern.name.endswith("_tracking_webhook")
]
