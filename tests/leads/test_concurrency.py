"""Real threads racing on PostgreSQL: one email, many letter cases, one lead."""

import threading

from django.db import connections

from leads import services
from leads.models import ChoicesResponse, LeadEvent, UsersLead

THREADS = 16


def spellings(email: str, count: int) -> list[str]:
    """Return ``count`` spellings of ``email`` that differ in letter case and padding."""
    variants = []
    for n in range(count):
        # The first five letters spell n in binary: upper case for 1.
        mixed = "".join(c.upper() if i < 5 and (n >> i) & 1 else c for i, c in enumerate(email))
        variants.append(" " * (n % 2) + mixed + " " * (n % 3))
    return variants


def test_concurrent_submissions_of_one_email_give_one_lead_and_keep_all(pool_for_all_threads):
    barrier = threading.Barrier(THREADS, timeout=30)
    errors: list[BaseException] = []
    emails = spellings("priya.nair@example.com", THREADS)
    assert len(set(emails)) == THREADS

    def submit(n: int) -> None:
        try:
            connections["default"].ensure_connection()
            barrier.wait()
            if n % 2:
                services.choices_submit(email=emails[n], intent="invest", nps=n % 11)
            else:
                services.contact_message_create(
                    name=f"Priya {n}", email=emails[n], subject="Hi", message="Please call me back."
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    lead = UsersLead.objects.get()
    assert lead.email == "priya.nair@example.com"
    assert lead.name.startswith("Priya ")
    assert ChoicesResponse.objects.filter(lead=lead, choice_key="nps").count() == THREADS // 2
    assert lead.contact_messages.count() == THREADS // 2
    assert LeadEvent.objects.filter(lead=lead).count() == THREADS
    assert lead.last_seen_at >= lead.first_seen_at
