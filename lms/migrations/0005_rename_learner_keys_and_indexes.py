"""Give the primary keys, foreign keys and indexes of the moved tables their contact names.

PostgreSQL only, and names only (catalog changes, no rows read): after the renames of lms 0002,
lms 0003 and crm 0002 the keys still carried learner names, e.g. `lms_learner_pkey` on
`crm_contact` or `lms_enrollment_learner_id_b478f896` on `lms_enrollment.contact_id`. The new
names are the ones Django gives a freshly created schema, so a migrated database and a new one
look alike. An object that is missing (a drifted database) is skipped, not an error. SQLite
rebuilt these tables during the renames and named them itself.
"""

from django.db import migrations

# (kind, table after the move, legacy name, contact name)
RENAMES = [
    ("constraint", "crm_contact", "lms_learner_pkey", "crm_contact_pkey"),
    ("index", "crm_contact", "lms_learner_organization_id_e5856d89", "crm_contact_organization_id_1f99b507"),
    ("constraint", "crm_contact", "lms_learner_organization_id_e5856d89_fk_crm_organization_id", "crm_contact_organization_id_1f99b507_fk_crm_organization_id"),
    ("constraint", "crm_contactintegration", "lms_learnerintegration_pkey", "crm_contactintegration_pkey"),
    ("index", "crm_contactintegration", "lms_learnerintegration_learner_id_a57cbcc0", "crm_contactintegration_contact_id_08858bdd"),
    ("constraint", "crm_contactintegration", "lms_learnerintegration_learner_id_a57cbcc0_fk_lms_learner_id", "crm_contactintegration_contact_id_08858bdd_fk_crm_contact_id"),
    ("index", "lms_enrollment", "lms_enrollment_learner_id_b478f896", "lms_enrollment_contact_id_c3fb7e99"),
    ("constraint", "lms_enrollment", "lms_enrollment_learner_id_b478f896_fk_lms_learner_id", "lms_enrollment_contact_id_c3fb7e99_fk_crm_contact_id"),
    ("index", "lms_lessonprogress", "lms_lessonprogress_learner_id_14dc7ff9", "lms_lessonprogress_contact_id_50da24ec"),
    ("constraint", "lms_lessonprogress", "lms_lessonprogress_learner_id_14dc7ff9_fk_lms_learner_id", "lms_lessonprogress_contact_id_50da24ec_fk_crm_contact_id"),
]  # fmt: skip


def _rename(schema_editor, *, backwards: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for kind, table, legacy, current in RENAMES:
            old, new = (current, legacy) if backwards else (legacy, current)
            if kind == "index":
                cursor.execute(
                    "SELECT 1 FROM pg_indexes WHERE tablename = %s AND indexname = %s", [table, old]
                )
                if cursor.fetchone():
                    schema_editor.execute(f"ALTER INDEX {quote(old)} RENAME TO {quote(new)}")
            else:
                cursor.execute(
                    "SELECT 1 FROM pg_constraint WHERE conrelid = %s::regclass AND conname = %s",
                    [table, old],
                )
                if cursor.fetchone():
                    schema_editor.execute(
                        f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(old)} TO {quote(new)}"
                    )


def forwards(apps, schema_editor):
    _rename(schema_editor, backwards=False)


def backwards(apps, schema_editor):
    _rename(schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("lms", "0004_point_foreign_keys_at_crm_contact"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
