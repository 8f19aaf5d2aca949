"""Backfill users_leads and its tables from the five legacy lead tables (SPEC section 2).

The five legacy tables are read through server-side cursors, merged in created_at order and
handled a chunk at a time, so memory stays bounded however many legacy rows there are, and
each chunk costs a fixed handful of queries (insert-or-ignore its leads, read them back, update
the merged ones, insert submissions, insert events): never one query per legacy row.

Reading in created_at order means the first record of an email creates its lead (source and
first_seen_at) and later ones only move last_seen_at and fill blank name/phone. Every legacy
row leaves one LEGACY_RECORD_IMPORTED event holding the whole row, which is how the reverse of
0005 rebuilds the legacy tables and how the reverse here finds what to delete.
"""

import heapq
import json
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import migrations, reset_queries

CHUNK_SIZE = 2000
IMPORT_EVENT = "LEGACY_RECORD_IMPORTED"
INTENT_LEVELS = {
    "JUST_EXPLORING": "LOW",
    "INVEST_WITHIN_3_MONTHS": "MEDIUM",
    "READY_TO_INVEST": "HIGH",
}
INVESTMENT_RANGES = {"BELOW_10K", "TEN_TO_FIFTY_K", "FIFTY_K_TO_TWO_L", "ABOVE_TWO_L"}
# Legacy model -> lead source it stands for; the order breaks created_at ties.
LEGACY_MODELS = {
    "Lead": "CHOICES",
    "ChoiceResponse": "CHOICES",
    "EarlyAccessUser": "EARLY_ACCESS",
    "ContactUs": "CONTACT",
    "WaitlistEntry": "EARLY_ACCESS",
}


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    return value


def _answer(value) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _legacy_stream(model, rank: int):
    """Yield (created_at, rank, id, model name, row, raw email) in created_at order."""
    columns = [field.attname for field in model._meta.concrete_fields]
    via_lead = model.__name__ == "ChoiceResponse"
    rows = model.objects.order_by("created_at", "pk").values(
        *columns, *(["lead__email"] if via_lead else [])
    )
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        email = row.pop("lead__email") if via_lead else row["email"]
        yield row["created_at"], rank, str(row["id"]), model.__name__, row, email or ""


