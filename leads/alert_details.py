"""What the staff digest (alerts) says of each alerted contact message and early-access request:
its admin link and one line. Registered with alerts from LeadsConfig.ready()."""

from typing import Any

from alerts.models import StaffAlert
from alerts.selectors import admin_url, excerpt
from leads.models import ContactMessage, EarlyAccessRequest


def submission_details(alerts: list[StaffAlert]) -> dict[tuple[str, Any], tuple[str, str]]:
    """{(kind, object_id): (link, detail)} for ``alerts``' submissions; two queries whatever
    the number: the contact messages, then the early-access requests."""

    def ids(kind: str) -> list:
        return [alert.object_id for alert in alerts if alert.kind == kind and alert.object_id]

    details = {}
    for message in ContactMessage.objects.in_bulk(ids(StaffAlert.Kind.CONTACT_MESSAGE)).values():
        subject = f"{message.subject}: " if message.subject else ""
        details[(StaffAlert.Kind.CONTACT_MESSAGE, message.pk)] = (
            admin_url("admin:leads_contactmessage_change", message.pk),
            subject + excerpt(message.message),
        )
    for request in EarlyAccessRequest.objects.in_bulk(ids(StaffAlert.Kind.EARLY_ACCESS)).values():
        parts = [request.get_intent_level_display(), request.get_investment_range_display()]
        details[(StaffAlert.Kind.EARLY_ACCESS, request.pk)] = (
            admin_url("admin:leads_earlyaccessrequest_change", request.pk),
            ", ".join([*parts, *([request.city] if request.city else [])]),
        )
    return details
