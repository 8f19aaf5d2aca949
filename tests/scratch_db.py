"""Scratch databases for the deploy tools' tests.

The deploy commands migrate, drop, back up and restore whole databases, so they get their own
database on the backend the suite runs on (an SQLite file, or a PostgreSQL database on the
test server), never the suite's test database. One scratch database is migrated per session
and copied for each test (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL).
"""

import itertools
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.core.management import call_command
from django.db import connections

from config.database import database_from_url
from core.db.connections import connection_swapped

_names = itertools.count(1)


@dataclass
class ScratchServer:
    """Creates and drops throwaway databases like the suite's own."""

    vendor: str
    params: dict
    directory: Path

    def url(self, name: str) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:///{self.directory / name}.sqlite3"
        host, port = self.params["HOST"] or "127.0.0.1", self.params["PORT"] or 5432
        password = f":{self.params['PASSWORD']}" if self.params["PASSWORD"] else ""
        return f"postgres://{self.params['USER']}{password}@{host}:{port}/{name}"

    def config(self, name: str) -> dict:
        return database_from_url(self.url(name), sqlite_path=self.directory / "x", pool=False)

    def new_name(self, label: str) -> str:
        # Named after the suite's test database, so a leftover says whose it is.
        base = Path(str(self.params["NAME"])).stem if self.vendor == "postgresql" else "test"
        return f"{base[:24]}_scratch_{os.getpid()}_{label}_{next(_names)}"

    def create(self, label: str, *, template: str | None = None) -> str:
        name = self.new_name(label)
        if self.vendor == "sqlite":
            target = sqlite3.connect(self.directory / f"{name}.sqlite3")
            if template:
                source = sqlite3.connect(self.directory / f"{template}.sqlite3")
                source.backup(target)
                source.close()
            target.close()
        else:
            clause = f' TEMPLATE "{template}"' if template else ""
            with self._admin() as admin:
                admin.execute(f'CREATE DATABASE "{name}"{clause}')
        return name

    def drop(self, name: str) -> None:
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.directory / name}.sqlite3{suffix}").unlink(missing_ok=True)
        else:
            with self._admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host=self.params["HOST"] or "127.0.0.1",
            port=self.params["PORT"] or 5432,
            user=self.params["USER"],
            password=self.params["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        )


@pytest.fixture(scope="session")
def scratch_server(tmp_path_factory) -> ScratchServer:
    params = connections["default"].settings_dict
    vendor = connections["default"].vendor
    return ScratchServer(vendor, dict(params), tmp_path_factory.mktemp("scratch-db"))


@pytest.fixture(scope="session")
def migrated_template(scratch_server, django_db_blocker) -> Iterator[str]:
    """A scratch database with every migration applied, to copy from."""
    name = scratch_server.create("template")
    with django_db_blocker.unblock(), connection_swapped(scratch_server.config(name)):
        call_command("migrate", verbosity=0, skip_backup=True)
    yield name
    scratch_server.drop(name)


@dataclass
class ScratchDatabase:
    name: str
    config: dict
    url: str


@pytest.fixture
def migrated_db(scratch_server, migrated_template, django_db_blocker) -> Iterator[ScratchDatabase]:
    """A fully migrated scratch database that serves the 'default' alias during the test."""
    name = scratch_server.create("migrated", template=migrated_template)
    database = ScratchDatabase(name, scratch_server.config(name), scratch_server.url(name))
    with django_db_blocker.unblock(), connection_swapped(database.config):
        yield database
    scratch_server.drop(name)


@pytest.fixture
def empty_db(scratch_server, django_db_blocker) -> Iterator[ScratchDatabase]:
    """An empty scratch database (not served as 'default'; subprocess tests point at it)."""
    name = scratch_server.create("empty")
    yield ScratchDatabase(name, scratch_server.config(name), scratch_server.url(name))
    scratch_server.drop(name)
