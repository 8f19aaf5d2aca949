"""Staff alerts: a pending row per submission, one digest email per recipient a minute."""

import threading

import pytest
from django.db import connection, transaction

from alerts import services
from alerts.models import StaffAlert
from alerts.selectors import staff_alert_recipients
from alerts.tasks import digest
from leads import services as leads_services
from leads.models import ContactMessage, UsersLead
from outbox.models import OutboxEmail

pytestmark = pytest.mark.django_db

DIGEST = services.DIGEST_ORIGIN


def contact(email="ravi@example.com", **kwargs):
    return leads_services.contact_message_create(
        name=kwargs.pop("name", "Ravi Kumar"),
        email=email,
        subject=kwargs.pop("subject", "Site visit"),
        message=kwargs.pop("message", "Can someone show me the Baner site this week?"),
        **kwargs,
    )


def early_access(email="meena@example.com", **kwargs):
    return leads_services.early_access_request_create(
        email=email, intent_level="HIGH", investment_range="BELOW_10K", city="Pune", **kwargs
    )


def choices(email="arjun@example.com", **kwargs):
    return leads_services.choices_submit(email=email, intent="invest", nps=8, **kwargs)


def digests() -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(origin_label=DIGEST).order_by("to"))


# --- A submission writes one pending alert, in its own transaction ---------------------------


def test_a_contact_message_writes_one_pending_alert():
    message = contact()

    alert = StaffAlert.objects.get()
    assert (alert.kind, alert.lead_id, alert.object_id) == (
        StaffAlert.Kind.CONTACT_MESSAGE,
        message.lead_id,
        message.pk,
    )
    assert alert.new_lead is True
    assert alert.digested_at is None and alert.digest_key is None


def test_an_early_access_request_alerts_and_a_returning_lead_is_not_new():
    contact(email="meena@example.com")
    request = early_access(email="  MEENA@example.com")

    alert = StaffAlert.objects.get(kind=StaffAlert.Kind.EARLY_ACCESS)
    assert alert.object_id == request.pk
    assert alert.new_lead is False
    assert StaffAlert.objects.count() == 2


def test_choices_alert_only_for_a_new_lead():
    choices()
    choices(email="Arjun@example.com")

    alert = StaffAlert.objects.get()
    assert (alert.kind, alert.new_lead) == (StaffAlert.Kind.NEW_LEAD, True)


def test_a_rolled_back_submission_writes_no_alert():
    with pytest.raises(RuntimeError), transaction.atomic():
        contact()
        early_access()
        choices()
        raise RuntimeError("the request failed after the services ran")

    assert not UsersLead.objects.exists()
    assert not StaffAlert.objects.exists()
    assert services.staff_alerts_digest() == 0
    assert not OutboxEmail.objects.exists()


def test_notify_false_writes_no_alert():
    contact(notify=False)
    early_access(notify=False)
    choices(notify=False)

    assert UsersLead.objects.count() == 3
    assert not StaffAlert.objects.exists()


def test_demo_data_alerts_nobody():
    from leads.demo import seed_leads

    seed_leads()

    assert ContactMessage.objects.exists()
    assert not StaffAlert.objects.exists()
    assert not OutboxEmail.objects.exists()


# --- Recipients -----------------------------------------------------------------------------


def test_recipients_are_the_active_sales_and_support_members_with_an_email(staff_team):
    assert staff_alert_recipients() == staff_team


def test_staff_alert_emails_override_the_groups(staff_team, settings):
    settings.STAFF_ALERT_EMAILS = ["Alerts@Example.com", " ops@example.com", "alerts@example.com"]

    assert staff_alert_recipients() == ["alerts@example.com", "ops@example.com"]

    contact()
    assert services.staff_alerts_digest() == 2
    assert [email.to for email in digests()] == ["alerts@example.com", "ops@example.com"]


# --- The digest -----------------------------------------------------------------------------


def test_500_submissions_make_one_digest_per_recipient_and_a_second_run_sends_nothing(
    staff_team, django_assert_max_num_queries
):
    for n in range(500):
        [contact, early_access, choices][n % 3](email=f"visitor{n}@example.com")
    assert StaffAlert.objects.filter(digested_at__isnull=True).count() == 500

    # The savepoint pair, the claim (SELECT, UPDATE), the read, the recipients, two lookups of
    # what arrived, one INSERT per recipient; then the prune (four statements at most).
    with django_assert_max_num_queries(12 + len(staff_team)):
        assert digest() == len(staff_team)

    emails = digests()
    assert [email.to for email in emails] == staff_team
    assert {email.subject for email in emails} == {
        "New on the site: 167 contact messages, 167 early-access requests, 166 new leads"
    }
    assert len({email.origin_id for email in emails}) == 1
    body = emails[0].body
    assert "500 submissions arrived since the last digest (500 from new leads)" in body
    assert body.count("https://crm.example.com/admin/leads/") >= 50
    assert "... and 450 more: https://crm.example.com/admin/leads/userslead/" in body
    assert "<table" in emails[0].html_body
    # Every alert claimed, by that one digest.
    assert not StaffAlert.objects.filter(digested_at__isnull=True).exists()
    assert set(StaffAlert.objects.values_list("digest_key", flat=True)) == {
        __import__("uuid").UUID(emails[0].origin_id)
    }

    assert digest() == 0
    assert len(digests()) == len(staff_team)


