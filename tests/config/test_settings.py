"""Settings come from the environment; each case starts a fresh interpreter with its own env."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.database import database_from_url

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOP"

PRINT_SETTINGS = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'host': db.get('HOST'), "
    "'options': db.get('OPTIONS', {}), 'app_environment': settings.APP_ENVIRONMENT, "
    "'direct_url': settings.DIRECT_URL, 'debug': settings.DEBUG}))"
)


def run_python(code: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    base.pop("APP_ENVIRONMENT", None)
    base.pop("DIRECT_URL", None)
    base.pop("CELERY_BROKER_URL", None)
    base.pop("EMAIL_URL", None)
    base["DJANGO_SETTINGS_MODULE"] = settings_module
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=base, capture_output=True, text=True, timeout=60
    )


def load_settings(settings_module: str = "config.settings.local", **env: str) -> dict:
    result = run_python(PRINT_SETTINGS, settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_database_url_means_sqlite_file_in_project_directory():
    loaded = load_settings()

    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert Path(loaded["name"]) == ROOT / "db.sqlite3"
    assert loaded["app_environment"] == "DEV"
    assert loaded["debug"] is True


def test_postgres_url_means_psycopg_with_django_pool():
    loaded = load_settings(DATABASE_URL="postgres://app:secret@db.internal:6543/leadcrm")

    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "leadcrm"
    assert loaded["host"] == "db.internal"
    assert loaded["options"]["pool"]["max_size"] >= 1


def test_direct_url_is_read_but_not_the_runtime_connection():
    loaded = load_settings(
        DATABASE_URL="postgres://app@pooler.internal:6543/leadcrm",
        DIRECT_URL="postgres://app@db.internal:5432/leadcrm",
    )

    assert loaded["direct_url"] == "postgres://app@db.internal:5432/leadcrm"
    assert loaded["host"] == "pooler.internal"


def test_app_environment_prod_is_accepted():
    assert load_settings(APP_ENVIRONMENT="PROD")["app_environment"] == "PROD"


@pytest.mark.parametrize("value", ["STAGING", "prod", "", "DEV "])
def test_unknown_app_environment_fails_at_start_up(value):
    result = run_python(PRINT_SETTINGS, "config.settings.local", APP_ENVIRONMENT=value)

    assert result.returncode != 0
    assert "APP_ENVIRONMENT must be one of DEV, PROD" in result.stderr


def test_database_url_of_another_engine_is_refused():
    with pytest.raises(ImproperlyConfigured, match="postgres:// or sqlite://"):
        database_from_url("mysql://root@127.0.0.1/app", sqlite_path=Path("x.sqlite3"))


def test_sqlite_queues_writers_instead_of_failing():
    config = database_from_url(None, sqlite_path=Path("/tmp/app.sqlite3"))

    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["NAME"] == "/tmp/app.sqlite3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_ALLOWED_HOSTS": "example.com"}, "DJANGO_SECRET_KEY"),
        (
            {"DJANGO_ALLOWED_HOSTS": "example.com", "DJANGO_SECRET_KEY": "short"},
            "DJANGO_SECRET_KEY",
        ),
        (
            {
                "DJANGO_ALLOWED_HOSTS": "example.com",
                "DJANGO_SECRET_KEY": "django-insecure-" + "x1y2z3" * 10,
            },
            "DJANGO_SECRET_KEY",
        ),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        (
            {"DJANGO_SECRET_KEY": GOOD_SECRET, "DJANGO_ALLOWED_HOSTS": "example.com"},
            "CELERY_BROKER_URL",
        ),
        (
            {
                "DJANGO_SECRET_KEY": GOOD_SECRET,
                "DJANGO_ALLOWED_HOSTS": "example.com",
                "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/leadcrm",
            },
            "EMAIL_URL",
        ),
    ],
)
def test_production_refuses_to_start_without_real_secrets(env, message):
    result = run_python(PRINT_SETTINGS, "config.settings.production", **env)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_settings_pass_check_deploy():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=GOOD_SECRET,
        DJANGO_ALLOWED_HOSTS="example.com",
        APP_ENVIRONMENT="PROD",
        CELERY_BROKER_URL="amqp://guest:guest@127.0.0.1:5672/leadcrm",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example.com:587",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_uploaded_imports_wait_in_redis_when_redis_is_the_cache():
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(getattr(settings, 'IMPORT_EXPORT_TMP_STORAGE_CLASS', 'default'))"
    )
    shared = run_python(code, "config.settings.local", CACHE_URL="redis://127.0.0.1:6379/10")
    local = run_python(code, "config.settings.local")

    assert shared.stdout.strip().splitlines()[-1] == "import_export.tmp_storages.CacheStorage"
    assert local.stdout.strip().splitlines()[-1] == "default"
