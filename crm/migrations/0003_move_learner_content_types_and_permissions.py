"""Move the learner content types and permissions to the contact models.

The existing rows are renamed in place (lms.learner becomes crm.contact, add_learner becomes
add_contact, ...), so their ids stay: a group that could change learners can change contacts,
and admin history (which points at content type id + object id) stays on the same object.

A fresh database has no such rows yet (post_migrate creates them after `migrate`): nothing to
do. If both the old and the new content type exist (a deploy that ran post_migrate half-way),
the old row wins: what hangs on the new one (history, group and user permissions) moves over
and the new row is deleted.
"""

from django.conf import settings
from django.db import migrations

MOVES = [
    # (old app, old model, old verbose name), (new app, new model, new verbose name)
    (("lms", "learner", "learner"), ("crm", "contact", "contact")),
    (
        ("lms", "learnerintegration", "learner integration"),
        ("crm", "contactintegration", "contact integration"),
    ),
]
DEFAULT_ACTIONS = ("add", "change", "delete", "view")


def move_content_types(apps, schema_editor, *, backwards=False):
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    Group = apps.get_model("auth", "Group")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    memberships = [
        (Group.permissions.through, "group_id"),
        (User.user_permissions.through, "user_id"),
    ]

    for old, new in MOVES:
        source, target = (new, old) if backwards else (old, new)
        (src_app, src_model, _), (dst_app, dst_model, dst_verbose) = source, target
        content_type = (
            ContentType.objects.using(db).filter(app_label=src_app, model=src_model).first()
        )
        if content_type is None:
            continue
        stale = ContentType.objects.using(db).filter(app_label=dst_app, model=dst_model).first()
        if stale is not None:
            _merge_into(
                db,
                stale,
                content_type,
                Permission,
                LogEntry,
                memberships,
                codename_map={f"{a}_{dst_model}": f"{a}_{src_model}" for a in DEFAULT_ACTIONS},
            )
        content_type.app_label, content_type.model = dst_app, dst_model
        content_type.save(using=db, update_fields=["app_label", "model"])
        for action in DEFAULT_ACTIONS:
            Permission.objects.using(db).filter(
                content_type=content_type, codename=f"{action}_{src_model}"
            ).update(codename=f"{action}_{dst_model}", name=f"Can {action} {dst_verbose}")
    ContentType.objects.clear_cache()


def _merge_into(db, stale, keep, Permission, LogEntry, memberships, *, codename_map):
    """Move history and permissions from content type ``stale`` onto ``keep``; delete ``stale``."""
    LogEntry.objects.using(db).filter(content_type=stale).update(content_type=keep)
    kept = {p.codename: p for p in Permission.objects.using(db).filter(content_type=keep)}
    for permission in Permission.objects.using(db).filter(content_type=stale):
        twin = kept.get(codename_map.get(permission.codename, permission.codename))
        if twin is None:
            permission.content_type = keep
            permission.save(using=db, update_fields=["content_type"])
            continue
        for through, owner in memberships:
            holders = through.objects.using(db).filter(permission_id=twin.pk).values(owner)
            through.objects.using(db).filter(permission_id=permission.pk).exclude(
                **{f"{owner}__in": holders}
            ).update(permission_id=twin.pk)
            through.objects.using(db).filter(permission_id=permission.pk).delete()
        permission.delete()
    stale.delete()


def forwards(apps, schema_editor):
    move_content_types(apps, schema_editor)


def backwards(apps, schema_editor):
    move_content_types(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0002_move_learner_models_to_crm_contact"),
        ("lms", "0004_point_foreign_keys_at_crm_contact"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
