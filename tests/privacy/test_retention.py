"""Retention (issue 20, item 4): leads never converted and not seen for LEAD_RETENTION_DAYS are
erased with everything under them; converted and recent leads stay; unset keeps everything."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.utils import timezone

from crm.models import Contact
from leads.models import (
    ChoicesResponse,
    ContactMessage,
    EarlyAccessRequest,
    LeadEvent,
    PageSession,
    UsersLead,
)
from outbox.models import OutboxEmail
from privacy.retention import leads_erase_expired
from privacy.selectors import retention_plan
from tests.crm.factories import ContactFactory, StaffUserFactory
from tests.leads.factories import (
    ChoicesResponseFactory,
    ContactMessageFactory,
    EarlyAccessRequestFactory,
    LeadEventFactory,
    PageSessionFactory,
    UsersLeadFactory,
)

pytestmark = pytest.mark.django_db

DAYS = 365
OLD_EMAIL = "old.zq.visitor@example.com"
OLD_PHONE = "+91 97000 11223"


def ago(days: int):
    return timezone.now() - timedelta(days=days)


def lead(email: str, *, seen_days_ago: int, **kwargs) -> UsersLead:
    when = ago(seen_days_ago)
    return UsersLeadFactory(email=email, first_seen_at=when, last_seen_at=when, **kwargs)


def with_everything(person: UsersLead) -> UsersLead:
    LeadEventFactory(lead=person, metadata={"form": "choices"})
    ChoicesResponseFactory(lead=person)
    EarlyAccessRequestFactory(lead=person)
    ContactMessageFactory(lead=person)
    PageSessionFactory(lead=person)
    OutboxEmail.objects.create(to=person.email, subject="Thanks", body="We got it.")
    LogEntry.objects.create(
        user=StaffUserFactory(),
        content_type=ContentType.objects.get_for_model(UsersLead),
        object_id=str(person.pk),
        object_repr=person.email,
        action_flag=CHANGE,
        change_message="Marked contacted",
    )
    return person


@pytest.fixture
def dataset():
    """A known set: one lead of each kind, each with submissions, events and a visit."""
    old = with_everything(lead(OLD_EMAIL, seen_days_ago=DAYS + 30, phone=OLD_PHONE))
    # Its legacy record in an import batch, beside another person's.
    LeadEventFactory(
        lead=None,
        metadata={"import": "legacy", "records": [{"email": OLD_EMAIL}, {"email": "x@y.z"}]},
    )
    converted_into = ContactFactory()
    converted = with_everything(
        lead(
            "converted@example.com",
            seen_days_ago=DAYS + 300,
            converted_contact=converted_into,
            converted_at=ago(DAYS + 299),
            status="CONVERTED",
        )
    )
    recent = with_everything(lead("recent@example.com", seen_days_ago=DAYS - 1))
    # Old and unconverted, but the same address is a CRM contact: the lead goes, the contact
    # and the mail to that address stay.
    shared = with_everything(lead("customer@example.com", seen_days_ago=DAYS + 1))
    customer = ContactFactory(email="customer@example.com")
    anonymous_visit = PageSessionFactory(lead=None)
    return {
        "old": old,
        "converted": converted,
        "recent": recent,
        "shared": shared,
        "customer": customer,
        "anonymous_visit": anonymous_visit,
    }


def children(person_id) -> dict[str, int]:
    return {
        "events": LeadEvent.objects.filter(lead_id=person_id).count(),
        "choices": ChoicesResponse.objects.filter(lead_id=person_id).count(),
        "early_access": EarlyAccessRequest.objects.filter(lead_id=person_id).count(),
        "messages": ContactMessage.objects.filter(lead_id=person_id).count(),
        "visits": PageSession.objects.filter(lead_id=person_id).count(),
    }


def snapshot() -> dict[str, int]:
    return {
        "leads": UsersLead.objects.count(),
        "events": LeadEvent.objects.count(),
        "choices": ChoicesResponse.objects.count(),
        "early_access": EarlyAccessRequest.objects.count(),
        "messages": ContactMessage.objects.count(),
        "visits": PageSession.objects.count(),
        "outbox": OutboxEmail.objects.count(),
        "log": LogEntry.objects.count(),
        "contacts": Contact.objects.count(),
    }


def test_erases_old_unconverted_leads_with_everything_and_keeps_the_rest(dataset, settings, caplog):
    settings.LEAD_RETENTION_DAYS = DAYS
    old, shared = dataset["old"], dataset["shared"]

    with caplog.at_level(logging.INFO, logger="privacy"):
        result = leads_erase_expired()

    assert result["leads"] == 2
    assert set(UsersLead.objects.values_list("email", flat=True)) == {
        "converted@example.com",
        "recent@example.com",
    }
    for gone in (old, shared):
        assert children(gone.pk) == dict.fromkeys(children(gone.pk), 0)
        assert not LogEntry.objects.filter(object_id=str(gone.pk)).exists()
    for kept in (dataset["converted"], dataset["recent"]):
        assert children(kept.pk) == dict.fromkeys(children(kept.pk), 1)
        assert LogEntry.objects.filter(object_id=str(kept.pk)).exists()
    assert not OutboxEmail.objects.filter(to=OLD_EMAIL).exists()
    legacy = LeadEvent.objects.get(metadata__import="legacy")
    assert legacy.metadata["records"] == [{"email": "x@y.z"}]
    # The address still held by a contact: its mail and the contact stay.
    assert Contact.objects.filter(pk=dataset["customer"].pk).exists()
    assert OutboxEmail.objects.filter(to="customer@example.com").count() == 1
    assert PageSession.objects.filter(pk=dataset["anonymous_visit"].pk).exists()
    assert result["counts"]["leads.UsersLead"] == 2
    assert result["counts"]["leads.ContactMessage"] == 2
    assert "retention erased 2 lead(s) not seen for 365 days" in caplog.text
    assert OLD_EMAIL not in caplog.text


def test_a_second_run_finds_nothing(dataset, settings):
    settings.LEAD_RETENTION_DAYS = DAYS
    leads_erase_expired()
    before = snapshot()

    assert leads_erase_expired()["leads"] == 0
    assert snapshot() == before


def test_batches_erase_them_all(settings):
    settings.LEAD_RETENTION_DAYS = DAYS
    for n in range(7):
        with_everything(lead(f"batch{n}@example.com", seen_days_ago=DAYS + n + 1))

    result = leads_erase_expired(batch_size=3)

    assert result["leads"] == 7
    assert snapshot()["leads"] == 0
    assert snapshot()["events"] == 0


def test_unset_setting_erases_nothing(dataset, settings):
    settings.LEAD_RETENTION_DAYS = None
    before = snapshot()

    result = leads_erase_expired()
    out = StringIO()
    call_command("lead_retention", "--yes", stdout=out)

    assert result["leads"] == 0
    assert snapshot() == before
    assert "LEAD_RETENTION_DAYS is unset" in out.getvalue()


def test_dry_run_prints_the_plan_and_writes_nothing(dataset, settings, capsys):
    settings.LEAD_RETENTION_DAYS = DAYS
    before = snapshot()

    call_command("lead_retention", "--dry-run")
    out = capsys.readouterr().out

    assert snapshot() == before
    assert f"not seen for {DAYS} days" in out
    assert ": 2\n" in out  # two leads
    oldest = dataset["old"].last_seen_at
    assert f"Oldest last seen: {timezone.localtime(oldest):%Y-%m-%d %H:%M}" in out
    assert "with leads.ContactMessage: 2" in out
    assert "Dry run: nothing erased." in out
    assert OLD_EMAIL not in out


def test_plan_counts_what_the_job_then_erases(dataset):
    plan = retention_plan(DAYS)

    result = leads_erase_expired(days=DAYS)

    assert plan["leads"] == result["leads"] == 2
    assert plan["oldest_last_seen"] == dataset["old"].last_seen_at
    assert plan["rows"]["leads.LeadEvent"] == 2
    assert result["counts"]["leads.LeadEvent"] == 2


def test_command_needs_yes_then_erases(dataset, settings, capsys):
    settings.LEAD_RETENTION_DAYS = DAYS
    before = snapshot()

    with pytest.raises(CommandError, match="--yes"):
        call_command("lead_retention")
    assert snapshot() == before

    call_command("lead_retention", "--yes")
    assert "Erased 2 lead(s)" in capsys.readouterr().out
    assert snapshot()["leads"] == before["leads"] - 2


def test_command_days_overrides_an_unset_setting(dataset, settings, capsys):
    settings.LEAD_RETENTION_DAYS = None

    call_command("lead_retention", "--days", str(DAYS + 60), "--yes")

    assert "Erased 0 lead(s)" in capsys.readouterr().out
    assert UsersLead.objects.filter(pk=dataset["old"].pk).exists()
    with pytest.raises(CommandError):
        call_command("lead_retention", "--days", "0", "--yes")


def test_a_lead_seen_again_is_no_longer_expired(dataset, settings):
    settings.LEAD_RETENTION_DAYS = DAYS
    UsersLead.objects.filter(pk=dataset["old"].pk).update(last_seen_at=timezone.now())

    leads_erase_expired()

    assert UsersLead.objects.filter(pk=dataset["old"].pk).exists()


def test_the_daily_task_is_scheduled_and_runs_the_service(dataset, settings):
    from config.celery import app
    from privacy.tasks import lead_retention

    app.loader.import_default_modules()
    app.finalize()
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    settings.LEAD_RETENTION_DAYS = DAYS

    assert "privacy.lead_retention" in app.tasks
    assert schedule["privacy.lead_retention"].hour == {3}
    assert lead_retention.apply().get() == 2
    assert not UsersLead.objects.filter(pk=dataset["old"].pk).exists()


@pytest.mark.parametrize("value", ["0", "-3", "ten"])
def test_a_bad_setting_refuses_to_start(value):
    env = {
        **os.environ,
        "LEAD_RETENTION_DAYS": value,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[2],
    )

    assert result.returncode != 0
    assert "LEAD_RETENTION_DAYS" in result.stderr or "invalid literal" in result.stderr
