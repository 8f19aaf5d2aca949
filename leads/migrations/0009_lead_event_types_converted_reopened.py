"""Allow the LEAD_CONVERTED and CONTACT_MESSAGE_REOPENED event types.

lead_events is a live, growing table: on PostgreSQL the new check is added NOT VALID (a brief
lock, no scan) and validated in a second step that lets writes go on while it reads the table.
"""

from django.db import migrations, models

OLD_TYPES = [
    "LEAD_CAPTURED",
    "CHOICES_SUBMITTED",
    "EARLY_ACCESS_REQUESTED",
    "CONTACT_MESSAGE_SENT",
    "CONTACT_MESSAGE_RESPONDED",
    "PAGE_SESSION_RECORDED",
    "LEGACY_RECORD_IMPORTED",
    "LEAD_EDITED",
]
NEW_TYPES = [*OLD_TYPES, "LEAD_CONVERTED", "CONTACT_MESSAGE_REOPENED"]
NAME = "lead_events_event_type_valid"
# Going back, events of the new types are kept as LEAD_EDITED with their type in the metadata
# under this key; coming forward again gives them their type back. Nothing is lost either way.
ROLLED_BACK_TYPE = "rolled_back_event_type"


def _constraint(types: list[str]) -> models.CheckConstraint:
    return models.CheckConstraint(condition=models.Q(("event_type__in", types)), name=NAME)


def _in_list(types: list[str]) -> str:
    return ", ".join(f"'{value}'" for value in types)


class ReplaceEventTypeCheck(migrations.operations.base.Operation):
    """Swap the event-type check: NOT VALID + VALIDATE on PostgreSQL, a rebuild elsewhere."""

    reversible = True

    def __init__(self, *, old: list[str], new: list[str]):
        self.old, self.new = old, new

    def state_forwards(self, app_label, state):
        state.remove_constraint(app_label, "leadevent", NAME)
        state.add_constraint(app_label, "leadevent", _constraint(self.new))

    def _swap(self, schema_editor, from_state, to_state, app_label, types, old_types):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            model = to_state.apps.get_model(app_label, "leadevent")
            schema_editor.remove_constraint(model, _constraint(old_types))
            schema_editor.add_constraint(model, _constraint(types))
            return
        # Through the schema editor, so that sqlmigrate (and the migration linter) only
        # collects these statements instead of running them.
        schema_editor.execute(
            f"ALTER TABLE lead_events DROP CONSTRAINT {NAME}, "
            f"ADD CONSTRAINT {NAME} CHECK (event_type IN ({_in_list(types)})) NOT VALID"
        )
        schema_editor.execute(f"ALTER TABLE lead_events VALIDATE CONSTRAINT {NAME}")

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._swap(schema_editor, from_state, to_state, app_label, self.new, self.old)
        if schema_editor.collect_sql:
            return  # sqlmigrate: the rows are data, as a RunPython's would be
        LeadEvent = to_state.apps.get_model(app_label, "leadevent")
        restored = []
        for event in LeadEvent.objects.filter(metadata__has_key=ROLLED_BACK_TYPE).iterator():
            event.event_type = event.metadata.pop(ROLLED_BACK_TYPE)
            restored.append(event)
        LeadEvent.objects.bulk_update(restored, ["event_type", "metadata"], batch_size=1000)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.collect_sql:
            self._swap(schema_editor, from_state, to_state, app_label, self.old, self.new)
            return
        LeadEvent = from_state.apps.get_model(app_label, "leadevent")
        kept = []
        only_new = sorted(set(self.new) - set(self.old))
        for event in LeadEvent.objects.filter(event_type__in=only_new).iterator():
            event.metadata = {**event.metadata, ROLLED_BACK_TYPE: event.event_type}
            event.event_type = "LEAD_EDITED"
            kept.append(event)
        LeadEvent.objects.bulk_update(kept, ["event_type", "metadata"], batch_size=1000)
        self._swap(schema_editor, from_state, to_state, app_label, self.old, self.new)

    def describe(self):
        return "Replace the lead event type check"

    def deconstruct(self):
        return (self.__class__.__name__, [], {"old": self.old, "new": self.new})


class Migration(migrations.Migration):
    # The DROP/ADD NOT VALID commits on its own before VALIDATE scans the table.
    atomic = False

    dependencies = [
        ("leads", "0008_add_lead_staff_permissions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="leadevent",
            name="event_type",
            field=models.CharField(
                choices=[
                    ("LEAD_CAPTURED", "Lead captured"),
                    ("CHOICES_SUBMITTED", "Choices submitted"),
                    ("EARLY_ACCESS_REQUESTED", "Early access requested"),
                    ("CONTACT_MESSAGE_SENT", "Contact message sent"),
                    ("CONTACT_MESSAGE_RESPONDED", "Contact message responded"),
                    ("PAGE_SESSION_RECORDED", "Page session recorded"),
                    ("LEGACY_RECORD_IMPORTED", "Legacy record imported"),
                    ("LEAD_EDITED", "Lead edited by staff"),
                    ("LEAD_CONVERTED", "Lead converted to a contact"),
                    ("CONTACT_MESSAGE_REOPENED", "Contact message marked not responded"),
                ],
                max_length=32,
            ),
        ),
        ReplaceEventTypeCheck(old=OLD_TYPES, new=NEW_TYPES),
    ]