def test_the_digest_lists_what_arrived_with_admin_links(staff_team):
    message = contact(subject="Baner <b>site</b>", message="Call me\n\nafter 6 pm, please.")
    request = early_access()

    services.staff_alerts_digest()

    email = digests()[0]
    assert email.subject == "New on the site: 1 contact message, 1 early-access request"
    assert "Contact message (new lead): Ravi Kumar <ravi@example.com>" in email.body
    assert "Baner <b>site</b>: Call me after 6 pm, please." in email.body  # plain text: as sent
    assert f"https://crm.example.com/admin/leads/contactmessage/{message.pk}/change/" in email.body
    assert "Ready to invest now, Below ₹10k, Pune" in email.body
    assert (
        f"https://crm.example.com/admin/leads/earlyaccessrequest/{request.pk}/change/" in email.body
    )
    assert "Baner &lt;b&gt;site&lt;/b&gt;" in email.html_body  # HTML: escaped
    assert f'href="https://crm.example.com/admin/leads/userslead/{message.lead_id}/change/"' in (
        email.html_body
    )


def test_a_digest_without_recipients_claims_the_alerts_and_says_so(alert_settings, caplog):
    contact()

    assert services.staff_alerts_digest() == 0

    assert digests() == []
    assert not StaffAlert.objects.filter(digested_at__isnull=True).exists()
    assert "nobody to tell" in caplog.text


def test_an_alert_arriving_after_a_digest_goes_into_the_next(staff_team):
    contact()
    services.staff_alerts_digest()
    early_access()

    services.staff_alerts_digest()

    subjects = [
        email.subject for email in OutboxEmail.objects.filter(origin_label=DIGEST).order_by("id")
    ]
    assert subjects[: len(staff_team)] == ["New on the site: 1 contact message"] * len(staff_team)
    assert subjects[len(staff_team) :] == ["New on the site: 1 early-access request"] * len(
        staff_team
    )


def test_old_digested_alerts_are_pruned(staff_team):
    from datetime import timedelta

    from django.utils.timezone import now

    contact()
    early_access()
    services.staff_alerts_digest()
    StaffAlert.objects.filter(kind=StaffAlert.Kind.CONTACT_MESSAGE).update(
        digested_at=now() - timedelta(days=8)
    )
    contact(email="new@example.com")

    assert services.alerts_prune() == 1
    assert sorted(StaffAlert.objects.values_list("kind", flat=True)) == [
        StaffAlert.Kind.CONTACT_MESSAGE,  # the new one, still pending
        StaffAlert.Kind.EARLY_ACCESS,
    ]


def test_an_erased_lead_takes_its_alerts_with_it(staff_team):
    message = contact()
    UsersLead.objects.filter(pk=message.lead_id).delete()

    assert not StaffAlert.objects.exists()
    assert services.staff_alerts_digest() == 0


# --- Never twice: two digests at once on PostgreSQL ------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_digests_at_once_never_claim_one_alert(postgres_only, staff_team):
    for n in range(300):
        contact(email=f"burst{n}@example.com")
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            results.append(services.staff_alerts_digest())
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert not StaffAlert.objects.filter(digested_at__isnull=True).exists()
    # Each digest key's emails went to each recipient once; no alert sits in two digests
    # (one key per row by construction), and the digests' listed totals add up to 300.
    keys = set(StaffAlert.objects.values_list("digest_key", flat=True))
    assert sorted(results) in ([0, len(staff_team)], [len(staff_team), len(staff_team)])
    for key in keys:
        assert sorted(
            OutboxEmail.objects.filter(origin_id=str(key)).values_list("to", flat=True)
        ) == (staff_team)
    totals = [
        int(email.body.split(" submission")[0].split("\n")[-1])
        for email in OutboxEmail.objects.filter(origin_label=DIGEST, to=staff_team[0])
    ]
    assert sum(totals) == 300


def test_pruning_old_alerts_takes_their_sent_digests_from_the_outbox(staff_team):
    from datetime import timedelta

    from django.utils.timezone import now

    contact()
    services.staff_alerts_digest()
    old_key = str(StaffAlert.objects.get().digest_key)
    early_access()
    services.staff_alerts_digest()
    OutboxEmail.objects.update(status=OutboxEmail.Status.SENT)
    StaffAlert.objects.filter(kind=StaffAlert.Kind.CONTACT_MESSAGE).update(
        digested_at=now() - timedelta(days=8)
    )

    assert services.alerts_prune() == 1

    assert not OutboxEmail.objects.filter(origin_id=old_key).exists()
    assert OutboxEmail.objects.filter(origin_label=DIGEST).count() == len(staff_team)
