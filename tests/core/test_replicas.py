"""Reads from a replica (DATABASE_REPLICA_URLS): a real streaming replica of the test database.

Staff reads that can stand a moment of lag (admin changelists, the dashboard, the staff API,
exports) go to the replica; writes, reads inside a transaction and the reads of a client that
just wrote go to the primary; a replica that is down or lagging is skipped, never a 500.
"""

import time
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.database import replica_databases
from core.db import replicas
from core.db.connections import complete_config
from crm.models import Contact
from tests import replica as replica_module
from tests.config.test_settings import run_python
from tests.crm.factories import ClinicFactory, ContactFactory
from tests.crm.test_admin import NO_INLINE_ROWS
from tests.pgbouncer import BEHIND_TRANSACTION_POOLER

ALIAS = "replica_0"
CHANGELIST = reverse("admin:crm_contact_changelist")


def test_replica_urls_become_mirrored_aliases_behind_the_router():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'replicas': settings.DATABASE_REPLICAS, "
        "'routers': settings.DATABASE_ROUTERS, "
        "'r1': {k: settings.DATABASES['replica_1'].get(k) for k in ('PORT', 'TEST', 'OPTIONS')}, "
        "'pin': settings.DATABASE_REPLICA_PIN_SECONDS}))"
    )
    import json

    result = run_python(
        code,
        "config.settings.local",
        DATABASE_URL="postgres://app@db:5432/leadcrm",
        DATABASE_REPLICA_URLS="postgres://app@replica-a:5432/leadcrm,"
        "postgres://app@replica-b:5433/leadcrm",
        DATABASE_REPLICA_PIN_SECONDS="30",
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["replicas"] == ["replica_0", "replica_1"]
    assert loaded["routers"] == ["core.db.replicas.PrimaryReplicaRouter"]
    assert loaded["r1"]["PORT"] == 5433
    assert loaded["r1"]["TEST"]["MIRROR"] == "default"
    assert "pool" not in loaded["r1"]["OPTIONS"]
    assert loaded["pin"] == 30


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/admin/", True),
        ("GET", "/admin/crm/contact/", True),
        ("GET", "/api/crm/contacts/", True),
        ("POST", "/admin/leads/userslead/export/", True),
        ("GET", "/admin/crm/contact/1/change/", False),
        ("POST", "/admin/crm/contact/", False),
        ("POST", "/api/crm/contacts/", False),
        ("GET", "/choices/", False),
        ("GET", "/healthz", False),
    ],
)
def test_which_requests_may_read_a_replica(rf, method, path, allowed):
    assert replicas.replica_reads_allowed(rf.generic(method, path)) is allowed


# --- A real streaming replica ---


@pytest.fixture(scope="module")
def streaming_replica(django_db_setup):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    if BEHIND_TRANSACTION_POOLER:
        pytest.skip("builds its replica from the server itself, not through a pooler")
    settings = connection.settings_dict
    try:
        with replica_module.streaming_replica(
            primary_host=settings["HOST"] or "127.0.0.1",
            primary_port=int(settings["PORT"] or 5432),
            user=settings["USER"] or "postgres",
        ) as replica:
            yield replica
    except replica_module.ReplicaUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture
def replica(streaming_replica, transactional_db, settings):
    """The replica as alias replica_0, checked on every request (no cached health)."""
    database = connection.settings_dict["NAME"]
    config = replica_databases([streaming_replica.url(database)], sqlite_path=Path("x"))[ALIAS]
    config.pop("TEST")
    # Made here, not in DATABASES: Django's test case lets a connection it was not told about
    # open in the test (settings know only the primary).
    connections[ALIAS] = load_backend(config["ENGINE"]).DatabaseWrapper(
        complete_config(config), ALIAS
    )
    settings.DATABASE_REPLICAS = [ALIAS]
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 3600
    replicas.reset_health()
    yield streaming_replica
    connections[ALIAS].close()
    del connections[ALIAS]
    replicas.reset_health()
    streaming_replica.execute("postgres", "SELECT pg_wal_replay_resume()")


def replayed(replica, name: str) -> None:
    """Wait until the replica has replayed the contact called ``name``."""
    database = connection.settings_dict["NAME"]
    for _ in range(200):
        if replica.execute(database, "SELECT 1 FROM crm_contact WHERE name = %s", [name]):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} never reached the replica")


@pytest.mark.postgres
def test_staff_reads_land_on_the_replica(replica, admin_client, client):
    ContactFactory(name="Replicated Clinic")
    replayed(replica, "Replicated Clinic")

    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = admin_client.get(CHANGELIST)
        dashboard = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200 and dashboard.status_code == 200
    assert "Replicated Clinic" in response.content.decode()
    assert any("crm_contact" in query["sql"] for query in on_replica.captured_queries)
    with connections[ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone()[0] is True
    # A public page reads the primary only.
    with CaptureQueriesContext(connections[ALIAS]) as public:
        assert client.get("/choices/").status_code == 200
    assert public.captured_queries == []


@pytest.mark.postgres
def test_with_replay_paused_a_staff_member_sees_the_contact_they_just_saved(
    replica, admin_client, admin_user, client
):
    clinic = ClinicFactory(name="Before Pause")
    replayed(replica, "Before Pause")
    replica.execute("postgres", "SELECT pg_wal_replay_pause()")

    saved = admin_client.post(
        reverse("admin:crm_contact_add"),
        {
            "organization": clinic.organization_id,
            "contact_type": "INDIVIDUAL",
            "name": "Saved While Paused",
            "custom_fields-rows": "0",
            **NO_INLINE_ROWS,
        },
    )
    assert saved.status_code == 302
    listed = admin_client.get(CHANGELIST)

    assert "Saved While Paused" in listed.content.decode()
    # The replica really is behind: another staff member, who wrote nothing, reads it there.
    database = connection.settings_dict["NAME"]
    assert not replica.execute(
        database, "SELECT 1 FROM crm_contact WHERE name = 'Saved While Paused'"
    )
    client.force_login(admin_user)
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        other = client.get(CHANGELIST).content.decode()
    assert on_replica.captured_queries
    assert "Before Pause" in other and "Saved While Paused" not in other


@pytest.mark.postgres
def test_a_lagging_replica_is_skipped(replica, admin_client, settings):
    ClinicFactory(name="Before Lag")
    replayed(replica, "Before Lag")
    replica.execute("postgres", "SELECT pg_wal_replay_pause()")
    ContactFactory(name="After Lag")  # written by someone else: no pin for this client
    time.sleep(1.2)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 1

    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = admin_client.get(CHANGELIST)

    assert "After Lag" in response.content.decode()  # read on the primary
    assert not any("crm_contact" in query["sql"] for query in on_replica.captured_queries)


@pytest.mark.postgres
def test_stopping_the_replica_costs_no_request(replica, admin_client, settings):
    ContactFactory(name="Still Listed")
    replayed(replica, "Still Listed")
    assert admin_client.get(CHANGELIST).status_code == 200  # the replica's connection is open
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60  # it was checked a moment ago: still "usable"

    replica.stop()
    try:
        answers = [admin_client.get(CHANGELIST) for _ in range(3)]
        api = admin_client.get("/api/crm/contacts/")
    finally:
        replica.start()

    # The first read failed on the replica and ran again on the primary; then it was skipped.
    assert replicas._health[ALIAS][1] is False
    assert [response.status_code for response in answers] == [200, 200, 200]
    assert all("Still Listed" in response.content.decode() for response in answers)
    assert api.status_code == 200
    assert Contact.objects.filter(name="Still Listed").exists()
