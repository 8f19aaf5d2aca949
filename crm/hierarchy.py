"""The rules of the contact hierarchy (clinics with their patients and employees)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from crm.models import Contact

# Clinic > department > person is as deep as real organizations go; the bound keeps the
# ancestor walk (one query per level) cheap.
MAX_DEPTH = 8


def check_parent(*, contact: Contact, parent: Contact | None) -> None:
    """Raise ValidationError unless ``parent`` may be ``contact``'s parent.

    The parent is in the same organization, is not the contact nor one of its descendants, and a
    PATIENT or EMPLOYEE hangs under a CLINIC. A CLINIC that already has patients or employees
    keeps its type.
    """
    Contact = type(contact)  # the model, from the instance: crm.models imports this module
    if not contact._state.adding and contact.contact_type != Contact.Type.CLINIC:
        dependants = Contact.objects.filter(
            parent_contact_id=contact.pk,
            contact_type__in=[Contact.Type.PATIENT, Contact.Type.EMPLOYEE],
        )
        if dependants.exists():
            raise ValidationError(
                {
                    "contact_type": "This contact has patients or employees under it, "
                    "so it must stay a clinic."
                }
            )
    if parent is None:
        return
    if parent.organization_id != contact.organization_id:
        raise ValidationError(
            {"parent_contact": "The parent must belong to the same organization."}
        )
    if parent.pk == contact.pk:
        raise ValidationError({"parent_contact": "A contact cannot be its own parent."})
    if (
        contact.contact_type in (Contact.Type.PATIENT, Contact.Type.EMPLOYEE)
        and parent.contact_type != Contact.Type.CLINIC
    ):
        raise ValidationError(
            {
                "parent_contact": f"A {contact.get_contact_type_display().lower()} "
                "can only be placed under a clinic."
            }
        )
    _check_not_descendant(contact=contact, parent=parent)


def _check_not_descendant(*, contact: Contact, parent: Contact) -> None:
    ancestor_id = parent.parent_contact_id
    for _ in range(MAX_DEPTH):
        if ancestor_id is None:
            return
        if ancestor_id == contact.pk:
            raise ValidationError(
                {
                    "parent_contact": "That contact is below this one; a contact cannot be its own ancestor."
                }
            )
        ancestor_id = (
            type(contact)
            .objects.filter(pk=ancestor_id)
            .values_list("parent_contact_id", flat=True)
            .first()
        )
    raise ValidationError(
        {"parent_contact": f"The hierarchy cannot be deeper than {MAX_DEPTH} levels."}
    )
