"""DRF authentication by Bearer token (``Authorization: Bearer <token>``), see accounts/models.py."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import LAST_USED_RESOLUTION, ApiToken, hash_token

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate a request by an ApiToken that is neither expired nor revoked.

    A request without a Bearer header is left to the next class (the session); a Bearer header
    with a bad, expired or revoked token is refused with 401 and no data.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as 'Authorization: Bearer <token>'.")
            )
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        return self.authenticate_token(token)

    def authenticate_token(self, token: str):
        now = timezone.now()
        row = (
            ApiToken.objects.active(at=now)
            .select_related("user")
            .filter(key_hash=hash_token(token))
            .first()
        )
        if row is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, expired or revoked."))
        if not row.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            # A conditional update: concurrent requests in the same minute write once at most.
            ApiToken.objects.filter(pk=row.pk).exclude(
                last_used_at__gt=now - LAST_USED_RESOLUTION
            ).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to anonymous callers, with this challenge.
        return f'{KEYWORD} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema (drf-spectacular) documents the Bearer tokens."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A staff API token: `python manage.py create_api_token USERNAME`, or "
                "API tokens in the admin. Send `Authorization: Bearer <token>`."
            ),
        }
