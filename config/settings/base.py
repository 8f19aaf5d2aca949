"""Settings shared by every environment; the environment is read here and nowhere else."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.database import database_from_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

# Stamped on every lead row; never typed by hand.
APP_ENVIRONMENTS = ("DEV", "PROD")
APP_ENVIRONMENT = env.str("APP_ENVIRONMENT", default="DEV")
if APP_ENVIRONMENT not in APP_ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"APP_ENVIRONMENT must be one of {', '.join(APP_ENVIRONMENTS)}, got {APP_ENVIRONMENT!r}"
    )

DATABASES = {
    "default": database_from_url(
        env.str("DATABASE_URL", default=""),
        sqlite_path=BASE_DIR / "db.sqlite3",
        pool=env.bool("DATABASE_POOL", default=True),
    )
}
# The non-pooled connection: for migrations and backups only, never for serving requests.
DIRECT_URL = env.str("DIRECT_URL", default="")
# Only management commands (migrate, check_drift, dbbackup, dbrestore) switch to it: core/db/.
DIRECT_DATABASE = (
    database_from_url(
        DIRECT_URL, sqlite_path=BASE_DIR / "db.sqlite3", pool=False, setting="DIRECT_URL"
    )
    if DIRECT_URL
    else None
)
# Where dbbackup (and migrate in PROD) write backups.
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(BASE_DIR / "backups")))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # OpClass in index expressions (the trigram and prefix search indexes) needs its app.
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "import_export",
    "core",
    "crm",
    "lms",
    "leads",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "leads.middleware.PageSessionMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# Throttle counters live here: locmem per process by default, redis://... to share them.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# How many reverse proxies in front of the app append to X-Forwarded-For. 0 means the client
# connects directly, so rate limits key on REMOTE_ADDR and a forged header changes nothing.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAdminUser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    # Public lead forms, HTML and JSON alike, per client address.
    "DEFAULT_THROTTLE_RATES": {
        "lead_choices": env.str("THROTTLE_LEAD_CHOICES", default="10/min"),
        "lead_early_access": env.str("THROTTLE_LEAD_EARLY_ACCESS", default="10/min"),
        "lead_contact": env.str("THROTTLE_LEAD_CONTACT", default="5/min"),
        "lead_page_sessions": env.str("THROTTLE_LEAD_PAGE_SESSIONS", default="60/min"),
    },
}

# Import and export in admin need their own permissions (crm.import_contact,
# crm.export_contact, leads.export_userslead), granted to the Managers group.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
