"""Settings for the test suite."""

import tempfile
from pathlib import Path

from .local import *

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# Hashing with the default hasher costs ~0.3 s per password; tests need no such strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The suite's migrate must run on the test database, never on a direct URL from the shell;
# tests of the direct connection start manage.py with their own environment.
DIRECT_DATABASE = None
# A test that migrates with APP_ENVIRONMENT=PROD must not leave backups in the project.
BACKUP_DIR = Path(tempfile.gettempdir()) / "leadcrm-test-backups"
# Tasks published by the tests go to an in-memory broker, never to .celery/ or RabbitMQ.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Export files the tests write go to a temporary folder, never to the project's media/.
MEDIA_ROOT = str(Path(tempfile.gettempdir()) / "leadcrm-test-media")
# WhiteNoise (in MIDDLEWARE everywhere) serves STATIC_ROOT; the suite never collects static
# files, so it gets an empty folder of its own instead of a warning per request handler.
STATIC_ROOT = Path(tempfile.gettempdir()) / "leadcrm-test-static"
STATIC_ROOT.mkdir(exist_ok=True)
