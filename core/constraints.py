"""Database constraints read as field errors, in the admin and in the API.

Every named constraint that a form or an API call can break is listed once here, with the field
its error belongs to and a sentence staff can act on. Two paths use the table:

- forms (the admin's model forms validate the model's constraints before saving):
  ``ConstraintFieldErrorsMixin.validate_constraints`` puts each listed constraint's error on
  its field instead of Django's ``Constraint "name" is violated.`` for the whole form;
- writes that reach the database anyway (a service, a race between two requests):
  ``validation_error_from_integrity_error`` turns the database's refusal of a listed constraint
  into the same field error (the staff API answers it as a 400, see ``StaffApiMixin``).

Models keep their constraints as they are (no migration): the messages live here.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, router

# constraint name -> (field, message)
CONSTRAINT_FIELD_ERRORS: dict[str, tuple[str, str]] = {
    # crm
    "crm_membership_unique_user_organization": (
        "organization",
        "This person is already a member of this organization.",
    ),
    "crm_contact_unique_organization_email": (
        "email",
        "Another contact of this organization already has this email.",
    ),
    "crm_contact_email_normalized": (
        "email",
        "Emails are stored trimmed and in lower case.",
    ),
    "crm_contact_not_own_parent": ("parent_contact", "A contact cannot be its own parent."),
    "crm_contact_custom_fields_is_object": (
        "custom_fields",
        "Custom fields are names with values (a JSON object).",
    ),
    "crm_contactintegration_unique_provider_external_id": (
        "external_id",
        "Another contact is already linked to this id of this provider.",
    ),
    "crm_tag_unique_organization_name_ci": (
        "name",
        "This organization already has a tag of this name (in any letter case).",
    ),
    "crm_contacttag_unique_contact_tag": ("tag", "The contact already carries this tag."),
    "crm_appointment_ends_after_start": ("end_time", "An appointment ends after it starts."),
    "crm_appointment_unique_provider_external_event": (
        "external_event_id",
        "Another appointment already has this event id of this calendar.",
    ),
    "crm_message_unique_provider_external_id": (
        "external_id",
        "A message with this id of this provider is already logged.",
    ),
    "crm_task_completed_at_iff_completed": (
        "completed_at",
        "A completed task has a completion time; an open or cancelled one has none.",
    ),
    # lms
    "lms_course_price_gte_0": ("price", "The price cannot be negative."),
    "lms_chapter_unique_course_slug": ("slug", "This course already has a chapter with this slug."),
    "lms_lesson_unique_chapter_slug": ("slug", "This chapter already has a lesson with this slug."),
    "lms_enrollment_unique_contact_course": (
        "course",
        "This contact is already enrolled in this course.",
    ),
    "lms_lessonprogress_unique_contact_lesson": (
        "lesson",
        "This contact already has progress on this lesson.",
    ),
}


def constraint_field_error(name: str) -> ValidationError | None:
    """Return the field error of the listed constraint ``name``, or None."""
    known = CONSTRAINT_FIELD_ERRORS.get(name)
    if known is None:
        return None
    field, message = known
    return ValidationError({field: ValidationError(message, code=name)})


class ConstraintFieldErrorsMixin:
    """Model validation (forms, ``full_clean``) that reports listed constraints on their field."""

    def validate_constraints(self, exclude=None):
        # Django's Model.validate_constraints, but a listed constraint's error goes to its field.
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    known = constraint_field_error(constraint.name)
                    if known is not None:
                        errors = known.update_error_dict(errors)
                    elif getattr(exc, "code", None) == "unique" and len(constraint.fields) == 1:
                        errors.setdefault(constraint.fields[0], []).append(exc)
                    else:
                        errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)


def _violated_constraint_name(exc: IntegrityError) -> str | None:
    """Return the name of the listed constraint the database refused, or None."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)  # PostgreSQL says which
    if name:
        return name
    text = str(exc)
    for listed in CONSTRAINT_FIELD_ERRORS:
        # SQLite names check constraints and expression indexes ("... failed: <name>").
        if listed in text:
            return listed
    # SQLite names a unique constraint by its columns: "UNIQUE constraint failed: t.a, t.b".
    if text.startswith("UNIQUE constraint failed: "):
        columns = text.removeprefix("UNIQUE constraint failed: ").strip()
        for model in apps.get_models():
            for constraint in model._meta.constraints:
                if constraint.name not in CONSTRAINT_FIELD_ERRORS or not isinstance(
                    constraint, models.UniqueConstraint
                ):
                    continue
                if not constraint.fields:
                    continue
                table = model._meta.db_table
                names = ", ".join(
                    f"{table}.{model._meta.get_field(field).column}" for field in constraint.fields
                )
                if names == columns:
                    return constraint.name
    return None


def validation_error_from_integrity_error(exc: IntegrityError) -> ValidationError | None:
    """Return the field error for a database refusal of a listed constraint, or None."""
    name = _violated_constraint_name(exc)
    return constraint_field_error(name) if name else None
