"""Export everything held about a person (access and portability, issue 20).

Found generically: the leads with this email (or phone), every row of every model with a foreign
key to one of those leads; the contacts (in the organizations the staff member may see) with
this email or phone, every row of every model with a foreign key to one of those contacts (notes,
appointments, messages, tasks, tags, integrations, enrollments, progress, converted leads,
children); and emails addressed to them in any model with an EmailField named ``to`` (the
outbox). A test enumerates the models that refer to a person and checks each is covered.
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
    if email:
        for model in _mailbox_models():
            rows = model._base_manager.filter(to__iexact=email.strip())
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
