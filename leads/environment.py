"""The deployment environment stamped on every lead-capture row."""

from django.conf import settings


def current_environment() -> str:
    """Return the configured APP_ENVIRONMENT (``DEV`` or ``PROD``)."""
    return settings.APP_ENVIRONMENT
