"""config/gunicorn.py: every setting from the environment, read by gunicorn itself."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.gunicorn import settings_from_env

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def test_defaults_fit_a_small_box_behind_a_proxy():
    settings = settings_from_env({})

    assert settings["wsgi_app"] == "config.wsgi:application"
    assert settings["bind"] == ["127.0.0.1:8000"]
    assert settings["workers"] == 2
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] == 4
    assert (settings["timeout"], settings["graceful_timeout"]) == (30, 30)
    assert settings["keepalive"] == 5
    # One socket per worker, so keep-alive connections spread over the workers.
    assert settings["reuse_port"] is True
    assert settings["accesslog"] == "-"
    assert "pid=%(p)s" in settings["access_log_format"]
    # No control socket at the per-user default path that two servers would share.
    assert settings["control_socket_disable"] is True


def test_every_setting_comes_from_the_environment():
    settings = settings_from_env(
        {
            "GUNICORN_BIND": "0.0.0.0:8080, unix:/run/app.sock",
            "WEB_CONCURRENCY": "3",
            "GUNICORN_THREADS": "8",
            "GUNICORN_TIMEOUT": "60",
            "GUNICORN_GRACEFUL_TIMEOUT": "10",
            "GUNICORN_KEEPALIVE": "0",
            "GUNICORN_REUSE_PORT": "false",
            "GUNICORN_MAX_REQUESTS": "1000",
            "GUNICORN_MAX_REQUESTS_JITTER": "100",
            "GUNICORN_FORWARDED_ALLOW_IPS": "10.0.0.1",
            "GUNICORN_CONTROL_SOCKET": "/run/leadcrm/gunicorn.ctl",
        }
    )

    assert settings["bind"] == ["0.0.0.0:8080", "unix:/run/app.sock"]
    assert (settings["workers"], settings["threads"]) == (3, 8)
    assert (settings["timeout"], settings["graceful_timeout"], settings["keepalive"]) == (60, 10, 0)
    assert settings["reuse_port"] is False
    assert (settings["max_requests"], settings["max_requests_jitter"]) == (1000, 100)
    assert settings["forwarded_allow_ips"] == "10.0.0.1"
    assert settings["control_socket_disable"] is False
    assert settings["control_socket"] == "/run/leadcrm/gunicorn.ctl"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("WEB_CONCURRENCY", "two", "WEB_CONCURRENCY must be a whole number"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY must be at least 1"),
        ("GUNICORN_THREADS", "-1", "GUNICORN_THREADS must be at least 1"),
        ("GUNICORN_REUSE_PORT", "maybe", "GUNICORN_REUSE_PORT must be true or false"),
    ],
)
def test_a_bad_value_is_refused_by_name(name, value, message):
    with pytest.raises(ValueError, match=message):
        settings_from_env({name: value})


def test_an_empty_value_means_the_default():
    assert settings_from_env({"WEB_CONCURRENCY": "", "GUNICORN_THREADS": " "})["threads"] == 4


def test_gunicorn_reads_the_file_with_the_environment():
    env = {**os.environ, "WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "6", "GUNICORN_KEEPALIVE": "1"}
    result = subprocess.run(
        [str(GUNICORN), "-c", "config/gunicorn.py", "--print-config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = dict(
        (part.strip() for part in line.split("=", 1))
        for line in result.stdout.splitlines()
        if "=" in line
    )

    assert printed["workers"] == "3"
    assert printed["threads"] == "6"
    assert printed["keepalive"] == "1"
    assert printed["worker_class"] == "gthread"
    assert printed["reuse_port"] == "True"
    assert printed["wsgi_app"] == "config.wsgi:application"
    assert printed["control_socket_disable"] == "True"
