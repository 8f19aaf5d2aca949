"""Point a database alias at another connection for the length of a management command.

Deploy commands (migrate, check_drift, dbbackup, dbrestore) talk to the database through the
direct, non-pooled connection when settings define one (``DIRECT_DATABASE``). Code that serves
requests never imports this module, so it always uses ``DATABASES``.
"""

import copy
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend

# ConnectionHandler.configure_settings() fills these in for DATABASES; a swapped-in config
# needs the same keys because backends read them without .get().
CONNECTION_DEFAULTS = {
    "ATOMIC_REQUESTS": False,
    "AUTOCOMMIT": True,
    "CONN_MAX_AGE": 0,
    "CONN_HEALTH_CHECKS": False,
    "TIME_ZONE": None,
    "NAME": "",
    "USER": "",
    "PASSWORD": "",
    "HOST": "",
    "PORT": "",
}


def complete_config(config: dict, *, test_settings: dict | None = None) -> dict:
    """Return a copy of ``config`` with every key a backend expects."""
    completed = copy.deepcopy(config)
    for key, value in CONNECTION_DEFAULTS.items():
        completed.setdefault(key, value)
    completed.setdefault("OPTIONS", {})
    completed["TEST"] = copy.deepcopy(test_settings if test_settings is not None else {})
    return completed


def _clear_connection_caches() -> None:
    # Content types are cached per alias; ids from the other database would be wrong here.
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()


@contextmanager
def connection_swapped(config: dict, *, alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Serve ``alias`` from a new connection built from ``config``, then put the old one back.

    The old connection object is left untouched (its transaction, pool or in-memory SQLite
    database survive), so this is safe inside tests as well as in a command.
    """
    original = connections[alias]
    config = complete_config(config, test_settings=original.settings_dict.get("TEST"))
    replacement = load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
    connections[alias] = replacement
    _clear_connection_caches()
    try:
        yield
    finally:
        replacement.close()
        connections[alias] = original
        _clear_connection_caches()


def direct_database_config() -> dict | None:
    """Return the direct (non-pooled) connection settings, or None when none are configured."""
    return getattr(settings, "DIRECT_DATABASE", None)


@contextmanager
def direct_connection(alias: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Use the direct connection for ``alias`` when one is configured; yield whether it is.

    The direct settings describe the default database, so other aliases are left alone.
    """
    config = direct_database_config()
    if not config or alias != DEFAULT_DB_ALIAS:
        yield False
        return
    runtime_engine = connections[alias].settings_dict["ENGINE"]
    if config["ENGINE"] != runtime_engine:
        raise ImproperlyConfigured(
            f"The direct connection uses {config['ENGINE']} but the runtime database uses "
            f"{runtime_engine}; both must name the same database."
        )
    with connection_swapped(config, alias=alias):
        yield True


def describe_connection(alias: str = DEFAULT_DB_ALIAS) -> str:
    """Return 'vendor database@host:port' for messages; never includes a password."""
    connection = connections[alias]
    params = connection.settings_dict
    where = str(params.get("NAME") or "")
    if params.get("HOST"):
        where += f"@{params['HOST']}"
        if params.get("PORT"):
            where += f":{params['PORT']}"
    return f"{connection.vendor} {where}"
