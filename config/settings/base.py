"""Settings shared by every environment; the environment is read here and nowhere else.

Over 400 lines on purpose: every setting with its comment, in the one place the environment is
read.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config.database import POOL_TIMEOUT_SECONDS, database_from_url, replica_databases

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
        pool_timeout=env.float("DATABASE_POOL_TIMEOUT", default=POOL_TIMEOUT_SECONDS),
        transaction_pooler=env.bool("DATABASE_TRANSACTION_POOLER", default=False),
    )
}
# Streaming replicas for staff reads (core/db/replicas.py): comma-separated URLs.
DATABASES.update(
    replica_databases(env.list("DATABASE_REPLICA_URLS", default=[]), sqlite_path=BASE_DIR / "x")
)
DATABASE_REPLICAS = [alias for alias in DATABASES if alias.startswith("replica_")]
DATABASE_ROUTERS = ["core.db.replicas.PrimaryReplicaRouter"]
# Read-your-writes: a client's reads stay on the primary this long after it wrote.
DATABASE_REPLICA_PIN_SECONDS = env.float("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=2)
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

DJANGO_APPS = [
    # Django's admin, with the staff dashboard on its index (workspace/admin_site.py).
    "workspace.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # OpClass in index expressions (the trigram and prefix search indexes of leads and crm).
    "django.contrib.postgres",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "corsheaders",
    "import_export",
    "axes",  # staff sign-in lockout
    "drf_spectacular",  # the staff API's OpenAPI schema
    "drf_spectacular_sidecar",  # ... and its docs page's scripts, from our own static files
    "anymail",  # the email provider's delivery reports
]
# From the bottom layer up (README, "Layout"); tests/test_layering.py keeps imports that way.
LOCAL_APPS = [
    "core",
    "outbox",
    "accounts",
    "exports",
    "crm",
    "lms",
    "leads",
    "alerts",
    "privacy",
    "workspace",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's CSS among them) straight from the app, before anything that
    # could touch the database; in development it finds them without collectstatic.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Staff reads from a replica, writers pinned to the primary (core/db/replicas.py); above
    # everything that may answer 503, so that a failed replica read is run again on the primary.
    "core.db.replicas.ReplicaReadsMiddleware",
    # As high as it can go: before anything that answers (CommonMiddleware, the views), so a
    # 429 carries CORS headers too.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in the path or query string is a 400 before any view or filter reaches the database.
    "core.middleware.RefuseNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Attributes a visitor's page views to the lead they later become (leads/middleware.py).
    "leads.middleware.PageSessionMiddleware",
    "csp.middleware.CSPMiddleware",
    # A JSON body over the limit is a 413 before any parser reads it.
    "core.middleware.ApiBodySizeLimitMiddleware",
    # A lost database, cache or broker: a 503 (JSON under /api/), never a 500.
    "core.middleware.ServiceUnavailableMiddleware",
    # A malformed value that reached the database or a date (admin filters, exports): 400.
    "core.middleware.BadInputMiddleware",
    # Signs staff out after STAFF_SESSION_IDLE_MINUTES without a request.
    "accounts.sessions.StaffSessionIdleMiddleware",
    # django-axes: stays last.
    "axes.middleware.AxesMiddleware",
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

# Redis as the cache: fail fast when it is down (the rate limit then fails open), no retries
# with backoff that would hold every request up.
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    CACHES["default"].setdefault("OPTIONS", {})
    for _option in ("socket_connect_timeout", "socket_timeout"):
        CACHES["default"]["OPTIONS"].setdefault(
            _option, env.float("CACHE_SOCKET_TIMEOUT", default=0.25)
        )
    CACHES["default"]["OPTIONS"].setdefault("retry", Retry(NoBackoff(), 1))

# CORS: only the public lead endpoints, only for the origins listed (comma-separated; none
# by default), never with credentials. The live front-end posts JSON from its own origin.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/(choices|early-access|contact|page-sessions)/?$"
CORS_ALLOW_METHODS = ("OPTIONS", "POST")
CORS_ALLOW_CREDENTIALS = False

# How many reverse proxies in front of the app append to X-Forwarded-For. 0 means the client
# connects directly, so rate limits key on REMOTE_ADDR and a forged header changes nothing.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# A brand-new lead goes to the next Sales member in turn (leads/pipeline.py) when true.
LEAD_AUTO_ASSIGN = env.bool("LEAD_AUTO_ASSIGN", default=False)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.SafeJSONParser"],  # depth, size, NUL limits
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
# An import is uploaded, then confirmed in a second request, which another process or app host
# may serve: with Redis as the cache the uploaded file waits there, shared by all of them; with
# the per-process memory cache, in this host's temporary folder (import-export's default).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Serving: error answers, the 503 for a lost database, Content-Security-Policy ---
# JSON errors under /api/ and 503s instead of 500s live in core/errors.py (handlers in urls.py).
REST_FRAMEWORK["EXCEPTION_HANDLER"] = "core.errors.api_exception_handler"
# django-csp 4: scripts and styles only from our own static files (no inline script or style
# anywhere, the admin's included), no plugins, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# Staff sign-in (issue 11): lockout after repeated failures (django-axes), where signing in
# lands, and idle staff sessions.
AUTHENTICATION_BACKENDS = [
    "accounts.login.AxesLoginBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# AXES_FAILURE_LIMIT failures for one username from one client address within
# AXES_COOLOFF_MINUTES lock that pair out for AXES_COOLOFF_MINUTES (other users and addresses
# still sign in). Unlock early: `manage.py unlock_login <username>`.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.float("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Log lines name the username and address only (not the browser), and no banner per command.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.login.lockout_response"
# The client address as the rate limits see it: X-Forwarded-For only behind TRUSTED_PROXY_COUNT.
AXES_CLIENT_IP_CALLABLE = "core.http.client_address"
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
# Staff are signed out after this many minutes without a request (0 turns it off).
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=60)
# --- Staff REST API (/api/crm/, /api/leads/, /api/lms/): Bearer tokens, OpenAPI docs ---
# Views, permissions, pagination and errors: core/staff_api.py. The public form endpoints set
# their own authentication, permissions and throttles, so the defaults above stay theirs.
# Who the staff API's caller is: a Bearer token (accounts/authentication.py) or the admin session.
STAFF_API_AUTHENTICATION_CLASSES = [
    "accounts.authentication.BearerTokenAuthentication",
    "rest_framework.authentication.SessionAuthentication",
]
# How long a new API token works unless its creator says otherwise.
API_TOKEN_TTL_DAYS = env.int("API_TOKEN_TTL_DAYS", default=90)
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["staff_api"] = env.str(
    "THROTTLE_STAFF_API", default="600/min"
)
SPECTACULAR_SETTINGS = {
    "TITLE": "Leads, CRM and courses: staff API",
    "DESCRIPTION": (
        "The staff's programmatic door to the CRM, the leads and the LMS. Authenticate with "
        "`Authorization: Bearer <token>` (`python manage.py create_api_token USERNAME`, or "
        "API tokens in the admin). You see and change only your organizations' records."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page is served from our own static files: no outside host, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would fetch it from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "PREPROCESSING_HOOKS": ["core.staff_api.only_staff_api_endpoints"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "crm.models.Appointment.Status",
        "MessageStatusEnum": "crm.models.Message.Status",
        "TaskStatusEnum": "crm.models.Task.Status",
        "CourseStatusEnum": "lms.models.Course.Status",
        "EnrollmentStatusEnum": "lms.models.Enrollment.Status",
        "LeadStatusEnum": "leads.models.LeadStatus",
        # What staff may set by hand (PATCH /api/leads/{id}/): every status but CONVERTED.
        "LeadStaffStatusEnum": "leads.pipeline.STAFF_STATUSES",
    },
}
# --- Background work (issue 18): Celery, the email outbox ---
# The broker: RabbitMQ in production (amqp://user:pass@host:5672/vhost). Without it (make run
# on a fresh clone) kombu's filesystem transport in .celery/, which needs no server.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _celery_folder = BASE_DIR / ".celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_folder / "queue"),
        "data_folder_out": str(_celery_folder / "queue"),
        "processed_folder": str(_celery_folder / "processed"),
        "control_folder": str(_celery_folder / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2)
# A publish that cannot reach the broker gives up fast: the outbox row stays PENDING and the
# sweep sends it later; the request that wrote it must not hang.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# Email: django-environ's URL (smtp://user:pass@host:port, smtp+tls://..., consolemail://,
# filemail:///path). Printed to the console when unset (make run writes to sent-mail/).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# filemail:///sent-mail: a folder relative to the project (filemail:////abs/path for another).
if EMAIL_CONFIG.get("EMAIL_FILE_PATH") and not Path(EMAIL_CONFIG["EMAIL_FILE_PATH"]).is_absolute():
    EMAIL_FILE_PATH = str(BASE_DIR / EMAIL_CONFIG["EMAIL_FILE_PATH"])
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LeadCRM <noreply@localhost>")
# Outbox: at most this many attempts; the gap after attempt n is 2**(n-1) minutes.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
# A row SENDING for longer than this (its worker died) is handed out again by the sweep.
OUTBOX_STUCK_MINUTES = env.float("OUTBOX_STUCK_MINUTES", default=5)
# How often the beat runs the sweep (seconds).
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=60)
# The provider's delivery reports (django-anymail's tracking webhooks under /anymail/, wired in
# outbox/urls.py and outbox/webhooks.py): signed with HTTP basic auth "user:password" (several,
# comma-separated, while rotating). Unset: the webhooks answer 404.
ANYMAIL = {"WEBHOOK_SECRET": env.list("ANYMAIL_WEBHOOK_SECRET", default=[])}
# --- Reminders (issue 18 item 5) ---
# Appointments remind the contact and the owner this many minutes before they start
# (comma-separated; empty: no appointment reminders). Rows hold the due times (crm/reminders).
_reminder_minutes = env.str("APPOINTMENT_REMINDER_MINUTES", default="1440,60").strip()
try:
    APPOINTMENT_REMINDER_MINUTES = tuple(
        sorted({int(part) for part in _reminder_minutes.split(",") if part.strip()}, reverse=True)
    )
except ValueError as _error:
    raise ImproperlyConfigured(
        "APPOINTMENT_REMINDER_MINUTES must be whole numbers of minutes, e.g. 1440,60."
    ) from _error
if any(minutes < 1 for minutes in APPOINTMENT_REMINDER_MINUTES):
    raise ImproperlyConfigured("APPOINTMENT_REMINDER_MINUTES must be 1 minute or more each.")
# How often the beat runs the reminders and the morning digests (seconds).
REMINDER_CHECK_SECONDS = env.float("REMINDER_CHECK_SECONDS", default=60)
# --- Privacy (issue 20) ---
# Leads never converted and not seen for this many days are erased by the daily retention job
# (privacy.lead_retention). Unset or empty: kept forever.
_lead_retention_days = env.str("LEAD_RETENTION_DAYS", default="").strip()
LEAD_RETENTION_DAYS = int(_lead_retention_days) if _lead_retention_days else None
if LEAD_RETENTION_DAYS is not None and LEAD_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("LEAD_RETENTION_DAYS must be a whole number of days, 1 or more.")
# Where visitors write to ask for a copy of their data, a correction or erasure (the /privacy/
# page). Unset: the address of DEFAULT_FROM_EMAIL; set it in production to a mailbox someone
# reads.
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="").strip() or (
    parseaddr(DEFAULT_FROM_EMAIL)[1] or DEFAULT_FROM_EMAIL
)
# The wording of the privacy notice (templates/privacy/notice.html and the forms' short notice):
# stored in every form submission's event. Not from the environment: change it in the same
# commit as the wording.
PRIVACY_NOTICE_VERSION = "2026-12-04"
# --- Staff alerts and visitor auto-replies (issue 18, item 4) ---
# Who gets the staff digest of new leads, contact messages and early-access requests
# (comma-separated). Empty: the active members of Sales and Support who have an email.
STAFF_ALERT_EMAILS = [address for address in env.list("STAFF_ALERT_EMAILS", default=[]) if address]
# How often the beat gathers the pending alerts into one digest per recipient (seconds).
STAFF_ALERT_DIGEST_SECONDS = env.float("STAFF_ALERT_DIGEST_SECONDS", default=60)
# The site's address as staff reach it, for the admin links in emails (no trailing slash).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# A short confirmation to visitors who send a contact message or request early access (at most
# one per address per day).
VISITOR_AUTO_REPLY = env.bool("VISITOR_AUTO_REPLY", default=True)
# --- Exports of any size (issue 18 item 6): big lists are written by the worker ---
# An admin export of more rows than this becomes a background job (exports app): the worker
# writes the file to the default storage, the staff member finds it under "My exports" and gets
# an email. Smaller exports stream straight from the request, as before.
EXPORT_BACKGROUND_THRESHOLD = env.int("EXPORT_BACKGROUND_THRESHOLD", default=5000)
if EXPORT_BACKGROUND_THRESHOLD < 0:
    raise ImproperlyConfigured("EXPORT_BACKGROUND_THRESHOLD must be 0 or more rows.")
# A finished (or failed) export and its file are deleted this many hours later.
EXPORT_RETENTION_HOURS = env.float("EXPORT_RETENTION_HOURS", default=72)
if EXPORT_RETENTION_HOURS <= 0:
    raise ImproperlyConfigured("EXPORT_RETENTION_HOURS must be more than 0.")
# The worker stops an export running longer than this (it ends FAILED, with that reason); a job
# RUNNING longer (its worker was killed) is handed out again by the sweep, at most 3 times.
EXPORT_TIME_LIMIT_MINUTES = env.float("EXPORT_TIME_LIMIT_MINUTES", default=30)
# An admin import (contacts) of more rows than this is written by the worker once its preview is
# confirmed (exports app, "My imports": progress, counts, an email); smaller ones in the request.
IMPORT_BACKGROUND_THRESHOLD = env.int("IMPORT_BACKGROUND_THRESHOLD", default=1000)
if IMPORT_BACKGROUND_THRESHOLD < 0:
    raise ImproperlyConfigured("IMPORT_BACKGROUND_THRESHOLD must be 0 or more rows.")
# Django's default storage (a folder here; export files live under exports/ in it). Nothing in
# it is served by a public URL: exports are downloaded through a permission-checked view.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
