"""Production settings: refuse to start without real secrets, and pass `check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import env

DEBUG = False

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'from django.core.management.utils import get_random_secret_key as k; print(k())')"
    )

ALLOWED_HOSTS = [host for host in env.list("DJANGO_ALLOWED_HOSTS", default=[]) if host]
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must list the site's host names in production (comma-separated, no '*')"
    )
# The worker's broker and the mail server: no silent defaults in production.
for _name in ("CELERY_BROKER_URL", "EMAIL_URL"):
    if not env.str(_name, default=""):
        raise ImproperlyConfigured(
            f"{_name} must be set in production (README: CELERY_BROKER_URL=amqp://..., "
            "EMAIL_URL=smtp://user:pass@host:port)"
        )
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails: the first allowed host over HTTPS unless SITE_URL says otherwise.
SITE_URL = env.str("SITE_URL", default=f"https://{ALLOWED_HOSTS[0]}").rstrip("/")

# TLS ends at the load balancer, which says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The load balancer polls /healthz over plain HTTP on the private network: no redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
