"""The public privacy notice (issue 20, item 5)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """Say in plain words what the forms collect, why, for how long, and whom to write to."""
    return render(
        request,
        "privacy/notice.html",
        {
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "retention_days": settings.LEAD_RETENTION_DAYS,
            "version": settings.PRIVACY_NOTICE_VERSION,
        },
    )
