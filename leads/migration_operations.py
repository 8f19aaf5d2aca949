"""Migration operations of the leads app.

``ReplaceEventTypeCheck`` swaps the check on ``lead_events.event_type`` when a migration adds
event types. lead_events is a live, growing table: on PostgreSQL the new check is added NOT VALID
(a brief lock, no scan) and validated in a second step that lets writes go on while it reads the
table, so a migration using it says ``atomic = False``. Going back, events of the types the step
added are kept as LEAD_EDITED with their type in the metadata under ``ROLLED_BACK_TYPE``; coming
forward again gives them their type back. Nothing is lost either way.
"""

from django.db import migrations, models

NAME = "lead_events_event_type_valid"
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

    @property
    def added(self) -> list[str]:
        return sorted(set(self.new) - set(self.old))

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
        # Only this step's types: a later step's events stay rolled back until it runs again.
        rolled_back = LeadEvent.objects.filter(**{f"metadata__{ROLLED_BACK_TYPE}__in": self.added})
        for event in rolled_back.iterator():
            event.event_type = event.metadata.pop(ROLLED_BACK_TYPE)
            restored.append(event)
        LeadEvent.objects.bulk_update(restored, ["event_type", "metadata"], batch_size=1000)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.collect_sql:
            self._swap(schema_editor, from_state, to_state, app_label, self.old, self.new)
            return
        LeadEvent = from_state.apps.get_model(app_label, "leadevent")
        kept = []
        for event in LeadEvent.objects.filter(event_type__in=self.added).iterator():
            event.metadata = {**event.metadata, ROLLED_BACK_TYPE: event.event_type}
            event.event_type = "LEAD_EDITED"
            kept.append(event)
        LeadEvent.objects.bulk_update(kept, ["event_type", "metadata"], batch_size=1000)
        self._swap(schema_editor, from_state, to_state, app_label, self.old, self.new)

    def describe(self):
        return "Replace the lead event type check"

    def deconstruct(self):
        return (self.__class__.__name__, [], {"old": self.old, "new": self.new})