class _Importer:
    def __init__(self, apps, connection, environment: str):
        self.connection = connection
        self.environment = environment
        self.legacy = {name: apps.get_model("leads", name) for name in LEGACY_MODELS}
        self.UsersLead = apps.get_model("leads", "UsersLead")
        self.LeadEvent = apps.get_model("leads", "LeadEvent")
        self.ChoicesResponse = apps.get_model("leads", "ChoicesResponse")
        self.EarlyAccessRequest = apps.get_model("leads", "EarlyAccessRequest")
        self.ContactMessage = apps.get_model("leads", "ContactMessage")

    def run(self) -> None:
        streams = [_legacy_stream(model, rank) for rank, model in enumerate(self.legacy.values())]
        chunk = []
        for item in heapq.merge(*streams):
            chunk.append(item)
            if len(chunk) >= CHUNK_SIZE:
                self.import_chunk(chunk)
                chunk = []
                self.forget_queries()
        if chunk:
            self.import_chunk(chunk)

    def forget_queries(self) -> None:
        # Under DEBUG Django keeps the SQL of every query, megabytes per bulk insert; drop it
        # each chunk so memory stays flat, unless a test is counting the queries.
        if settings.DEBUG and not self.connection.force_debug_cursor:
            reset_queries()

    def import_chunk(self, chunk: list) -> None:
        leads = self.upsert_leads(chunk)
        stamp = {"environment": self.environment}
        responses, requests, messages, events = [], [], [], []
        for created_at, _, _, name, row, raw_email in chunk:
            lead = leads.get(raw_email.strip().lower())
            record = {key: _jsonable(value) for key, value in row.items()}
            table = self.legacy[name]._meta.db_table
            metadata = {"legacy_table": table, "legacy_record": record}
            common = {"lead": lead, "created_at": created_at, **stamp}
            if name == "ChoiceResponse":
                answers = [("intent", row["intent"])]
                if row["nps"] is not None:
                    answers.append(("nps", str(row["nps"])))
                meta = row["meta"]
                if isinstance(meta, dict):
                    answers += [(key, _answer(value)) for key, value in meta.items()]
                elif meta not in (None, {}):
                    answers.append(("meta", _answer(meta)))
                created = [
                    self.ChoicesResponse(
                        id=uuid.uuid4(), choice_key=key, choice_value=value, **common
                    )
                    for key, value in answers
                ]
                responses += created
                metadata["choices_response_ids"] = [str(response.id) for response in created]
            elif name == "EarlyAccessUser":
                intent_level = INTENT_LEVELS.get(row["investment_intent"])
                if (
                    intent_level is None
                    or row["expected_investment_range"] not in INVESTMENT_RANGES
                ):
                    # The old forms only wrote these values; stop with a pointer, not a guess.
                    raise ValueError(
                        f"leads_earlyaccessuser {row['id']}: unknown investment_intent "
                        f"{row['investment_intent']!r} or expected_investment_range "
                        f"{row['expected_investment_range']!r}; correct the row and migrate again"
                    )
                request = self.EarlyAccessRequest(
                    id=uuid.uuid4(),
                    investment_range=row["expected_investment_range"],
                    intent_level=intent_level,
                    city="",
                    notes="",
                    **common,
                )
                requests.append(request)
                metadata["early_access_request_id"] = str(request.id)
                metadata["preferred_property_type"] = row["preferred_property_type"]
            elif name == "ContactUs":
                message = self.ContactMessage(
                    id=uuid.uuid4(),
                    subject="",
                    message=row["message"],
                    responded=row["handled"],
                    **common,
                )
                messages.append(message)
                metadata["contact_message_id"] = str(message.id)
            elif name == "WaitlistEntry":
                metadata["status"] = row["status"]
                metadata["user_id"] = record["user_id"]
            events.append(
                self.LeadEvent(
                    id=uuid.uuid4(), event_type=IMPORT_EVENT, metadata=metadata, **common
                )
            )
        self.ChoicesResponse.objects.bulk_create(responses, batch_size=CHUNK_SIZE)
        self.EarlyAccessRequest.objects.bulk_create(requests, batch_size=CHUNK_SIZE)
        self.ContactMessage.objects.bulk_create(messages, batch_size=CHUNK_SIZE)
        self.LeadEvent.objects.bulk_create(events, batch_size=CHUNK_SIZE)

    def upsert_leads(self, chunk: list) -> dict:
        """Create the chunk's new leads, merge its rows into them; return them by email."""
        candidates = {}
        for created_at, _, _, name, row, raw_email in chunk:
            email = raw_email.strip().lower()
            if email and email not in candidates:
                candidates[email] = self.UsersLead(
                    id=uuid.uuid4(),
                    email=email,
                    name=(row.get("name") or "").strip(),
                    phone=(row.get("phone") or "").strip(),
                    source=LEGACY_MODELS[name],
                    first_seen_at=created_at,
                    last_seen_at=created_at,
                    environment=self.environment,
                )
        if not candidates:
            return {}
        self.UsersLead.objects.bulk_create(
            candidates.values(), ignore_conflicts=True, batch_size=CHUNK_SIZE
        )
        leads = {
            lead.email: lead
            for lead in self.UsersLead.objects.filter(
                environment=self.environment, email__in=list(candidates)
            )
        }
        changed = {}
        for created_at, _, _, name, row, raw_email in chunk:
            lead = leads.get(raw_email.strip().lower())
            if lead is None:
                continue
            before = (lead.name, lead.phone, lead.source, lead.first_seen_at, lead.last_seen_at)
            if created_at < lead.first_seen_at:
                lead.first_seen_at, lead.source = created_at, LEGACY_MODELS[name]
            lead.last_seen_at = max(lead.last_seen_at, created_at)
            lead.name = lead.name or (row.get("name") or "").strip()
            lead.phone = lead.phone or (row.get("phone") or "").strip()
            if before != (
                lead.name,
                lead.phone,
                lead.source,
                lead.first_seen_at,
                lead.last_seen_at,
            ):
                changed[lead.pk] = lead
        if changed:
            self.UsersLead.objects.bulk_update(
                changed.values(),
                ["name", "phone", "source", "first_seen_at", "last_seen_at"],
                batch_size=500,
            )
        return leads


def backfill(apps, schema_editor):
    _Importer(apps, schema_editor.connection, settings.APP_ENVIRONMENT).run()


def remove_backfill(apps, schema_editor):
    """Delete what ``backfill`` created; the legacy tables were never touched."""
    LeadEvent = apps.get_model("leads", "LeadEvent")
    children = {
        "choices_response_ids": apps.get_model("leads", "ChoicesResponse"),
        "early_access_request_id": apps.get_model("leads", "EarlyAccessRequest"),
        "contact_message_id": apps.get_model("leads", "ContactMessage"),
    }
    pending = {key: [] for key in children}

    def flush():
        for key, ids in pending.items():
            if ids:
                children[key].objects.filter(id__in=ids).delete()
                ids.clear()

    imported = LeadEvent.objects.filter(event_type=IMPORT_EVENT)
    for metadata in imported.values_list("metadata", flat=True).iterator(chunk_size=CHUNK_SIZE):
        for key in children:
            value = metadata.get(key)
            if value:
                pending[key] += value if isinstance(value, list) else [value]
        if sum(len(ids) for ids in pending.values()) >= CHUNK_SIZE:
            flush()
    flush()
    imported.delete()
    # Leads left with nothing pointing at them were created by the backfill alone.
    schema_editor.execute(
        "DELETE FROM users_leads WHERE "
        + " AND ".join(
            f"NOT EXISTS (SELECT 1 FROM {table} t WHERE t.lead_id = users_leads.id)"
            for table in (
                "lead_events",
                "choices_responses",
                "early_access_requests",
                "contact_messages",
                "page_sessions",
            )
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0002_create_users_leads_tables"),
    ]

    operations = [
        migrations.RunPython(backfill, remove_backfill, elidable=False),
    ]
