"""Guard the drop of the legacy tables, and rebuild their rows when it is reversed.

Forward: refuse to go on (before 0005 drops anything) unless every legacy row left an import
event in 0003. Reverse (after 0005's reverse recreated the empty legacy tables): rebuild every
missing legacy row, same id, values and timestamps, from the record its import event holds: on
PostgreSQL one INSERT ... SELECT per table straight from the events, elsewhere batched; never one
query per row.
"""

from django.conf import settings
from django.db import migrations

CHUNK_SIZE = 2000
IMPORT_EVENT = "LEGACY_RECORD_IMPORTED"
# Parents first, so a choice response always finds its lead.
LEGACY_MODELS = ["Lead", "ChoiceResponse", "EarlyAccessUser", "ContactUs", "WaitlistEntry"]


def _imports(apps, table: str):
    LeadEvent = apps.get_model("leads", "LeadEvent")
    return LeadEvent.objects.filter(event_type=IMPORT_EVENT, metadata__legacy_table=table)


def check_every_legacy_row_imported(apps, schema_editor):
    missing = []
    for name in LEGACY_MODELS:
        model = apps.get_model("leads", name)
        legacy, imported = model.objects.count(), _imports(apps, model._meta.db_table).count()
        if legacy != imported:
            missing.append(f"{model._meta.db_table}: {legacy} rows, {imported} imported")
    if missing:
        raise RuntimeError(
            "Refusing to drop the legacy lead tables; not every row was backfilled ("
            + "; ".join(missing)
            + "). Migrate leads back to 0002 and forward again to re-run the backfill."
        )


def restore_legacy_rows(apps, schema_editor):
    User = apps.get_model(settings.AUTH_USER_MODEL)
    if schema_editor.connection.vendor == "postgresql":
        for name in LEGACY_MODELS:
            _restore_with_sql(apps, apps.get_model("leads", name), User, schema_editor)
        return
    for name in LEGACY_MODELS:
        model = apps.get_model("leads", name)
        fields = model._meta.concrete_fields
        records = _imports(apps, model._meta.db_table).values_list("metadata", flat=True)
        batch = []
        for metadata in records.iterator(chunk_size=CHUNK_SIZE):
            record = metadata["legacy_record"]
            batch.append(model(**{f.attname: f.to_python(record[f.attname]) for f in fields}))
            if len(batch) >= CHUNK_SIZE:
                _insert(model, batch, User)
                batch = []
        if batch:
            _insert(model, batch, User)


def _restore_with_sql(apps, model, User, schema_editor) -> None:
    """INSERT ... SELECT the table's rows from its import events; present rows are kept."""
    connection, quote = schema_editor.connection, schema_editor.quote_name
    LeadEvent = apps.get_model("leads", "LeadEvent")
    columns, values = [], []
    for field in model._meta.concrete_fields:
        columns.append(quote(field.column))
        key = f"'{field.attname}'"
        if field.get_internal_type() == "JSONField":
            values.append(f"record -> {key}")
            continue
        value = f"(record ->> {key})::{field.db_type(connection)}"
        if field.is_relation and field.related_model._meta.label_lower == User._meta.label_lower:
            # A user deleted since the backfill cannot be linked again.
            value = (
                f"CASE WHEN EXISTS (SELECT 1 FROM {quote(User._meta.db_table)} u "
                f"WHERE u.{quote(User._meta.pk.column)} = {value}) THEN {value} END"
            )
        values.append(value)
    schema_editor.execute(
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(values)} FROM ("
        f"SELECT metadata -> 'legacy_record' AS record FROM {LeadEvent._meta.db_table} "
        "WHERE event_type = %s AND metadata ->> 'legacy_table' = %s) imported "
        f"ON CONFLICT ({quote(model._meta.pk.column)}) DO NOTHING",
        [IMPORT_EVENT, model._meta.db_table],
    )


def _insert(model, batch: list, User) -> None:
    # Rows still present (the tables were never dropped) are left as they are.
    present = set(
        model.objects.filter(pk__in=[row.pk for row in batch]).values_list("pk", flat=True)
    )
    batch = [row for row in batch if row.pk not in present]
    if model.__name__ == "WaitlistEntry":
        # A user deleted since the backfill cannot be linked again.
        wanted = {entry.user_id for entry in batch if entry.user_id is not None}
        existing = set(User.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        for entry in batch:
            if entry.user_id not in existing:
                entry.user_id = None
        kept = [entry.updated_at for entry in batch]
    model.objects.bulk_create(batch, batch_size=CHUNK_SIZE)
    if model.__name__ == "WaitlistEntry":
        # bulk_create stamped auto_now's updated_at with now; put the original back.
        for entry, updated_at in zip(batch, kept, strict=True):
            entry.updated_at = updated_at
        model.objects.bulk_update(batch, ["updated_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0003_backfill_users_leads_from_legacy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(check_every_legacy_row_imported, restore_legacy_rows, elidable=False),
    ]
