"""Export everything held about a person (access and portability, issue 20).

Found generically: the leads with this email (or phone), every row of every model with a foreign
key to one of those leads; the contacts (in the organizations the staff member may see) with
this email or phone, every row of every model with a foreign key to one of those contacts (notes,
appointments, messages, tasks, tags, integrations, enrollments, progress, converted leads,
children) and the rows under those records (an appointment's reminders); and emails addressed
to them in any model with an EmailField named ``to`` (the outbox), or caused by their records (a
reminder's copy to the appointment's owner). A test enumerates the models that refer to a
person, or to a person's records, and checks each is covered.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from crm.models import Contact
from leads.models import UsersLead


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone or "")


def _referring(target: type[models.Model]) -> list[tuple[type[models.Model], str]]:
    """Every (model, FK field name) pointing at ``target`` across the installed apps."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                field.concrete
                and field.is_relation
                and (field.many_to_one or field.one_to_one)
                and field.related_model is target
            ):
                found.append((model, field.name))
    return found


def _mailbox_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if any(isinstance(f, models.EmailField) and f.name == "to" for f in model._meta.fields)
    ]


def records_below(model: type[models.Model], rows) -> list[tuple[type[models.Model], Any]]:
    """The rows under a person's records ``rows`` (of ``model``): every model with a foreign key
    to ``model`` (an appointment's reminders), as (model, queryset). Contacts and leads
    referring to a record are other people: they are found on their own, never from here."""
    return [
        (below, below._base_manager.filter(**{f"{field}__in": rows}))
        for below, field in _referring(model)
        if below not in (Contact, UsersLead)
    ]


def caused_emails(*, lead_ids: list, contact_ids: list) -> Q:
    """The mailbox rows (``origin_label``/``origin_id``, the outbox) caused by the person's
    records and the rows under them: a reminder's copy to a staff member names the person."""
    caused = Q(pk__in=[])
    # Only the kinds of record that ever caused an email are read (not every lead event).
    labels = set()
    for mailbox in _origin_mailbox_models():
        labels |= set(
            mailbox._base_manager.order_by().values_list("origin_label", flat=True).distinct()
        )
    for target, ids in ((UsersLead, lead_ids), (Contact, contact_ids)):
        for model, field in _referring(target):
            if model in (Contact, UsersLead):
                continue
            rows = model._base_manager.filter(**{f"{field}__in": ids})
            for origin_model, queryset in [(model, rows), *records_below(model, rows)]:
                if origin_model._meta.label_lower not in labels:
                    continue
                origin_ids = [str(pk) for pk in queryset.values_list("pk", flat=True)]
                if origin_ids:
                    caused |= Q(
                        origin_label=origin_model._meta.label_lower, origin_id__in=origin_ids
                    )
    return caused


def _origin_mailbox_models() -> list[type[models.Model]]:
    return [
        model
        for model in _mailbox_models()
        if {"origin_label", "origin_id"} <= {f.name for f in model._meta.fields}
    ]


def _rows(queryset) -> list[dict]:
    return serializers.serialize("python", queryset)


def find_leads(email: str | None, phone: str | None):
    q = Q(pk__in=[])
    if email:
        q |= Q(email__iexact=email.strip())
    if phone and len(_digits(phone)) >= 6:
        q |= Q(phone__regex=r"\D*".join(_digits(phone)))
    return UsersLead._base_manager.filter(q)


def find_contacts(email: str | None, phone: str | None, user=None):
    contacts = Contact.objects.all() if user is None else Contact.objects.for_user(user)
    q = Q(pk__in=[])
    if email:
        q |= Q(email__iexact=email.strip())
    if phone and len(_digits(phone)) >= 6:
        q |= Q(phone__regex=r"\D*".join(_digits(phone)))
    return contacts.filter(q)


def person_export(*, email: str | None = None, phone: str | None = None, user=None) -> dict:
    """One JSON-ready document of everything held about the person with ``email``/``phone``.

    ``user`` (staff) limits the CRM part to the organizations they may see; None: all.
    """
    if not email and not phone:
        raise ValueError("Give an email or a phone number.")
    leads = list(find_leads(email, phone))
    contacts = list(find_contacts(email, phone, user))
    lead_ids = [lead.pk for lead in leads]
    contact_ids = [c.pk for c in contacts]
    document: dict[str, Any] = {
        "exported_at": now(),
        "query": {"email": email, "phone": phone},
        "records": {},
    }
    records = document["records"]
    records["leads.UsersLead"] = _rows(leads)
    records["crm.Contact"] = _rows(contacts)
    for model, field in _referring(UsersLead):
        rows = model._base_manager.filter(**{f"{field}__in": lead_ids})
        records.setdefault(model._meta.label, []).extend(_rows(rows))
    for model, field in _referring(Contact):
        rows = model._base_manager.filter(**{f"{field}__in": contact_ids})
        records.setdefault(model._meta.label, []).extend(_rows(rows))
        if model is not Contact and model is not UsersLead:
            for below, below_rows in records_below(model, rows):
                records.setdefault(below._meta.label, []).extend(_rows(below_rows))
    caused = caused_emails(lead_ids=lead_ids, contact_ids=contact_ids)
    for model in _mailbox_models():
        wanted = Q(to__iexact=email.strip()) if email else Q(pk__in=[])
        if model in _origin_mailbox_models():
            wanted |= caused
        rows = model._base_manager.filter(wanted).order_by("pk")
        if email or rows.exists():
            records.setdefault(model._meta.label, []).extend(_rows(rows))
    document["counts"] = {label: len(rows) for label, rows in records.items()}
    return json.loads(json.dumps(document, cls=DjangoJSONEncoder))


def _readable(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def export_sections(document: dict) -> list[dict]:
    """The export as a person reads it: one section per kind of record (in words, with its
    count), each record as its fields' names and values. Sections without records are left out.

    Return [{"label", "title", "records": [{"id", "fields": [(name, value), ...]}]}].
    """
    sections = []
    for label, rows in document["records"].items():
        if not rows:
            continue
        model = apps.get_model(label)
        names = {f.name: str(f.verbose_name) for f in model._meta.fields}
        records = [
            {
                "id": str(row["pk"]),
                "fields": [
                    (names.get(name, name.replace("_", " ")), _readable(value))
                    for name, value in row["fields"].items()
                ],
            }
            for row in rows
        ]
        title = str(model._meta.verbose_name_plural)
        sections.append(
            {"label": label, "title": title[:1].upper() + title[1:], "records": records}
        )
    return sections
