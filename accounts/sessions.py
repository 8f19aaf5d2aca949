"""Sign staff out after a configurable time without a request (STAFF_SESSION_IDLE_MINUTES)."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout

# Unix time of the staff member's last request, kept in the session.
LAST_SEEN_KEY = "_staff_last_seen"
# Writing the timestamp on every request would save the session on every request; a minute's
# precision is plenty for an idle limit counted in minutes.
TOUCH_EVERY_SECONDS = 60


def mark_staff_signed_in(sender, request, user, **kwargs) -> None:
    """Start the idle clock at sign-in, so the first request after it writes nothing more."""
    if request is not None and hasattr(request, "session") and user.is_staff:
        request.session[LAST_SEEN_KEY] = int(time.time())


class StaffSessionIdleMiddleware:
    """End a staff session that has been idle longer than STAFF_SESSION_IDLE_MINUTES.

    Visitors' sessions are left alone. The next page then asks the staff member to sign in
    again (the admin redirects to its login page).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.STAFF_SESSION_IDLE_MINUTES * 60
        # A request without a session cookie has no one signed in: leave its session untouched
        # (reading it would add "Vary: Cookie" to public answers). Only signed-in sessions carry
        # SESSION_KEY; the rest cost no user query.
        if (
            limit > 0
            and settings.SESSION_COOKIE_NAME in request.COOKIES
            and SESSION_KEY in request.session
            and request.user.is_staff
        ):
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > limit:
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.STAFF_SESSION_IDLE_MINUTES} minutes "
                    "without activity.",
                )
            elif last_seen is None or now - last_seen >= TOUCH_EVERY_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)
