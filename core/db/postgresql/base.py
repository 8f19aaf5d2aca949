"""Django's PostgreSQL backend, with a pool that checks connections without a round trip.

``ENGINE = "core.db.postgresql"`` (``config/database.py`` sets it for every postgres:// URL).
Everything is Django's own backend except the check its psycopg pool runs before it hands a
connection out.
"""

import select

import psycopg
from django.db.backends.postgresql import base


def idle_connection_check(connection: psycopg.Connection) -> None:
    """Raise, after closing it, if the server has given up on this idle pooled connection.

    An idle connection has nothing to read. When its socket is readable or hung up, the server
    has sent its last words (a terminated backend, a restart, a proxy that timed it out) or the
    link was reset. Closing it makes the pool throw it away and hand out another one.

    psycopg's own check (``ConnectionPool.check_connection``, which Django installs for
    ``CONN_HEALTH_CHECKS``) sends an empty query instead: one round trip and one server wake-up
    on every request. Neither check can see a network path that went silent; only a timeout
    finds that.
    """
    if connection.closed or connection.broken:
        raise psycopg.OperationalError("the pooled connection is closed")
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        connection.close()
        raise psycopg.OperationalError("the server closed this idle pooled connection")


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django builds the pool with psycopg's check (CONN_HEALTH_CHECKS) or none; psycopg_pool
        # takes the check only as a constructor argument, which Django fills itself.
        if pool is not None and self.settings_dict["CONN_HEALTH_CHECKS"]:
            pool._check = idle_connection_check
        return pool
