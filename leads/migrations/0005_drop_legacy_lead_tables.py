"""Drop the five legacy lead tables, and with them WaitlistEntry's link to the auth user.

Their rows live on in users_leads and its tables (0003), each as an import event holding the
whole row; reversing this recreates the empty tables and 0004's reverse refills them.

The side table ``legacy_waitlist_user_link`` (left by ``adopt_database --source
comfhutt-prisma``: a waitlist entry's link to the Prisma "User") goes too, once every link is
in the waitlist row's import event as ``linked_user`` (0003 put it there); the reverse rebuilds
it from those events. On a database that never had it (SQLite, or any non-adopted one) neither
step does anything.
"""

from django.db import migrations

IMPORT_EVENT = "LEGACY_RECORD_IMPORTED"
USER_LINK_TABLE = "legacy_waitlist_user_link"
# The table comment by which check_drift leaves a table out (core.db.drift.UNMANAGED_TABLE_MARK,
# copied: a migration keeps working whatever later code does), as the adoption wrote it.
USER_LINK_COMMENT = "leadcrm: not managed (read by leads 0003, dropped by leads 0005)"


def drop_user_link_table(apps, schema_editor):
    connection = schema_editor.connection
    if USER_LINK_TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        # A link whose waitlist row's event does not carry it would be lost: refuse instead.
        cursor.execute(
            f"SELECT count(*) FROM {USER_LINK_TABLE} link WHERE NOT EXISTS ("
            "SELECT 1 FROM lead_events e WHERE e.event_type = %s "
            "AND e.metadata ->> 'legacy_table' = 'leads_waitlistentry' "
            "AND e.metadata -> 'legacy_record' ->> 'id' = link.waitlist_entry_id::text "
            "AND e.metadata -> 'linked_user' ->> 'id' = link.user_id)",
            [IMPORT_EVENT],
        )
        (missing,) = cursor.fetchone()
    if missing:
        raise RuntimeError(
            f"Refusing to drop {USER_LINK_TABLE}: {missing} waitlist links to a user are not "
            "in the import events. Migrate leads back to 0002 and forward again to re-run the "
            "backfill."
        )
    schema_editor.execute(f"DROP TABLE {USER_LINK_TABLE}")


def recreate_user_link_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the links only ever come from an adopted PostgreSQL database
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM lead_events WHERE event_type = %s "
            "AND metadata ? 'linked_user')",
            [IMPORT_EVENT],
        )
        (linked,) = cursor.fetchone()
    if not linked:
        return
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {USER_LINK_TABLE} (waitlist_entry_id uuid PRIMARY KEY, "
        "user_id text NOT NULL, user_email text NULL)"
    )
    schema_editor.execute(f"COMMENT ON TABLE {USER_LINK_TABLE} IS %s", [USER_LINK_COMMENT])
    schema_editor.execute(
        f"INSERT INTO {USER_LINK_TABLE} (waitlist_entry_id, user_id, user_email) "
        "SELECT (metadata -> 'legacy_record' ->> 'id')::uuid, "
        "metadata -> 'linked_user' ->> 'id', metadata -> 'linked_user' ->> 'email' "
        "FROM lead_events WHERE event_type = %s AND metadata ? 'linked_user' "
        "ON CONFLICT (waitlist_entry_id) DO NOTHING",
        [IMPORT_EVENT],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0004_restore_legacy_rows_on_reverse"),
    ]

    operations = [
        migrations.RunPython(drop_user_link_table, recreate_user_link_table, elidable=False),
        migrations.RemoveField(
            model_name="choiceresponse",
            name="lead",
        ),
        migrations.DeleteModel(
            name="ContactUs",
        ),
        migrations.DeleteModel(
            name="EarlyAccessUser",
        ),
        migrations.RemoveField(
            model_name="waitlistentry",
            name="user",
        ),
        migrations.DeleteModel(
            name="ChoiceResponse",
        ),
        migrations.DeleteModel(
            name="Lead",
        ),
        migrations.DeleteModel(
            name="WaitlistEntry",
        ),
    ]
