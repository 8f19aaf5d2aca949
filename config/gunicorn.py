"""gunicorn's configuration: `gunicorn -c config/gunicorn.py` (what `make serve` runs).

Every knob comes from the environment; the defaults fit a small box (2 cores) that sits behind
a reverse proxy. Plain ``os.environ`` on purpose: this file is read by gunicorn's master before
Django (and django-environ's settings) are loaded.

- ``GUNICORN_BIND`` (default ``127.0.0.1:8000``; ``0.0.0.0:8000`` in a container)
- ``WEB_CONCURRENCY``: worker processes (default 2: one per core of a 2-core box; not the
  CPU count, which in a container is often the host's)
- ``GUNICORN_THREADS``: threads per worker (default 4; the database pool holds 8 per process)
- ``GUNICORN_TIMEOUT``: seconds before a silent worker is killed and restarted (default 30)
- ``GUNICORN_GRACEFUL_TIMEOUT``: seconds a stopping worker gets to finish (default 30)
- ``GUNICORN_KEEPALIVE``: seconds an idle keep-alive connection is held open (default 5)
- ``GUNICORN_REUSE_PORT``: one listening socket per worker (default true), see below
- ``GUNICORN_MAX_REQUESTS``: recycle a worker after this many requests (default 0: never)
- ``GUNICORN_FORWARDED_ALLOW_IPS``: proxies trusted for X-Forwarded-Proto (default 127.0.0.1)
- ``GUNICORN_CONTROL_SOCKET``: path of gunicorn's control socket (default: none)
"""

import os

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _int(environ: dict, name: str, default: int, *, minimum: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(environ: dict, name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in TRUE:
        return True
    if raw.strip().lower() in FALSE:
        return False
    raise ValueError(f"{name} must be true or false, got {raw!r}")


def settings_from_env(environ: dict) -> dict:
    """Return gunicorn's settings for this environment (a dict of gunicorn setting names)."""
    return {
        "wsgi_app": "config.wsgi:application",
        "bind": [
            address.strip()
            for address in environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
            if address.strip()
        ],
        "workers": _int(environ, "WEB_CONCURRENCY", 2, minimum=1),
        # Threads overlap the waits on PostgreSQL and Redis; gthread also keeps connections
        # alive, which the sync worker cannot.
        "worker_class": "gthread",
        "threads": _int(environ, "GUNICORN_THREADS", 4, minimum=1),
        "timeout": _int(environ, "GUNICORN_TIMEOUT", 30, minimum=1),
        "graceful_timeout": _int(environ, "GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1),
        "keepalive": _int(environ, "GUNICORN_KEEPALIVE", 5),
        # With one shared listening socket, the worker that wins the first accepts keeps those
        # keep-alive connections and does nearly all the work. SO_REUSEPORT gives each worker
        # its own socket and lets the kernel spread new connections evenly between them
        # (docs/performance.md, "Production server", has the figures).
        "reuse_port": _bool(environ, "GUNICORN_REUSE_PORT", True),
        "max_requests": _int(environ, "GUNICORN_MAX_REQUESTS", 0),
        "max_requests_jitter": _int(environ, "GUNICORN_MAX_REQUESTS_JITTER", 0),
        "forwarded_allow_ips": environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        # Access and error log to stdout/stderr, for the process manager to collect.
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": environ.get("GUNICORN_LOGLEVEL", "info"),
        # The worker's pid on every line shows how the load is spread between workers.
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" pid=%(p)s',
        # gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl),
        # which two servers on one host would fight over: only where asked for.
        "control_socket_disable": not environ.get("GUNICORN_CONTROL_SOCKET"),
        **(
            {"control_socket": environ["GUNICORN_CONTROL_SOCKET"]}
            if environ.get("GUNICORN_CONTROL_SOCKET")
            else {}
        ),
        # Worker heartbeat files in memory, not on a possibly slow disk.
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
    }


globals().update(settings_from_env(os.environ))
