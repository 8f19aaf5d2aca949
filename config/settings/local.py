"""Settings for a developer's machine: debug on, SQLite unless DATABASE_URL says otherwise."""

from .base import *
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Not a secret: this key only ever signs sessions on a developer's own machine.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="django-insecure-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
