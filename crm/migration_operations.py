"""Migration operations that rename in place, so a rename costs the same on any table size.

Django has no ``RenameConstraint``: a ``RemoveConstraint`` + ``AddConstraint`` pair rebuilds the
unique index (reads the whole table). And ``RenameField`` leaves the field's old name inside the
model state's constraints, which breaks the next SQLite table rebuild and the autodetector. On
PostgreSQL these operations issue ``ALTER TABLE ... RENAME COLUMN`` / ``RENAME CONSTRAINT``
only: catalog changes, no rows touched. SQLite cannot rename a constraint, so there the table is
rebuilt from the new state (what Django does for most SQLite schema changes anyway).
"""

from django.db import models
from django.db.migrations.operations.base import Operation


def _renamed_constraint(
    constraint: models.BaseConstraint, *, name: str, field_renames: dict[str, str]
) -> models.BaseConstraint:
    path, args, kwargs = constraint.deconstruct()
    kwargs["name"] = name
    if "fields" in kwargs:
        kwargs["fields"] = tuple(field_renames.get(f, f) for f in kwargs["fields"])
    return type(constraint)(*args, **kwargs)


class RenameFieldAndConstraints(Operation):
    """Rename a field (and its column) and rename the constraints that use it.

    ``constraints`` maps old constraint names to new ones; their field lists follow the rename.
    """

    reversible = True

    def __init__(self, model_name: str, old_name: str, new_name: str, constraints=None):
        self.model_name = model_name
        self.old_name = old_name
        self.new_name = new_name
        self.constraints = dict(constraints or {})

    def deconstruct(self):
        kwargs = {
            "model_name": self.model_name,
            "old_name": self.old_name,
            "new_name": self.new_name,
        }
        if self.constraints:
            kwargs["constraints"] = self.constraints
        return self.__class__.__qualname__, [], kwargs

    @property
    def model_name_lower(self) -> str:
        return self.model_name.lower()

    def state_forwards(self, app_label, state):
        _rename_in_state(
            state,
            app_label,
            self.model_name_lower,
            constraint_renames=self.constraints,
            field_renames={self.old_name: self.new_name},
        )
        state.rename_field(app_label, self.model_name_lower, self.old_name, self.new_name)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        _apply(
            schema_editor,
            from_model=from_state.apps.get_model(app_label, self.model_name),
            to_model=to_state.apps.get_model(app_label, self.model_name),
            field_renames={self.old_name: self.new_name},
            constraint_renames=self.constraints,
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        _apply(
            schema_editor,
            from_model=from_state.apps.get_model(app_label, self.model_name),
            to_model=to_state.apps.get_model(app_label, self.model_name),
            field_renames={self.new_name: self.old_name},
            constraint_renames={new: old for old, new in self.constraints.items()},
        )

    def describe(self):
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name} in place"

    @property
    def migration_name_fragment(self):
        return f"rename_{self.old_name}_{self.model_name_lower}_{self.new_name}"


class RenameConstraint(Operation):
    """Rename a constraint without rebuilding it."""

    reversible = True

    def __init__(self, model_name: str, old_name: str, new_name: str):
        self.model_name = model_name
        self.old_name = old_name
        self.new_name = new_name

    def deconstruct(self):
        kwargs = {
            "model_name": self.model_name,
            "old_name": self.old_name,
            "new_name": self.new_name,
        }
        return self.__class__.__qualname__, [], kwargs

    def state_forwards(self, app_label, state):
        _rename_in_state(
            state,
            app_label,
            self.model_name.lower(),
            constraint_renames={self.old_name: self.new_name},
            field_renames={},
        )
        state.reload_model(app_label, self.model_name.lower(), delay=True)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        _apply(
            schema_editor,
            from_model=from_state.apps.get_model(app_label, self.model_name),
            to_model=to_state.apps.get_model(app_label, self.model_name),
            field_renames={},
            constraint_renames={self.old_name: self.new_name},
        )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        _apply(
            schema_editor,
            from_model=from_state.apps.get_model(app_label, self.model_name),
            to_model=to_state.apps.get_model(app_label, self.model_name),
            field_renames={},
            constraint_renames={self.new_name: self.old_name},
        )

    def describe(self):
        return f"Rename constraint {self.old_name} on {self.model_name} to {self.new_name}"

    @property
    def migration_name_fragment(self):
        return f"rename_constraint_{self.model_name.lower()}"


def _rename_in_state(state, app_label, model_name, *, constraint_renames, field_renames):
    model_state = state.models[app_label, model_name]
    constraints = model_state.options.get("constraints", [])
    missing = set(constraint_renames) - {c.name for c in constraints}
    if missing:
        raise ValueError(f"{app_label}.{model_name} has no constraint named {sorted(missing)}")
    # A new list of new objects: the old ones are shared with earlier states.
    model_state.options["constraints"] = [
        _renamed_constraint(c, name=constraint_renames[c.name], field_renames=field_renames)
        if c.name in constraint_renames
        else c
        for c in constraints
    ]


def _apply(schema_editor, *, from_model, to_model, field_renames, constraint_renames):
    quote = schema_editor.quote_name
    table = from_model._meta.db_table
    for old_name, new_name in field_renames.items():
        old_column = from_model._meta.get_field(old_name).column
        new_column = to_model._meta.get_field(new_name).column
        if old_column != new_column:
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME COLUMN {quote(old_column)} TO {quote(new_column)}"
            )
    if schema_editor.connection.vendor == "postgresql":
        for old_name, new_name in constraint_renames.items():
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} RENAME CONSTRAINT {quote(old_name)} TO {quote(new_name)}"
            )
    elif constraint_renames:
        # No RENAME CONSTRAINT here: rebuild the table from the new state, rows copied by column.
        schema_editor._remake_table(to_model)
